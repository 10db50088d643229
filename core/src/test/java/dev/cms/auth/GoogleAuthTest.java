package dev.cms.auth;

import static dev.cms.testing.TextAssert.assertThatText;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.cli.AccountOptions;
import dev.cms.config.GmailAccountSpec;
import dev.cms.config.SourcePos;
import dev.cms.fakecloud.FakeCloud;
import dev.cms.provider.AuthenticationRequiredException;
import dev.cms.time.FakeTicker;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Google logins and refreshes over real HTTP against the embedded fake, with a curl "browser". */
class GoogleAuthTest {
    private static final String ALICE = "alice+mail@example.com";
    private static final String BOB = "bob@example.com";

    @TempDir
    Path dir;

    private final FakeTicker clock = new FakeTicker(Instant.parse("2026-03-01T09:00:00Z"));
    private final InMemorySecretBlobs blobs = new InMemorySecretBlobs();
    private FakeCloud fake;
    private TokenStore store;
    private LoginCoordinator logins;

    @BeforeEach
    void startFake() throws Exception {
        fake = FakeCloud.start(0, clock.clock());
        fake.gmail().addAccount(ALICE, "client-alice", "secret-alice");
        fake.gmail().addAccount(BOB, "client-bob", "secret-bob");
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        store = TokenStores.withKey(blobs, key);
    }

    @AfterEach
    void stop() {
        if (logins != null) {
            logins.close();
        }
        fake.close();
    }

    @Test
    void firstCallLogsInThroughTheBrowserAndStoresTheRefreshTokenEncrypted() throws Exception {
        ScriptedBrowser browser = ScriptedBrowser.following(dir);
        GoogleAuth auth = auth(ALICE, interactive(browser));

        String token = auth.accessToken(false);

        assertEquals(1, browser.runs());
        HttpResponse<String> info = tokenInfo(token);
        assertEquals(200, info.statusCode(), info.body());
        assertThatText(info.body()).contains(ALICE, GoogleAuth.GMAIL_MODIFY_SCOPE);
        String refresh = store.load("gmail:" + ALICE);
        assertNotNull(refresh);
        byte[] blob = blobs.blobs.values().iterator().next();
        assertThatText(new String(blob, StandardCharsets.ISO_8859_1), "stored in the clear").doesNotContain(refresh);
        assertEquals(1, fake.requests().count("POST", "/oauth2/token"));
        assertEquals(1, fake.requests().count("GET", "/oauth2/auth"));
    }

    @Test
    void secondCallAnswersFromMemoryWithoutHttp() throws Exception {
        GoogleAuth auth = auth(ALICE, interactive(ScriptedBrowser.following(dir)));
        String first = auth.accessToken(false);
        fake.requests().clear();

        assertEquals(first, auth.accessToken(false));
        assertEquals(first, auth.accessToken(Duration.ofMinutes(30)));
        assertEquals(0, fake.requests().size(), fake.requests().toString());
    }

    @Test
    void forcedRefreshFetchesANewTokenWithoutALogin() throws Exception {
        ScriptedBrowser browser = ScriptedBrowser.following(dir);
        GoogleAuth auth = auth(ALICE, interactive(browser));
        String first = auth.accessToken(false);
        fake.requests().clear();

        String second = auth.accessToken(true);

        assertNotEquals(first, second);
        assertEquals(200, tokenInfo(second).statusCode());
        assertEquals(1, fake.requests().count("POST", "/oauth2/token"));
        assertEquals(0, fake.requests().count("/oauth2/auth"));
        assertEquals(1, browser.runs());
    }

    @Test
    void restartRefreshesWithTheStoredTokenWithoutALogin() throws Exception {
        auth(ALICE, interactive(ScriptedBrowser.following(dir))).accessToken(false);
        fake.requests().clear();

        // A new process: a fresh GoogleAuth over the same store, and nobody to log in.
        try (LoginCoordinator none = new LoginCoordinator(0, false, null, Map.of(), Duration.ofSeconds(5))) {
            String token = new GoogleAuth(AccountOptions.google(spec(ALICE)), GoogleAuth.scopesFor(false), store, none, clock)
                    .accessToken(false);
            assertEquals(200, tokenInfo(token).statusCode());
        }
        assertEquals(1, fake.requests().count("POST", "/oauth2/token"));
    }

