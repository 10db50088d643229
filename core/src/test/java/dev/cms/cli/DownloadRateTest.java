package dev.cms.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Issue 15, item 4: the speed over the last ten minutes and the time left at it. */
class DownloadRateTest {
    private static final long SECOND = 1_000_000_000L;
    private long now = 7 * SECOND;
    private int done;
    private final DownloadRate rate = new DownloadRate(now);

    /** {@code n} bodies of 1000 bytes, one every {@code everyMillis}. */
    private void arrive(int n, long everyMillis) {
        for (int i = 0; i < n; i++) {
            now += everyMillis * 1_000_000L;
            done++;
            rate.record(now, done, done * 1000L);
        }
    }

    @Test
    void aThrottlingPauseCountsUntilItLeavesTheTenMinuteWindow() {
        arrive(1000, 100); // 10 a second for 100 s
        assertEquals(10.0, rate.messagesPerSecond(), 1e-9);
        now += 120 * SECOND; // Retry-After: 120
        arrive(1, 100);
        assertEquals(1001 / 220.1, rate.messagesPerSecond(), 1e-9);
        assertEquals(Duration.ofSeconds((long) Math.ceil(99_999 / (1001 / 220.1))), rate.timeLeft(101_000));
        arrive(3800, 100); // 380 s more: the pause is still in the last ten minutes
        assertEquals(0.8, rate.messagesPerSecond() / 10, 0.01);
        arrive(2400, 100); // 240 s more: it is not
        assertEquals(10.0, rate.messagesPerSecond(), 0.01);
        assertEquals(10_000.0, rate.bytesPerSecond(), 10);
        assertEquals(Duration.ofSeconds(9_380), rate.timeLeft(101_000).withNanos(0));
    }

    @Test
    void countsArrivingOutOfOrderFromSeveralThreadsNeverGoBack() {
        now += 6 * SECOND;
        rate.record(now, 60, 60_000);
        rate.record(now - 1, 59, 59_000);
        assertEquals(60, rate.done());
        assertEquals(10.0, rate.messagesPerSecond(), 1e-9);
    }

    @Test
    void theTimeLeftIsUnknownInTheFirstFiveSecondsAndZeroAtTheEnd() {
        arrive(49, 100);
        assertNull(rate.timeLeft(50));
        arrive(1, 100);
        assertEquals(Duration.ZERO, rate.timeLeft(50));
    }
}
