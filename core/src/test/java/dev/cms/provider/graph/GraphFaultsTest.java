package dev.cms.provider.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.fakecloud.FakeFaults;
import dev.cms.fakecloud.FakeFaults.Answer;
import dev.cms.fakecloud.RequestLog;
import dev.cms.model.Flag;
import dev.cms.model.Flags;
import dev.cms.provider.Change;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Graph-only faults and headers, scripted on the embedded fake Graph: immutable ids, the
 * mailbox-wide pause, error texts, malformed answers and $batch envelopes. The faults both
 * services share are in {@link dev.cms.provider.TransportFaultsTest}.
 */
class GraphFaultsTest extends GraphCloudFixture {
    static final String INBOX = "mailFolders/inbox";

    private String unreadMessage() {
        return graph.addMessage(user, "inbox", "Subject: hi\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII),
                NOW, false, "notFlagged", false);
    }

    @Test
    void everyRequestPrefersImmutableIdsAndCarriesTheBearerToken() throws Exception {
        String m1 = unreadMessage();
        GraphMailbox mb = mailbox("inbox");
        mb.list(null);
        mb.fetchBodies(List.of(m1), (id, in, r) -> in.readAllBytes());
        mb.apply(List.of(Change.flags(m1, Flags.NONE, Flags.of(Flag.READ))));
        List<RequestLog.Entry> sent = topLevel();
        assertEquals(List.of("GET " + API + INBOX, "GET " + API + deltaOf(graph.folderId(user, "inbox")),
                "GET " + API + "messages/" + m1 + "/$value", "POST " + BATCH),
                sent.stream().map(RequestLog.Entry::call).toList());
        for (RequestLog.Entry e : sent) {
            assertTrue(e.header("Prefer").startsWith("IdType=\"ImmutableId\""), e + ": " + e.header("Prefer"));
            assertEquals(tokens.bearer(0), e.header("Authorization"), e.toString());
        }
        assertTrue(graph.message(user, m1).isRead(), "the change reached the fake");
    }

    @Test
    void unauthorizedRefreshesTheTokenOnceAndRetries() throws Exception {
        answerNext(1, "GET", INBOX, error(401, "InvalidAuthenticationToken"));
        assertEquals(graph.folderId(user, "inbox"), mailbox("inbox").folderId());
        assertEquals(List.of(false, true), tokens.forced);
        List<RequestLog.Entry> sent = calls("GET", INBOX).assertCount(2).entries();
        assertEquals(tokens.bearer(0), sent.get(0).header("Authorization"));
        assertEquals(tokens.bearer(1), sent.get(1).header("Authorization"));
        assertTrue(ticker.sleeps().isEmpty());
        // It names the refused token, so concurrent 401s share one refresh (issue 12, item 16).
        assertEquals(List.of(tokens.issued.get(0)), tokens.rejected);
    }

    @Test
    void retryAfterHoldsBackTheMailboxsNextRequestsToo() throws Exception {
        answerNext(1, "GET", INBOX, error(503, "ServiceUnavailable").header("Retry-After", "9"));
        GraphMailbox mb = mailbox("inbox");
        mb.folderId();
        // The pause was served before the retry; a later request finds it over and waits no more.
        mb.list(null);
        assertEquals(List.of(Duration.ofSeconds(9)), ticker.sleeps());
        requests().assertCalls("GET " + API + INBOX, "GET " + API + INBOX,
                "GET " + API + deltaOf(graph.folderId(user, "inbox")));
    }

    @Test
    void serverErrorsGiveUpAfterSixAttemptsWithGrowingBackoff() {
        answerNext(FakeFaults.ALWAYS, "GET", INBOX, error(500, "InternalServerError"));
        IOException e = assertThrows(IOException.class, () -> mailbox("inbox").folderId());
        assertEquals("Office365 mailFolders.get for " + user + " failed after 6 attempts: "
                + "HTTP 500 (InternalServerError: status 500)", e.getMessage());
        calls("GET", INBOX).withStatus(500).assertCount(6);
        requests().assertCalls(java.util.Collections.nCopies(6, "GET " + API + INBOX).toArray(new String[0]));
        assertEquals(5, ticker.sleeps().size());
        for (int i = 0; i < 5; i++) {
            long base = 1000L << i;
            long ms = ticker.sleeps().get(i).toMillis();
            assertTrue(ms >= base / 2 && ms < base, "sleep " + i + ": " + ms);
        }
    }

