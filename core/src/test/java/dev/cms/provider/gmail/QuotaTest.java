package dev.cms.provider.gmail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.config.DeleteAction;
import dev.cms.provider.RetryPolicy;
import dev.cms.time.Ticker;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The client-side quota: a token bucket charged with each call's Gmail cost. */
class QuotaTest extends GmailCloudFixture {
    @Test
    void bucketHoldsOneSecondOfUnitsThenMakesCallersWait() throws Exception {
        QuotaLimiter q = new QuotaLimiter(10, ticker); // time moves only when the limiter sleeps
        q.acquire(5);
        q.acquire(5);
        assertTrue(ticker.sleeps().isEmpty());
        q.acquire(5);
        assertEquals(List.of(Duration.ofMillis(500)), ticker.sleeps());
        ticker.advance(Duration.ofSeconds(10)); // idle: refills to one second's worth only
        q.acquire(10);
        q.acquire(1);
        assertEquals(List.of(Duration.ofMillis(500), Duration.ofMillis(100)), ticker.sleeps());
    }

    @Test
    void waitersQueueBehindEachOthersDebt() throws Exception {
        List<Duration> sleeps = new ArrayList<>();
        Ticker frozen = new Ticker() { // time stands still, sleeping does nothing
            @Override
            public long nanoTime() {
                return 0;
            }

            @Override
            public Instant now() {
                return NOW;
            }

            @Override
            public void sleep(Duration d) {
                sleeps.add(d);
            }

            @Override
            public void waitUntil(Object monitor, long deadline) {
                throw new UnsupportedOperationException("the quota limiter never waits on a monitor");
            }

            @Override
            public void wakeAll(Object monitor) {
                monitor.notifyAll();
            }
        };
        QuotaLimiter q = new QuotaLimiter(10, frozen);
        q.acquire(10);
        q.acquire(5);
        q.acquire(5);
        assertEquals(List.of(Duration.ofMillis(500), Duration.ofSeconds(1)), sleeps);
    }

    private GmailMailbox slowMailbox(double unitsPerSecond) {
        GmailOptions o = new GmailOptions(unitsPerSecond, 1, Duration.ofSeconds(10), Duration.ofSeconds(10),
                ticker, new Random(1));
        return mailbox("INBOX", DeleteAction.ARCHIVE, o);
    }

    @Test
    void fullListingIsChargedOneUnitForTheProfileAndFiveForEachListing() throws Exception {
        slowMailbox(10).list(null);
        // 10 in the bucket: profile 1 -> 9, list 5 -> 4, list 5 -> -1 (0.1 s), list 5 -> -5 (0.5 s)
        assertEquals(List.of(Duration.ofMillis(100), Duration.ofMillis(500)), ticker.sleeps());
        calls("GET", "profile").assertOnce();
        calls("GET", "messages").assertCount(3);
    }

    @Test
    void historyPollIsChargedTwoUnits() throws Exception {
        GmailMailbox box = slowMailbox(1);
        box.list(Long.toString(gmail.historyId(USER))); // 1 in the bucket -> -1: a one-second wait
        assertEquals(List.of(Duration.ofSeconds(1)), ticker.sleeps());
        requests().assertCalls("GET " + API + "history");
    }

    @Test
    void retryAfterIsCappedAtTenMinutesAndIgnoredWhenUnreadable() {
        assertEquals(Duration.ofMinutes(10), RetryPolicy.retryAfter("3600", NOW));
        assertEquals(null, RetryPolicy.retryAfter("soon", NOW));
        assertEquals(Duration.ZERO, RetryPolicy.retryAfter("Thu, 01 Jan 2026 00:00:00 GMT", NOW));
    }
}
