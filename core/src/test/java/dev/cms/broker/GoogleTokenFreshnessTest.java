package dev.cms.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.auth.GoogleAuth;
import dev.cms.auth.LoginCoordinator;
import dev.cms.auth.TokenStore;
import dev.cms.auth.TokenStores;
import dev.cms.cli.AccountOptions;
import dev.cms.config.AccountSpec;
import dev.cms.config.CredentialServerSpec;
import dev.cms.config.GmailAccountSpec;
import dev.cms.config.SourcePos;
import dev.cms.fakecloud.FakeCloud;
import dev.cms.fakecloud.TokenInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker with a real {@link GoogleAuth} against the embedded fake issuing 60-second tokens,
 * over the socket, on simulated time shared by the fake, the auth and the refresher.
 */
class GoogleTokenFreshnessTest {
    private static final String ALICE = "alice@gmail.com";

    @TempDir
    Path dir;

    private final HandRun time = new HandRun();
    private FakeCloud fake;
    private LoginCoordinator logins;
    private CredentialServer server;

    @BeforeEach
    void start() throws Exception {
        fake = FakeCloud.start(0, time.ticker.clock());
        fake.gmail().addAccount(ALICE, "client-alice", "secret-alice");
        logins = new LoginCoordinator(0, false, null, Map.of(), Duration.ofSeconds(5));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        logins.close();
        fake.close();
    }

    private GoogleAuth googleAuth() throws Exception {
        String base = fake.baseUri().toString();
        GmailAccountSpec account = new GmailAccountSpec(ALICE, "client-alice", "secret-alice", base + "oauth2/auth",
                base + "oauth2/token", base, new SourcePos(Path.of("cms.cfg"), 1, 1));
        Set<String> scopes = GoogleAuth.scopesFor(true);
        TokenStore store = TokenStores.memoryOnly();
        store.save(account.key(), GoogleSeed.refreshToken(fake, ALICE, "client-alice", "secret-alice",
                String.join(" ", scopes)));
        return new GoogleAuth(AccountOptions.google(account), scopes, store, logins, time.ticker);
    }

    private CredentialServer serve(GoogleAuth auth) throws IOException {
        TokenProvider provider = new TokenProvider() {
            @Override
            public String token(String user, String protocol, Duration minValidity)
                    throws IOException, InterruptedException {
                return auth.accessToken(minValidity);
            }

            @Override
            public Token fetch(String user, String protocol, Duration minValidity)
                    throws IOException, InterruptedException {
                return AuthTokens.fetch(auth, protocol, minValidity);
            }
        };
        List<AccountSpec> accounts = List.of(Sockets.gmail(ALICE));
        CredentialServerSpec spec = new CredentialServerSpec(dir.resolve("cms.sock"), accounts, 0600,
                Set.of("SMTP", "IMAP"), new SourcePos(Path.of("cms.cfg"), 2, 1));
        return CredentialServer.start(spec, provider, new TokenRefresher(provider, time.ticker, time.scheduler),
                time.ticker, CredentialServer.DEFAULT_READ_TIMEOUT);
    }

    /** The token in an XOAUTH2 answer, checked against the fake's own idea of which tokens are good. */
    private Duration acceptedFor(String answer) {
        String prefix = "user=" + ALICE + "\u0001auth=Bearer ";
        assertTrue(answer.startsWith(prefix), "not an XOAUTH2 answer for alice: " + answer.length() + " chars");
        String token = answer.substring(prefix.length(), answer.length() - 2);
        TokenInfo info = fake.gmail().tokenInfo(token).orElseThrow(
                () -> new AssertionError("the fake's tokeninfo does not accept the served token"));
        assertEquals(ALICE, info.email());
        return Duration.between(time.instant(), info.expiresAt());
    }

    @Test
    void sixtySecondTokensAreAlwaysAcceptedAndRefreshedInTheBackground() throws Exception {
        fake.gmail().setAccessTokenLifetime(Duration.ofSeconds(60));
        server = serve(googleAuth());

        assertTrue(acceptedFor(Sockets.exchange(server.path(), "SMTP " + ALICE)).toSeconds() > 20);
        assertEquals(2, fake.requests().count("POST", "/oauth2/token"), "the seeding exchange and the first refresh");
        // The first request for each protocol fetches; from then on the background keeps up.
        assertTrue(acceptedFor(Sockets.exchange(server.path(), "IMAP " + ALICE)).toSeconds() > 20);
        long first = fake.requests().count("POST", "/oauth2/token");

        int requests = 0;
        for (int step = 0; step < 60; step++) { // five simulated minutes in steps of 5 s
            time.advance(Duration.ofSeconds(5));
            long before = fake.requests().count("POST", "/oauth2/token");
            String protocol = step % 2 == 0 ? "SMTP" : "IMAP";
            Duration left = acceptedFor(Sockets.exchange(server.path(), protocol + " " + ALICE));
            assertTrue(left.compareTo(Duration.ofSeconds(20)) > 0, "step " + step + ": only " + left + " left");
            assertEquals(before, fake.requests().count("POST", "/oauth2/token"),
                    "step " + step + ": the request went to the token endpoint instead of memory");
            requests++;
        }
        long refreshes = fake.requests().count("POST", "/oauth2/token") - first;
        // SMTP and IMAP are kept apart, each refreshed every 20 s (when 40 s are left): about 2 * 15 in 300 s.
        assertTrue(refreshes >= 26 && refreshes <= 32, refreshes + " background refreshes for " + requests
                + " requests");
    }

    @Test
    void hourLongTokensAreRefreshedOnlyWhenTenMinutesAreLeft() throws Exception {
        server = serve(googleAuth());
        assertTrue(acceptedFor(Sockets.exchange(server.path(), "SMTP " + ALICE)).toMinutes() >= 59);
        long first = fake.requests().count("POST", "/oauth2/token");
        time.advance(Duration.ofMinutes(49));
        assertTrue(acceptedFor(Sockets.exchange(server.path(), "SMTP " + ALICE)).toMinutes() >= 10);
        assertEquals(first, fake.requests().count("POST", "/oauth2/token"));
        time.advance(Duration.ofMinutes(2)); // the background refresh was due with 10 min left
        assertEquals(first + 1, fake.requests().count("POST", "/oauth2/token"));
        assertTrue(acceptedFor(Sockets.exchange(server.path(), "SMTP " + ALICE)).toMinutes() >= 58);
        assertEquals(first + 1, fake.requests().count("POST", "/oauth2/token"));
    }
}
