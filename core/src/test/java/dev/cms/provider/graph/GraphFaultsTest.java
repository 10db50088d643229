package dev.cms.provider.graph;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import dev.cms.model.Flag;
import dev.cms.model.Flags;
import dev.cms.provider.Change;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Graph-only faults and headers: immutable ids, the mailbox-wide pause, error texts, malformed
 * answers and $batch envelopes. The faults both services share are in
 * {@link dev.cms.provider.TransportFaultsTest}.
 */
class GraphFaultsTest extends GraphFixture {
    static final String INBOX = path("mailFolders/inbox");

    static ResponseDefinitionBuilder inbox() {
        return okJson("{\"id\":\"INBOX\"}");
    }

    @Test
    void everyRequestPrefersImmutableIdsAndCarriesTheBearerToken() throws Exception {
        stubInbox();
        wm.stubFor(get(urlPathEqualTo(deltaPath("INBOX"))).willReturn(okJson("{\"value\":[{\"id\":\"m1\","
                + "\"isRead\":true}],\"@odata.deltaLink\":\"" + root() + deltaPath("INBOX") + "?$deltatoken=d\"}")));
        wm.stubFor(get(urlPathEqualTo(path("messages/m1/$value"))).willReturn(aResponse().withBody("x\r\n")));
        sequence("/v1.0/$batch", okJson("{\"responses\":[{\"id\":\"1\",\"status\":200}]}"));
        GraphMailbox mb = mailbox("inbox");
        mb.list(null);
        mb.fetchBodies(List.of("m1"), (id, in, r) -> in.readAllBytes());
        mb.apply(List.of(Change.flags("m1", Flags.of(Flag.READ), Flags.NONE)));
        List<ServeEvent> events = served();
        assertEquals(4, events.size());
        for (ServeEvent e : events) {
            assertTrue(e.getRequest().getHeader("Prefer").startsWith("IdType=\"ImmutableId\""),
                    e.getRequest().getUrl());
            assertEquals("Bearer tok-1", e.getRequest().getHeader("Authorization"));
        }
    }

    @Test
    void unauthorizedRefreshesTheTokenOnceAndRetries() throws Exception {
        sequence(INBOX, error(401, "InvalidAuthenticationToken"), inbox());
        assertEquals("INBOX", mailbox("inbox").folderId());
        assertEquals(List.of(false, true), tokens.forced);
        assertEquals("Bearer tok-2", served().get(1).getRequest().getHeader("Authorization"));
        assertTrue(ticker.sleeps().isEmpty());
        // It names the refused token, so concurrent 401s share one refresh (issue 12, item 16).
        assertEquals(List.of("tok-1"), tokens.rejected);
    }

    @Test
    void retryAfterHoldsBackTheMailboxsNextRequestsToo() throws Exception {
        sequence(INBOX, error(503, "ServiceUnavailable").withHeader("Retry-After", "9"), inbox());
        GraphMailbox mb = mailbox("inbox");
        mb.folderId();
        // The pause was served before the retry; a later request finds it over and waits no more.
        wm.stubFor(get(urlPathEqualTo(deltaPath("INBOX"))).willReturn(okJson("{\"value\":[],"
                + "\"@odata.deltaLink\":\"" + root() + deltaPath("INBOX") + "?$deltatoken=d\"}")));
        mb.list(null);
        assertEquals(List.of(Duration.ofSeconds(9)), ticker.sleeps());
    }

    @Test
    void serverErrorsGiveUpAfterSixAttemptsWithGrowingBackoff() {
        wm.stubFor(get(urlPathEqualTo(INBOX)).willReturn(error(500, "InternalServerError")));
        IOException e = assertThrows(IOException.class, () -> mailbox("inbox").folderId());
        assertEquals("Office365 mailFolders.get for alice@example.com failed after 6 attempts: "
                + "HTTP 500 (InternalServerError: status 500)", e.getMessage());
        assertEquals(6, served().size());
        assertEquals(5, ticker.sleeps().size());
        for (int i = 0; i < 5; i++) {
            long base = 1000L << i;
            long ms = ticker.sleeps().get(i).toMillis();
            assertTrue(ms >= base / 2 && ms < base, "sleep " + i + ": " + ms);
        }
    }

    @Test
    void clientErrorIsNotRetried() {
        wm.stubFor(get(urlPathEqualTo(INBOX)).willReturn(error(403, "ErrorAccessDenied")));
        IOException e = assertThrows(IOException.class, () -> mailbox("inbox").folderId());
        assertTrue(e.getMessage().contains("HTTP 403 (ErrorAccessDenied"), e.getMessage());
        assertEquals(1, served().size());
    }

    @Test
    void malformedJsonAndMissingFieldsAreIOExceptions() {
        wm.stubFor(get(urlPathEqualTo(INBOX)).willReturn(okJson("[1,2")));
        IOException e = assertThrows(IOException.class, () -> mailbox("inbox").folderId());
        assertTrue(e.getMessage().startsWith("malformed Graph response to mailFolders.get"), e.getMessage());
        wm.stubFor(get(urlPathEqualTo(INBOX)).willReturn(okJson("{\"displayName\":\"Inbox\"}")));
        e = assertThrows(IOException.class, () -> mailbox("inbox").folderId());
        assertEquals("malformed Graph response to mailFolders.get: a folder without an id", e.getMessage());
        sequence("/v1.0/$batch", okJson("{\"responses\":{}}"));
        e = assertThrows(IOException.class, () -> mailbox("x").apply(List.of(Change.delete("m", Flags.NONE))));
        assertEquals("malformed Graph response to $batch: no response for sub-request 1", e.getMessage());
    }

    @Test
    void wholeBatchThrottledIsRetriedThroughTheSameWrapper() throws Exception {
        sequence("/v1.0/$batch", error(429, "TooManyRequests").withHeader("Retry-After", "3"),
                okJson("{\"responses\":[{\"id\":\"1\",\"status\":204}]}"));
        mailbox("inbox").apply(List.of(Change.flags("m", Flags.NONE, Flags.of(Flag.READ))));
        assertEquals(List.of(Duration.ofSeconds(3)), ticker.sleeps());
        wm.verify(2, com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor(
                urlPathEqualTo("/v1.0/$batch")).withHeader("Prefer", containing("ImmutableId"))
                .withHeader("Authorization", equalTo("Bearer tok-1")));
    }

    /** A 2xx $batch answer that is not Graph's {"responses":[...]} shape fails the push (issue 18, item 5). */
    private IOException pushAgainst(ResponseDefinitionBuilder answer) {
        sequence("/v1.0/$batch", answer);
        return assertThrows(IOException.class, () -> mailbox("inbox").apply(
                List.of(Change.flags("m1", Flags.NONE, Flags.of(Flag.READ)),
                        Change.flags("m2", Flags.NONE, Flags.of(Flag.READ)))));
    }

    @Test
    void batchAnsweredWithAnHtmlPageFails() {
        IOException e = pushAgainst(aResponse().withStatus(200).withHeader("Content-Type", "text/html")
                .withBody("<html><body>Sign in to the network</body></html>"));
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