    @Test
    void tokenNearItsExpiryIsRefreshed() throws Exception {
        GoogleAuth auth = auth(ALICE, interactive(ScriptedBrowser.following(dir)));
        String first = auth.accessToken(false); // the fake's tokens live 3600 s
        clock.advance(Duration.ofSeconds(3600 - 61));
        assertEquals(first, auth.accessToken(false), "61 s left is still enough");

        clock.advance(Duration.ofSeconds(2));
        String second = auth.accessToken(false);

        assertNotEquals(first, second);
        assertEquals(200, tokenInfo(second).statusCode());
    }

    @Test
    void minValidityRefreshesEarlyAndRefusesWhatNoTokenCanMeet() throws Exception {
        GoogleAuth auth = auth(ALICE, interactive(ScriptedBrowser.following(dir)));
        String first = auth.accessToken(false);
        clock.advance(Duration.ofMinutes(50)); // 10 min left

        assertEquals(first, auth.accessToken(Duration.ofMinutes(5)));
        String second = auth.accessToken(Duration.ofMinutes(15));
        assertNotEquals(first, second);

        IOException e = assertThrows(IOException.class, () -> auth.accessToken(Duration.ofHours(2)));
        assertThatText(e.getMessage()).contains("less than the 7200 s asked for");
    }

    /**
     * Issue 18, item 4: in the daemon a request that needs a login does not wait for it: it starts
     * the login in the background and fails at once; requests meanwhile join that login (one
     * browser); when it completes, the listeners hear of the account and the token is served.
     */
    @Test
    void inTheBackgroundARevokedLoginFailsAtOnceAndTheListenersHearWhenItCompletes() throws Exception {
        GoogleAuth first = auth(ALICE, interactive(ScriptedBrowser.following(dir)));
        first.accessToken(false);
        logins.close();
        fake.gmail().revokeRefreshTokens(ALICE);
        ScriptedBrowser browser = ScriptedBrowser.gated(java.nio.file.Files.createDirectories(dir.resolve("gated")));
        java.util.concurrent.BlockingQueue<String> loggedIn = new java.util.concurrent.LinkedBlockingQueue<>();
        logins = new LoginCoordinator(0, true, null, browser.env(), Duration.ofSeconds(60)).logInInBackground();
        logins.onLoggedIn(loggedIn::add);
        GoogleAuth auth = auth(ALICE, logins);

        AuthenticationRequiredException e = assertThrows(AuthenticationRequiredException.class,
                () -> auth.accessToken(false));
        assertThatText(e.getMessage()).contains("waiting for it in the background");
        ScriptedBrowser.waitFor("the browser to start", () -> browser.runs() == 1);
        assertTrue(logins.loggingInBackground("gmail:" + ALICE));
        assertThrows(AuthenticationRequiredException.class, () -> auth.accessToken(false));
        assertThrows(AuthenticationRequiredException.class, () -> auth.replaceRejected("refused-token"));
        assertEquals(1, logins.outstanding(), "the requests joined the one login");
        assertEquals(null, loggedIn.poll());

        browser.open();

        assertEquals("gmail:" + ALICE, loggedIn.poll(60, TimeUnit.SECONDS));
        String token = auth.accessToken(false);
        assertEquals(200, tokenInfo(token).statusCode());
        assertEquals(1, browser.runs());
        ScriptedBrowser.waitFor("the background login to end", () -> !logins.loggingInBackground("gmail:" + ALICE));
    }

