package dev.cms.provider.gmail;

import static dev.cms.testing.TextAssert.assertThatText;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
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
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** Body downloads and label edits against the embedded fake Gmail. */
class GmailFetchAndApplyTest extends GmailCloudFixture {
    private static final String BODY = "From: Bob <bob@example.com>\r\nSubject: caf\u00e9 ~?>\r\n\r\nline one\r\nline two\r\n";
    private static final Instant INTERNAL_DATE = Instant.ofEpochMilli(1_700_000_000_123L);

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

    @Test
    void rawBodyIsDeliveredByteExactWithInternalDate() throws Exception {
        byte[] body = BODY.getBytes(StandardCharsets.UTF_8);
        // Bytes that base64url encodes with '-' and '_' as well.
        byte[] tricky = new byte[] {(byte) 0xfb, (byte) 0xff, (byte) 0xbf, '\r', '\n'};
        String m1 = add(body, INTERNAL_DATE, "INBOX");
        String m2 = add(tricky, INTERNAL_DATE, "INBOX");
        Collecting sink = new Collecting();

        mailbox("INBOX").fetchBodies(List.of(m1, m2), sink);

        assertArrayEquals(body, sink.bodies.get(m1));
        assertArrayEquals(tricky, sink.bodies.get(m2));
        assertEquals(INTERNAL_DATE, sink.received.get(m1));
        calls("GET", "messages/" + m1).withQuery("format", "raw").withStatus(200).assertOnce();
    }

    @Test
    void messageDeletedMeanwhileIsSkipped() throws Exception {
        String m1 = add(BODY, INTERNAL_DATE, "INBOX");
        String gone = add(BODY, INTERNAL_DATE, "INBOX");
        gmail.delete(USER, gone);
        Collecting sink = new Collecting();

        mailbox("INBOX").fetchBodies(List.of(gone, m1), sink);

        assertEquals(Set.of(m1), sink.bodies.keySet());
        calls("GET", "messages/" + gone).withStatus(404).assertOnce();
    }

    @Test
    void otherFailuresLetTheRestArriveThenThrowTheFirst() {
        String m1 = add(BODY, INTERNAL_DATE, "INBOX");
        String bad = add(BODY, INTERNAL_DATE, "INBOX");
        String m3 = add(BODY, INTERNAL_DATE, "INBOX");
        cloud.faults().failNext("/messages/" + bad + "$", 1, 400, 0);
        Collecting sink = new Collecting();

        IOException e = assertThrows(IOException.class,
                () -> mailbox("INBOX").fetchBodies(List.of(m1, bad, m3), sink));

        assertThatText(e.getMessage()).contains("HTTP 400");
        assertEquals(Set.of(m1, m3), sink.bodies.keySet());
        calls("GET", "messages/" + bad).assertOnce();
    }

    @Test
    void twoHundredMessagesAreFetchedInParallelAndAllDelivered() throws Exception {
        List<String> ids = new ArrayList<>();
        Map<String, String> texts = new ConcurrentHashMap<>();
        for (int i = 0; i < 200; i++) {
            String text = "Subject: " + i + "\r\n\r\nbody " + i + "\r\n";
            String id = add(text, INTERNAL_DATE.plusSeconds(i), "INBOX");
            ids.add(id);
            texts.put(id, text);
        }
        Collecting sink = new Collecting();
        Set<String> threads = ConcurrentHashMap.newKeySet();

        mailbox("INBOX").fetchBodies(ids, (id, body, when) -> {
            threads.add(Thread.currentThread().getName());
            sink.accept(id, body, when);
        });

        assertEquals(200, sink.bodies.size());
        for (String id : ids) {
            assertEquals(texts.get(id), new String(sink.bodies.get(id), StandardCharsets.US_ASCII));
        }
        assertEquals(200, requests().size(), requests().toString());
        requests().matchingRegex("GET", API + "messages/[^/]+").withQuery("format", "raw").assertCount(200);
        assertTrue(threads.size() <= 8, "at most maxParallelFetches threads: " + threads);
    }

    // ------------------------------------------------------------------ apply

    /** The batchModify bodies sent, oldest first, parsed. */
    private List<JsonElement> modifyBodies() {
        return calls("POST", "messages/batchModify").withStatus(204).bodies().stream()
                .map(JsonParser::parseString).toList();
    }

    private static JsonElement json(String s) {
        return JsonParser.parseString(s.replace('\'', '"'));
    }

    private Set<String> labels(String id) {
        return gmail.labelsOf(USER, id);
    }

