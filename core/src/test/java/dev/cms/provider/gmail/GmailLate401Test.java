package dev.cms.provider.gmail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.cms.auth.GoogleAuth;
import dev.cms.auth.LoginCoordinator;
import dev.cms.auth.TokenStore;
import dev.cms.auth.TokenStores;
import dev.cms.cli.AccountOptions;
import dev.cms.config.DeleteAction;
import dev.cms.config.GmailAccountSpec;
import dev.cms.fakecloud.FakeFaults.Answer;
import dev.cms.fakecloud.RequestLog;
import dev.cms.time.FakeTicker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, item 16: a download whose HTTP 401 comes back after another download already
 * refreshed the refused token uses that refresh's token: one refresh for one expiry, however the
 * answers interleave. The real {@link GoogleAuth} against the fake's token endpoint.
 */
class GmailLate401Test extends GmailCloudFixture {
    private static final Answer REFUSED = Answer.status(401)
            .json("{\"error\":{\"code\":401,\"message\":\"Invalid Credentials\"}}");
    private final TokenStore store = TokenStores.memoryOnly();

    @Test
    void a401ArrivingAfterTheRefreshReusesItsToken() throws Exception {
        String fast = add("Subject: fast\r\n\r\nbody\r\n", NOW, "INBOX");
        String slow = add("Subject: slow\r\n\r\nbody\r\n", NOW, "INBOX");
        // Both downloads go out with the first token: "fast" is refused only once "slow" reached
        // the server (so a slow start of the second thread cannot send it with the new token),
        // then refreshes; "slow" is refused only once "fast" came back with the refreshed token.
        RequestLog.Calls fastCalls = calls("GET", "messages/" + fast);
        CountDownLatch slowArrived = new CountDownLatch(1);
        faults().next(1, "GET", path("messages/" + fast))
                .after(() -> slowArrived.await(10, TimeUnit.SECONDS)).answer(REFUSED);
        faults().next(1, "GET", path("messages/" + slow)).after(() -> {
            slowArrived.countDown();
            fastCalls.awaitCount(2, Duration.ofSeconds(10));
        }).answer(REFUSED);
        GmailAccountSpec account = account();
        store.save(account.key(), gmail.issueRefreshToken(USER, GoogleAuth.scopesFor(false)));
        try (LoginCoordinator nobody = new LoginCoordinator(0, false, null, Map.of(), Duration.ofSeconds(5))) {
            GoogleAuth auth = new GoogleAuth(AccountOptions.google(account), GoogleAuth.scopesFor(false), store, nobody,
                    new FakeTicker(NOW));
            GmailMailbox mailbox = new GmailMailbox(AccountOptions.gmail(account), "INBOX", DeleteAction.ARCHIVE, auth,
                    gmailOptions(2));
            Map<String, String> got = new ConcurrentHashMap<>();
            mailbox.fetchBodies(List.of(fast, slow), (id, body, when) ->
                    got.put(id, new String(body.readAllBytes(), StandardCharsets.UTF_8)));

            assertEquals(Set.of(fast, slow), got.keySet());
            // The first token, then one refresh: not a second one for the late 401.
            requests().matching("POST", "/oauth2/token").assertCount(2);
            String refreshed = "Bearer " + auth.accessToken(false);
            for (String id : List.of(fast, slow)) {
                RequestLog.Calls c = calls("GET", "messages/" + id);
                c.assertCount(2);
                assertNotEquals(refreshed, c.entries().get(0).header("Authorization"), id + ": first try");
                assertEquals(refreshed, c.entries().get(1).header("Authorization"), id + ": the retry");
            }
        }
    }
}
