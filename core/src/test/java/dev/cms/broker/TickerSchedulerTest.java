package dev.cms.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cms.time.FakeTicker;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The scheduler's own thread on a fake clock: a task runs when the clock reaches its time, not before. */
class TickerSchedulerTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final FakeTicker ticker = new FakeTicker();
    private final TickerScheduler scheduler = new TickerScheduler(ticker).start("test-scheduler");
    private final List<String> ran = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() {
        scheduler.close();
    }

    /** Moves the clock and waits (for real) until the scheduler's thread has run what fell due and waits again. */
    private void advance(Duration d) throws InterruptedException {
        ticker.advance(d);
        ticker.awaitWaiting(1, WAIT);
    }

    @Test
    void tasksRunWhenTheClockReachesTheirTimeInTimeOrder() throws Exception {
        scheduler.schedule(() -> ran.add("b"), Duration.ofSeconds(20));
        scheduler.schedule(() -> ran.add("a"), Duration.ofSeconds(10));
        scheduler.schedule(() -> ran.add("c"), Duration.ofSeconds(20));
        ticker.awaitWaiting(1, WAIT);
        advance(Duration.ofMillis(9999));
        assertEquals(List.of(), ran, "nothing is due yet");
        advance(Duration.ofMillis(1));
        assertEquals(List.of("a"), ran);
        advance(Duration.ofSeconds(15));
        assertEquals(List.of("a", "b", "c"), ran, "the two due at once in the order they were scheduled");
        assertEquals(3, scheduler.ran());
        assertEquals(0, scheduler.pending());
    }

    @Test
    void aTaskScheduledWhileTheThreadWaitsIsSeen() throws Exception {
        scheduler.schedule(() -> ran.add("late"), Duration.ofHours(2));
        ticker.awaitWaiting(1, WAIT);
        scheduler.schedule(() -> ran.add("soon"), Duration.ofSeconds(1));
        ticker.awaitWaiting(1, WAIT);
        advance(Duration.ofSeconds(1));
        assertEquals(List.of("soon"), ran);
    }

    @Test
    void aCancelledTaskNeverRunsAndAFailingOneDoesNotStopTheOthers() throws Exception {
        TickerScheduler.Cancellable c = scheduler.schedule(() -> ran.add("cancelled"), Duration.ofSeconds(1));
        scheduler.schedule(() -> {
            throw new IllegalStateException("a task's own trouble");
        }, Duration.ofSeconds(1));
        scheduler.schedule(() -> ran.add("after"), Duration.ofSeconds(2));
        c.cancel();
        ticker.awaitWaiting(1, WAIT);
        advance(Duration.ofSeconds(2));
        assertEquals(List.of("after"), ran);
    }

    @Test
    void closeDropsWhatWaits() throws Exception {
        scheduler.schedule(() -> ran.add("x"), Duration.ofSeconds(1));
        scheduler.close();
        ticker.advance(Duration.ofSeconds(5));
        assertEquals(0, scheduler.runDue());
        assertEquals(List.of(), ran);
    }
}
