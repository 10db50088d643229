package dev.cms.provider.gmail;

import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import dev.cms.cli.AccountOptions;
import dev.cms.provider.AccessTokenSource;
import dev.cms.config.DeleteAction;
import dev.cms.config.GmailAccountSpec;
import dev.cms.provider.AuthenticationRequiredException;
import dev.cms.time.FakeTicker;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A WireMock Gmail on a dynamic port, a counting token source and a fake ticker that records the sleeps. */
abstract class GmailFixture {
    static final String USER = "alice@example.com";
    static final String API = "/gmail/v1/users/me/";
    static final Instant NOW = Instant.parse("2026-01-02T03:04:05Z");

    WireMockServer wm;
    FakeTokens tokens;
    FakeTicker ticker;

    @BeforeEach
    void startServer() {
        wm = new WireMockServer(options().dynamicPort());
        wm.start();
        tokens = new FakeTokens();
        ticker = new FakeTicker(NOW);
    }

    @AfterEach
    void stopServer() {
        wm.stop();
    }

    GmailAccountSpec account() {
        return new GmailAccountSpec(USER, "client-id", "client-secret", GmailAccountSpec.DEFAULT_AUTH_ENDPOINT,
                GmailAccountSpec.DEFAULT_TOKEN_ENDPOINT, "http://localhost:" + wm.port() + "/", null);
    }

    GmailOptions gmailOptions(int parallel) {
        // A quota high enough that the limiter never sleeps: the ticker then records backoff only.
        // Batching off: these tests stub single gets; GmailBatchFetchTest turns it on.
        return new GmailOptions(1e9, parallel, Duration.ofSeconds(10), Duration.ofSeconds(10), ticker,
                new Random(42), 1);
    }

    GmailMailbox mailbox(String label) {
        return mailbox(label, DeleteAction.ARCHIVE);
    }

    GmailMailbox mailbox(String label, DeleteAction action) {
        return new GmailMailbox(AccountOptions.gmail(account()), label, action, tokens, gmailOptions(8));
    }

    static String path(String rest) {
        return API + rest;
    }

    /** Answers successive requests to {@code path} (any method) with {@code responses} in turn. */
    void sequence(String path, ResponseDefinitionBuilder... responses) {
        String scenario = "seq " + path;
        for (int i = 0; i < responses.length; i++) {
            wm.stubFor(any(urlPathEqualTo(path)).inScenario(scenario)
                    .whenScenarioStateIs(i == 0 ? Scenario.STARTED : "step" + i)
                    .willSetStateTo("step" + (i + 1))
                    .willReturn(responses[i]));
        }
    }

    void stubLabels(String json) {
        wm.stubFor(get(urlPathEqualTo(path("labels"))).willReturn(okJson(json)));
    }

    static ResponseDefinitionBuilder status(int code) {
        return aResponse().withStatus(code).withHeader("Content-Type", "application/json")
                .withBody("{\"error\":{\"code\":" + code + ",\"message\":\"status " + code + "\"}}");
    }

    static ResponseDefinitionBuilder error(int code, String reason) {
        return aResponse().withStatus(code).withHeader("Content-Type", "application/json")
                .withBody("{\"error\":{\"code\":" + code + ",\"message\":\"no\",\"errors\":[{\"domain\":\"usageLimits\","
                        + "\"reason\":\"" + reason + "\",\"message\":\"no\"}]}}");
    }

    /** Served requests, oldest first. */
    List<ServeEvent> served() {
        List<ServeEvent> events = new ArrayList<>(wm.getAllServeEvents());
        Collections.reverse(events);
        return events;
    }

    static final class FakeTokens implements AccessTokenSource {
        final AtomicInteger calls = new AtomicInteger();
        final List<Boolean> forced = Collections.synchronizedList(new ArrayList<>());
        volatile AuthenticationRequiredException refusal;
        private final AtomicInteger generation = new AtomicInteger(1);

        @Override
        public String accessToken(boolean forceRefresh) throws AuthenticationRequiredException {
            calls.incrementAndGet();
            forced.add(forceRefresh);
            if (refusal != null) {
                throw refusal;
            }
            return "tok-" + (forceRefresh ? generation.incrementAndGet() : generation.get());
        }

        /** The tokens the transport said were refused, in order. */
        final List<String> rejected = Collections.synchronizedList(new ArrayList<>());

        @Override
        public String replaceRejected(String token) throws AuthenticationRequiredException {
            rejected.add(token);
            return accessToken(true);
        }
    }
}
