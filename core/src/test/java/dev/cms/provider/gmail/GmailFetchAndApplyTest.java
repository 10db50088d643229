package dev.cms.provider.gmail;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.exactly;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import dev.cms.config.DeleteAction;
import dev.cms.model.Flag;
import dev.cms.model.Flags;
import dev.cms.provider.BodySink;
import dev.cms.provider.Change;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

class GmailFetchAndApplyTest extends GmailFixture {
    private static final String BODY = "From: Bob <bob@example.com>\r\nSubject: caf\u00e9 ~?>\r\n\r\nline one\r\nline two\r\n";
    private static final long INTERNAL_DATE = 1_700_000_000_123L;

    /** Records what the sink received. */
    static final class Collecting implements BodySink {
        final Map<String, byte[]> bodies = new ConcurrentHashMap<>();
        final Map<String, Instant> received = new ConcurrentHashMap<>();

        @Override
        public void accept(String id, InputStream body, Instant when) throws IOException {
            bodies.put(id, body.readAllBytes());
            if (when != null) {
                received.put(id, when);
            }
        }
    }

    private static String rawJson(String id, byte[] body) {
        String raw = Base64.getUrlEncoder().withoutPadding().encodeToString(body);
        return "{\"id\":\"" + id + "\",\"threadId\":\"t\",\"labelIds\":[\"INBOX\"],\"internalDate\":\""
                + INTERNAL_DATE + "\",\"raw\":\"" + raw + "\"}";
    }

    private void stubRaw(String id, byte[] body) {
        wm.stubFor(get(urlPathEqualTo(path("messages/" + id))).withQueryParam("format", equalTo("raw"))
                .willReturn(okJson(rawJson(id, body))));
    }

    @Test
    void rawBodyIsDeliveredByteExactWithInternalDate() throws Exception {
        byte[] body = BODY.getBytes(StandardCharsets.UTF_8);
        // Bytes that base64url encodes with '-' and '_' as well.
        byte[] tricky = new byte[] {(byte) 0xfb, (byte) 0xff, (byte) 0xbf, '\r', '\n'};
        stubRaw("m1", body);
        stubRaw("m2", tricky);
        Collecting sink = new Collecting();

        mailbox("INBOX").fetchBodies(List.of("m1", "m2"), sink);

        assertArrayEquals(body, sink.bodies.get("m1"));
        assertArrayEquals(tricky, sink.bodies.get("m2"));
        assertEquals(Instant.ofEpochMilli(INTERNAL_DATE), sink.received.get("m1"));
        wm.verify(exactly(1), getRequestedFor(urlPathEqualTo(path("messages/m1")))
                .withQueryParam("format", equalTo("raw"))
                .withHeader("Authorization", equalTo("Bearer tok-1")));
    }

    @Test
    void messageDeletedMeanwhileIsSkipped() throws Exception {
        stubRaw("m1", BODY.getBytes(StandardCharsets.UTF_8));
        wm.stubFor(get(urlPathEqualTo(path("messages/gone"))).willReturn(status(404)));
        Collecting sink = new Collecting();

        mailbox("INBOX").fetchBodies(List.of("gone", "m1"), sink);

        assertEquals(Set.of("m1"), sink.bodies.keySet());
    }

    @Test
    void otherFailuresLetTheRestArriveThenThrowTheFirst() {
        stubRaw("m1", BODY.getBytes(StandardCharsets.UTF_8));
        stubRaw("m3", BODY.getBytes(StandardCharsets.UTF_8));
        wm.stubFor(get(urlPathEqualTo(path("messages/bad"))).willReturn(status(400)));
        Collecting sink = new Collecting();

        IOException e = assertThrows(IOException.class,
                () -> mailbox("INBOX").fetchBodies(List.of("m1", "bad", "m3"), sink));

        assertTrue(e.getMessage().contains("HTTP 400"), e.getMessage());
        assertEquals(Set.of("m1", "m3"), sink.bodies.keySet());
    }

    @Test
    void rawThatIsNotBase64IsMalformed() {
        wm.stubFor(get(urlPathEqualTo(path("messages/m1"))).willReturn(okJson("{\"id\":\"m1\",\"raw\":\"%%%\"}")));
        IOException e = assertThrows(IOException.class,
                () -> mailbox("INBOX").fetchBodies(List.of("m1"), new Collecting()));
        assertTrue(e.getMessage().startsWith("malformed Gmail response to messages.get"), e.getMessage());
    }

