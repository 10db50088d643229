package dev.cms.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

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
        GMAIL("Gmail", "/gmail/v1/users/me/labels/INBOX$", 1),
        GRAPH("Office365", "/v1\\.0/me/mailFolders/[^/]+$", 0);

        final String name;
        /** The path of the counts call, where the faults go. */
        final String countsPath;
        /**
         * Resets that the HTTP client below the transport hides by sending the GET again at once:
         * the JDK's HttpURLConnection (under the Gmail client) does so once; OkHttp is told not to.
         */
        final int silentResends;

        Service(String name, String countsPath, int silentResends) {
            this.name = name;
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
            return new GmailMailbox(account, "INBOX", DeleteAction.ARCHIVE, tokens,
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
        return new GraphMailbox(account, "inbox", DeleteAction.ARCHIVE, tokens, options);
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

    private static void assertBetween(Duration low, Duration high, Duration actual) {
        assertTrue(actual.compareTo(low) >= 0 && actual.compareTo(high) <= 0,
                actual + " is not within [" + low + ", " + high + "]");
    }

    @ParameterizedTest
    @EnumSource(Service.class)
    void tooManyRequestsWaitsWhatRetryAfterSays(Service s) throws Exception {
        CloudMailbox box = warm(s);
        faults(s).failNext(s.countsPath, 1, 429, 7);
        box.counts();
        assertEquals(2, attempts(s));
        assertEquals(List.of(Duration.ofSeconds(7)), ticker.sleeps());
    }

    @ParameterizedTest
    @EnumSource(Service.class)
    void retryAfterIsHonouredUpToTenMinutes(Service s) throws Exception {
        CloudMailbox box = warm(s);
        faults(s).failNext(s.countsPath, 1, 429, 420);
        faults(s).failNext(s.countsPath, 1, 503, 3600);
        box.counts();
        assertEquals(3, attempts(s));
        assertEquals(List.of(Duration.ofMinutes(7), Duration.ofMinutes(10)), ticker.sleeps());
    }

    @ParameterizedTest
    @EnumSource(Service.class)
    void gatewayTimeoutWithRetryAfterWaitsWhatItSays(Service s) throws Exception {
        CloudMailbox box = warm(s);
        faults(s).failNext(s.countsPath, 1, 504, 3);
        box.counts();
        assertEquals(2, attempts(s));
        assertEquals(List.of(Duration.ofSeconds(3)), ticker.sleeps());
    }

    @ParameterizedTest
    @EnumSource(Service.class)
    void unavailableWithoutRetryAfterBacksOff(Service s) throws Exception {
        CloudMailbox box = warm(s);
        faults(s).failNext(s.countsPath, 1, 503, 0);
        box.counts();
        assertEquals(2, attempts(s));
        assertEquals(1, ticker.sleeps().size());
        assertBetween(Duration.ofMillis(500), Duration.ofSeconds(1), ticker.sleeps().get(0));
    }

    @ParameterizedTest
    @EnumSource(Service.class)
    void serverErrorsBackOffExponentially(Service s) throws Exception {
        CloudMailbox box = warm(s);
        faults(s).failNext(s.countsPath, 2, 500, 0);
        box.counts();
        assertEquals(3, attempts(s));
        assertEquals(2, ticker.sleeps().size());
        assertBetween(Duration.ofMillis(500), Duration.ofSeconds(1), ticker.sleeps().get(0));
        assertBetween(Duration.ofSeconds(1), Duration.ofSeconds(2), ticker.sleeps().get(1));
    }

    @ParameterizedTest
    @EnumSource(Service.class)
    void persistentServerErrorFailsAfterSixAttempts(Service s) throws Exception {
        CloudMailbox box = warm(s);
        faults(s).failNext(s.countsPath, 6, 503, 0);
        IOException e = assertThrows(IOException.class, box::counts);
        assertTrue(e.getMessage().startsWith(s.name + " "), e.getMessage());
        assertTrue(e.getMessage().contains(" for " + user + " failed after 6 attempts: HTTP 503"), e.getMessage());
        assertEquals(6, attempts(s));
        assertEquals(5, ticker.sleeps().size());
        assertBetween(Duration.ofSeconds(8), Duration.ofSeconds(16), ticker.sleeps().get(4));
    }

    @ParameterizedTest
    @EnumSource(Service.class)
    void unauthorizedRefreshesTheTokenExactlyOnce(Service s) throws Exception {
        CloudMailbox box = warm(s);
        faults(s).failNext(s.countsPath, 1, 401, 0);
        box.counts();
        assertEquals(2, attempts(s));
        assertEquals(1, tokens.refreshes.get());
        assertEquals(List.of(), ticker.sleeps());
    }

    @ParameterizedTest
    @EnumSource(Service.class)
    void unauthorizedAfterTheRefreshAsksForALogin(Service s) throws Exception {
        CloudMailbox box = warm(s);
        faults(s).failNext(s.countsPath, 2, 401, 0);
        AuthenticationRequiredException e = assertThrows(AuthenticationRequiredException.class, box::counts);
        assertEquals(s.name + " refused the credentials for " + user + "; a new login is needed", e.getMessage());
        assertEquals(2, attempts(s));
        assertEquals(1, tokens.refreshes.get());
        assertEquals(List.of(), ticker.sleeps());
    }

    @ParameterizedTest
    @EnumSource(Service.class)
    void connectionResetIsRetriedAfterABackoff(Service s) throws Exception {
        CloudMailbox box = warm(s);
        faults(s).resetNext(s.countsPath, 1 + s.silentResends);
        box.counts();
        assertEquals(2 + s.silentResends, attempts(s));
        assertEquals(1, ticker.sleeps().size());
        assertBetween(Duration.ofMillis(500), Duration.ofSeconds(1), ticker.sleeps().get(0));
    }

    @ParameterizedTest
    @EnumSource(Service.class)
    void anUntrustedCertificateFailsAtOnce(Service s) throws Exception {
        CloudMailbox box = start(s, false);
        microsoft.requests().clear();
        IOException e = assertThrows(IOException.class, box::counts);
        assertTrue(e.getMessage().startsWith(s.name + " "), e.getMessage());
        assertTrue(e.getMessage().contains(" for " + user + ": TLS failure: "), e.getMessage());
        assertEquals(0, microsoft.requests().count(".*"), "the handshake never completed");
        assertEquals(List.of(), ticker.sleeps());
    }

    @ParameterizedTest
    @EnumSource(Service.class)
    void badRequestFailsAtOnce(Service s) throws Exception {
        CloudMailbox box = warm(s);
        faults(s).failNext(s.countsPath, 1, 400, 0);
        IOException e = assertThrows(IOException.class, box::counts);
        assertTrue(e.getMessage().startsWith(s.name + " "), e.getMessage());
        assertTrue(e.getMessage().contains(" for " + user + " failed: HTTP 400"), e.getMessage());
        assertEquals(1, attempts(s));
        assertEquals(List.of(), ticker.sleeps());
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
