package dev.cms.provider.gmail;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.cms.auth.GoogleAuth;
import dev.cms.auth.LoginCoordinator;
import dev.cms.auth.TokenStore;
import dev.cms.auth.TokenStores;
import dev.cms.cli.AccountOptions;
import dev.cms.config.DeleteAction;
import dev.cms.config.GmailAccountSpec;
import dev.cms.time.FakeTicker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, item 16: a download whose HTTP 401 comes back after another download already
 * refreshed the refused token uses that refresh's token: one refresh for one expiry, however the
 * answers interleave. The real {@link GoogleAuth} against a scripted token endpoint.
 */
class GmailLate401Test extends GmailFixture {
    private final TokenStore store = TokenStores.memoryOnly();

    private static String rawJson(String id) {
        String raw = Base64.getUrlEncoder().withoutPadding()
                .encodeToString(("Subject: " + id + "\r\n\r\nbody\r\n").getBytes(StandardCharsets.UTF_8));
        return "{\"id\":\"" + id + "\",\"internalDate\":\"1767322245000\",\"raw\":\"" + raw + "\"}";
    }

    private void stubTokens(String... accessTokens) {
        for (int i = 0; i < accessTokens.length; i++) {
            wm.stubFor(post(urlPathEqualTo("/token")).inScenario("tokens")
                    .whenScenarioStateIs(i == 0 ? Scenario.STARTED : "issued" + i)
                    .willSetStateTo("issued" + (i + 1))
                    .willReturn(okJson("{\"access_token\":\"" + accessTokens[i]
                            + "\",\"expires_in\":3600,\"token_type\":\"Bearer\"}")));
        }
    }

    @Test
    void a401ArrivingAfterTheRefreshReusesItsToken() throws Exception {
        stubTokens("tok-old", "tok-new", "tok-newer");
        // Both downloads go out with the old token. "fast" is refused at once and refreshes;
        // "slow" is refused only once that refresh is done.
        wm.stubFor(get(urlPathEqualTo(path("messages/fast"))).withHeader("Authorization", equalTo("Bearer tok-old"))
                .willReturn(status(401)));
        wm.stubFor(get(urlPathEqualTo(path("messages/slow"))).withHeader("Authorization", equalTo("Bearer tok-old"))
                .willReturn(status(401).withFixedDelay(1500)));
        for (String id : List.of("fast", "slow")) {
            for (String token : List.of("tok-new", "tok-newer")) {
                wm.stubFor(get(urlPathEqualTo(path("messages/" + id)))
                        .withHeader("Authorization", equalTo("Bearer " + token)).willReturn(okJson(rawJson(id))));
            }
        }
        String base = "http://localhost:" + wm.port() + "/";
        GmailAccountSpec account = new GmailAccountSpec(USER, "client-id", "client-secret", base + "auth",
                base + "token", base, null);
        store.save(account.key(), "refresh-token");
        try (LoginCoordinator nobody = new LoginCoordinator(0, false, null, Map.of(), Duration.ofSeconds(5))) {
            GoogleAuth auth = new GoogleAuth(AccountOptions.google(account), GoogleAuth.scopesFor(false), store, nobody,
                    new FakeTicker(NOW));
            GmailMailbox mailbox = new GmailMailbox(AccountOptions.gmail(account), "INBOX", DeleteAction.ARCHIVE, auth, gmailOptions(2));
            Map<String, String> got = new ConcurrentHashMap<>();
            mailbox.fetchBodies(List.of("fast", "slow"), (id, body, when) ->
                    got.put(id, new String(body.readAllBytes(), StandardCharsets.UTF_8)));

            assertEquals(2, got.size());
            // The first token, then one refresh: not a second one for the late 401.
            wm.verify(2, postRequestedFor(urlPathEqualTo("/token")));
            assertEquals("tok-new", auth.accessToken(false));
        }
    }
}