    @Test
    void clientErrorIsNotRetried() {
        answerNext(1, "GET", INBOX, error(403, "ErrorAccessDenied"));
        IOException e = assertThrows(IOException.class, () -> mailbox("inbox").folderId());
        assertTrue(e.getMessage().contains("HTTP 403 (ErrorAccessDenied"), e.getMessage());
        requests().assertCalls("GET " + API + INBOX);
    }

    @Test
    void malformedJsonAndMissingFieldsAreIOExceptions() {
        answerNext(1, "GET", INBOX, okJson("[1,2"));
        IOException e = assertThrows(IOException.class, () -> mailbox("inbox").folderId());
        assertTrue(e.getMessage().startsWith("malformed Graph response to mailFolders.get"), e.getMessage());
        answerNext(1, "GET", INBOX, okJson("{\"displayName\":\"Inbox\"}"));
        e = assertThrows(IOException.class, () -> mailbox("inbox").folderId());
        assertEquals("malformed Graph response to mailFolders.get: a folder without an id", e.getMessage());
        answerBatch(1, okJson("{\"responses\":{}}"));
        e = assertThrows(IOException.class, () -> mailbox("x").apply(List.of(Change.delete("m", Flags.NONE))));
        assertEquals("malformed Graph response to $batch: no response for sub-request 1", e.getMessage());
    }

    @Test
    void wholeBatchThrottledIsRetriedThroughTheSameWrapper() throws Exception {
        String m = unreadMessage();
        answerBatch(1, error(429, "TooManyRequests").header("Retry-After", "3"));
        mailbox("inbox").apply(List.of(Change.flags(m, Flags.NONE, Flags.of(Flag.READ))));
        assertEquals(List.of(Duration.ofSeconds(3)), ticker.sleeps());
        for (RequestLog.Entry e : requests().matching("POST", BATCH).assertCount(2).entries()) {
            assertTrue(e.header("Prefer").contains("ImmutableId"), e.header("Prefer"));
            assertEquals(tokens.bearer(0), e.header("Authorization"));
        }
        calls("PATCH", "messages/" + m).where("in a batch", RequestLog.Entry::batchPart).withStatus(200).assertOnce();
        assertTrue(graph.message(user, m).isRead(), "the second batch was served");
    }

    /** A 2xx $batch answer that is not Graph's {"responses":[...]} shape fails the push (issue 18, item 5). */
    private IOException pushAgainst(Answer answer) {
        answerBatch(1, answer);
        IOException e = assertThrows(IOException.class, () -> mailbox("inbox").apply(
                List.of(Change.flags("m1", Flags.NONE, Flags.of(Flag.READ)),
                        Change.flags("m2", Flags.NONE, Flags.of(Flag.READ)))));
        requests().assertCalls("POST " + BATCH); // not retried at once: the next cycle pushes again
        return e;
    }

    @Test
    void batchAnsweredWithAnHtmlPageFails() {
        IOException e = pushAgainst(Answer.status(200).body("text/html", "<html><body>Sign in to the network</body></html>"));
        assertTrue(e.getMessage().startsWith("malformed Graph response to $batch"), e.getMessage());
    }

    @Test
    void batchAnsweredWithAJsonErrorShapeFails() {
        IOException e = pushAgainst(okJson("{\"error\":{\"code\":\"ServiceUnavailable\",\"message\":\"down\"}}"));
        assertTrue(e.getMessage().startsWith("malformed Graph response to $batch"), e.getMessage());
    }

    @Test
    void batchAnswerWithoutEveryPartFails() {
        IOException e = pushAgainst(okJson("{\"responses\":[{\"id\":\"1\",\"status\":200}]}"));
        assertEquals("malformed Graph response to $batch: no response for sub-request 2", e.getMessage());
    }

    @Test
    void batchPartWithoutAStatusFails() {
        IOException e = pushAgainst(okJson("{\"responses\":[{\"id\":\"1\",\"status\":200},{\"id\":\"2\"}]}"));
        assertTrue(e.getMessage().startsWith("malformed Graph response to $batch"), e.getMessage());
    }

    @Test
    void batchPartWithAnUnknownIdFails() {
        IOException e = pushAgainst(okJson("{\"responses\":[{\"id\":\"1\",\"status\":200},{\"id\":\"2\","
                + "\"status\":200},{\"id\":\"9\",\"status\":200}]}"));
        assertTrue(e.getMessage().startsWith("malformed Graph response to $batch"), e.getMessage());
    }

    @Test
    void batchPartAnsweredWithAnInformationalOrRedirectStatusFails() {
        IOException e = pushAgainst(okJson("{\"responses\":[{\"id\":\"1\",\"status\":200},{\"id\":\"2\","
                + "\"status\":302}]}"));
        assertTrue(e.getMessage().contains("HTTP 302"), e.getMessage());
    }
}
