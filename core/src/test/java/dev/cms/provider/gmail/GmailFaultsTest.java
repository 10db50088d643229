package dev.cms.provider.gmail;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.exactly;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.http.Fault;
import dev.cms.cli.AccountOptions;
import dev.cms.config.DeleteAction;
import dev.cms.model.Flag;
import dev.cms.model.Flags;
import dev.cms.provider.AuthenticationRequiredException;
import dev.cms.provider.Change;
import dev.cms.provider.Listing;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Gmail-only faults: the rate-limit reasons of 403, HTTP-date Retry-After, timeouts, bad JSON and
 * refused tokens. The faults both services share are in {@link dev.cms.provider.TransportFaultsTest}.
 */
class GmailFaultsTest extends GmailFixture {
    private static final String HISTORY = path("history");
    private static final String OK = "{\"historyId\":\"900\"}";

    private Listing poll() throws Exception {
        return mailbox("INBOX").list("800");
    }

    @Test
    void retryAfterAsAnHttpDateIsHonoured() throws Exception {
        sequence(HISTORY, aResponse().withStatus(503).withHeader("Retry-After", "Fri, 02 Jan 2026 03:04:35 GMT"),
                okJson(OK));
        poll();
        assertEquals(List.of(Duration.ofSeconds(30)), ticker.sleeps());
    }

    @Test
    void forbiddenWithRateLimitReasonIsRetried() throws Exception {
        sequence(HISTORY, error(403, "rateLimitExceeded"), error(403, "userRateLimitExceeded"), okJson(OK));
        assertEquals("900", poll().syncToken());
        assertEquals(2, ticker.sleeps().size());
        assertEquals(3, wm.getAllServeEvents().size());
    }

    @Test
    void forbiddenForAnotherReasonIsNotRetried() {
        sequence(HISTORY, error(403, "insufficientPermissions"), okJson(OK));
        IOException e = assertThrows(IOException.class, this::poll);
        assertTrue(e.getMessage().contains("HTTP 403"), e.getMessage());
        assertEquals(1, wm.getAllServeEvents().size());
        assertTrue(ticker.sleeps().isEmpty());
    }