    @Test
    void revokedRefreshTokenLeadsToANewLoginAfterOneRetry() throws Exception {
        ScriptedBrowser browser = ScriptedBrowser.following(dir);
        GoogleAuth auth = auth(ALICE, interactive(browser));
        auth.accessToken(false);
        String oldRefresh = store.load("gmail:" + ALICE);
        fake.gmail().revokeRefreshTokens(ALICE);
        fake.requests().clear();

        String token = auth.accessToken(true);

        assertEquals(200, tokenInfo(token).statusCode());
        assertEquals(2, browser.runs());
        assertEquals(3, fake.requests().count("POST", "/oauth2/token"), "two refreshes, then the code exchange");
        String newRefresh = store.load("gmail:" + ALICE);
        assertNotNull(newRefresh);
        assertNotEquals(oldRefresh, newRefresh);
    }

    @Test
    void serverErrorAtTheTokenEndpointKeepsTheRefreshToken() throws Exception {
        ScriptedBrowser browser = ScriptedBrowser.following(dir);
        GoogleAuth auth = auth(ALICE, interactive(browser));
        auth.accessToken(false);
        String refresh = store.load("gmail:" + ALICE);
        fake.faults().failNext("/oauth2/token", 1, 503, 0);

        IOException e = assertThrows(IOException.class, () -> auth.accessToken(true));

        assertFalse(e instanceof AuthenticationRequiredException, e.toString());
        assertThatText(e.getMessage()).contains("HTTP 503");
        assertEquals(refresh, store.load("gmail:" + ALICE));
        assertEquals(200, tokenInfo(auth.accessToken(true)).statusCode());
        assertEquals(1, browser.runs());
    }

    @Test
    void unreachableTokenEndpointIsAnIOExceptionThatKeepsTheRefreshToken() throws Exception {
        GoogleAuth auth = auth(ALICE, interactive(ScriptedBrowser.following(dir)));
        auth.accessToken(false);
        String refresh = store.load("gmail:" + ALICE);
        fake.faults().resetNext("/oauth2/token", 1);

        IOException e = assertThrows(IOException.class, () -> auth.accessToken(true));

        assertFalse(e instanceof AuthenticationRequiredException, e.toString());
        assertEquals(refresh, store.load("gmail:" + ALICE));
    }

