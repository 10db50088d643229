package dev.cms.provider.graph;

import static dev.cms.testing.TextAssert.assertThatText;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.cms.config.DeleteAction;
import dev.cms.fakecloud.FakeGraph.MessageState;
import dev.cms.model.Flag;
import dev.cms.model.Flags;
import dev.cms.provider.Change;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** Body downloads and $batch changes against the embedded fake Graph: the requests sent and what the mailbox holds after. */
class GraphBodiesAndChangesTest extends GraphCloudFixture {
    private static final Instant RECEIVED = Instant.parse("2025-12-01T10:00:00Z");

    private String add(byte[] mime, boolean read, String flagStatus, boolean replied) {
        return graph.addMessage(user, "inbox", mime, RECEIVED, read, flagStatus, replied);
    }

    private String add(boolean read, String flagStatus, boolean replied) {
        return add("Subject: x\r\n\r\nx\r\n".getBytes(StandardCharsets.US_ASCII), read, flagStatus, replied);
    }

    private Map<String, byte[]> fetch(GraphMailbox mb, List<String> ids) throws Exception {
        Map<String, byte[]> got = new ConcurrentHashMap<>();
        mb.fetchBodies(ids, (id, in, received) -> {
            assertNull(received);
            got.put(id, in.readAllBytes());
        });
        return got;
    }

    @Test
    void bodiesAreStreamedByteForByteWithTheirCrlf() throws Exception {
        byte[] body = "Subject: hi\r\n\r\nline\r\n\u0000\u00ff end\r\n".getBytes(StandardCharsets.ISO_8859_1);
        String m1 = add(body, true, "notFlagged", false);
        Map<String, byte[]> got = fetch(mailbox("inbox"), List.of(m1));
        assertArrayEquals(body, got.get(m1));
        calls("GET", "messages/" + m1 + "/$value").assertOnce();
    }

    @Test
    void goneMessageIsSkippedAndAnotherFailureIsThrownAfterTheRest() {
        String a = add(true, "notFlagged", false);
        String gone = add(true, "notFlagged", false);
        String bad = add(true, "notFlagged", false);
        String c = add(true, "notFlagged", false);
        graph.delete(user, gone);
        ms.faults().failNext("/messages/" + bad + "/\\$value$", 1, 400, 0);
        Map<String, byte[]> got = new ConcurrentHashMap<>();
        IOException e = assertThrows(IOException.class, () -> mailbox("inbox").fetchBodies(
                List.of(a, gone, bad, c), (id, in, r) -> got.put(id, in.readAllBytes())));
        // the code and message Graph sent are named
        assertThatText(e.getMessage()).contains("HTTP 400 (BadRequest: Injected fault: bad request.)");
        assertEquals(List.of(a, c).stream().sorted().toList(), got.keySet().stream().sorted().toList());
        calls("GET", "messages/" + gone + "/$value").withStatus(404).assertOnce();
    }

    @Test
    void batchCarriesPatchesFirstThenMovesWithExactBodies() throws Exception {
        String m1 = add(false, "notFlagged", false);
        String m2 = add(true, "notFlagged", false);
        String m3 = add(true, "flagged", true);
        String m4 = add(true, "notFlagged", false);
        mailbox("inbox").apply(List.of(
                Change.flags(m1, Flags.NONE, Flags.of(Flag.READ, Flag.FLAGGED)),
                Change.flags(m2, Flags.of(Flag.READ), Flags.of(Flag.READ, Flag.REPLIED)),
                Change.flags(m3, Flags.of(Flag.READ, Flag.REPLIED, Flag.FLAGGED), Flags.NONE),
                Change.delete(m4, Flags.of(Flag.READ))));
        // Two batches, each JSON (the fake answers any other $batch with 415) and each answered 200.
        List<JsonObject> bodies = batchBodies();
        assertEquals(2, bodies.size());
        ms.requests().matching("POST", "/v1.0/$batch").withStatus(200).assertCount(2);
        String prefer = "'prefer':'IdType=\\\"ImmutableId\\\"'";
        assertEquals(json("["
                + "{'id':'1','method':'PATCH','url':'/me/messages/" + m1 + "'," + prefer + ","
                + "'body':{'isRead':true,'flag':{'flagStatus':'flagged'}}},"
                + "{'id':'2','method':'PATCH','url':'/me/messages/" + m2 + "'," + prefer + ","
                + "'body':{'singleValueExtendedProperties':[{'id':'Integer 0x1081','value':'103'},"
                + "{'id':'SystemTime 0x1082','value':'2026-01-02T03:04:05Z'},{'id':'Integer 0x1080','value':'261'}]}},"
                + "{'id':'3','method':'PATCH','url':'/me/messages/" + m3 + "'," + prefer + ","
                + "'body':{'isRead':false,'flag':{'flagStatus':'notFlagged'},'singleValueExtendedProperties':["
                + "{'id':'Integer 0x1081','value':'0'},{'id':'Integer 0x1080','value':'257'}]}}]"), parts(bodies.get(0)));
        assertEquals(json("[{'id':'4','method':'POST','url':'/me/messages/" + m4 + "/move'," + prefer + ","
                + "'body':{'destinationid':'archive'}}]"), parts(bodies.get(1)));

        MessageState s1 = graph.message(user, m1);
        assertTrue(s1.isRead() && s1.flagStatus().equals("flagged"), s1.toString());
        assertTrue(graph.message(user, m2).replied(), "m2 is marked answered");
        MessageState s3 = graph.message(user, m3);
        assertFalse(s3.isRead() || s3.replied() || !s3.flagStatus().equals("notFlagged"), s3.toString());
        assertEquals(graph.folderId(user, "archive"), graph.message(user, m4).folderId(), "m4 archived, same id");
    }

    @Test
    void trashMovesToDeletedItems() throws Exception {
        String m1 = add(true, "notFlagged", false);
        mailbox("inbox", DeleteAction.TRASH).apply(List.of(Change.delete(m1, Flags.NONE)));
        JsonArray reqs = parts(batchBodies().get(0));
        assertEquals(json("{'destinationid':'deleteditems'}"), reqs.get(0).getAsJsonObject().get("body"));
        assertEquals(graph.folderId(user, "deleteditems"), graph.message(user, m1).folderId());
    }

    @Test
    void atMostTwentySubRequestsGoInOneBatch() throws Exception {
        List<Change> changes = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 45; i++) {
            String id = add(false, "notFlagged", false);
            ids.add(id);
            changes.add(Change.flags(id, Flags.NONE, Flags.of(Flag.READ)));
        }
        mailbox("inbox").apply(changes);
        assertEquals(List.of(20, 20, 5), batchBodies().stream().map(b -> b.getAsJsonArray("requests").size()).toList());
        assertTrue(ids.stream().allMatch(id -> graph.message(user, id).isRead()), "all 45 marked read");
    }
}
