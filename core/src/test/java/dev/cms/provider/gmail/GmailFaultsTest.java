package dev.cms.provider.gmail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.config.DeleteAction;
import dev.cms.fakecloud.FakeFaults;
import dev.cms.fakecloud.FakeFaults.Answer;
import dev.cms.fakecloud.FakeFaults.Hold;
import dev.cms.model.Flag;
import dev.cms.model.Flags;
import dev.cms.provider.AuthenticationRequiredException;
import dev.cms.provider.Change;
import dev.cms.provider.Listing;
import dev.cms.provider.MailboxCounts;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Gmail-only faults: the rate-limit reasons of 403, HTTP-date Retry-After, timeouts, bad JSON and
 * refused tokens, scripted on the embedded fake Gmail. The faults both services share are in
 * {@link dev.cms.provider.TransportFaultsTest}.
 */
class GmailFaultsTest extends GmailCloudFixture {
    private static final String HISTORY = "history";

    /** The history id the fake answers a poll with. */
    private String current() {
        return Long.toString(gmail.historyId(USER));
    }

    private Listing poll() throws Exception {
        return mailbox("INBOX").list(current());
    }

    @Test
    void retryAfterAsAnHttpDateIsHonoured() throws Exception {
        // NOW is 03:04:05: the date is 30 s later.
        answerNext(1, "GET", HISTORY, Answer.status(503).header("Retry-After", "Fri, 02 Jan 2026 03:04:35 GMT"));
        assertEquals(current(), poll().syncToken());
        assertEquals(List.of(Duration.ofSeconds(30)), ticker.sleeps());
        calls("GET", HISTORY).assertCount(2);
    }

    @Test
    void forbiddenWithRateLimitReasonIsRetried() throws Exception {
        answerNext(1, "GET", HISTORY, error(403, "rateLimitExceeded"));
        answerNext(1, "GET", HISTORY, error(403, "userRateLimitExceeded"));
        assertEquals(current(), poll().syncToken());
        assertEquals(2, ticker.sleeps().size());
        calls("GET", HISTORY).assertCount(3).withStatus(403).assertCount(2);
        requests().assertCalls("GET " + API + HISTORY, "GET " + API + HISTORY, "GET " + API + HISTORY);
    }

    @Test
    void forbiddenForAnotherReasonIsNotRetried() {
        answerNext(1, "GET", HISTORY, error(403, "insufficientPermissions"));
        IOException e = assertThrows(IOException.class, this::poll);
        assertTrue(e.getMessage().contains("HTTP 403"), e.getMessage());
        requests().assertCalls("GET " + API + HISTORY);
        assertTrue(ticker.sleeps().isEmpty());
    }

    @Test
    void persistentConnectionResetFailsAfterSixAttempts() {
        faults().next(FakeFaults.ALWAYS, "GET", path(HISTORY)).reset();
        IOException e = assertThrows(IOException.class, this::poll);
        assertTrue(e.getMessage().contains("after 6 attempts"), e.getMessage());
        assertEquals(5, ticker.sleeps().size());
    }

    @Test
    void readTimeoutIsRetried() throws Exception {
        GmailOptions quick = new GmailOptions(1e9, 1, Duration.ofSeconds(5), Duration.ofMillis(200), ticker,
                new Random(7));
        // The first answer comes long after the client's 200 ms read timeout (real time: a socket timeout).
        faults().next(1, "GET", path(HISTORY)).after(Hold.delay(Duration.ofSeconds(2))).serve();
        String start = current();
        assertEquals(start, mailbox("INBOX", DeleteAction.ARCHIVE, quick).list(start).syncToken());
        assertEquals(1, ticker.sleeps().size());
        // The retry was answered; the first request is still held (the log records answers).
        calls("GET", HISTORY).withQuery("startHistoryId", start).withStatus(200).assertOnce();
    }

    @Test
    void truncatedJsonIsMalformedAndNotRetried() {
        answerNext(1, "GET", HISTORY, okJson("{\"historyId\":\"900\",\"history\":[{\"id\":"));
        IOException e = assertThrows(IOException.class, this::poll);
        assertTrue(e.getMessage().startsWith("malformed Gmail response to history.list: "), e.getMessage());
        requests().assertCalls("GET " + API + HISTORY);
    }

    @Test
    void wronglyTypedJsonIsMalformed() {
        answerNext(1, "GET", "messages", okJson("{\"messages\": 5}"));
        IOException e = assertThrows(IOException.class, () -> mailbox("INBOX").list(null));
        assertTrue(e.getMessage().startsWith("malformed Gmail response to messages.list: "), e.getMessage());
    }

    @Test
    void messageWithoutIdIsMalformed() {
        answerNext(1, "GET", "messages", okJson("{\"messages\":[{\"threadId\":\"t\"}]}"));
        IOException e = assertThrows(IOException.class, () -> mailbox("INBOX").list(null));
        assertEquals("malformed Gmail response to messages.list: a message without an id", e.getMessage());
    }

