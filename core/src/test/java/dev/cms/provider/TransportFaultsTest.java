package dev.cms.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.cli.AccountOptions;
import dev.cms.config.DeleteAction;
import dev.cms.config.GmailAccountSpec;
import dev.cms.config.Office365AccountSpec;
import dev.cms.fakecloud.FakeCloud;
import dev.cms.fakecloud.FakeFaults;
import dev.cms.fakecloud.FakeMicrosoft;
import dev.cms.fakecloud.RequestLog;
import dev.cms.provider.gmail.GmailMailbox;
import dev.cms.provider.gmail.GmailOptions;
import dev.cms.provider.graph.GraphMailbox;
import dev.cms.provider.graph.GraphOptions;
import dev.cms.time.FakeTicker;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The one retry behaviour of both transports ({@link RetryPolicy}), against the embedded fake
 * Gmail and the embedded fake Graph over real HTTP: the same injected fault gives the same
 * attempts, the same waits on the fake ticker and the same kind of error on either service.
 * Each case first reads the mailbox's counts once without a fault (so the label or folder id is
 * known), then injects the fault on the counts call and reads them again.
 */
class TransportFaultsTest {
    private static final AtomicInteger USERS = new AtomicInteger();
    private static final String CLIENT = "44444444-5555-6666-7777-888888888888";

    /** The embedded fake of one service, with a mailbox of it on a fake ticker. */
    enum Service {
        GMAIL("Gmail", "labels.get", "/gmail/v1/users/me/labels/INBOX$", 1),
        GRAPH("Office365", "mailFolders.get", "/v1\\.0/me/mailFolders/[^/]+$", 0);

        final String name;
        /** The counts call's name in errors. */
        final String countsCall;
        /** The path of the counts call, where the faults go. */
        final String countsPath;
        /**
         * Resets that the HTTP client below the transport hides by sending the GET again at once:
         * the JDK's HttpURLConnection (under the Gmail client) does so once; OkHttp is told not to.
         */
        final int silentResends;

        Service(String name, String countsCall, String countsPath, int silentResends) {
            this.name = name;
            this.countsCall = countsCall;
            this.countsPath = countsPath;
            this.silentResends = silentResends;
        }
    }

    private static FakeCloud gmail;
    /** Also the server whose certificate nobody trusts by default. */
    private static FakeMicrosoft microsoft;

    private final FakeTicker ticker = new FakeTicker();
    /** A user of its own for each test, on fakes shared by all. */
    private final String user = "faults" + USERS.incrementAndGet() + "@example.com";
    private CountingTokens tokens;

    @BeforeAll
    static void startFakes() throws IOException {
        gmail = FakeCloud.start(0);
        microsoft = FakeMicrosoft.start(0);
    }

    @AfterAll
    static void stopFakes() {
        gmail.close();
        microsoft.close();
    }

    @AfterEach
    void clearFaults() {
        gmail.faults().clear();
        microsoft.faults().clear();
    }

    /** A mailbox of the service; untrusted, it talks to a server whose certificate it does not trust. */
    private CloudMailbox start(Service s, boolean trusted) {
        if (s == Service.GMAIL) {
            gmail.gmail().addAccount(user, "client", "secret");
            tokens = new CountingTokens(() -> gmail.gmail().issueAccessToken(user,
                    Set.of("https://www.googleapis.com/auth/gmail.modify")));
            // Untrusted: the API endpoint is the Microsoft fake's TLS port.
            String api = trusted ? gmail.baseUri().toString() : microsoft.baseUri().toString();
            GmailAccountSpec account = new GmailAccountSpec(user, "client", "secret", api + "oauth2/auth",
                    api + "oauth2/token", api, null);
            return new GmailMailbox(AccountOptions.gmail(account), "INBOX", DeleteAction.ARCHIVE, tokens,
                    new GmailOptions(1e9, 4, Duration.ofSeconds(10), Duration.ofSeconds(10), ticker, new Random(7), 1));
        }
        microsoft.graph().addUser(user, CLIENT);
        tokens = new CountingTokens(() -> microsoft.identity().issueAccessToken(user, CLIENT,
                List.of("https://graph.microsoft.com/Mail.ReadWrite")));
        Office365AccountSpec account = new Office365AccountSpec(user, "common", CLIENT, false,
                microsoft.authorityHost().toString(), microsoft.graphEndpoint().toString(), 4, null);
        GraphOptions options = new GraphOptions(4, Duration.ofSeconds(10), Duration.ofSeconds(10), ticker,
                new Random(7), null, null);
        if (trusted) {
            options = options.withTls(microsoft.trustedSocketFactory(), microsoft.trustManager());
        }
        return new GraphMailbox(AccountOptions.graph(account), "inbox", DeleteAction.ARCHIVE, tokens, options);
    }

    private FakeFaults faults(Service s) {
        return s == Service.GMAIL ? gmail.faults() : microsoft.faults();
    }

    private RequestLog requests(Service s) {
        return s == Service.GMAIL ? gmail.requests() : microsoft.requests();
    }

    /** A mailbox whose counts were read once, with the request log cleared after. */
    private CloudMailbox warm(Service s) throws Exception {
        CloudMailbox box = start(s, true);
        box.counts();
        requests(s).clear();
        tokens.reset();
        return box;
    }

    private long attempts(Service s) {
        return requests(s).count(s.countsPath);
    }

    /** A wait within [low, high]. */
    private record Wait(Duration low, Duration high) {
        static Wait exactly(Duration d) {
            return new Wait(d, d);
        }

        /** The backoff before retry number {@code n}: 2^(n-1) s times a factor in [0.5, 1). */
        static Wait backoff(int n) {
            Duration full = Duration.ofSeconds(1L << (n - 1));
            return new Wait(full.dividedBy(2), full);
        }

