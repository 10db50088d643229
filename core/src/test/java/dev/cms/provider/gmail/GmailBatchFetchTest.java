package dev.cms.provider.gmail;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.config.DeleteAction;
import dev.cms.fakecloud.FakeFaults.Answer;
import dev.cms.fakecloud.RequestLog;
import dev.cms.provider.gmail.GmailFetchAndApplyTest.Collecting;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Bodies fetched through Gmail's multipart batch endpoint on the embedded fake Gmail, with the
 * answers of single parts scripted (a rule on a part's path answers that part inside the batch).
 */
class GmailBatchFetchTest extends GmailCloudFixture {
    private static final String BATCH = "/batch/gmail/v1";
    private static final long DATE = 1_700_000_000_123L;

    private GmailMailbox batching(int batchSize) {
        return mailbox("INBOX", DeleteAction.ARCHIVE, gmailOptions(4).withBatchSize(batchSize));
    }

    private static byte[] body(String name) {
        return ("From: x@example.com\r\nSubject: " + name + " caf\u00e9\r\n\r\nline one\r\nline two\r\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** Messages named a1, b2, c3... received at DATE + 1, + 2, + 3...: their ids in the fake, in order. */
    private List<String> messages(String... names) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            ids.add(add(body(names[i]), Instant.ofEpochMilli(DATE + i + 1), "INBOX"));
        }
        return ids;
    }

    /** The next fetch of message {@code id} (in a batch or alone) gets {@code answer}. */
    private void partAnswers(String id, Answer answer) {
        answerNext(1, "GET", "messages/" + id, answer);
    }

    private static Answer failed(int status) {
        return Answer.status(status).json("{\"error\":{\"code\":" + status + ",\"message\":\"no\"}}");
    }

    private RequestLog.Calls batches() {
        return requests().matching("POST", BATCH);
    }

    /** Message GETs sent on their own, not as a batch part. */
    private RequestLog.Calls singleGets() {
        return requests().matchingRegex("GET", Pattern.quote(API + "messages/") + ".*")
                .where("outside a batch", e -> !e.batchPart());
    }

    @Test
    void threeBodiesGoInOneDocumentedBatchAndArriveByteExactWithReceivedTimes() throws Exception {
        List<String> ids = messages("a1", "b2", "c3");
        Collecting sink = new Collecting();

        batching(20).fetchBodies(ids, sink);

        for (int i = 0; i < 3; i++) {
            assertArrayEquals(body(List.of("a1", "b2", "c3").get(i)), sink.bodies.get(ids.get(i)), ids.get(i));
        }
        assertEquals(Instant.ofEpochMilli(DATE + 1), sink.received.get(ids.get(0)));
        assertEquals(Instant.ofEpochMilli(DATE + 3), sink.received.get(ids.get(2)));
        RequestLog.Entry request = batches().assertOnce().entries().get(0);
        assertEquals(tokens.bearer(0), request.header("Authorization"));
        Matcher m = Pattern.compile("^multipart/mixed; boundary=([A-Za-z0-9_]{16,})$")
                .matcher(request.header("Content-Type"));
        assertTrue(m.matches(), request.header("Content-Type"));
        String boundary = m.group(1);
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < ids.size(); i++) {
            expected.append("--").append(boundary).append("\r\n")
                    .append("Content-Type: application/http\r\n")
                    .append("Content-ID: <item-").append(i + 1).append(">\r\n\r\n")
                    .append("GET /gmail/v1/users/me/messages/").append(ids.get(i)).append("?format=raw\r\n\r\n");
        }
        expected.append("--").append(boundary).append("--\r\n");
        assertEquals(expected.toString(), request.body());
        assertFalse(request.body().contains("Authorization"), "the envelope carries the token");
        singleGets().assertNone();
    }

    @Test
    void partAnswered404IsSkipped() throws Exception {
        List<String> ids = messages("a1", "b2");
        gmail.delete(USER, ids.get(1));
        Collecting sink = new Collecting();

        batching(20).fetchBodies(ids, sink);

        assertEquals(List.of(ids.get(0)), List.copyOf(sink.bodies.keySet()));
        calls("GET", "messages/" + ids.get(1)).withStatus(404).assertOnce();
        singleGets().assertNone();
    }

    @Test
    void throttledPartIsFetchedAgainOnItsOwn() throws Exception {
        List<String> ids = messages("a1", "b2", "c3");
        partAnswers(ids.get(0), failed(429));
        partAnswers(ids.get(2), Answer.status(403).json("{\"error\":{\"errors\":[{\"reason\":\"rateLimitExceeded\"}]}}"));
        Collecting sink = new Collecting();

        batching(20).fetchBodies(ids, sink);

        assertArrayEquals(body("a1"), sink.bodies.get(ids.get(0)));
        assertArrayEquals(body("b2"), sink.bodies.get(ids.get(1)));
        assertArrayEquals(body("c3"), sink.bodies.get(ids.get(2)));
        batches().assertOnce();
        single("GET", "messages/" + ids.get(0)).assertOnce();
        single("GET", "messages/" + ids.get(1)).assertNone();
        single("GET", "messages/" + ids.get(2)).assertOnce();
    }

    @Test
    void partRefusedForGoodIsThrownAfterTheOthersAreDelivered() throws Exception {
        List<String> ids = messages("a1", "b2");
        partAnswers(ids.get(0), failed(400));
        Collecting sink = new Collecting();

        GmailStatusException e = assertThrows(GmailStatusException.class, () -> batching(20).fetchBodies(ids, sink));

        assertEquals(400, e.status());
        assertTrue(e.getMessage().contains(ids.get(0)), e.getMessage());
        assertArrayEquals(body("b2"), sink.bodies.get(ids.get(1)));
        singleGets().assertNone();
    }

    @Test
    void wholeBatchAnswered503FallsBackToSingleGets() throws Exception {
        List<String> ids = messages("a1", "b2");
        faults().next(1, "POST", "^" + BATCH + "$").answer(failed(503));
        Collecting sink = new Collecting();

        batching(20).fetchBodies(ids, sink);

        assertArrayEquals(body("a1"), sink.bodies.get(ids.get(0)));
        assertArrayEquals(body("b2"), sink.bodies.get(ids.get(1)));
        batches().assertOnce();
        singleGets().assertCount(2);
    }

    @Test
    void batch401RefreshesTheTokenOnceAndResends() throws Exception {
        List<String> ids = messages("a1", "b2");
        faults().next(1, "POST", "^" + BATCH + "$").answer(failed(401));
        Collecting sink = new Collecting();

        batching(20).fetchBodies(ids, sink);

        assertEquals(2, sink.bodies.size());
        assertEquals(List.of(false, true), tokens.forced);
        List<RequestLog.Entry> sent = batches().assertCount(2).entries();
        assertEquals(tokens.bearer(0), sent.get(0).header("Authorization"));
        assertEquals(tokens.bearer(1), sent.get(1).header("Authorization"));
        assertEquals(List.of(tokens.issued.get(0)), tokens.rejected, "the refused token is named (issue 12, item 16)");
    }

    @Test
    void batchSizeOneSendsNoBatch() throws Exception {
        List<String> ids = messages("a1", "b2");
        Collecting sink = new Collecting();

        batching(1).fetchBodies(ids, sink);

        assertEquals(2, sink.bodies.size());
        batches().assertNone();
        singleGets().assertCount(2);
    }

    @Test
    void fortyFiveIdsMakeThreeBatchesChargedFiveUnitsPerPart() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 45; i++) {
            ids.add(String.format("%016x", 0xdead0000L + i)); // ids the fake never gave: each part answers 404
        }
        // 100 units a second on a fake ticker that moves only while the limiter sleeps: the bucket
        // holds 100, then each batch's charge is owed and slept for, so the sleeps tell what was charged.
        GmailOptions o = new GmailOptions(100, 1, Duration.ofSeconds(10), Duration.ofSeconds(10), ticker,
                new Random(1), 20);

        mailbox("INBOX", DeleteAction.ARCHIVE, o).fetchBodies(ids, new Collecting());

        List<Integer> sizes = new ArrayList<>();
        for (String b : batches().bodies()) {
            sizes.add(b.split("Content-Type: application/http", -1).length - 1);
        }
        assertEquals(List.of(20, 20, 5), sizes);
        // 100 -> 0 (no wait), -> -100 (1 s, which refills 100), -> -25 (0.25 s): 45 parts x 5 units = 225.
        assertEquals(List.of(Duration.ofSeconds(1), Duration.ofMillis(250)), ticker.sleeps());
        requests().matchingRegex("GET", Pattern.quote(API + "messages/") + ".*").withStatus(404).assertCount(45);
        singleGets().assertNone();
    }

    @Test
    void responseParserKeysPartsByContentIdElseByPositionAndHonoursContentLength() throws Exception {
        String text = "preamble\r\n--b1\r\nContent-Type: application/http\r\nContent-ID: <response-item-3>\r\n\r\n"
                + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}trailing\r\n"
                + "--b1\r\nContent-Type: application/http\r\n\r\nHTTP/1.1 404 Not Found\r\n\r\nx\r\n--b1--\r\n";
        var parts = GmailBatchWire.parseResponse("multipart/mixed; boundary=\"b1\"",
                text.getBytes(StandardCharsets.UTF_8));
        assertEquals(200, parts.get("item-3").status());
        assertEquals("{}", new String(parts.get("item-3").body(), StandardCharsets.UTF_8));
        assertEquals(404, parts.get("item-2").status());
        assertEquals("x", new String(parts.get("item-2").body(), StandardCharsets.UTF_8));
    }

    @Test
    void answerThatIsNotMultipartIsRefused() {
        assertThrows(GmailTransport.MalformedGmailResponse.class,
                () -> GmailBatchWire.parseResponse("application/json", "{}".getBytes(StandardCharsets.UTF_8)));
        assertThrows(GmailTransport.MalformedGmailResponse.class,
                () -> GmailBatchWire.parseResponse("multipart/mixed; boundary=b1",
                        "--b1\r\nContent-Type: application/http\r\n\r\nHTTP/1.1 200 OK\r\n\r\n{}"
                                .getBytes(StandardCharsets.UTF_8)));
    }
}
