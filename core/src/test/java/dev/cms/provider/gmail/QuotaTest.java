package dev.cms.provider.gmail;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.api.client.http.HttpHeaders;
import dev.cms.config.DeleteAction;
import dev.cms.provider.Sleeper;
import dev.cms.time.FakeTicker;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The client-side quota: a token bucket charged with each call's Gmail cost. */
class QuotaTest extends GmailFixture {
    /** A time source that only moves when the limiter sleeps. */
    private final AtomicLong nanos = new AtomicLong();
    private final Sleeper advancing = d -> {
        sleeper.sleep(d);
        nanos.addAndGet(d.toNanos());
    };

    @Test
    void bucketHoldsOneSecondOfUnitsThenMakesCallersWait() throws Exception {
        FakeTicker ticker = new FakeTicker();
        QuotaLimiter q = new QuotaLimiter(10, ticker);
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
        // Three callers at the same instant: each sleeps outside the limiter's lock, so for the
        // next one no time has passed. A clock that stands still while they sleep shows it.
        List<Duration> sleeps = new java.util.ArrayList<>();
        FakeTicker still = new FakeTicker();
        QuotaLimiter q = new QuotaLimiter(10, new dev.cms.time.Ticker() {
            @Override
            public long nanoTime() {
                return still.nanoTime();
            }

            @Override
            public java.time.Instant now() {
                return still.now();
            }

            @Override
            public void sleep(Duration d) {
                sleeps.add(d);
            }

            @Override
            public void waitUntil(Object monitor, long deadline) throws InterruptedException {
                still.waitUntil(monitor, deadline);
            }

            @Override
            public void wakeAll(Object monitor) {
                still.wakeAll(monitor);
            }
        });
        q.acquire(10);
        q.acquire(5);
        q.acquire(5);
        assertEquals(List.of(Duration.ofMillis(500), Duration.ofSeconds(1)), sleeps);
    }

    private GmailMailbox slowMailbox(double unitsPerSecond) {
        GmailOptions o = new GmailOptions(unitsPerSecond, 1, Duration.ofSeconds(10), Duration.ofSeconds(10),
                advancing, new Random(1));
        return new GmailMailbox(account(), "INBOX", DeleteAction.ARCHIVE, tokens, o,
                Clock.fixed(NOW, ZoneOffset.UTC), nanos::get);
    }

    @Test
    void fullListingIsChargedOneUnitForTheProfileAndFiveForEachListing() throws Exception {
        wm.stubFor(get(urlPathEqualTo(path("profile"))).willReturn(okJson("{\"historyId\":\"1\"}")));
        wm.stubFor(get(urlPathEqualTo(path("messages"))).willReturn(okJson("{}")));
        slowMailbox(10).list(null);
        // 10 in the bucket: profile 1 -> 9, list 5 -> 4, list 5 -> -1 (0.1 s), list 5 -> -5 (0.5 s)
        assertEquals(List.of(Duration.ofMillis(100), Duration.ofMillis(500)), sleeper.sleeps);
    }

    @Test
    void historyPollIsChargedTwoUnits() throws Exception {
        wm.stubFor(get(urlPathEqualTo(path("history"))).willReturn(okJson("{\"historyId\":\"9\"}")));
        GmailMailbox box = slowMailbox(1);
        box.list("5"); // 1 in the bucket -> -1: a one-second wait
        assertEquals(List.of(Duration.ofSeconds(1)), sleeper.sleeps);
    }

    @Test
    void retryAfterIsCappedAtFiveMinutesAndIgnoredWhenUnreadable() {
        HttpHeaders h = new HttpHeaders();
        h.set("Retry-After", "3600");
        assertEquals(Duration.ofMinutes(5), GmailTransport.retryAfter(h, NOW).orElseThrow());
        h.set("Retry-After", "soon");
        assertTrue(GmailTransport.retryAfter(h, NOW).isEmpty());
        h.set("Retry-After", "Thu, 01 Jan 2026 00:00:00 GMT");
        assertEquals(Duration.ZERO, GmailTransport.retryAfter(h, NOW).orElseThrow());
    }
}
