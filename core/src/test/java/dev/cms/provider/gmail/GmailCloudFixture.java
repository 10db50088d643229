package dev.cms.provider.gmail;

import dev.cms.cli.AccountOptions;
import dev.cms.config.DeleteAction;
import dev.cms.config.GmailAccountSpec;
import dev.cms.fakecloud.FakeCloud;
import dev.cms.fakecloud.FakeFaults;
import dev.cms.fakecloud.FakeFaults.Answer;
import dev.cms.fakecloud.FakeGmail;
import dev.cms.fakecloud.RequestLog;
import dev.cms.provider.AccessTokenSource;
import dev.cms.provider.AuthenticationRequiredException;
import dev.cms.time.FakeTicker;
import java.time.Clock;
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
 * The embedded fake Gmail over real HTTP with one account, a {@link GmailMailbox} on it with a
 * token source that counts what it is asked, and the fake's request log as the record of what
 * the adapter sent. Answers a correct server never gives are scripted with {@link #faults()}.
 */
abstract class GmailCloudFixture {
    static final String USER = "alice@example.com";
    static final String API = "/gmail/v1/users/me/";
    static final Instant NOW = Instant.parse("2026-01-02T03:04:05Z");

    FakeCloud cloud;
    FakeGmail gmail;
    /** The adapter's clock: stands at NOW; its sleeps are recorded. */
    final FakeTicker ticker = new FakeTicker(NOW);
    /** Real tokens from the fake, counted. */
    CountingTokens tokens;

    @BeforeEach
    void startCloud() throws Exception {
        cloud = FakeCloud.start(0, Clock.fixed(NOW, ZoneOffset.UTC));
        gmail = cloud.gmail();
        gmail.addAccount(USER, "client-id", "client-secret");
        tokens = new CountingTokens(gmail);
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

    /** The calls to {@code API + rest} with this method that came on their own, not inside a batch. */
    RequestLog.Calls single(String method, String rest) {
        return calls(method, rest).where("outside a batch", e -> !e.batchPart());
    }

    FakeFaults faults() {
        return cloud.faults();
    }

    /** The path regex of exactly {@code API + rest}. */
    static String path(String rest) {
        return "^" + java.util.regex.Pattern.quote(API + rest) + "$";
    }

    /** The next {@code n} requests of this method to exactly {@code API + rest} get {@code answer}. */
    void answerNext(int n, String method, String rest, Answer answer) {
        faults().next(n, method, path(rest)).answer(answer);
    }

    /** A 200 with this text as a JSON body. */
    static Answer okJson(String json) {
        return Answer.status(200).json(json);
    }

    /** An error as Google writes it, with a reason ({@code rateLimitExceeded}...). */
    static Answer error(int code, String reason) {
        return Answer.status(code).json("{\"error\":{\"code\":" + code + ",\"message\":\"no\",\"errors\":[{\"domain\":"
                + "\"usageLimits\",\"reason\":\"" + reason + "\",\"message\":\"no\"}]}}");
    }

    GmailAccountSpec account() {
        return new GmailAccountSpec(USER, "client-id", "client-secret",
                cloud.baseUri() + "oauth2/auth", cloud.baseUri() + "oauth2/token", cloud.baseUri().toString(), null);
    }

    GmailOptions gmailOptions(int parallel) {
        // A quota high enough that the limiter never sleeps: the ticker then records backoff only.
        // Batching off, so each body is one GET; GmailBatchFetchTest turns it on.
        return new GmailOptions(1e9, parallel, Duration.ofSeconds(10), Duration.ofSeconds(10), ticker,
                new Random(42), 1);
    }

    GmailMailbox mailbox(String label) {
        return mailbox(label, DeleteAction.ARCHIVE);
    }

    GmailMailbox mailbox(String label, DeleteAction action) {
        return mailbox(label, action, gmailOptions(8));
    }

    GmailMailbox mailbox(String label, DeleteAction action, GmailOptions options) {
        return new GmailMailbox(AccountOptions.gmail(account()), label, action, tokens, options);
    }

    /** Adds a message with these labels; returns its id. */
    String add(String raw, Instant internalDate, String... labels) {
        return add(raw.getBytes(java.nio.charset.StandardCharsets.UTF_8), internalDate, labels);
    }

    String add(byte[] raw, Instant internalDate, String... labels) {
        return gmail.addMessage(USER, raw, internalDate, Set.of(labels));
    }

    /**
     * Issues a real access token from the fake for each request (a new one when forced), and
     * records what it was asked: whether each was forced, the tokens it issued and those the
     * transport said were refused. A set {@link #refusal} is thrown instead.
     */
    static final class CountingTokens implements AccessTokenSource {
        private final FakeGmail gmail;
        final List<Boolean> forced = Collections.synchronizedList(new ArrayList<>());
        final List<String> issued = Collections.synchronizedList(new ArrayList<>());
        final List<String> rejected = Collections.synchronizedList(new ArrayList<>());
        volatile AuthenticationRequiredException refusal;
        private String current;

        CountingTokens(FakeGmail gmail) {
            this.gmail = gmail;
        }

        @Override
        public synchronized String accessToken(boolean forceRefresh) throws AuthenticationRequiredException {
            forced.add(forceRefresh);
            if (refusal != null) {
                throw refusal;
            }
            if (current == null || forceRefresh) {
                current = gmail.issueAccessToken(USER, Set.of(FakeGmail.FULL_SCOPE));
                issued.add(current);
            }
            return current;
        }

        @Override
        public String replaceRejected(String token) throws AuthenticationRequiredException {
            rejected.add(token);
            return accessToken(true);
        }

        /** {@code Authorization} as the n-th issued token (from 0) is sent. */
        String bearer(int n) {
            return "Bearer " + issued.get(n);
        }
    }
}
