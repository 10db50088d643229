package dev.cms.provider.gmail;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Injected sleeping so backoff and rate limiting are testable without real waits. */
@FunctionalInterface
public interface Sleeper {
    /** Sleeps with {@link Thread#sleep}; a zero or negative duration returns at once. */
    Sleeper REAL = d -> {
        if (!d.isNegative() && !d.isZero()) {
            TimeUnit.NANOSECONDS.sleep(d.toNanos());
        }
    };

    void sleep(Duration d) throws InterruptedException;
}
