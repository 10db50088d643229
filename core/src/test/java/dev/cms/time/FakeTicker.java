package dev.cms.time;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link Ticker} for tests: time stands still until {@link #advance} moves it, and
 * {@link #sleep} returns at once after moving it by the requested duration (and records it).
 * The wall clock can be set on its own to test jumps. Thread-safe.
 */
public final class FakeTicker implements Ticker {
    private long nanos;
    private Instant wall;
    private final List<Duration> sleeps = new ArrayList<>();

    public FakeTicker() {
        this(Instant.parse("2026-01-01T00:00:00Z"));
    }

    public FakeTicker(Instant wall) {
        this.wall = wall;
        this.nanos = 1_000_000_000L;
    }

    @Override
    public synchronized long nanoTime() {
        return nanos;
    }

    @Override
    public synchronized Instant now() {
        return wall;
    }

    @Override
    public void sleep(Duration d) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        synchronized (this) {
            sleeps.add(d);
        }
        if (!d.isNegative() && !d.isZero()) {
            advance(d);
        }
    }

    /** Moves both clocks forward. */
    public synchronized FakeTicker advance(Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException("time does not run backwards: " + d);
        }
        nanos += d.toNanos();
        wall = wall.plus(d);
        return this;
    }

    /** Sets the wall clock alone (a jump); the monotonic reading does not move. */
    public synchronized FakeTicker setWallClock(Instant to) {
        wall = to;
        return this;
    }

    /** Every duration {@link #sleep} was asked for, in order. */
    public synchronized List<Duration> sleeps() {
        return List.copyOf(sleeps);
    }
}
