package dev.cms.provider.gmail;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.exactly;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import dev.cms.cli.AccountOptions;
import dev.cms.config.DeleteAction;
import dev.cms.provider.gmail.GmailFetchAndApplyTest.Collecting;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class GmailBatchFetchTest extends GmailFixture {
    private static final String BATCH = "/batch/gmail/v1";
    private static final long DATE = 1_700_000_000_123L;

    private GmailMailbox batching(int batchSize) {
        return new GmailMailbox(AccountOptions.gmail(account()), "INBOX", DeleteAction.ARCHIVE, tokens,
                gmailOptions(4).withBatchSize(batchSize));
    }

    private static byte[] body(String id) {
        return ("From: x@example.com\r\nSubject: " + id + " caf\u00e9\r\n\r\nline one\r\nline two\r\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static String rawJson(String id, long date) {
        return "{\"id\":\"" + id + "\",\"threadId\":\"t\",\"labelIds\":[\"INBOX\"],\"internalDate\":\"" + date
                + "\",\"raw\":\"" + Base64.getUrlEncoder().withoutPadding().encodeToString(body(id)) + "\"}";
    }

    /** One inner answer: the request's part number (1-based), status and JSON body. */
    record Answer(int item, int status, String json) {}

    private static Answer ok(int item, String id) {
        return new Answer(item, 200, rawJson(id, DATE + item));
    }

    private static Answer failed(int item, int status) {
        return new Answer(item, status, "{\"error\":{\"code\":" + status + ",\"message\":\"no\"}}");
    }

    /** A multipart/mixed batch answer as Google writes it. */
    private static ResponseDefinitionBuilder batchAnswer(Answer... answers) {
        String boundary = "batch_ZyXwVu";
        StringBuilder b = new StringBuilder();
        for (Answer a : answers) {
            byte[] json = a.json().getBytes(StandardCharsets.UTF_8);
            b.append("--").append(boundary).append("\r\n")
                    .append("Content-Type: application/http\r\n")
                    .append("Content-ID: <response-item-").append(a.item()).append(">\r\n\r\n")
                    .append("HTTP/1.1 ").append(a.status()).append(a.status() == 200 ? " OK" : " Error").append("\r\n")
                    .append("Content-Type: application/json; charset=UTF-8\r\n")
                    .append("Content-Length: ").append(json.length).append("\r\n\r\n")
                    .append(a.json()).append("\r\n");
        }
        b.append("--").append(boundary).append("--\r\n");
        return aResponse().withStatus(200).withHeader("Content-Type", "multipart/mixed; boundary=" + boundary)
                .withBody(b.toString());
    }

    private void stubSingle(String id) {
        wm.stubFor(get(urlPathEqualTo(path("messages/" + id))).withQueryParam("format", equalTo("raw"))
                .willReturn(okJson(rawJson(id, DATE))));
    }

    private List<ServeEvent> batchRequests() {
        List<ServeEvent> out = new ArrayList<>();
        for (ServeEvent e : served()) {
            if (e.getRequest().getUrl().equals(BATCH)) {
                out.add(e);
            }
        }
        return out;
    }

    @Test
    void threeBodiesGoInOneDocumentedBatchAndArriveByteExactWithReceivedTimes() throws Exception {
        wm.stubFor(post(urlPathEqualTo(BATCH)).willReturn(batchAnswer(ok(1, "a1"), ok(2, "b2"), ok(3, "c3"))));
        Collecting sink = new Collecting();

        batching(20).fetchBodies(List.of("a1", "b2", "c3"), sink);

        for (String id : List.of("a1", "b2", "c3")) {
            assertArrayEquals(body(id), sink.bodies.get(id), id);
        }
        assertEquals(Instant.ofEpochMilli(DATE + 1), sink.received.get("a1"));
        assertEquals(Instant.ofEpochMilli(DATE + 3), sink.received.get("c3"));
        List<ServeEvent> batches = batchRequests();
        assertEquals(1, batches.size());
        var request = batches.get(0).getRequest();
        assertEquals("POST", request.getMethod().getName());
        assertEquals("Bearer tok-1", request.getHeader("Authorization"));
        Matcher m = Pattern.compile("^multipart/mixed; boundary=([A-Za-z0-9_]{16,})$")
                .matcher(request.getHeader("Content-Type"));
        assertTrue(m.matches(), request.getHeader("Content-Type"));
        String boundary = m.group(1);
        StringBuilder expected = new StringBuilder();
        String[] ids = {"a1", "b2", "c3"};
        for (int i = 0; i < ids.length; i++) {
            expected.append("--").append(boundary).append("\r\n")
                    .append("Content-Type: application/http\r\n")
                    .append("Content-ID: <item-").append(i + 1).append(">\r\n\r\n")
                    .append("GET /gmail/v1/users/me/messages/").append(ids[i]).append("?format=raw\r\n\r\n");
        }
        expected.append("--").append(boundary).append("--\r\n");
        assertEquals(expected.toString(), request.getBodyAsString());
        assertFalse(request.getBodyAsString().contains("Authorization"), "the envelope carries the token");
        wm.verify(exactly(0), getRequestedFor(urlPathMatching(API + "messages/.*")));
    }

    @Test
    void partAnswered404IsSkipped() throws Exception {
        wm.stubFor(post(urlPathEqualTo(BATCH)).willReturn(batchAnswer(ok(1, "a1"), failed(2, 404))));
        Collecting sink = new Collecting();

        batching(20).fetchBodies(List.of("a1", "b2"), sink);

        assertEquals(List.of("a1"), List.copyOf(sink.bodies.keySet()));
        wm.verify(exactly(0), getRequestedFor(urlPathMatching(API + "messages/.*")));
    }

    @Test
    void throttledPartIsFetchedAgainOnItsOwn() throws Exception {
        wm.stubFor(post(urlPathEqualTo(BATCH)).willReturn(batchAnswer(failed(1, 429), ok(2, "b2"),
                new Answer(3, 403, "{\"error\":{\"errors\":[{\"reason\":\"rateLimitExceeded\"}]}}"))));
        stubSingle("a1");
        stubSingle("c3");
        Collecting sink = new Collecting();

        batching(20).fetchBodies(List.of("a1", "b2", "c3"), sink);

        assertArrayEquals(body("a1"), sink.bodies.get("a1"));
        assertArrayEquals(body("b2"), sink.bodies.get("b2"));
        assertArrayEquals(body("c3"), sink.bodies.get("c3"));
        wm.verify(exactly(1), getRequestedFor(urlPathEqualTo(path("messages/a1"))));
        wm.verify(exactly(0), getRequestedFor(urlPathEqualTo(path("messages/b2"))));
        wm.verify(exactly(1), getRequestedFor(urlPathEqualTo(path("messages/c3"))));
    }

    @Test
    void partRefusedForGoodIsThrownAfterTheOthersAreDelivered() throws Exception {
        wm.stubFor(post(urlPathEqualTo(BATCH)).willReturn(batchAnswer(failed(1, 400), ok(2, "b2"))));
        Collecting sink = new Collecting();

        GmailStatusException e = assertThrows(GmailStatusException.class,
                () -> batching(20).fetchBodies(List.of("a1", "b2"), sink));

        assertEquals(400, e.status());
        assertTrue(e.getMessage().contains("a1"), e.getMessage());
        assertArrayEquals(body("b2"), sink.bodies.get("b2"));
    }

    @Test
    void wholeBatchAnswered503FallsBackToSingleGets() throws Exception {
        wm.stubFor(post(urlPathEqualTo(BATCH)).willReturn(status(503)));
        stubSingle("a1");
        stubSingle("b2");
        Collecting sink = new Collecting();

        batching(20).fetchBodies(List.of("a1", "b2"), sink);

        assertArrayEquals(body("a1"), sink.bodies.get("a1"));
        assertArrayEquals(body("b2"), sink.bodies.get("b2"));
        wm.verify(exactly(1), postRequestedFor(urlPathEqualTo(BATCH)));
    }

    @Test
    void batch401RefreshesTheTokenOnceAndResends() throws Exception {
        sequence(BATCH, status(401), batchAnswer(ok(1, "a1"), ok(2, "b2")));
        Collecting sink = new Collecting();

        batching(20).fetchBodies(List.of("a1", "b2"), sink);

        assertEquals(2, sink.bodies.size());
        assertEquals(List.of(false, true), tokens.forced);
        List<ServeEvent> batches = batchRequests();
        assertEquals("Bearer tok-2", batches.get(1).getRequest().getHeader("Authorization"));
        assertEquals(List.of("tok-1"), tokens.rejected, "the refused token is named (issue 12, item 16)");
    }

    @Test
    void batchSizeOneSendsNoBatch() throws Exception {
        stubSingle("a1");
        stubSingle("b2");
        Collecting sink = new Collecting();

        batching(1).fetchBodies(List.of("a1", "b2"), sink);

        assertEquals(2, sink.bodies.size());
        wm.verify(exactly(0), postRequestedFor(urlPathEqualTo(BATCH)));
    }

    @Test
    void fortyFiveIdsMakeThreeBatchesChargedFiveUnitsPerPart() throws Exception {
        Answer[] gone = new Answer[20];
        for (int i = 0; i < gone.length; i++) {
            gone[i] = failed(i + 1, 404);
        }
        wm.stubFor(post(urlPathEqualTo(BATCH)).willReturn(batchAnswer(gone)));
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 45; i++) {
            ids.add(String.format("%04x", i));
        }
        // 100 units a second on a fake ticker that moves only while the limiter sleeps: the bucket
        // holds 100, then each batch's charge is owed and slept for, so the sleeps tell what was charged.
        GmailOptions o = new GmailOptions(100, 1, Duration.ofSeconds(10), Duration.ofSeconds(10), ticker,
                new Random(1), 20);
        GmailMailbox box = new GmailMailbox(AccountOptions.gmail(account()), "INBOX", DeleteAction.ARCHIVE, tokens, o);

        box.fetchBodies(ids, new Collecting());

        List<Integer> sizes = new ArrayList<>();
        for (ServeEvent e : batchRequests()) {
            sizes.add(e.getRequest().getBodyAsString().split("Content-Type: application/http", -1).length - 1);
        }
        assertEquals(List.of(20, 20, 5), sizes);
        // 100 -> 0 (no wait), -> -100 (1 s, which refills 100), -> -25 (0.25 s): 45 parts x 5 units = 225.
        assertEquals(List.of(Duration.ofSeconds(1), Duration.ofMillis(250)), ticker.sleeps());
        wm.verify(exactly(0), getRequestedFor(urlPathMatching(API + "messages/.*")));
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
