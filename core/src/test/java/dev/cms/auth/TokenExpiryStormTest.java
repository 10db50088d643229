package dev.cms.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.cli.AccountOptions;
import dev.cms.config.DeleteAction;
import dev.cms.config.GmailAccountSpec;
import dev.cms.config.Office365AccountSpec;
import dev.cms.fakecloud.FakeCloud;
import dev.cms.fakecloud.FakeMicrosoft;
import dev.cms.fakecloud.MessageGenerator;
import dev.cms.fakecloud.RequestLog;
import dev.cms.provider.gmail.GmailMailbox;
import dev.cms.provider.gmail.GmailOptions;
import dev.cms.provider.graph.GraphMailbox;
import dev.cms.provider.graph.GraphOptions;
import dev.cms.time.FakeTicker;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, item 16: when the service starts refusing an access token that the daemon still
 * believes fresh, the parallel downloads that all get HTTP 401 share one refresh (single flight)
 * instead of refreshing once each. Real providers and token sources against the embedded fakes;
 * the fakes' clock runs ahead of the sources' so the service expires the tokens first.
 */
class TokenExpiryStormTest {
    private static final String GMAIL_USER = "grace@gmail.example";
    private static final String O365_USER = "heidi@contoso.example";
    private static final String O365_CLIENT = "33333333-4444-5555-6666-777777777777";
    private static final int MESSAGES = 24;

    @TempDir
    Path dir;

    /** What the fakes believe. */
    private final FakeTicker serviceClock = new FakeTicker(Instant.parse("2026-03-01T09:00:00Z"));
    /** What the token sources believe: never moves, so they never see their token expire. */
    private final FakeTicker sourceClock = new FakeTicker(Instant.parse("2026-03-01T09:00:00Z"));
    private final List<LoginCoordinator> coordinators = new ArrayList<>();
    private final List<AutoCloseable> closing = new ArrayList<>();
    private TokenStore store;

