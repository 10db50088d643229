package dev.cms.broker;

import dev.cms.time.ManualTicker;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A clock the test moves by hand and a scheduler whose tasks run, on the test's thread, when the
 * clock passes their time. Shared with the fake cloud (as a {@link Clock}) and the token sources
 * (as a {@link ManualTicker}) so that both agree on expiry.
 */
final class ManualTime extends Clock implements TokenRefresher.Scheduler, ManualTicker {
    private record Task(Instant due, long seq, Runnable run) {
    }

    private volatile Instant now = Instant.parse("2026-03-01T09:00:00Z");
    private final List<Task> tasks = new ArrayList<>();
    private long seq;
    private int ran;

    /** Moves the clock forward, running each task due on the way at its own time. */
    @Override
    public void advance(Duration d) {
        Instant end = now.plus(d);
        while (true) {
            Task next;
            synchronized (this) {
                next = tasks.stream().filter(t -> !t.due().isAfter(end))
                        .min(Comparator.comparing(Task::due).thenComparing(Task::seq)).orElse(null);
                if (next == null) {
                    break;
                }
                tasks.remove(next);
                if (next.due().isAfter(now)) {
                    now = next.due();
                }
                ran++;
            }
            next.run().run();
        }
        now = end;
    }

    synchronized int pending() {
        return tasks.size();
    }

    synchronized int ran() {
        return ran;
    }

    @Override
    public synchronized TokenRefresher.Cancellable schedule(Runnable task, Duration delay) {
        Task t = new Task(now.plus(delay.isNegative() ? Duration.ZERO : delay), seq++, task);
        tasks.add(t);
        return () -> {
            synchronized (this) {
                tasks.remove(t);
            }
        };
    }

    @Override
    public synchronized void close() {
        tasks.clear();
    }

    @Override
    public Instant instant() {
        return now;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
