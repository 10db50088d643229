package dev.cms.bench;

import dev.cms.time.Ticker;
import java.time.Duration;
import java.time.Instant;

/**
 * The system's clocks, with the monotonic reading moved forward on request: an engine on this
 * ticker sees a poll interval pass at once, so the benchmark can run the cycle a timer poll runs
 * (with its periodic full scan) without waiting for the interval. Sleeping and waits are real.
 */
final class TimerTicker implements Ticker {
    private volatile long offset;

    /** Moves the monotonic clock forward by {@code d}. */
    void advance(Duration d) {
        offset += d.toNanos();
    }

    @Override
    public long nanoTime() {
        return System.nanoTime() + offset;
    }

    @Override
    public Instant now() {
        return Instant.now();
    }

    @Override
    public void sleep(Duration d) throws InterruptedException {
        SYSTEM.sleep(d);
    }

    @Override
    public void waitUntil(Object monitor, long deadline) throws InterruptedException {
        SYSTEM.waitUntil(monitor, deadline - offset);
    }

    @Override
    public void wakeAll(Object monitor) {
        SYSTEM.wakeAll(monitor);
    }
}
