package dev.cms.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.auth.GoogleAuth;
import dev.cms.auth.LoginCoordinator;
import dev.cms.auth.TokenStore;
import dev.cms.auth.TokenStores;
import dev.cms.cli.AccountOptions;
import dev.cms.config.CredentialServerSpec;
import dev.cms.config.GmailAccountSpec;
import dev.cms.config.SourcePos;
import dev.cms.fakecloud.FakeCloud;
import dev.cms.provider.AuthenticationRequiredException;
import dev.cms.time.Ticker;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, item 1: when an account needs a login, the broker answers a request at once (closes
 * without a token) instead of starting or waiting for an interactive login inside the request, and
 * the client says so and exits 1. Real unix socket, the real Gmail token source against the
 * embedded fake, and a login page whose browser never comes back.
 */
class BrokerNeedsLoginTest {
    static final String USER = "ivan@gmail.example";

    @TempDir
    Path dir;

    FakeCloud cloud;
    LoginCoordinator logins;
    CredentialServer server;
    GoogleAuth auth;
    final TokenStore store = TokenStores.memoryOnly();
    /** Login pages opened (a login started and is waiting for the user). */
    final CountDownLatch browserOpened = new CountDownLatch(1);
    final List<String> loginsAskedFor = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        cloud = FakeCloud.start(0);
        cloud.gmail().addAccount(USER, "ivan-client", "ivan-secret");
        String base = cloud.baseUri().toString();
        GmailAccountSpec account = new GmailAccountSpec(USER, "ivan-client", "ivan-secret", base + "oauth2/auth",
                base + "oauth2/token", base, null);
        logins = new LoginCoordinator(0, true, null, Map.of(), Duration.ofMinutes(10))
                .withBrowser(home -> browserOpened.countDown()); // nobody logs in
        auth = new GoogleAuth(AccountOptions.google(account), GoogleAuth.scopesFor(true), store, logins, Ticker.SYSTEM);
        TokenProvider tokens = new TokenProvider() {
            @Override
            public String token(String user, String protocol, Duration minValidity)
                    throws java.io.IOException, InterruptedException {
                return fetch(user, protocol, minValidity).value();
            }

            @Override
            public Token fetch(String user, String protocol, Duration minValidity)
                    throws java.io.IOException, InterruptedException {
                return AuthTokens.fetch(auth, protocol, minValidity);
            }

            @Override
            public void loginNeeded(String user, String protocol) {
                loginsAskedFor.add(protocol + " " + user);
            }
        };
        server = CredentialServer.start(new CredentialServerSpec(dir.resolve("cms.sock"), List.of(account), 0600,
                Set.of("SMTP"), new SourcePos(dir.resolve("cms.cfg"), 3, 1)), tokens);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        logins.close();
        cloud.close();
    }

    private record Result(int exit, String out, String err) {}

    /** cms-oauth's own entry point (the script runs it), with its default 60 s patience. */
    private Result cmsOauth() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = OAuthMain.run(new String[] {"--cms_sock=" + server.path(), "--user=" + USER, "--output=token"},
                new PrintWriter(out), new PrintWriter(err));
        return new Result(exit, out.toString(), err.toString());
    }

    private void assertRefusedForALogin(Result r) {
        assertEquals(1, r.exit(), r.err());
        assertEquals("", r.out());
        assertEquals("cms-oauth: the daemon at " + server.path() + " does not serve " + USER + " for SMTP: the account"
                + " needs a login, or is not in CredentialServer(accounts=...) or the protocol not in its protocols in"
                + " cms.cfg; the daemon's log says which\n", r.err());
    }

    @Test
    void noSavedLoginIsAnsweredAtOnceAndTheRequestStartsNoLogin() throws Exception {
        assertRefusedForALogin(cmsOauth());
        assertEquals(1, browserOpened.getCount(), "the request itself started no login");
        assertEquals(List.of("SMTP " + USER), loginsAskedFor, "the daemon is told a login is wanted");
        assertEquals(0, cloud.requests().count("POST", "/oauth2/token"));
    }

    @Test
    void aLoginWaitingForTheUserDoesNotHoldUpARequest() throws Exception {
        // The sync logs in and waits for the browser, holding the account's token source.
        CompletableFuture<String> sync = CompletableFuture.supplyAsync(() -> {
            try {
                return auth.accessToken(false);
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
        assertTrue(browserOpened.await(20, TimeUnit.SECONDS), "the sync's login started");

        assertRefusedForALogin(cmsOauth());
        assertRefusedForALogin(cmsOauth());

        logins.close(); // the daemon stops: the waiting login ends
        ExecutionException e = assertThrows(ExecutionException.class, () -> sync.get(20, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof AuthenticationRequiredException, e.toString());
    }

    @Test
    void aRevokedLoginIsAnsweredAtOnceToo() throws Exception {
        store.save("gmail:" + USER, GoogleSeed.refreshToken(cloud, USER, "ivan-client", "ivan-secret",
                GoogleAuth.FULL_MAIL_SCOPE + " " + GoogleAuth.GMAIL_MODIFY_SCOPE));
        cloud.gmail().revokeRefreshTokens(USER);
        cloud.requests().clear();

        assertRefusedForALogin(cmsOauth());
        assertEquals(1, browserOpened.getCount(), "the request itself started no login");
        assertEquals(2, cloud.requests().count("POST", "/oauth2/token"), "refused, tried once more, then given up");
        assertEquals(List.of("SMTP " + USER), loginsAskedFor);
    }
}
