package dev.cms.sync;

import java.time.Duration;
import java.util.Random;

/**
 * Exponential backoff with jitter for failed cycles: base, 2×base, 4×base... capped, each
 * delay spread by ±20% so many daemons do not retry in step. {@link #reset()} after success.
 */
public final class Backoff {
    private final Duration base;
    private final Duration cap;
    private final Random random;
    private int failures;

    public Backoff(Duration base, Duration cap, Random random) {
        if (base.isNegative() || base.isZero() || cap.compareTo(base) < 0) {
            throw new IllegalArgumentException("backoff needs 0 < base <= cap, got " + base + " and " + cap);
        }
        this.base = base;
        this.cap = cap;
        this.random = random;
    }

    /** A new backoff with the same base, cap and random source, and no failures yet. */
    public Backoff sibling() {
        return new Backoff(base, cap, random);
    }

    /** The delay before the next attempt after one more failure. */
    public Duration next() {
        int shift = Math.min(failures, 20);
        failures++;
        long ms = Math.min(cap.toMillis(), base.toMillis() << shift);
        double spread = 0.8 + 0.4 * random.nextDouble();
        return Duration.ofMillis(Math.min(cap.toMillis(), Math.round(ms * spread)));
    }

    public int failures() {
        return failures;
    }

    public void reset() {
        failures = 0;
    }
}
