package dev.cms.fakecloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class FakeFaultsTest extends GmailHttpFixture {
    static final String USER = "carol@example.com";
    static final String LABELS = "gmail/v1/users/me/labels";

    FakeFaultsTest() {
        super(USER);
    }

    @Test
    void failNextAnswersTheStatusWithRetryAfterThenRecovers() throws Exception {
        cloud.faults().failNext("/labels$", 2, 503, 7);
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> r = http.get(LABELS);
            assertEquals(503, r.statusCode());
            assertEquals("7", r.headers().firstValue("Retry-After").orElseThrow());
            assertEquals("UNAVAILABLE", Http.json(r).getAsJsonObject("error").get("status").getAsString());
        }
        assertEquals(200, http.get("gmail/v1/users/me/profile").statusCode(), "other paths unaffected");
        assertEquals(200, http.get(LABELS).statusCode());
        assertEquals(3, cloud.requests().count("GET", "/labels$"));
        assertEquals(2, cloud.requests().matching("/labels$").stream().filter(e -> e.status() == 503).count());
    }

    @Test
    void resetNextClosesTheConnectionWithoutAnAnswer() throws Exception {
        cloud.faults().resetNext("/labels$", 3);
        Http fresh = new Http(cloud.baseUri());
        fresh.token = http.token;
        assertThrows(IOException.class, () -> fresh.get(LABELS));
        assertTrue(cloud.requests().entries().stream().anyMatch(e -> e.status() == RequestLog.NO_ANSWER));
        cloud.faults().clear();
        Http again = new Http(cloud.baseUri());
        again.token = http.token;
        assertEquals(200, again.get(LABELS).statusCode());
    }

    @Test
    void malformedNextAnswers200WithTruncatedJson() throws Exception {
        cloud.faults().malformedNext("/labels$", 1);
        HttpResponse<String> r = http.get(LABELS);
        assertEquals(200, r.statusCode());
        assertThrows(JsonParseException.class, () -> JsonParser.parseString(r.body()));
        assertEquals(200, http.get(LABELS).statusCode());
        JsonParser.parseString(http.get(LABELS).body());
    }

    @Test
    void htmlNextAnswers200WithAPageAndChangesNothing() throws Exception {
        MessageGenerator.Generated g = new MessageGenerator(3, USER).text(300);
        String id = cloud.gmail().addMessage(USER, g.raw(), g.date(), Set.of("INBOX", "UNREAD"));
        cloud.faults().htmlNext("/messages/batchModify$", 1);
        String body = "{\"ids\":[\"" + id + "\"],\"removeLabelIds\":[\"UNREAD\"]}";
        HttpResponse<String> r = http.post("gmail/v1/users/me/messages/batchModify", body);
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElseThrow().startsWith("text/html"));
        assertTrue(r.body().startsWith("<!DOCTYPE html>"), r.body());
        assertTrue(cloud.gmail().labelsOf(USER, id).contains("UNREAD"), "the request was not served");
        assertEquals(204, http.post("gmail/v1/users/me/messages/batchModify", body).statusCode());
        assertTrue(!cloud.gmail().labelsOf(USER, id).contains("UNREAD"), "the next one is");
    }

    @Test
    void throttleAnswers429AfterTheQuotaUntilTheWindowPasses() throws Exception {
        cloud.faults().throttle("/gmail/v1/", 3, Duration.ofSeconds(10));
        for (int i = 0; i < 3; i++) {
            assertEquals(200, http.get(LABELS).statusCode());
        }
        HttpResponse<String> limited = http.get(LABELS);
        assertEquals(429, limited.statusCode());
        assertEquals("10", limited.headers().firstValue("Retry-After").orElseThrow());
        assertEquals("RESOURCE_EXHAUSTED", Http.json(limited).getAsJsonObject("error").get("status").getAsString());
        clock.advance(Duration.ofSeconds(4));
        assertEquals("6", http.get(LABELS).headers().firstValue("Retry-After").orElseThrow());
        clock.advance(Duration.ofSeconds(7));
        assertEquals(200, http.get(LABELS).statusCode());
    }

    @Test
    void decideUsesUpRulesInOrder() {
        FakeFaults faults = new FakeFaults(clock);
        faults.failNext("x", 1, 500, 0);
        faults.resetNext("x", 1);
        assertEquals(FakeFaults.Kind.STATUS, faults.decide("GET", "/x").kind());
        assertEquals(FakeFaults.Kind.RESET, faults.decide("GET", "/x").kind());
        assertEquals(FakeFaults.Kind.NONE, faults.decide("GET", "/x").kind());
        assertEquals(FakeFaults.Kind.NONE, faults.decide("GET", "/y").kind());
        faults.failNext(".", 5, 500, 0);
        assertEquals(FakeFaults.Kind.NONE, faults.decide("GET", "/_admin/state").kind());
        assertThrows(IllegalArgumentException.class, () -> faults.failNext("x", 1, 200, 0));
        assertEquals(Instant.parse("2026-01-01T00:00:00Z"), clock.instant());
    }

    @Test
    void nextRulesMatchTheMethodAndAlwaysNeverRunsOut() {
        FakeFaults faults = new FakeFaults(clock);
        faults.next(1, "POST", "/x$").reset();
        faults.next(FakeFaults.ALWAYS, "*", "/y$").answer(FakeFaults.Answer.status(418));
        assertEquals(FakeFaults.Kind.NONE, faults.decide("GET", "/x").kind(), "another method");
        assertEquals(FakeFaults.Kind.RESET, faults.decide("POST", "/x").kind());
        assertEquals(FakeFaults.Kind.NONE, faults.decide("POST", "/x").kind(), "used up");
        for (int i = 0; i < 5; i++) {
            assertEquals(418, faults.decide(i % 2 == 0 ? "GET" : "PATCH", "/y").answer().statusCode());
        }
        faults.clear();
        assertEquals(FakeFaults.Kind.NONE, faults.decide("GET", "/y").kind());
        assertThrows(IllegalArgumentException.class, () -> FakeFaults.Answer.status(99));
        assertThrows(IllegalArgumentException.class, () -> faults.next(-1, "GET", "x"));
    }

    @Test
    void scriptedAnswerIsSentAsWrittenThenTheFakeServesAgain() throws Exception {
        cloud.faults().next(1, "GET", "/labels$").answer(FakeFaults.Answer.status(503)
                .header("Retry-After", "Fri, 02 Jan 2026 03:04:35 GMT").json("{\"error\":"));
        HttpResponse<String> r = http.get(LABELS);
        assertEquals(503, r.statusCode());
        assertEquals("Fri, 02 Jan 2026 03:04:35 GMT", r.headers().firstValue("Retry-After").orElseThrow());
        assertEquals("{\"error\":", r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElseThrow().startsWith("application/json"));
        assertEquals(200, http.get(LABELS).statusCode());
        cloud.requests().matching("GET", "/" + LABELS).withStatus(503)
                .where("with the bearer token", e -> ("Bearer " + http.token).equals(e.header("authorization")))
                .assertOnce();
    }

    @Test
    void aHeldRequestIsAnsweredOnlyOnceItsHoldIsOver() throws Exception {
        CountDownLatch arrived = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        cloud.faults().next(1, "GET", "/labels$").after(() -> {
            arrived.countDown();
            release.await();
        }).serve();
        Thread other = new Thread(() -> {
            try {
                cloud.requests().matching("GET", "/gmail/v1/users/me/profile").awaitCount(1, Duration.ofSeconds(10));
                release.countDown();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        other.start();
        Http second = new Http(cloud.baseUri());
        second.token = http.token;
        var held = second.client.sendAsync(second.builder(LABELS).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(arrived.await(10, TimeUnit.SECONDS), "the held request reached the fake");
        assertEquals(200, http.get("gmail/v1/users/me/profile").statusCode());
        assertEquals(200, held.get(10, TimeUnit.SECONDS).statusCode());
        other.join();
        cloud.requests().assertCalls("GET /gmail/v1/users/me/profile", "GET /gmail/v1/users/me/labels");
        assertEquals(2, cloud.requests().maxInFlight(), "both were in flight together");
    }

    @Test
    void awaitCountFailsWithWhatTheFakeReceived() {
        AssertionError e = assertThrows(AssertionError.class, () ->
                cloud.requests().matching("GET", "/nowhere").awaitCount(1, Duration.ofMillis(50)));
        assertTrue(e.getMessage().contains("no request"), e.getMessage());
    }

    @Test
    void aRuleOnAPartsPathScriptsThatPartInsideTheBatchAnswer() throws Exception {
        cloud.faults().next(1, "GET", "/labels$").answer(FakeFaults.Answer.status(429).header("Retry-After", "4")
                .json("{\"error\":{\"code\":429}}"));
        String boundary = "b0undary";
        String part = "--" + boundary + "\r\nContent-Type: application/http\r\nContent-ID: <item-1>\r\n\r\n"
                + "GET /gmail/v1/users/me/labels\r\n\r\n";
        HttpResponse<String> r = http.send(http.builder("batch/gmail/v1")
                .header("Content-Type", "multipart/mixed; boundary=" + boundary)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(part + "--" + boundary + "--\r\n")));
        assertEquals(200, r.statusCode());
        assertTrue(r.body().contains("HTTP/1.1 429 "), r.body());
        assertTrue(r.body().contains("Retry-After: 4\r\n"), r.body());
        assertTrue(r.body().contains("{\"error\":{\"code\":429}}"), r.body());
        cloud.requests().matching("GET", "/gmail/v1/users/me/labels").withStatus(429)
                .where("as a batch part", RequestLog.Entry::batchPart).assertOnce();
    }
}
