package dev.cms.provider.graph;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import dev.cms.cli.AccountOptions;
import dev.cms.provider.AccessTokenSource;
import dev.cms.config.DeleteAction;
import dev.cms.config.Office365AccountSpec;
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
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A WireMock Graph on a dynamic port, a counting token source and a fake ticker that records the sleeps. */
abstract class GraphFixture {
    static final String USER = "alice@example.com";
    static final String API = "/v1.0/me/";
    static final Instant NOW = Instant.parse("2026-01-02T03:04:05Z");

    WireMockServer wm;
    FakeTokens tokens;
    FakeTicker ticker;

    @BeforeEach
    void startServer() {
        wm = new WireMockServer(configure(options().dynamicPort()));
        wm.start();
        tokens = new FakeTokens();
        ticker = new FakeTicker(NOW);
    }

    /** Subclasses may add extensions. */
    WireMockConfiguration configure(WireMockConfiguration c) {
        return c;
    }

    @AfterEach
    void stopServer() {
        wm.stop();
    }

    String root() {
        return "http://localhost:" + wm.port();
    }

    Office365AccountSpec account() {
        return new Office365AccountSpec(USER, "common", "client-id", false,
                Office365AccountSpec.DEFAULT_AUTHORITY_HOST, root(), 4, null);
    }

    GraphMailbox mailbox(String folder) {
        return mailbox(folder, DeleteAction.ARCHIVE);
    }

    GraphMailbox mailbox(String folder, DeleteAction action) {
        GraphOptions options = new GraphOptions(4, Duration.ofSeconds(10), Duration.ofSeconds(10), ticker,
                new Random(42), null, null);
        return new GraphMailbox(AccountOptions.graph(account()), folder, action, tokens, options);
    }

    static String path(String rest) {
        return API + rest;
    }

    /** The inbox resolves to id {@code INBOX}. */
    void stubInbox() {
        wm.stubFor(get(urlPathEqualTo(path("mailFolders/inbox"))).willReturn(okJson("{\"id\":\"INBOX\"}")));
    }

    String deltaPath(String folderId) {
        return path("mailFolders/" + folderId + "/messages/delta()");
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

    static ResponseDefinitionBuilder error(int status, String code) {
        return aResponse().withStatus(status).withHeader("Content-Type", "application/json")
                .withBody("{\"error\":{\"code\":\"" + code + "\",\"message\":\"status " + status + "\"}}");
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
        private final AtomicInteger generation = new AtomicInteger(1);

        @Override
        public String accessToken(boolean forceRefresh) throws AuthenticationRequiredException {
            calls.incrementAndGet();
            forced.add(forceRefresh);
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