    @Test
    void flagChangesAreGroupedByIdenticalLabelEdit() throws Exception {
        String a = add(BODY, INTERNAL_DATE, "INBOX", "UNREAD");
        String b = add(BODY, INTERNAL_DATE, "INBOX");
        String c = add(BODY, INTERNAL_DATE, "INBOX", "UNREAD");
        String d = add(BODY, INTERNAL_DATE, "INBOX");
        Flags none = Flags.NONE;
        Flags read = Flags.of(Flag.READ);
        mailbox("INBOX").apply(List.of(
                Change.flags(a, none, read),                          // remove UNREAD
                Change.flags(b, read, Flags.of(Flag.READ, Flag.FLAGGED)), // add STARRED
                Change.flags(c, none, read),                          // remove UNREAD
                Change.flags(d, read, read.with(Flag.REPLIED))));     // nothing Gmail stores

        assertEquals(List.of(json("{'ids':['" + a + "','" + c + "'],'removeLabelIds':['UNREAD']}"),
                json("{'ids':['" + b + "'],'addLabelIds':['STARRED']}")), modifyBodies());
        assertEquals(Set.of("INBOX"), labels(a));
        assertEquals(Set.of("INBOX", "STARRED"), labels(b));
        assertEquals(Set.of("INBOX"), labels(c));
        assertEquals(Set.of("INBOX"), labels(d));
    }

    @Test
    void clearingFlagsAddsUnreadAndRemovesStarred() throws Exception {
        String a = add(BODY, INTERNAL_DATE, "INBOX", "STARRED");
        mailbox("INBOX").apply(List.of(Change.flags(a, Flags.of(Flag.READ, Flag.FLAGGED), Flags.NONE)));
        assertEquals(List.of(json("{'ids':['" + a + "'],'addLabelIds':['UNREAD'],'removeLabelIds':['STARRED']}")),
                modifyBodies());
        assertEquals(Set.of("INBOX", "UNREAD"), labels(a));
    }

    @Test
    void largeGroupsAreSplitIntoCallsOfAtMostAThousandIds() throws Exception {
        List<String> ids = new ArrayList<>();
        List<Change> changes = new ArrayList<>();
        for (int i = 0; i < 2500; i++) {
            String id = add("Subject: " + i + "\r\n\r\n", INTERNAL_DATE, "INBOX", "UNREAD");
            ids.add(id);
            changes.add(Change.flags(id, Flags.NONE, Flags.of(Flag.READ)));
        }
        mailbox("INBOX").apply(changes);

        List<JsonElement> bodies = modifyBodies();
        assertEquals(3, bodies.size());
        int[] sizes = {1000, 1000, 500};
        int next = 0;
        for (int call = 0; call < 3; call++) {
            StringBuilder expected = new StringBuilder("{'ids':[");
            for (int i = 0; i < sizes[call]; i++) {
                expected.append(i > 0 ? "," : "").append('\'').append(ids.get(next++)).append('\'');
            }
            expected.append("],'removeLabelIds':['UNREAD']}");
            assertEquals(json(expected.toString()), bodies.get(call), "call " + call);
        }
        assertEquals(List.of(), gmail.messageIds(USER, "UNREAD"), "every message was marked read");
    }

    @Test
    void archiveRemovesTheMailboxLabel() throws Exception {
        String lists = gmail.addLabel(USER, "Lists");
        String x = add(BODY, INTERNAL_DATE, "INBOX", lists);
        mailbox("Lists", DeleteAction.ARCHIVE).apply(List.of(Change.delete(x, Flags.of(Flag.READ))));
        assertEquals(List.of(json("{'ids':['" + x + "'],'removeLabelIds':['" + lists + "']}")), modifyBodies());
        assertEquals(Set.of("INBOX"), labels(x));
    }

    @Test
    void archiveInInboxRemovesInbox() throws Exception {
        String x = add(BODY, INTERNAL_DATE, "INBOX", "UNREAD");
        mailbox("INBOX", DeleteAction.ARCHIVE).apply(List.of(Change.delete(x, Flags.NONE)));
        assertEquals(List.of(json("{'ids':['" + x + "'],'removeLabelIds':['INBOX']}")), modifyBodies());
        assertEquals(Set.of("UNREAD"), labels(x));
    }

    @Test
    void trashOnlyAddsTheTrashLabel() throws Exception {
        String x = add(BODY, INTERNAL_DATE, "INBOX", "UNREAD");
        mailbox("INBOX", DeleteAction.TRASH).apply(List.of(Change.delete(x, Flags.NONE)));
        assertEquals(List.of(json("{'ids':['" + x + "'],'addLabelIds':['TRASH']}")), modifyBodies());
        assertEquals(Set.of("INBOX", "UNREAD", "TRASH"), labels(x));
    }

    @Test
    void changesWithoutALabelEditSendNothing() throws Exception {
        String a = add(BODY, INTERNAL_DATE, "INBOX");
        mailbox("INBOX").apply(List.of(Change.flags(a, Flags.of(Flag.READ), Flags.of(Flag.READ, Flag.REPLIED))));
        requests().assertNone();
        assertEquals(Set.of("INBOX"), labels(a));
    }
}
