package dev.cms.bench;

import dev.cms.time.Ticker;
import java.time.Duration;
import java.time.Instant;

/**
 * The system's clocks, with the monotonic reading moved forward on request: an engine on this
 * ticker sees a poll interval pass at once, so the benchmark can run the cycle a timer poll runs
 * (with its periodic full scan) without waiting for the interval. Sleeping and waits are real.
 * Made with {@code wallToo}, the wall clock ({@link #now}) moves on with it, so that what the
 * engine schedules by the wall clock (its check of each mailbox's counts every 30 minutes) comes
 * due as it would in the time the polls stand for.
 */
final class TimerTicker implements Ticker {
    private volatile long offset;
    private final boolean wallToo;

    TimerTicker() {
        this(false);
    }

    TimerTicker(boolean wallToo) {
        this.wallToo = wallToo;
    }

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
        return wallToo ? Instant.now().plusNanos(offset) : Instant.now();
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
