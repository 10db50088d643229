package dev.cms.provider.gmail;

import dev.cms.provider.AccessTokenSource;
import dev.cms.config.DeleteAction;
import dev.cms.config.GmailAccountSpec;
import dev.cms.fakecloud.FakeCloud;
import dev.cms.fakecloud.FakeGmail;
import dev.cms.fakecloud.RequestLog;
import java.time.Clock;
import dev.cms.cli.AccountOptions;
import dev.cms.time.FakeTicker;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The embedded fake Gmail over real HTTP with one account, a {@link GmailMailbox} on it, and the
 * fake's request log as the record of what the adapter sent. For tests of what a correct
 * server answers; answers no real server gives stay with {@link GmailFixture}'s WireMock.
 */
abstract class GmailCloudFixture {
    static final String USER = "alice@example.com";
    static final String API = "/gmail/v1/users/me/";
    static final Instant NOW = Instant.parse("2026-01-02T03:04:05Z");

    FakeCloud cloud;
    FakeGmail gmail;
    /** What the adapter's sleeper was asked to wait (it never waits). */
    /** The adapter's clock: stands at NOW; its sleeps are recorded. */
    final FakeTicker ticker = new FakeTicker(NOW);

    @BeforeEach
    void startCloud() throws Exception {
        cloud = FakeCloud.start(0, Clock.fixed(NOW, ZoneOffset.UTC));
        gmail = cloud.gmail();
        gmail.addAccount(USER, "client-id", "client-secret");
    }

    @AfterEach
    void stopCloud() {
        cloud.close();
    }

    /** Every request the adapter made. */
    RequestLog requests() {
        return cloud.requests();
    }

    /** The calls to {@code API + rest} with this method. */
    RequestLog.Calls calls(String method, String rest) {
        return cloud.requests().matching(method, API + rest);
    }

    GmailMailbox mailbox(String label) {
        return mailbox(label, DeleteAction.ARCHIVE);
    }

    GmailMailbox mailbox(String label, DeleteAction action) {
        GmailAccountSpec account = new GmailAccountSpec(USER, "client-id", "client-secret",
                cloud.baseUri() + "oauth2/auth", cloud.baseUri() + "oauth2/token", cloud.baseUri().toString(), null);
        // A quota high enough that the limiter never sleeps; batching off, so each body is one GET.
        GmailOptions options = new GmailOptions(1e9, 8, Duration.ofSeconds(10), Duration.ofSeconds(10),
                ticker, new Random(42), 1);
        AccessTokenSource tokens = force -> gmail.issueAccessToken(USER, Set.of(FakeGmail.FULL_SCOPE));
        return new GmailMailbox(AccountOptions.gmail(account), label, action, tokens, options);
    }

    /** Adds a message with these labels; returns its id. */
    String add(String raw, Instant internalDate, String... labels) {
        return add(raw.getBytes(java.nio.charset.StandardCharsets.UTF_8), internalDate, labels);
    }

    String add(byte[] raw, Instant internalDate, String... labels) {
        return gmail.addMessage(USER, raw, internalDate, Set.of(labels));
    }
}
