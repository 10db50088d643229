package dev.cms.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RetryTimingTest {
    private static final Instant NOW = Instant.parse("2024-03-01T12:00:00Z");
    private static final Duration CAP = Duration.ofMinutes(5);

    @Test
    void retryAfterInSecondsIsTakenAsItIs() {
        assertEquals(Optional.of(Duration.ofSeconds(7)), RetryTiming.retryAfter(" 7 ", NOW, CAP));
    }

    @Test
    void retryAfterAsHttpDateIsMeasuredFromNow() {
        assertEquals(Optional.of(Duration.ofSeconds(30)),
                RetryTiming.retryAfter("Fri, 01 Mar 2024 12:00:30 GMT", NOW, CAP));
    }

    @Test
    void retryAfterInThePastOrNegativeIsZero() {
        assertEquals(Optional.of(Duration.ZERO), RetryTiming.retryAfter("Fri, 01 Mar 2024 11:59:00 GMT", NOW, CAP));
        assertEquals(Optional.of(Duration.ZERO), RetryTiming.retryAfter("-3", NOW, CAP));
    }

    @Test
    void retryAfterLongerThanTheCapIsTheCap() {
        assertEquals(Optional.of(CAP), RetryTiming.retryAfter("3600", NOW, CAP));
        assertEquals(Optional.of(Duration.ofMinutes(10)), RetryTiming.retryAfter("3600", NOW, Duration.ofMinutes(10)));
    }

    @Test
    void unusableRetryAfterIsEmpty() {
        assertTrue(RetryTiming.retryAfter(null, NOW, CAP).isEmpty());
        assertTrue(RetryTiming.retryAfter("  ", NOW, CAP).isEmpty());
        assertTrue(RetryTiming.retryAfter("soon", NOW, CAP).isEmpty());
    }

    @Test
    void backoffDoublesPerAttemptWithinHalfToFullOfTheStep() {
        Random jitter = new Random(42);
        Duration base = Duration.ofSeconds(1);
        for (int attempt = 1; attempt <= 6; attempt++) {
            long full = 1000L << (attempt - 1);
            long ms = RetryTiming.backoff(attempt, base, CAP, jitter).toMillis();
            assertTrue(ms >= full / 2 && ms < full, "attempt " + attempt + ": " + ms + " ms");
        }
    }

    @Test
    void backoffIsCappedForLateAttempts() {
        Random jitter = new Random(7);
        for (int attempt : new int[] {10, 21, 60, Integer.MAX_VALUE}) {
            long ms = RetryTiming.backoff(attempt, Duration.ofSeconds(1), CAP, jitter).toMillis();
            assertTrue(ms >= CAP.toMillis() / 2 && ms < CAP.toMillis(), "attempt " + attempt + ": " + ms + " ms");
        }
    }

    @Test
    void backoffWithoutJitterIsHalfTheStep() {
        Random noJitter = new Random() {
            private static final long serialVersionUID = 1L;

            @Override
            public double nextDouble() {
                return 0.0;
            }
        };
        assertEquals(Duration.ofMillis(2000), RetryTiming.backoff(3, Duration.ofSeconds(1), CAP, noJitter));
    }
}
