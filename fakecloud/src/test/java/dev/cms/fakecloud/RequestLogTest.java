package dev.cms.fakecloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The request log as a recording fake: selections, counts and failure messages that list the calls. */
class RequestLogTest extends GmailHttpFixture {
    static final String USER = "carol@example.com";
    static final String API = "/gmail/v1/users/me/";

    RequestLogTest() {
        super(USER);
    }

    @Test
    void selectionMatchesTheWholePathAndTheQueryValues() throws Exception {
        http.get(API + "messages?labelIds=INBOX&labelIds=UNREAD&maxResults=5");
        http.get(API + "messages?labelIds=INBOX");
        http.get(API + "messages/nope");
        RequestLog log = cloud.requests();

        log.matching("GET", API + "messages").assertCount(2);
        log.matching("GET", API + "messages").withQuery("labelIds", "INBOX", "UNREAD").assertOnce();
        log.matching("GET", API + "messages").withQuery("labelIds", "INBOX").assertOnce();
        log.matching("GET", API + "messages").withoutQuery("maxResults").assertOnce();
        log.matchingRegex("GET", API + "messages/.*").withStatus(404).assertOnce();
        log.matching("GET", API + "messages/.*").assertNone();
        log.matching("POST", API + "messages").assertNone();
        log.assertCalls("GET " + API + "messages", "GET " + API + "messages", "GET " + API + "messages/nope");
    }

    @Test
    void failureNamesTheSelectionAndListsEveryCall() throws Exception {
        http.get(API + "labels");
        AssertionError e = assertThrows(AssertionError.class,
                () -> cloud.requests().matching("GET", API + "profile").assertOnce());
        assertEquals("expected 1 call of GET " + API + "profile but got 0; the fake cloud received 1 request:\n"
                + "  GET " + API + "labels -> 200", e.getMessage());
        AssertionError calls = assertThrows(AssertionError.class, () -> cloud.requests().assertNone());
        assertEquals("expected the calls [] but the fake cloud received 1 request:\n  GET " + API + "labels -> 200",
                calls.getMessage());
    }

    @Test
    void bodiesAreKeptButNeverPrinted() throws Exception {
        http.post(API + "messages/batchModify", "{\"ids\":[\"x\"],\"addLabelIds\":[\"STARRED\"]}");
        http.form("/oauth2/token", java.util.Map.of("grant_type", "refresh_token", "refresh_token", "secret-rt"));
        RequestLog log = cloud.requests();

        assertEquals(List.of("{\"ids\":[\"x\"],\"addLabelIds\":[\"STARRED\"]}"),
                log.matching("POST", API + "messages/batchModify").bodies());
        assertTrue(log.matching("POST", "/oauth2/token").bodies().get(0).contains("secret-rt"));
        assertFalse(log.toString().contains("secret-rt"), log.toString());
        AssertionError e = assertThrows(AssertionError.class, () -> log.matching("GET", "/oauth2/token").assertOnce());
        assertFalse(e.getMessage().contains("secret-rt"), e.getMessage());
    }
}