    @Test
    void unauthorizedRefreshesTheTokenOnceThenSucceeds() throws Exception {
        answerNext(1, "GET", HISTORY, Answer.status(401).json("{\"error\":{\"code\":401,\"message\":\"status 401\"}}"));
        assertEquals(current(), poll().syncToken());
        assertEquals(List.of(false, true), tokens.forced);
        calls("GET", HISTORY).assertCount(2);
        calls("GET", HISTORY).where("with the first token", e -> tokens.bearer(0).equals(e.header("Authorization")))
                .withStatus(401).assertOnce();
        calls("GET", HISTORY).where("with the refreshed token", e -> tokens.bearer(1).equals(e.header("Authorization")))
                .withStatus(200).assertOnce();
        assertTrue(ticker.sleeps().isEmpty());
        // It names the refused token, so concurrent 401s share one refresh (issue 12, item 16).
        assertEquals(List.of(tokens.issued.get(0)), tokens.rejected);
    }

    @Test
    void tokenSourceRefusalPropagatesUnchanged() {
        AuthenticationRequiredException refusal = new AuthenticationRequiredException("log in, please");
        tokens.refusal = refusal;
        AuthenticationRequiredException e = assertThrows(AuthenticationRequiredException.class, this::poll);
        assertSame(refusal, e);
        requests().assertNone();
    }

    @Test
    void tokenSourceRefusalStopsABodyFetch() {
        tokens.refusal = new AuthenticationRequiredException("log in, please");
        AuthenticationRequiredException e = assertThrows(AuthenticationRequiredException.class,
                () -> mailbox("INBOX").fetchBodies(List.of("a", "b", "c"), (id, body, when) -> { }));
        assertSame(tokens.refusal, e);
        requests().assertNone();
    }

    // A 2xx is not proof of a change (issue 18, item 5): batchModify answers 204 with no body.

    private String unread() {
        return add("Subject: x\r\n\r\nbody\r\n", NOW, "INBOX", "UNREAD");
    }

    private IOException pushAgainst(Answer answer) {
        String m1 = unread();
        answerNext(1, "POST", "messages/batchModify", answer);
        IOException e = assertThrows(IOException.class, () -> mailbox("INBOX").apply(
                List.of(Change.flags(m1, Flags.NONE, Flags.of(Flag.READ)))));
        assertTrue(gmail.labelsOf(USER, m1).contains("UNREAD"), "the fake never saw the change");
        return e;
    }

    @Test
    void batchModifyAnsweredWithAnHtmlPageFailsTheChange() {
        IOException e = pushAgainst(Answer.status(200)
                .body("text/html", "<!DOCTYPE html><html><body>Sign in to the network</body></html>"));
        assertEquals("malformed Gmail response to messages.batchModify: expected an empty answer, got an HTML page"
                + " of 63 bytes", e.getMessage());
        calls("POST", "messages/batchModify").assertOnce(); // not retried at once: the next cycle pushes again
    }

    @Test
    void batchModifyAnsweredWithAJsonErrorUnder200FailsTheChange() {
        IOException e = pushAgainst(okJson("{\"error\":{\"code\":500,\"message\":\"backend\"}}"));
        assertTrue(e.getMessage().endsWith("expected an empty answer, got a JSON error of 42 bytes"), e.getMessage());
    }

    @Test
    void batchModifyAnsweredWithNoBodySucceeds() throws Exception {
        String m1 = unread();
        mailbox("INBOX").apply(List.of(Change.flags(m1, Flags.NONE, Flags.of(Flag.READ))));
        assertEquals(Set.of("INBOX"), gmail.labelsOf(USER, m1));
        calls("POST", "messages/batchModify").withStatus(204).assertOnce();
        // A lone newline is no answer either.
        answerNext(1, "POST", "messages/batchModify", Answer.status(200).body(null, "\n"));
        mailbox("INBOX").apply(List.of(Change.flags(m1, Flags.NONE, Flags.of(Flag.READ))));
        calls("POST", "messages/batchModify").withStatus(200).assertOnce();
    }

    @Test
    void countsComeFromLabelsGetAndMustBeUsable() throws Exception {
        unread();
        add("Subject: y\r\n\r\nbody\r\n", NOW, "INBOX");
        assertEquals(Optional.of(new MailboxCounts(2, 1)), mailbox("INBOX").counts());
        requests().assertCalls("GET " + API + "labels/INBOX");
        answerNext(1, "GET", "labels/INBOX", okJson("{\"id\":\"INBOX\"}"));
        IOException e = assertThrows(IOException.class, () -> mailbox("INBOX").counts());
        assertEquals("malformed Gmail response to labels.get: no usable messagesTotal and messagesUnread for label"
                + " INBOX", e.getMessage());
    }
}
