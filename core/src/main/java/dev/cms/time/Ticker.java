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

        @Override
        public void waitUntil(Object monitor, long deadline) throws InterruptedException {
            long left = deadline - System.nanoTime();
            if (left > 0) {
                TimeUnit.NANOSECONDS.timedWait(monitor, left);
            }
        }

        @Override
        public void wakeAll(Object monitor) {
            monitor.notifyAll();
        }
    };

    /** Monotonic nanoseconds from an arbitrary origin: only differences mean anything. */
    long nanoTime();

    /** The wall clock; it may jump (NTP, suspend, a user setting the date). */
    Instant now();

    /** Waits {@code d}; a zero or negative duration returns at once. */
    void sleep(Duration d) throws InterruptedException;

    /**
     * Waits on {@code monitor}, whose lock the caller holds (as for {@link Object#wait}), until
     * another thread wakes it ({@link #wakeAll}) or {@link #nanoTime()} reaches {@code deadline}.
     * It may return earlier (a spurious wake-up), so callers check their condition and the time
     * again in a loop. A deadline already reached returns at once. This is how timed waits (a
     * debounce, a poll timer) run on a fake clock in tests: the fake wakes its waiters when it
     * advances.
     *
     * @throws IllegalMonitorStateException when the caller does not hold {@code monitor}'s lock
     */
    void waitUntil(Object monitor, long deadline) throws InterruptedException;

    /**
     * Wakes every thread in {@link #waitUntil} on {@code monitor}, whose lock the caller holds
     * (as {@link Object#notifyAll}); a fake clock then knows those threads have work to do.
     */
    void wakeAll(Object monitor);
}
