package dev.cms.time;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link Ticker} for tests: time stands still until {@link #advance} moves it, and
 * {@link #sleep} returns at once after moving it by the requested duration (and records it).
 * {@link #waitUntil} blocks until another thread notifies the monitor or {@link #advance}
 * reaches the deadline; no real time ever passes for it. The wall clock can be set on its own
 * to test jumps. Thread-safe.
 */
public final class FakeTicker implements Ticker {
    private long nanos;
    private Instant wall;
    private final List<Duration> sleeps = new ArrayList<>();
    /** A thread blocked in {@link #waitUntil}: the monitor it waits on and its deadline. */
    private record Waiter(Object monitor, long deadline) {}

    /**
     * One token per thread blocked in {@link #waitUntil} that has not been woken yet (by an
     * advance that reached its deadline, or {@link #wakeAll}).
     */
    private final Map<Object, Waiter> waiting = new IdentityHashMap<>();

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

    /**
     * Waits on {@code monitor} until notified or until {@link #advance} reaches {@code deadline}.
     * The waiter is registered before the time is read, so an advance cannot slip in between
     * unseen: it either happened before (and the deadline is seen as reached) or it notifies.
     */
    @Override
    public void waitUntil(Object monitor, long deadline) throws InterruptedException {
        if (!Thread.holdsLock(monitor)) {
            throw new IllegalMonitorStateException("waitUntil without holding the monitor");
        }
        Object token = new Object();
        synchronized (this) {
            if (deadline - nanos <= 0) {
                return;
            }
            waiting.put(token, new Waiter(monitor, deadline));
            notifyAll();
        }
        try {
            monitor.wait();
        } finally {
            synchronized (this) {
                waiting.remove(token);
            }
        }
    }

    /**
     * Moves both clocks forward and wakes the threads in {@link #waitUntil} whose deadline it
     * reached, as a real clock would (with every other thread waiting on the same monitor: a
     * waiter must expect to be woken early). A thread waiting for a later deadline sleeps on.
     */
    public FakeTicker advance(Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException("time does not run backwards: " + d);
        }
        List<Object> monitors;
        synchronized (this) {
            nanos += d.toNanos();
            wall = wall.plus(d);
            Map<Object, Object> due = new IdentityHashMap<>();
            for (Waiter w : waiting.values()) {
                if (w.deadline() - nanos <= 0) {
                    due.put(w.monitor(), w.monitor());
                }
            }
            monitors = List.copyOf(due.keySet());
            waiting.values().removeIf(w -> due.containsKey(w.monitor()));
        }
        for (Object m : monitors) {
            synchronized (m) {
                m.notifyAll();
            }
        }
        return this;
    }

    /** Wakes the waiters on {@code monitor}; they no longer count as {@linkplain #awaitWaiting waiting}. */
    @Override
    public void wakeAll(Object monitor) {
        synchronized (this) {
            waiting.values().removeIf(w -> w.monitor() == monitor);
        }
        monitor.notifyAll();
    }

    /**
     * The wall clock as a {@link java.time.Clock} (UTC), for what takes one (the embedded fake
     * cloud), so that it and the code under test agree on the time.
     */
    public java.time.Clock clock() {
        return new java.time.Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return java.time.ZoneOffset.UTC;
            }

            @Override
            public java.time.Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now();
            }
        };
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

    /**
     * Waits (for real, up to {@code timeout}) until at least {@code threads} threads are blocked
     * in {@link #waitUntil} and were not woken since (by an advance or {@link #wakeAll}): they
     * have seen the current time and every wake-up, and have nothing to do until time moves on.
     */
    public synchronized void awaitWaiting(int threads, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (waiting.size() < threads) {
            long left = end - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError(waiting.size() + " thread(s) in a timed wait after " + timeout
                        + ", not " + threads);
            }
            java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }
}
