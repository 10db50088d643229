package dev.cms.provider.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.cms.fakecloud.FakeFaults;
import dev.cms.fakecloud.FakeFaults.Answer;
import dev.cms.fakecloud.FakeFaults.Hold;
import dev.cms.model.Flag;
import dev.cms.model.Flags;
import dev.cms.provider.Change;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * Downloads and $batch changes on the embedded fake Graph, with what it never does of its own
 * scripted: each download held a while (to see how many are in flight at once), and $batch
 * parts answered throttled, unreadable or failed.
 */
class GraphFetchAndApplyTest extends GraphCloudFixture {

    private String add(String subject) {
        return graph.addMessage(user, "inbox", ("Subject: " + subject + "\r\n\r\nbody\r\n")
                .getBytes(StandardCharsets.US_ASCII), NOW, false, "notFlagged", false);
    }

    Map<String, byte[]> fetch(GraphMailbox mb, List<String> ids) throws Exception {
        Map<String, byte[]> got = new ConcurrentHashMap<>();
        mb.fetchBodies(ids, (id, in, received) -> {
            assertNull(received);
            got.put(id, in.readAllBytes());
        });
        return got;
    }

    @Test
    void neverMoreThanFourBodyRequestsInFlight() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            ids.add(add("body " + i));
        }
        // Each download is held 150 ms (real time), so those sent together overlap at the fake.
        faults().next(FakeFaults.ALWAYS, "GET", "/\\$value$").after(Hold.delay(Duration.ofMillis(150))).serve();
        requests().clear();

        Map<String, byte[]> got = fetch(mailbox("inbox"), ids);

        assertEquals(20, got.size());
        assertEquals("Subject: body 7\r\n\r\nbody\r\n", new String(got.get(ids.get(7)), StandardCharsets.US_ASCII));
        int max = requests().maxInFlight();
        assertTrue(max <= 4, "max in flight " + max);
        assertTrue(max >= 2, "downloads run in parallel: " + max);
    }

    /** Reading m1..m3 as the changes to push. */
    private static List<Change> markRead(List<String> ids) {
        return ids.stream().map(id -> Change.flags(id, Flags.NONE, Flags.of(Flag.READ))).toList();
    }

    @Test
    void throttledSubRequestIsSentAgainAloneAndAGoneMessageIsNoError() throws Exception {
        List<String> ids = List.of(add("m1"), add("m2"), add("m3"));
        graph.delete(user, ids.get(2)); // the fake answers its part 404 ErrorItemNotFound
        answerNext(1, "PATCH", "messages/" + ids.get(1), Answer.status(429).header("Retry-After", "7")
                .json("{\"error\":{\"code\":\"TooManyRequests\",\"message\":\"Slow down\"}}"));

        mailbox("inbox").apply(markRead(ids));

        List<JsonObject> bodies = batchBodies();
        assertEquals(2, bodies.size());
        JsonArray again = bodies.get(1).getAsJsonArray("requests");
        assertEquals(1, again.size());
        assertEquals("2", again.get(0).getAsJsonObject().get("id").getAsString());
        assertEquals(List.of(Duration.ofSeconds(7)), ticker.sleeps());
        calls("PATCH", "messages/" + ids.get(2)).withStatus(404).assertOnce();
        assertTrue(graph.message(user, ids.get(0)).isRead());
        assertTrue(graph.message(user, ids.get(1)).isRead(), "the part sent again was served");
    }

    @Test
    void throttledPartWhoseErrorCannotBeReadIsStillSentAgainAfterABackoff() throws Exception {
        // OData errors carry a message; without one the SDK cannot rebuild the part, so its
        // Retry-After is unknown and the part waits a jittered backoff instead.
        String m1 = add("m1");
        answerNext(1, "PATCH", "messages/" + m1, Answer.status(429).header("Retry-After", "7")
                .json("{\"error\":{\"code\":\"TooManyRequests\"}}"));

        mailbox("inbox").apply(markRead(List.of(m1)));

        assertEquals(2, batchBodies().size());
        assertEquals(1, ticker.sleeps().size());
        Duration d = ticker.sleeps().get(0);
        assertTrue(d.compareTo(Duration.ofMillis(500)) >= 0 && d.compareTo(Duration.ofSeconds(1)) < 0, d.toString());
        assertTrue(graph.message(user, m1).isRead());
    }

    @Test
    void failedSubRequestIsThrownAfterTheOthersAreDone() {
        String m1 = add("m1");
        String m2 = add("m2");
        answerNext(1, "PATCH", "messages/" + m1, Answer.status(400)
                .json("{\"error\":{\"code\":\"ErrorInvalidProperty\",\"message\":\"nope\"}}"));
        IOException e = assertThrows(IOException.class, () -> mailbox("inbox").apply(List.of(
                Change.flags(m1, Flags.NONE, Flags.of(Flag.FLAGGED)),
                Change.delete(m2, Flags.NONE))));
        assertEquals("Office365 changes for o365:" + user + ":inbox: 1 of 2 failed: "
                + "PATCH message " + m1 + ": HTTP 400 (ErrorInvalidProperty: nope)", e.getMessage());
        assertEquals("notFlagged", graph.message(user, m1).flagStatus());
        assertFalse(graph.messageIds(user, "inbox").contains(m2), "the move was still done");
        assertTrue(graph.messageIds(user, "archive").contains(m2));
    }
}
