package dev.cms.provider.graph;

import dev.cms.provider.AccessTokenSource;
import dev.cms.config.DeleteAction;
import dev.cms.config.Office365AccountSpec;
import dev.cms.fakecloud.FakeGraph;
import dev.cms.fakecloud.FakeMicrosoft;
import dev.cms.fakecloud.RequestLog;
import java.time.Clock;
import dev.cms.cli.AccountOptions;
import dev.cms.time.FakeTicker;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * The embedded fake Microsoft cloud (Graph over real HTTPS) shared by a test class, a fresh user
 * for each test, a {@link GraphMailbox} on it, and the fake's request log as the record of what
 * the adapter sent. Answers no real server gives stay with {@link GraphFixture}'s WireMock.
 */
abstract class GraphCloudFixture {
    static final String CLIENT = "client-id";
    static final String API = "/v1.0/me/";

    static FakeMicrosoft ms;
    private static int users;

    FakeGraph graph;
    String user;

    @BeforeAll
    static void startCloud() throws Exception {
        ms = FakeMicrosoft.start(0);
    }

    @AfterAll
    static void stopCloud() {
        ms.close();
    }

    @BeforeEach
    void newUser() {
        graph = ms.graph();
        user = "alice" + (++users) + "@example.com";
        graph.addUser(user, CLIENT);
        ms.requests().clear();
    }

    /** Every request the adapter made in this test. */
    RequestLog requests() {
        return ms.requests();
    }

    /** The calls to {@code API + rest} with this method. */
    RequestLog.Calls calls(String method, String rest) {
        return ms.requests().matching(method, API + rest);
    }

    GraphMailbox mailbox(String folder) {
        return mailbox(folder, DeleteAction.ARCHIVE);
    }

    /** The adapter's clock: what it writes as the time of a reply. */
    static final Instant NOW = Instant.parse("2026-01-02T03:04:05Z");

    GraphMailbox mailbox(String folder, DeleteAction action) {
        Office365AccountSpec account = new Office365AccountSpec(user, "common", CLIENT, false,
                ms.authorityHost().toString(), ms.graphEndpoint().toString(), 4, null);
        AccessTokenSource tokens = force -> ms.identity().issueAccessToken(user, CLIENT,
                List.of("https://graph.microsoft.com/Mail.ReadWrite"));
        return new GraphMailbox(AccountOptions.graph(account), folder, action, tokens,
                GraphOptions.defaults(4).withTls(ms.trustedSocketFactory(), ms.trustManager())
                        .withTicker(new FakeTicker(NOW)));
    }
}
