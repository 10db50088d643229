package dev.cms.time;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * The program's one source of time: a monotonic reading for intervals and deadlines (debounce,
 * backoff, quotas, timeouts), the wall clock for what is written down or compared with a
 * service's clock (token expiry, log lines), and sleeping. Production code takes a
 * {@code Ticker} instead of calling {@code System.nanoTime}, {@code Instant.now} or
 * {@code Thread.sleep}, so that tests run on a fake that advances only when told to.
 */
public interface Ticker {
    /** The system's clocks and a real sleep. */
    Ticker SYSTEM = new Ticker() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public Instant now() {
            return Instant.now();
        }

        @Override
        public void sleep(Duration d) throws InterruptedException {
            if (!d.isNegative() && !d.isZero()) {
                TimeUnit.NANOSECONDS.sleep(d.toNanos());
            }
        }
    };

    /** Monotonic nanoseconds from an arbitrary origin: only differences mean anything. */
    long nanoTime();

    /** The wall clock; it may jump (NTP, suspend, a user setting the date). */
    Instant now();

    /** Waits {@code d}; a zero or negative duration returns at once. */
    void sleep(Duration d) throws InterruptedException;
}