    @Test
    void persistentConnectionResetFailsAfterSixAttempts() {
        wm.stubFor(get(urlPathEqualTo(HISTORY)).willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
        IOException e = assertThrows(IOException.class, this::poll);
        assertTrue(e.getMessage().contains("after 6 attempts"), e.getMessage());
        assertEquals(5, ticker.sleeps().size());
    }

    @Test
    void readTimeoutIsRetried() throws Exception {
        GmailOptions quick = new GmailOptions(1e9, 1, Duration.ofSeconds(5), Duration.ofMillis(200), ticker,
                new Random(7));
        GmailMailbox box = new GmailMailbox(AccountOptions.gmail(account()), "INBOX", DeleteAction.ARCHIVE, tokens, quick);
        sequence(HISTORY, okJson(OK).withFixedDelay(2000), okJson("{\"historyId\":\"901\"}"));
        assertEquals("901", box.list("800").syncToken());
        assertEquals(1, ticker.sleeps().size());
    }

    @Test
    void truncatedJsonIsMalformedAndNotRetried() {
        wm.stubFor(get(urlPathEqualTo(HISTORY)).willReturn(okJson("{\"historyId\":\"900\",\"history\":[{\"id\":")));
        IOException e = assertThrows(IOException.class, this::poll);
        assertTrue(e.getMessage().startsWith("malformed Gmail response to history.list: "), e.getMessage());
        assertEquals(1, wm.getAllServeEvents().size());
    }

    @Test
    void wronglyTypedJsonIsMalformed() {
        wm.stubFor(get(urlPathEqualTo(path("profile")))
                .willReturn(okJson("{\"historyId\":\"1\"}")));
        wm.stubFor(get(urlPathEqualTo(path("messages"))).willReturn(okJson("{\"messages\": 5}")));
        IOException e = assertThrows(IOException.class, () -> mailbox("INBOX").list(null));
        assertTrue(e.getMessage().startsWith("malformed Gmail response to messages.list: "), e.getMessage());
    }

    @Test
    void messageWithoutIdIsMalformed() {
        wm.stubFor(get(urlPathEqualTo(path("profile"))).willReturn(okJson("{\"historyId\":\"1\"}")));
        wm.stubFor(get(urlPathEqualTo(path("messages"))).willReturn(okJson("{\"messages\":[{\"threadId\":\"t\"}]}")));
        IOException e = assertThrows(IOException.class, () -> mailbox("INBOX").list(null));
        assertEquals("malformed Gmail response to messages.list: a message without an id", e.getMessage());
    }

    @Test
    void unauthorizedRefreshesTheTokenOnceThenSucceeds() throws Exception {
        sequence(HISTORY, status(401), okJson(OK));
        assertEquals("900", poll().syncToken());
        assertEquals(List.of(false, true), tokens.forced);
        wm.verify(exactly(1), getRequestedFor(urlPathEqualTo(HISTORY))
                .withHeader("Authorization", equalTo("Bearer tok-1")));
        wm.verify(exactly(1), getRequestedFor(urlPathEqualTo(HISTORY))
                .withHeader("Authorization", equalTo("Bearer tok-2")));
        assertTrue(ticker.sleeps().isEmpty());
        // It names the refused token, so concurrent 401s share one refresh (issue 12, item 16).
        assertEquals(List.of("tok-1"), tokens.rejected);
    }

    @Test
    void tokenSourceRefusalPropagatesUnchanged() {
        AuthenticationRequiredException refusal = new AuthenticationRequiredException("log in, please");
        tokens.refusal = refusal;
        AuthenticationRequiredException e = assertThrows(AuthenticationRequiredException.class, this::poll);
        assertSame(refusal, e);
        assertEquals(0, wm.getAllServeEvents().size());
    }

    @Test
    void tokenSourceRefusalStopsABodyFetch() {
        tokens.refusal = new AuthenticationRequiredException("log in, please");
        AuthenticationRequiredException e = assertThrows(AuthenticationRequiredException.class,
                () -> mailbox("INBOX").fetchBodies(List.of("a", "b", "c"), (id, body, when) -> { }));
        assertSame(tokens.refusal, e);
    }

    // A 2xx is not proof of a change (issue 18, item 5): batchModify answers 204 with no body.

    private IOException pushAgainst(com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder answer) {
        sequence(path("messages/batchModify"), answer);
        return assertThrows(IOException.class, () -> mailbox("INBOX").apply(
                List.of(Change.flags("m1", Flags.NONE, Flags.of(Flag.READ)))));
    }

    @Test
    void batchModifyAnsweredWithAnHtmlPageFailsTheChange() {
        IOException e = pushAgainst(aResponse().withStatus(200).withHeader("Content-Type", "text/html")
                .withBody("<!DOCTYPE html><html><body>Sign in to the network</body></html>"));
        assertEquals("malformed Gmail response to messages.batchModify: expected an empty answer, got an HTML page"
                + " of 63 bytes", e.getMessage());
        assertEquals(1, wm.getAllServeEvents().size(), "not retried at once: the next cycle pushes again");
    }

    @Test
    void batchModifyAnsweredWithAJsonErrorUnder200FailsTheChange() {
        IOException e = pushAgainst(okJson("{\"error\":{\"code\":500,\"message\":\"backend\"}}"));
        assertTrue(e.getMessage().endsWith("expected an empty answer, got a JSON error of 42 bytes"), e.getMessage());
    }

    @Test
    void batchModifyAnsweredWithNoBodySucceeds() throws Exception {
        sequence(path("messages/batchModify"), aResponse().withStatus(204));
        mailbox("INBOX").apply(List.of(Change.flags("m1", Flags.NONE, Flags.of(Flag.READ))));
        sequence(path("messages/batchModify"), aResponse().withStatus(200).withBody("\n"));
        wm.resetScenarios();
        mailbox("INBOX").apply(List.of(Change.flags("m1", Flags.NONE, Flags.of(Flag.READ))));
    }

    @Test
    void countsComeFromLabelsGetAndMustBeUsable() throws Exception {
        wm.stubFor(get(urlPathEqualTo(path("labels/INBOX")))
                .willReturn(okJson("{\"id\":\"INBOX\",\"messagesTotal\":12,\"messagesUnread\":3}")));
        assertEquals(java.util.Optional.of(new dev.cms.provider.MailboxCounts(12, 3)), mailbox("INBOX").counts());
        assertEquals(1, wm.getAllServeEvents().size());
        wm.stubFor(get(urlPathEqualTo(path("labels/INBOX"))).willReturn(okJson("{\"id\":\"INBOX\"}")));
        IOException e = assertThrows(IOException.class, () -> mailbox("INBOX").counts());
        assertEquals("malformed Gmail response to labels.get: no usable messagesTotal and messagesUnread for label"
                + " INBOX", e.getMessage());
    }
}