    @BeforeEach
    void freshStore() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        store = TokenStores.withKey(new InMemorySecretBlobs(), key);
    }

    @AfterEach
    void stop() throws Exception {
        coordinators.forEach(LoginCoordinator::close);
        for (AutoCloseable c : closing) {
            c.close();
        }
    }

    private LoginCoordinator interactive(Map<String, String> browserEnv) {
        LoginCoordinator c = new LoginCoordinator(0, true, null, browserEnv, Duration.ofSeconds(60));
        coordinators.add(c);
        return c;
    }

    /** Every body arrives; the sink counts them. */
    private static Map<String, Integer> sink() {
        return new ConcurrentHashMap<>();
    }

    /**
     * Only the requests already in flight with the expired token are refused (at most the
     * mailbox's parallelism): the others wait for the one refresh and go out with the new token.
     */
    private static void assertRefusedAtMost(int parallel, RequestLog log) {
        long refused = log.entries().stream().filter(e -> e.status() == 401).count();
        assertTrue(refused >= 1 && refused <= parallel, refused + " requests refused with 401, more than the "
                + parallel + " in flight: " + log);
    }

    @Test
    void gmailDownloadsRefusedTheSameTokenRefreshItOnce() throws Exception {
        FakeCloud fake = FakeCloud.start(0, serviceClock.clock());
        closing.add(fake);
        fake.gmail().addAccount(GMAIL_USER, "client-grace", "secret-grace");
        MessageGenerator gen = new MessageGenerator(5, GMAIL_USER);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < MESSAGES; i++) {
            ids.add(fake.gmail().addMessage(GMAIL_USER, gen.text(400).raw(), Instant.parse("2026-03-01T08:00:00Z"),
                    Set.of("INBOX")));
        }
        String base = fake.baseUri().toString();
        GmailAccountSpec account = new GmailAccountSpec(GMAIL_USER, "client-grace", "secret-grace",
                base + "oauth2/auth", base + "oauth2/token", base, null);
        GoogleAuth auth = new GoogleAuth(AccountOptions.google(account), GoogleAuth.scopesFor(false), store,
                interactive(ScriptedBrowser.following(dir).env()), sourceClock);
        String before = auth.accessToken(false); // the login
        GmailOptions d = GmailOptions.defaults();
        GmailMailbox mailbox = new GmailMailbox(AccountOptions.gmail(account), "INBOX", DeleteAction.ARCHIVE, auth,
                new GmailOptions(1e9, 8, Duration.ofSeconds(10), Duration.ofSeconds(10), d.ticker(), new Random(3), 1));

        serviceClock.advance(Duration.ofHours(2)); // Gmail now refuses the token the source holds
        fake.requests().clear();
        Map<String, Integer> got = sink();
        mailbox.fetchBodies(ids, (id, body, when) -> got.merge(id, body.readAllBytes().length, Integer::sum));

        assertEquals(MESSAGES, got.size());
        assertEquals(1, fake.requests().count("POST", "/oauth2/token"), "one refresh for all the refused downloads");
        assertRefusedAtMost(8, fake.requests());
        assertEquals(0, fake.requests().count("GET", "/oauth2/auth"), "no login");
        assertEquals(false, before.equals(auth.accessToken(false)));
    }

    @Test
    void graphDownloadsRefusedTheSameTokenRefreshItOnce() throws Exception {
        FakeMicrosoft fake = FakeMicrosoft.start(0, serviceClock.clock());
        closing.add(fake);
        SSLContext previous = SSLContext.getDefault();
        SSLContext.setDefault(fake.clientSslContext()); // MSAL uses the default context
        closing.add(() -> SSLContext.setDefault(previous));
        fake.graph().addUser(O365_USER, O365_CLIENT);
        MessageGenerator gen = new MessageGenerator(6, O365_USER);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < MESSAGES; i++) {
            ids.add(fake.graph().addMessage(O365_USER, "inbox", gen.text(400).raw(),
                    Instant.parse("2026-03-01T08:00:00Z"), false, null, false));
        }
        Office365AccountSpec account = new Office365AccountSpec(O365_USER, "organizations", O365_CLIENT, false,
                fake.authorityHost().toString(), fake.graphEndpoint().toString(),
                Office365AccountSpec.DEFAULT_MAX_CONCURRENCY, null);
        Office365Auth auth = new Office365Auth(AccountOptions.office365(account), store,
                interactive(Office365TestBrowser.following(dir, fake.trustManager()).env()), sourceClock, System.err,
                false);
        auth.accessToken(false); // the login
        GraphMailbox mailbox = new GraphMailbox(AccountOptions.graph(account), "inbox", DeleteAction.ARCHIVE, auth,
                GraphOptions.defaults(4).withTls(fake.trustedSocketFactory(), fake.trustManager()));

        serviceClock.advance(Duration.ofHours(2)); // Graph now refuses the token the source holds
        fake.requests().clear();
        Map<String, Integer> got = sink();
        mailbox.fetchBodies(ids, (id, body, when) -> got.merge(id, body.readAllBytes().length, Integer::sum));

        assertEquals(MESSAGES, got.size());
        assertEquals(1, fake.requests().count("POST", "/oauth2/v2\\.0/token$"),
                "one refresh for all the refused downloads: " + fake.requests());
        assertRefusedAtMost(4, fake.requests());
        assertEquals(0, fake.requests().count("/oauth2/v2\\.0/(authorize|devicecode)$"), "no login");
    }

    @Test
    void aLate401ForAReplacedTokenCostsNoRefresh() throws Exception {
        FakeCloud fake = FakeCloud.start(0, serviceClock.clock());
        closing.add(fake);
        fake.gmail().addAccount(GMAIL_USER, "client-grace", "secret-grace");
        String base = fake.baseUri().toString();
        GoogleAuth auth = new GoogleAuth(AccountOptions.google(new GmailAccountSpec(GMAIL_USER, "client-grace", "secret-grace",
                base + "oauth2/auth", base + "oauth2/token", base, null)), GoogleAuth.scopesFor(false), store,
                interactive(ScriptedBrowser.following(dir).env()), sourceClock);
        String old = auth.accessToken(false);
        fake.requests().clear();

        // Eight requests refused the same token, their 401s arriving together or one after the other.
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<String>> replaced = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                replaced.add(pool.submit(() -> {
                    go.await();
                    return auth.replaceRejected(old);
                }));
            }
            go.countDown();
            String fresh = replaced.get(0).get(30, TimeUnit.SECONDS);
            for (Future<String> f : replaced) {
                assertEquals(fresh, f.get(30, TimeUnit.SECONDS));
            }
            assertEquals(false, fresh.equals(old));
            assertEquals(fresh, auth.replaceRejected(old), "a late 401 for the old token");
            assertEquals(1, fake.requests().count("POST", "/oauth2/token"));
            // A 401 for the new token is a new refusal: it refreshes.
            assertEquals(false, fresh.equals(auth.replaceRejected(fresh)));
            assertEquals(2, fake.requests().count("POST", "/oauth2/token"));
        } finally {
            pool.shutdownNow();
        }
    }
}
