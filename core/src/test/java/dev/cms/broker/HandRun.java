package dev.cms.broker;

import dev.cms.time.FakeTicker;
import java.time.Duration;

/**
 * A {@link TickerScheduler} that is not started, run by hand on a {@link FakeTicker}: time moves
 * only in {@link #advance}, which runs each task due on the way at its own time, on the test's
 * thread, so a test sees every background refresh happen where it would.
 */
final class HandRun {
    final FakeTicker ticker = new FakeTicker(java.time.Instant.parse("2026-03-01T09:00:00Z"));
    final TickerScheduler scheduler = new TickerScheduler(ticker);

    java.time.Instant instant() {
        return ticker.now();
    }

    /** Background tasks waiting. */
    int pending() {
        return scheduler.pending();
    }

    /** Background tasks run so far. */
    long ran() {
        return scheduler.ran();
    }

    /** Moves the clock forward by {@code d}, running the tasks due on the way. */
    void advance(Duration d) {
        long end = ticker.nanoTime() + d.toNanos();
        Long due;
        while ((due = scheduler.nextDue()) != null && due - end <= 0) {
            ticker.advance(Duration.ofNanos(Math.max(0, due - ticker.nanoTime())));
            scheduler.runDue();
        }
        ticker.advance(Duration.ofNanos(end - ticker.nanoTime()));
    }
}