    @Test
    void twoHundredMessagesAreFetchedInParallelAndAllDelivered() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            String id = "id" + i;
            ids.add(id);
            stubRaw(id, ("Subject: " + i + "\r\n\r\nbody " + i + "\r\n").getBytes(StandardCharsets.US_ASCII));
        }
        Collecting sink = new Collecting();
        Set<String> threads = ConcurrentHashMap.newKeySet();

        mailbox("INBOX").fetchBodies(ids, (id, body, when) -> {
            threads.add(Thread.currentThread().getName());
            sink.accept(id, body, when);
        });

        assertEquals(200, sink.bodies.size());
        for (int i = 0; i < 200; i++) {
            assertEquals("Subject: " + i + "\r\n\r\nbody " + i + "\r\n",
                    new String(sink.bodies.get("id" + i), StandardCharsets.US_ASCII));
        }
        assertEquals(200, wm.getAllServeEvents().size());
        assertTrue(threads.size() <= 8, "at most maxParallelFetches threads: " + threads);
    }

    // ------------------------------------------------------------------ apply

    private void stubModify() {
        wm.stubFor(post(urlPathEqualTo(path("messages/batchModify"))).willReturn(aResponse().withStatus(204)));
    }

    private List<String> modifyBodies() {
        List<String> bodies = new ArrayList<>();
        for (ServeEvent e : served()) {
            assertEquals(path("messages/batchModify"), e.getRequest().getUrl());
            bodies.add(e.getRequest().getBodyAsString());
        }
        return bodies;
    }

    @Test
    void flagChangesAreGroupedByIdenticalLabelEdit() throws Exception {
        stubModify();
        Flags none = Flags.NONE;
        Flags read = Flags.of(Flag.READ);
        mailbox("INBOX").apply(List.of(
                Change.flags("a", none, read),                          // remove UNREAD
                Change.flags("b", read, Flags.of(Flag.READ, Flag.FLAGGED)), // add STARRED
                Change.flags("c", none, read),                          // remove UNREAD
                Change.flags("d", read, read.with(Flag.REPLIED))));     // nothing Gmail stores

        List<String> bodies = modifyBodies();
        assertEquals(2, bodies.size());
        wm.verify(exactly(1), postRequestedFor(urlPathEqualTo(path("messages/batchModify")))
                .withRequestBody(equalToJson("{\"ids\":[\"a\",\"c\"],\"removeLabelIds\":[\"UNREAD\"]}")));
        wm.verify(exactly(1), postRequestedFor(urlPathEqualTo(path("messages/batchModify")))
                .withRequestBody(equalToJson("{\"ids\":[\"b\"],\"addLabelIds\":[\"STARRED\"]}")));
    }

    @Test
    void clearingFlagsAddsUnreadAndRemovesStarred() throws Exception {
        stubModify();
        mailbox("INBOX").apply(List.of(Change.flags("a", Flags.of(Flag.READ, Flag.FLAGGED), Flags.NONE)));
        wm.verify(exactly(1), postRequestedFor(urlPathEqualTo(path("messages/batchModify")))
                .withRequestBody(equalToJson(
                        "{\"ids\":[\"a\"],\"addLabelIds\":[\"UNREAD\"],\"removeLabelIds\":[\"STARRED\"]}")));
    }

    @Test
    void largeGroupsAreSplitIntoCallsOfAtMostAThousandIds() throws Exception {
        stubModify();
        List<Change> changes = new ArrayList<>();
        for (int i = 0; i < 2500; i++) {
            changes.add(Change.flags("m" + i, Flags.NONE, Flags.of(Flag.READ)));
        }
        mailbox("INBOX").apply(changes);

        List<String> bodies = modifyBodies();
        assertEquals(3, bodies.size());
        int[] sizes = {1000, 1000, 500};
        int next = 0;
        for (int call = 0; call < 3; call++) {
            StringBuilder ids = new StringBuilder();
            for (int i = 0; i < sizes[call]; i++) {
                ids.append(i > 0 ? "," : "").append("\"m").append(next++).append("\"");
            }
            String expected = "{\"ids\":[" + ids + "],\"removeLabelIds\":[\"UNREAD\"]}";
            assertTrue(equalToJson(expected).match(bodies.get(call)).isExactMatch(), "call " + call);
        }
    }

    @Test
    void archiveRemovesTheMailboxLabel() throws Exception {
        stubLabels("{\"labels\":[{\"id\":\"Label_5\",\"name\":\"Lists\"}]}");
        stubModify();
        mailbox("Lists", DeleteAction.ARCHIVE).apply(List.of(Change.delete("x", Flags.of(Flag.READ))));
        wm.verify(exactly(1), postRequestedFor(urlPathEqualTo(path("messages/batchModify")))
                .withRequestBody(equalToJson("{\"ids\":[\"x\"],\"removeLabelIds\":[\"Label_5\"]}")));
    }

    @Test
    void archiveInInboxRemovesInbox() throws Exception {
        stubModify();
        mailbox("INBOX", DeleteAction.ARCHIVE).apply(List.of(Change.delete("x", Flags.NONE)));
        wm.verify(exactly(1), postRequestedFor(urlPathEqualTo(path("messages/batchModify")))
                .withRequestBody(equalToJson("{\"ids\":[\"x\"],\"removeLabelIds\":[\"INBOX\"]}")));
    }

    @Test
    void trashOnlyAddsTheTrashLabel() throws Exception {
        stubModify();
        mailbox("INBOX", DeleteAction.TRASH).apply(List.of(Change.delete("x", Flags.NONE)));
        wm.verify(exactly(1), postRequestedFor(urlPathEqualTo(path("messages/batchModify")))
                .withRequestBody(equalToJson("{\"ids\":[\"x\"],\"addLabelIds\":[\"TRASH\"]}")));
    }

    @Test
    void changesWithoutALabelEditSendNothing() throws Exception {
        mailbox("INBOX").apply(List.of(Change.flags("a", Flags.of(Flag.READ), Flags.of(Flag.READ, Flag.REPLIED))));
        assertEquals(0, wm.getAllServeEvents().size());
        wm.verify(exactly(0), getRequestedFor(urlPathMatching(".*")));
    }
}