    @Test
    void twoAccountsNeedingALoginTogetherShareOneBrowserRun() throws Exception {
        ScriptedBrowser browser = ScriptedBrowser.gated(dir);
        LoginCoordinator shared = interactive(browser);
        GoogleAuth alice = auth(ALICE, shared);
        GoogleAuth bob = auth(BOB, shared);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<String> a = pool.submit(() -> alice.accessToken(false));
            Future<String> b = pool.submit(() -> bob.accessToken(false));
            ScriptedBrowser.waitFor("both logins queued", () -> shared.outstanding() == 2);
            browser.open();

            assertThatText(tokenInfo(a.get(60, TimeUnit.SECONDS)).body()).contains(ALICE);
            assertThatText(tokenInfo(b.get(60, TimeUnit.SECONDS)).body()).contains(BOB);
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, browser.runs());
        assertNotNull(store.load("gmail:" + ALICE));
        assertNotNull(store.load("gmail:" + BOB));
    }

    @Test
    void concurrentCallersShareOneLogin() throws Exception {
        ScriptedBrowser browser = ScriptedBrowser.gated(dir);
        LoginCoordinator shared = interactive(browser);
        GoogleAuth alice = auth(ALICE, shared);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            Future<String> a = pool.submit(() -> alice.accessToken(false));
            Future<String> b = pool.submit(() -> alice.accessToken(false));
            Future<String> c = pool.submit(() -> alice.accessToken(true));
            ScriptedBrowser.waitFor("a login queued and two callers behind it",
                    () -> shared.outstanding() == 1 && alice.waitingCallers() == 2);
            browser.open();
            String token = a.get(60, TimeUnit.SECONDS);
            assertEquals(token, b.get(60, TimeUnit.SECONDS));
            assertEquals(token, c.get(60, TimeUnit.SECONDS), "a forced refresh queued behind the login uses its token");
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, browser.runs());
        assertEquals(1, fake.requests().count("POST", "/oauth2/token"));
    }

    @Test
    void nonInteractiveRunAsksForATerminalInsteadOfABrowser() throws Exception {
        ScriptedBrowser browser = ScriptedBrowser.following(dir);
        logins = new LoginCoordinator(0, false, null, browser.env(), Duration.ofSeconds(30));
        GoogleAuth auth = auth(ALICE, logins);

        AuthenticationRequiredException e = assertThrows(AuthenticationRequiredException.class,
                () -> auth.accessToken(false));

        assertThatText(e.getMessage()).contains(ALICE, "run cloud-mdir-sync in a terminal to log in");
        assertEquals(0, browser.runs());
        assertEquals(0, fake.requests().size());
    }

    @Test
    void missingClientIdExplainsHowToRegisterOne() {
        logins = new LoginCoordinator(0, false, null, Map.of(), Duration.ofSeconds(5));
        GmailAccountSpec noId = new GmailAccountSpec(ALICE, null, null, GmailAccountSpec.DEFAULT_AUTH_ENDPOINT,
                GmailAccountSpec.DEFAULT_TOKEN_ENDPOINT, GmailAccountSpec.DEFAULT_API_ENDPOINT,
                new SourcePos(Path.of("cms.cfg"), 3, 1));

        MissingClientIdException e = assertThrows(MissingClientIdException.class,
                () -> new GoogleAuth(AccountOptions.google(noId), GoogleAuth.scopesFor(false), store, logins, clock));

        String m = e.getMessage();
        assertTrue(m.startsWith("cms.cfg:3:1: GMail_Account(user=\"" + ALICE + "\") has no client_id and client_secret"),
                m);
        for (String step : new String[] {"enable the Gmail API", "OAuth consent screen", "test user",
                "gmail.modify", "OAuth client ID", "\"Desktop app\"", "client_id=\"", "client_secret=\""}) {
            assertThatText(m).contains(step);
        }
    }

    @Test
    void missingClientSecretAloneIsNamed() {
        GmailAccountSpec noSecret = new GmailAccountSpec(ALICE, "client-alice", " ", "https://a.example/auth",
                "https://a.example/token", "https://a.example/", null);

        MissingClientIdException e = assertThrows(MissingClientIdException.class,
                () -> GoogleAuth.validate(AccountOptions.google(noSecret)));

        assertTrue(e.getMessage().startsWith("GMail_Account(user=\"" + ALICE + "\") has no client_secret."),
                e.getMessage());
    }

    @Test
    void scopesAddFullMailOnlyForTheImapSmtpBroker() {
        assertEquals(java.util.Set.of("https://www.googleapis.com/auth/gmail.modify"), GoogleAuth.scopesFor(false));
        assertEquals(java.util.Set.of("https://www.googleapis.com/auth/gmail.modify", "https://mail.google.com/"),
                GoogleAuth.scopesFor(true));
    }

    @Test
    void authorizationUrlCarriesPkceOfflineAccessAndAnEncodedLoginHint() throws Exception {
        logins = new LoginCoordinator(0, false, null, Map.of(), Duration.ofSeconds(5));
        GoogleAuth auth = new GoogleAuth(AccountOptions.google(spec(ALICE)), GoogleAuth.scopesFor(true), store, logins, clock);

        URI url = auth.authorizationUrl(URI.create("http://localhost:8080/oauth2/gmail"), "st-1", "ch-2");

        assertTrue(url.toString().startsWith(fake.baseUri() + "oauth2/auth?"), url.toString());
        Map<String, String> q = FormParams.parse(url.getRawQuery());
        assertEquals(Map.ofEntries(Map.entry("client_id", "client-alice"),
                Map.entry("redirect_uri", "http://localhost:8080/oauth2/gmail"),
                Map.entry("response_type", "code"),
                Map.entry("scope", "https://mail.google.com/ https://www.googleapis.com/auth/gmail.modify"),
                Map.entry("state", "st-1"), Map.entry("code_challenge", "ch-2"),
                Map.entry("code_challenge_method", "S256"), Map.entry("access_type", "offline"),
                Map.entry("prompt", "consent"), Map.entry("login_hint", ALICE)), q);
        assertThatText(url.getRawQuery(), "the query (a + would read as a space)").doesNotContain("+");
    }

    /** The fake refuses a code whose exchange carries another verifier than the one challenged. */
    @Test
    void fakeRefusesACodeExchangedWithATamperedVerifier() throws Exception {
        String verifier = Pkce.newVerifier();
        String redirect = "http://localhost:1/oauth2/gmail";
        HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
        HttpResponse<String> authorize = http.send(HttpRequest.newBuilder(URI.create(fake.baseUri()
                + "oauth2/auth?client_id=client-bob&response_type=code&scope=" + enc(GoogleAuth.GMAIL_MODIFY_SCOPE)
                + "&redirect_uri=" + enc(redirect) + "&state=s&login_hint=" + enc(BOB) + "&code_challenge="
                + Pkce.challengeS256(verifier) + "&code_challenge_method=S256")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(302, authorize.statusCode());
        String code = FormParams.parse(URI.create(authorize.headers().firstValue("Location").orElseThrow())
                .getRawQuery()).get("code");

        HttpResponse<String> token = http.send(HttpRequest.newBuilder(URI.create(fake.baseUri() + "oauth2/token"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=authorization_code&code=" + enc(code)
                        + "&redirect_uri=" + enc(redirect) + "&client_id=client-bob&client_secret=secret-bob"
                        + "&code_verifier=" + Pkce.newVerifier())).build(), HttpResponse.BodyHandlers.ofString());

        assertEquals(400, token.statusCode());
        assertThatText(token.body()).contains("invalid_grant");
    }

    @Test
    void logsNameTheAccountButNeverATokenOrTheSecret() throws Exception {
        ScriptedBrowser browser = ScriptedBrowser.following(dir);
        GoogleAuth auth = auth(ALICE, interactive(browser));
        String[] tokens = new String[4];
        String log = EncryptedTokenStoreTest.captureStderr(() -> {
            tokens[0] = auth.accessToken(false);
            tokens[1] = store.load("gmail:" + ALICE);
            tokens[2] = auth.accessToken(true);
            fake.gmail().revokeRefreshTokens(ALICE);
            tokens[3] = auth.accessToken(true);
        });

        assertThatText(log).contains("login needed for " + ALICE);
        assertThatText(log).contains("refreshed access token for " + ALICE + ", valid for ");
        for (String secret : new String[] {tokens[0], tokens[1], tokens[2], tokens[3], store.load("gmail:" + ALICE),
                "secret-alice", "4/fake-", "1//fake-", "ya29."}) {
            assertThatText(log, "the log").doesNotContain(secret);
        }
    }

    // ---- helpers ----

    private LoginCoordinator interactive(ScriptedBrowser browser) {
        logins = new LoginCoordinator(0, true, null, browser.env(), Duration.ofSeconds(60));
        return logins;
    }

    private GoogleAuth auth(String user, LoginCoordinator coordinator) throws MissingClientIdException {
        return new GoogleAuth(AccountOptions.google(spec(user)), GoogleAuth.scopesFor(false), store, coordinator, clock);
    }

    private GmailAccountSpec spec(String user) {
        String base = fake.baseUri().toString();
        String name = user.substring(0, user.indexOf(user.startsWith("alice") ? "+" : "@"));
        return new GmailAccountSpec(user, "client-" + name, "secret-" + name, base + "oauth2/auth",
                base + "oauth2/token", base, null);
    }

    private HttpResponse<String> tokenInfo(String token) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(fake.baseUri() + "oauth2/tokeninfo?access_token=" + enc(token))).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
