package dev.cms.provider;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Injected sleeping so that backoff, rate limiting and Retry-After waits are testable without real waits.
 * Shared by every provider.
 */
@FunctionalInterface
public interface Sleeper {
    /** Sleeps with {@link TimeUnit#sleep}; a zero or negative duration returns at once. */
    Sleeper REAL = d -> {
        if (!d.isNegative() && !d.isZero()) {
            TimeUnit.NANOSECONDS.sleep(d.toNanos());
        }
    };

    void sleep(Duration d) throws InterruptedException;
}