        boolean holds(Duration d) {
            return d.compareTo(low) >= 0 && d.compareTo(high) <= 0;
        }
    }

    private static List<Wait> backoffs(int n) {
        return IntStream.rangeClosed(1, n).mapToObj(Wait::backoff).toList();
    }

    /**
     * One fault, what it is injected as, and what both transports must do: the attempts the
     * fake sees, the waits, the token replacements, and the error ({@code null}: the call succeeds;
     * {@code %s} stands for the service's name, {@code %u} for the user).
     */
    enum Fault {
        TOO_MANY_REQUESTS((f, p) -> f.failNext(p, 1, 429, 7), 2, List.of(Wait.exactly(Duration.ofSeconds(7))), 0,
                null),
        RETRY_AFTER_CAPPED_AT_TEN_MINUTES((f, p) -> {
            f.failNext(p, 1, 429, 420);
            f.failNext(p, 1, 503, 3600);
        }, 3, List.of(Wait.exactly(Duration.ofMinutes(7)), Wait.exactly(Duration.ofMinutes(10))), 0, null),
        GATEWAY_TIMEOUT_WITH_RETRY_AFTER((f, p) -> f.failNext(p, 1, 504, 3), 2,
                List.of(Wait.exactly(Duration.ofSeconds(3))), 0, null),
        UNAVAILABLE((f, p) -> f.failNext(p, 1, 503, 0), 2, backoffs(1), 0, null),
        SERVER_ERRORS((f, p) -> f.failNext(p, 2, 500, 0), 3, backoffs(2), 0, null),
        PERSISTENT_UNAVAILABLE((f, p) -> f.failNext(p, 6, 503, 0), 6, backoffs(5), 0,
                "%s mailFolders-or-labels.get for %u failed after 6 attempts: HTTP 503"),
        UNAUTHORIZED_ONCE((f, p) -> f.failNext(p, 1, 401, 0), 2, List.of(), 1, null),
        UNAUTHORIZED_AFTER_REFRESH((f, p) -> f.failNext(p, 2, 401, 0), 2, List.of(), 1,
                "%s refused the credentials for %u; a new login is needed"),
        CONNECTION_RESET((f, p) -> f.resetNext(p, 1), 2, backoffs(1), 0, null),
        UNTRUSTED_CERTIFICATE(null, 0, List.of(), 0, "%s mailFolders-or-labels.get for %u: TLS failure: "),
        BAD_REQUEST((f, p) -> f.failNext(p, 1, 400, 0), 1, List.of(), 0,
                "%s mailFolders-or-labels.get for %u failed: HTTP 400");

        /** Injects the fault on the counts call's path; null: the server's certificate is not trusted. */
        final BiConsumer<FakeFaults, String> inject;
        final int attempts;
        final List<Wait> waits;
        final int refreshes;
        final String error;

        Fault(BiConsumer<FakeFaults, String> inject, int attempts, List<Wait> waits, int refreshes, String error) {
            this.inject = inject;
            this.attempts = attempts;
            this.waits = waits;
            this.refreshes = refreshes;
            this.error = error;
        }
    }

    static Stream<Arguments> faults() {
        return Stream.of(Service.values()).flatMap(s -> Stream.of(Fault.values()).map(f -> Arguments.of(s, f)));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("faults")
    void bothTransportsMeetAFaultAlike(Service s, Fault fault) throws Exception {
        CloudMailbox box;
        int silent = 0;
        if (fault.inject == null) {
            box = start(s, false);
            microsoft.requests().clear();
        } else {
            box = warm(s);
            if (fault == Fault.CONNECTION_RESET) {
                silent = s.silentResends;
                faults(s).resetNext(s.countsPath, silent);
            }
            fault.inject.accept(faults(s), s.countsPath);
        }
        IOException error = failureOf(box);
        if (fault.error == null) {
            assertNull(error, "failed");
        } else {
            assertNotNull(error, "did not fail");
            String expected = fault.error.replace("%s", s.name).replace("%u", user)
                    .replace("mailFolders-or-labels.get", s.countsCall);
            assertTrue(error.getMessage().startsWith(expected), error.getMessage());
            assertEquals(fault == Fault.UNAUTHORIZED_AFTER_REFRESH, error instanceof AuthenticationRequiredException);
        }
        long seen = fault.inject == null ? microsoft.requests().count(".*") : attempts(s);
        assertEquals(fault.attempts + silent, seen, "requests the fake saw");
        List<Duration> sleeps = ticker.sleeps();
        assertEquals(fault.waits.size(), sleeps.size(), "waits: " + sleeps);
        for (int i = 0; i < sleeps.size(); i++) {
            assertTrue(fault.waits.get(i).holds(sleeps.get(i)), "wait " + i + ": " + sleeps);
        }
        assertEquals(fault.refreshes, tokens.refreshes.get(), "token replacements");
    }

    /** What reading the counts threw, or null. */
    private static IOException failureOf(CloudMailbox box) throws InterruptedException {
        try {
            box.counts();
            return null;
        } catch (IOException e) {
            return e;
        }
    }

    /** Real tokens from the fake's identity half; counts the replacements the transports ask for. */
    private static final class CountingTokens implements AccessTokenSource {
        private final Supplier<String> issue;
        final AtomicInteger refreshes = new AtomicInteger();

        CountingTokens(Supplier<String> issue) {
            this.issue = issue;
        }

        void reset() {
            refreshes.set(0);
        }

        @Override
        public String accessToken(boolean forceRefresh) {
            if (forceRefresh) {
                refreshes.incrementAndGet();
            }
            return issue.get();
        }

        @Override
        public String replaceRejected(String rejected) {
            refreshes.incrementAndGet();
            return issue.get();
        }
    }
}
