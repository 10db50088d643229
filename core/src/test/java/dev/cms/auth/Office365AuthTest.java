package dev.cms.auth;

import static dev.cms.testing.TextAssert.assertThatText;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import dev.cms.cli.AccountOptions;
import dev.cms.config.Office365AccountSpec;
import dev.cms.config.SourcePos;
import dev.cms.fakecloud.FakeMicrosoft;
import dev.cms.fakecloud.TokenInfo;
import dev.cms.provider.AuthenticationRequiredException;
import dev.cms.time.FakeTicker;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Office365 logins and refreshes through MSAL4J against the embedded fake Microsoft over TLS. */
class Office365AuthTest {
    private static final String CLIENT = "0a1b2c3d-1111-2222-3333-444455556666";
    private static final String ALICE = "Alice.Smith@contoso.example";
    private static final String CACHE_KEY = "o365:" + ALICE + ":msal";
    private static final Pattern SECRET_LOOKING = Pattern.compile("\\b(at|rt|code|dc)\\.[A-Za-z0-9_-]{20,}");
    private static final Pattern USER_CODE = Pattern.compile("enter the code ([A-Z0-9]+)");

    private static final FakeTicker clock = new FakeTicker(Instant.parse("2026-03-01T09:00:00Z"));
    private static FakeMicrosoft fake;
    private static SSLContext previousDefault;

    @TempDir
    Path dir;

    private final InMemorySecretBlobs blobs = new InMemorySecretBlobs();
    private final ByteArrayOutputStream consoleBytes = new ByteArrayOutputStream();
    private final PrintStream console = new PrintStream(consoleBytes, true, StandardCharsets.UTF_8);
    private final List<LoginCoordinator> coordinators = new ArrayList<>();
    private TokenStore store;

    @BeforeAll
    static void startFake() throws Exception {
        fake = FakeMicrosoft.start(0, clock.clock());
        fake.graph().addUser(ALICE, CLIENT);
        previousDefault = SSLContext.getDefault();
        SSLContext.setDefault(fake.clientSslContext());
    }

    @AfterAll
    static void stopFake() {
        SSLContext.setDefault(previousDefault);
        fake.close();
    }

    @BeforeEach
    void freshStore() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        store = TokenStores.withKey(blobs, key);
        fake.identity().setAccessTokenLifetime(Duration.ofHours(1));
        fake.faults().clear();
        fake.requests().clear();
    }

    @AfterEach
    void closeCoordinators() {
        coordinators.forEach(LoginCoordinator::close);
    }

    /**
     * Issue 18, item 4: in the daemon a Graph request that needs a login (no saved one) fails at
     * once while the login runs in the background; when it completes, the listeners hear of the
     * account and the token is served without another login.
     */
    @Test
    void inTheBackgroundALoginDoesNotHoldTheRequestAndTheListenersHearWhenItCompletes() throws Exception {
        Office365TestBrowser browser = Office365TestBrowser.gated(dir, fake.trustManager());
        LoginCoordinator logins = interactive(browser).logInInBackground();
        java.util.concurrent.BlockingQueue<String> loggedIn = new java.util.concurrent.LinkedBlockingQueue<>();
        logins.onLoggedIn(loggedIn::add);
        Office365Auth auth = auth(spec(false), logins, false);

        AuthenticationRequiredException e = assertThrows(AuthenticationRequiredException.class,
                () -> auth.accessToken(false));
        assertThatText(e.getMessage()).contains("waiting for it in the background");
        ScriptedBrowser.waitFor("the browser to start", () -> browser.runs() == 1);
        assertThrows(AuthenticationRequiredException.class, () -> auth.accessToken(false));
        assertEquals(1, logins.outstanding(), "the requests joined the one login");

        browser.open();

        assertEquals("o365:" + ALICE, loggedIn.poll(60, TimeUnit.SECONDS));
        String token = auth.accessToken(false);
        assertNotNull(fake.identity().tokenInfo(token), "the fake does not know the token");
        assertEquals(1, browser.runs());
        assertEquals(1, fake.requests().count("GET", "/oauth2/v2\\.0/authorize$"));
    }

    /**
     * Issue 17: an account that sends asks for Mail.Send at login; a login saved before sending was
     * set up cannot give it (the tenant wants consent), so a new login runs, and the log says why.
     */
    @Test
    void aSavedLoginWithoutMailSendAsksForANewLoginAndSaysWhy() throws Exception {
        fake.identity().requireConsent(Office365Auth.MAIL_SEND_SCOPE);
        Office365TestBrowser browser = Office365TestBrowser.following(dir, fake.trustManager());
        String first = auth(spec(false), interactive(browser), false).accessToken(false);
        assertFalse(fake.identity().tokenInfo(first).scopes().contains(Office365Auth.MAIL_SEND_SCOPE));
        assertEquals(1, fake.requests().count("GET", "/oauth2/v2\\.0/authorize$"));

        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream saved = System.err;
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        String sending;
        try {
            Office365Auth sends = new Office365Auth(AccountOptions.office365(spec(false)), store, interactive(browser), clock, console, false, true);
            sending = sends.accessToken(false);
        } finally {
            System.setErr(saved);
        }
        assertTrue(fake.identity().tokenInfo(sending).scopes().contains(Office365Auth.MAIL_SEND_SCOPE));
        assertEquals(2, fake.requests().count("GET", "/oauth2/v2\\.0/authorize$"), "a new login ran");
        String log = captured.toString(StandardCharsets.UTF_8);
        assertTrue(log.contains("gives no token that may send mail (Graph permission Mail.Send"), log);
    }

    @Test
    void browserLoginWithPkceGetsATokenTheFakeAcceptsAndKeepsMsalsCacheEncrypted() throws Exception {
        Office365TestBrowser browser = Office365TestBrowser.following(dir, fake.trustManager());
        Office365Auth auth = auth(spec(false), interactive(browser), false);

        String token = auth.accessToken(false);

        TokenInfo info = fake.identity().tokenInfo(token);
        assertNotNull(info, "the fake does not know the token");
        assertTrue(info.email().equalsIgnoreCase(ALICE), info.toString());
        assertEquals(CLIENT, info.clientId());
        assertTrue(info.scopes().containsAll(Office365Auth.GRAPH_SCOPES), info.scopes().toString());
        assertEquals(1, browser.runs());
        assertEquals(1, fake.requests().count("GET", "/oauth2/v2\\.0/authorize$"));
        assertEquals(1, fake.requests().count("POST", "/oauth2/v2\\.0/token$"));

        String cache = store.load(CACHE_KEY);
        assertNotNull(cache, "MSAL's cache was not saved");
        String refreshToken = refreshTokenIn(cache);
        assertNotNull(refreshToken, cache);
        byte[] blob = blobs.blobs.values().iterator().next();
        String raw = new String(blob, StandardCharsets.ISO_8859_1);
        assertThatText(raw, "the stored token cache").doesNotContain(refreshToken, "RefreshToken");
        fake.requests().clear();
        assertEquals(token, auth.accessToken(false));
        assertEquals(token, auth.accessToken(Duration.ofMinutes(30)));
        assertEquals(0, fake.requests().size(), "the second call answers from memory: " + fake.requests());
    }

    @Test
    void authorizationUrlAsksForQueryResponseModePkceAndTheUser() throws Exception {
        Office365Auth auth = auth(spec(false), nonInteractive(), false);

        URI url = auth.authorizationUrl(URI.create("http://localhost:8080/oauth2/msal"), Office365Auth.GRAPH_SCOPES,
                "st-1", "ch-2");

        assertTrue(url.toString().startsWith(fake.authorityHost() + "/organizations/oauth2/v2.0/authorize?"),
                url.toString());
        Map<String, String> q = FormParams.parse(url.getRawQuery());
        assertEquals(CLIENT, q.get("client_id"));
        assertEquals("http://localhost:8080/oauth2/msal", q.get("redirect_uri"));
        assertEquals("code", q.get("response_type"));
        assertEquals("query", q.get("response_mode"));
        assertEquals("st-1", q.get("state"));
        assertEquals("ch-2", q.get("code_challenge"));
        assertEquals("S256", q.get("code_challenge_method"));
        assertEquals(ALICE, q.get("login_hint"));
        Set<String> scopes = Set.of(q.get("scope").split(" "));
        assertTrue(scopes.containsAll(Office365Auth.GRAPH_SCOPES) && scopes.contains("offline_access"),
                q.get("scope"));
    }

    @Test
    void aStopEndsADeviceCodeLoginWaitingForTheUser() throws Exception {
        LoginCoordinator logins = interactive(Office365TestBrowser.following(dir, fake.trustManager()));
        Office365Auth auth = auth(spec(false), logins, true);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<String> login = pool.submit(() -> auth.accessToken(false));
            awaitUserCode();
            assertFalse(login.isDone());

            logins.close(); // the daemon stops (issue 12, item 2)

            java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> login.get(20, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof AuthenticationRequiredException, e.toString());
            assertThatText(e.getCause().getMessage()).contains("cloud-mdir-sync is stopping");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void deviceCodeLoginPrintsTheCodeAndWaitsUntilItIsApproved() throws Exception {
        Office365Auth auth = auth(spec(false), interactive(Office365TestBrowser.following(dir, fake.trustManager())),
                true);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<String> login = pool.submit(() -> auth.accessToken(false));
            String userCode = awaitUserCode();
            ScriptedBrowser.waitFor("MSAL polling while the code is pending",
                    () -> fake.requests().count("POST", "/oauth2/v2\\.0/token$") >= 1);
            assertFalse(login.isDone(), "the login finished before the code was approved");
            fake.identity().approveDeviceCode(userCode);

            String token = login.get(60, TimeUnit.SECONDS);

            assertNotNull(fake.identity().tokenInfo(token));
            assertTrue(fake.identity().tokenInfo(token).scopes().containsAll(Office365Auth.GRAPH_SCOPES));
        } finally {
            pool.shutdownNow();
        }
        assertThatText(consoleBytes.toString(StandardCharsets.UTF_8)).contains(fake.authorityHost() + "/devicelogin");
        assertEquals(1, fake.requests().count("POST", "/oauth2/v2\\.0/devicecode$"));
        assertEquals(0, fake.requests().count("/oauth2/v2\\.0/authorize$"));
        assertNotNull(store.load(CACHE_KEY));
    }

    @Test
    void restartWithTheSameStoreRefreshesSilentlyWithoutALogin() throws Exception {
        String before = auth(spec(false), interactive(Office365TestBrowser.following(dir, fake.trustManager())), false)
                .accessToken(false);
        fake.requests().clear();

        // A new process: a new Office365Auth over the same store, and nobody to log in. No access
        // token was saved (issue 12, item 5): the first one is refreshed with the saved refresh token.
        Office365Auth restarted = auth(spec(false), nonInteractive(), false);
        String first = restarted.accessToken(false);
        assertEquals(1, fake.requests().count("POST", "/oauth2/v2\\.0/token$"), fake.requests().toString());
        assertEquals(first, restarted.accessToken(false), "held in memory from then on");
        String refreshed = restarted.accessToken(true);

        assertNotEquals(before, first);
        assertNotNull(fake.identity().tokenInfo(first));
        assertNotNull(fake.identity().tokenInfo(refreshed));
        assertNotEquals(first, refreshed);
        assertEquals(2, fake.requests().count("POST", "/oauth2/v2\\.0/token$"), fake.requests().toString());
        assertEquals(0, fake.requests().count("/oauth2/v2\\.0/(authorize|devicecode)$"));
    }

    @Test
    void savedLoginHoldsRefreshTokenButNoAccessOrIdToken() throws Exception {
        Office365Auth auth = auth(spec(false), interactive(Office365TestBrowser.following(dir, fake.trustManager())),
                false);
        String graph = auth.accessToken(false);
        String smtp = auth.accessToken(Office365Auth.SMTP_SCOPES, Duration.ofMinutes(5));

        // What is saved (decrypted): issue 12, item 5.
        String saved = store.load(CACHE_KEY);
        assertNotNull(saved);
        assertThatText(saved, "no Graph access token saved").doesNotContain(graph);
        assertThatText(saved, "no SMTP access token saved").doesNotContain(smtp);
        var cache = JsonParser.parseString(saved).getAsJsonObject();
        assertEquals(0, cache.getAsJsonObject("AccessToken").size(), saved.length() + " chars");
        assertTrue(cache.getAsJsonObject("IdToken") == null || cache.getAsJsonObject("IdToken").size() == 0);
        assertEquals(1, cache.getAsJsonObject("RefreshToken").size());
        assertEquals(1, cache.getAsJsonObject("Account").size());
        // In memory they stay: no refresh for a token that is fresh.
        fake.requests().clear();
        assertEquals(graph, auth.accessToken(false));
        assertEquals(0, fake.requests().count("POST", "/oauth2/v2\\.0/token$"));
    }

    @Test
    void tokenNearItsExpiryIsRefreshedAlthoughMsalsCacheStillOffersIt() throws Exception {
        Office365Auth auth = auth(spec(false), interactive(Office365TestBrowser.following(dir, fake.trustManager())),
                false);
        String first = auth.accessToken(false); // one hour, by the fake's and our clock
        clock.advance(Duration.ofSeconds(3600 - 65));
        assertEquals(first, auth.accessToken(false), "about 65 s left is still enough");

        clock.advance(Duration.ofSeconds(10));
        String second = auth.accessToken(false);

        assertNotEquals(first, second);
        assertTrue(fake.identity().tokenInfo(first).expiresAt().isBefore(clock.now().plusSeconds(60)),
                "the old token had less than the margin left");
        assertNotNull(fake.identity().tokenInfo(second));
    }

    @Test
    void shortLivedTokensAreRefreshedAndMinValidityIsEnforced() throws Exception {
        fake.identity().setAccessTokenLifetime(Duration.ofMinutes(3));
        Office365Auth auth = auth(spec(false), interactive(Office365TestBrowser.following(dir, fake.trustManager())),
                false);
        String first = auth.accessToken(false);
        clock.advance(Duration.ofSeconds(150)); // 30 s left

        String second = auth.accessToken(false);
        assertNotEquals(first, second);
        assertNotNull(fake.identity().tokenInfo(second));

        IOException e = assertThrows(IOException.class, () -> auth.accessToken(Duration.ofMinutes(10)));
        assertThatText(e.getMessage()).contains("less than the 600 s asked for");
        fake.identity().setAccessTokenLifetime(Duration.ofHours(1));
        String longer = auth.accessToken(Duration.ofMinutes(10));
        assertTrue(fake.identity().tokenInfo(longer).expiresAt().isAfter(clock.now().plus(Duration.ofMinutes(10))));
    }

    @Test
    void revokedRefreshTokenLeadsToANewLoginAfterOneRealRetry() throws Exception {
        Office365TestBrowser browser = Office365TestBrowser.following(dir, fake.trustManager());
        Office365Auth auth = auth(spec(false), interactive(browser), false);
        auth.accessToken(false);
        String oldRefresh = refreshTokenIn(store.load(CACHE_KEY));
        fake.identity().revokeRefreshTokens(ALICE);
        fake.requests().clear();

        String token = auth.accessToken(true);

        assertNotNull(fake.identity().tokenInfo(token));
        assertEquals(2, browser.runs());
        assertEquals(3, fake.requests().count("POST", "/oauth2/v2\\.0/token$"),
                "two refreshes refused, then the code exchange: " + fake.requests());
        assertEquals(1, fake.requests().count("GET", "/oauth2/v2\\.0/authorize$"));
        String newRefresh = refreshTokenIn(store.load(CACHE_KEY));
        assertNotNull(newRefresh);
        assertNotEquals(oldRefresh, newRefresh);
    }

    @Test
    void outlookSmtpTokenComesSilentlyAfterAGraphLogin() throws Exception {
        Office365TestBrowser browser = Office365TestBrowser.following(dir, fake.trustManager());
        Office365Auth auth = auth(spec(false), interactive(browser), false);
        String graph = auth.accessToken(false);
        fake.requests().clear();

        String smtp = auth.accessToken(Office365Auth.SMTP_SCOPES, Duration.ofMinutes(5));

        assertNotEquals(graph, smtp);
        TokenInfo info = fake.identity().tokenInfo(smtp);
        assertTrue(info.scopes().contains("https://outlook.office.com/SMTP.Send"), info.scopes().toString());
        assertFalse(info.scopes().contains("https://graph.microsoft.com/Mail.ReadWrite"), info.scopes().toString());
        assertEquals(1, browser.runs());
        assertEquals(1, fake.requests().count("POST", "/oauth2/v2\\.0/token$"));
        assertEquals(0, fake.requests().count("/oauth2/v2\\.0/authorize$"));
        assertEquals(graph, auth.accessToken(false), "the Graph token is kept apart from the Outlook one");
        assertEquals(smtp, auth.accessToken(Office365Auth.SMTP_SCOPES, Duration.ofMinutes(5)));
    }

    @Test
    void outlookScopesWithoutAnyLoginYetAskForThemInTheLogin() throws Exception {
        Office365TestBrowser browser = Office365TestBrowser.following(dir, fake.trustManager());
        Office365Auth auth = auth(spec(false), interactive(browser), false);

        String imap = auth.accessToken(Office365Auth.IMAP_SCOPES, Duration.ofMinutes(5));

        assertTrue(fake.identity().tokenInfo(imap).scopes().contains("https://outlook.office.com/IMAP.AccessAsUser.All"));
        String authorizeQuery = fake.requests().matching("/oauth2/v2\\.0/authorize$").get(0).query();
        assertTrue(FormParams.parse(authorizeQuery).get("scope").contains("https://outlook.office.com/IMAP.AccessAsUser.All"),
                authorizeQuery);
        fake.requests().clear();
        String graph = auth.accessToken(false);
        assertTrue(fake.identity().tokenInfo(graph).scopes().containsAll(Office365Auth.GRAPH_SCOPES));
        assertEquals(0, fake.requests().count("/oauth2/v2\\.0/authorize$"), "Graph came with the same refresh token");
        assertEquals(1, browser.runs());
    }

    @Test
    void deviceCodeApprovedByAnotherUserIsRefused() throws Exception {
        fake.graph().addUser("mallory@contoso.example", CLIENT);
        Office365Auth auth = auth(spec(true), interactive(Office365TestBrowser.following(dir, fake.trustManager())),
                false);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<String> login = pool.submit(() -> auth.accessToken(false));
            fake.identity().approveDeviceCode(awaitUserCode(), "mallory@contoso.example");

            Exception e = assertThrows(Exception.class, () -> login.get(60, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof AuthenticationRequiredException, String.valueOf(e.getCause()));
            assertThatText(e.getCause().getMessage())
                    .contains("signed in as mallory@contoso.example; log in again as " + ALICE);
        } finally {
            pool.shutdownNow();
        }
        String cache = store.load(CACHE_KEY);
        assertTrue(cache == null || !cache.toLowerCase(java.util.Locale.ROOT).contains("mallory"),
                "the wrong account stays in the cache: " + cache);
    }

    @Test
    void accountWithoutUserUsesTheOneLoginItHas() throws Exception {
        Office365AccountSpec tenantOnly = new Office365AccountSpec(null, "organizations", CLIENT, false,
                fake.authorityHost().toString(), fake.graphEndpoint().toString(), 4, null);
        Office365TestBrowser browser = Office365TestBrowser.following(dir, fake.trustManager());
        String first = new Office365Auth(AccountOptions.office365(tenantOnly), store, interactive(browser), clock, console, false)
                .accessToken(false);
        assertThatText(fake.requests().matching("/oauth2/v2\\.0/authorize$").get(0).query()).doesNotContain("login_hint");

        String again = new Office365Auth(AccountOptions.office365(tenantOnly), store, nonInteractive(), clock, console, false)
                .accessToken(true);

        assertNotNull(fake.identity().tokenInfo(first));
        assertNotNull(fake.identity().tokenInfo(again));
        assertNotNull(store.load("o365:organizations:msal"));
        assertEquals(1, browser.runs());
    }

    @Test
    void failingTokenStoreIsAnIOExceptionButTheTokenStillServes() throws Exception {
        SecretBlobs broken = new SecretBlobs() {
            @Override
            public byte[] get(String key) {
                return null;
            }

            @Override
            public void put(String key, byte[] blob) throws IOException {
                throw new IOException("disk full");
            }

            @Override
            public void remove(String key) {
            }
        };
        store = TokenStores.withKey(broken, new byte[32]);
        Office365Auth auth = auth(spec(false), interactive(Office365TestBrowser.following(dir, fake.trustManager())),
                false);

        IOException e = assertThrows(IOException.class, () -> auth.accessToken(false));

        assertFalse(e instanceof AuthenticationRequiredException, e.toString());
        assertThatText(e.getMessage()).contains("could not save the Office365 login of " + ALICE, "disk full");
        fake.requests().clear();
        assertNotNull(fake.identity().tokenInfo(auth.accessToken(false)), "the login is not wasted");
        assertEquals(0, fake.requests().size(), "the token was held in memory: " + fake.requests());
    }

    @Test
    void concurrentCallersShareOneLogin() throws Exception {
        Office365TestBrowser browser = Office365TestBrowser.gated(dir, fake.trustManager());
        LoginCoordinator shared = interactive(browser);
        Office365Auth auth = auth(spec(false), shared, false);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            Future<String> a = pool.submit(() -> auth.accessToken(false));
            Future<String> b = pool.submit(() -> auth.accessToken(Duration.ofMinutes(5)));
            Future<String> c = pool.submit(() -> auth.accessToken(true));
            ScriptedBrowser.waitFor("a login queued and two callers behind it",
                    () -> shared.outstanding() == 1 && auth.waitingCallers() == 2);
            browser.open();
            String token = a.get(60, TimeUnit.SECONDS);
            assertEquals(token, b.get(60, TimeUnit.SECONDS));
            assertEquals(token, c.get(60, TimeUnit.SECONDS), "a forced refresh queued behind the login uses its token");
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, browser.runs());
        assertEquals(1, fake.requests().count("POST", "/oauth2/v2\\.0/token$"));
    }

    @Test
    void nonInteractiveRunAsksForATerminalAndStartsNothing() throws Exception {
        Office365Auth browserFlow = auth(spec(false), nonInteractive(), false);
        Office365Auth deviceFlow = auth(spec(true), nonInteractive(), false);

        AuthenticationRequiredException e1 = assertThrows(AuthenticationRequiredException.class,
                () -> browserFlow.accessToken(false));
        AuthenticationRequiredException e2 = assertThrows(AuthenticationRequiredException.class,
                () -> deviceFlow.accessToken(false));

        for (AuthenticationRequiredException e : List.of(e1, e2)) {
            assertThatText(e.getMessage()).contains(ALICE, "run cloud-mdir-sync in a terminal to log in");
        }
        assertEquals("", consoleBytes.toString(StandardCharsets.UTF_8));
        assertEquals(0, fake.requests().size(), fake.requests().toString());
    }

    @Test
    void serverErrorAtTheTokenEndpointIsTransientAndKeepsTheLogin() throws Exception {
        Office365TestBrowser browser = Office365TestBrowser.following(dir, fake.trustManager());
        Office365Auth auth = auth(spec(false), interactive(browser), false);
        auth.accessToken(false);
        String cache = store.load(CACHE_KEY);
        fake.faults().failNext("/oauth2/v2\\.0/token$", 10, 503, 0);

        IOException e = assertThrows(IOException.class, () -> auth.accessToken(true));

        assertFalse(e instanceof AuthenticationRequiredException, e.toString());
        assertThatText(e.getMessage()).contains("503");
        assertEquals(refreshTokenIn(cache), refreshTokenIn(store.load(CACHE_KEY)));
        fake.faults().clear();
        // MSAL holds back requests for a few seconds after a 5xx (its throttling cache): wait that out.
        String token = null;
        for (int attempt = 0; token == null; attempt++) {
            try {
                token = auth.accessToken(true);
            } catch (IOException throttled) {
                assertFalse(throttled instanceof AuthenticationRequiredException, throttled.toString());
                assertTrue(attempt < 120, "still failing: " + throttled);
                Thread.sleep(500);
            }
        }
        assertNotNull(fake.identity().tokenInfo(token));
        assertEquals(1, browser.runs());
    }

    @Test
    void missingClientIdExplainsHowToRegisterAPublicClient() {
        Office365AccountSpec noId = new Office365AccountSpec(ALICE, "common", " ", false,
                Office365AccountSpec.DEFAULT_AUTHORITY_HOST, Office365AccountSpec.DEFAULT_GRAPH_ENDPOINT,
                Office365AccountSpec.DEFAULT_MAX_CONCURRENCY, new SourcePos(Path.of("cms.cfg"), 7, 5));

        MissingClientIdException e = assertThrows(MissingClientIdException.class,
                () -> new Office365Auth(AccountOptions.office365(noId), store, nonInteractive(), clock, console, false));
        assertThrows(MissingClientIdException.class, () -> Office365Auth.validate(AccountOptions.office365(noId)));

        String m = e.getMessage();
        assertTrue(m.startsWith("cms.cfg:7:5: Office365_Account(user=\"" + ALICE + "\") has no client_id."), m);
        for (String step : new String[] {"Microsoft Entra ID", "App registrations", "New registration",
                "\"Mobile and desktop applications\"", "http://localhost:8080/oauth2/msal", "cfg.web_port",
                "\"Allow public client flows\"", "Mail.ReadWrite", "User.Read", "offline_access", "SMTP.Send",
                "IMAP.AccessAsUser.All", "Application (client) ID", "Office365_Account(user=\"" + ALICE
                + "\", client_id=\""}) {
            assertThatText(m).contains(step);
        }
    }

    @Test
    void httpAuthorityIsRefusedBecauseMsalNeedsHttps() {
        Office365AccountSpec http = new Office365AccountSpec(ALICE, "common", CLIENT, false, "http://localhost:1",
                "http://localhost:1", 4, null);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Office365Auth(AccountOptions.office365(http), store, nonInteractive(), clock, console, false));
        assertThatText(e.getMessage()).contains("authority_host", "https");
    }

    @Test
    void logsNameTheAccountButNeverATokenCodeOrTheCache() throws Exception {
        Office365TestBrowser browser = Office365TestBrowser.following(dir, fake.trustManager());
        Office365Auth auth = auth(spec(false), interactive(browser), false);
        List<String> secrets = new ArrayList<>();
        String log = EncryptedTokenStoreTest.captureStderr(() -> {
            secrets.add(auth.accessToken(false));
            secrets.add(store.load(CACHE_KEY));
            secrets.add(refreshTokenIn(store.load(CACHE_KEY)));
            secrets.add(auth.accessToken(true));
            secrets.add(auth.accessToken(Office365Auth.IMAP_SCOPES, Duration.ofMinutes(5)));
            fake.identity().revokeRefreshTokens(ALICE);
            secrets.add(auth.accessToken(true));
            secrets.add(store.load(CACHE_KEY));
            secrets.add(refreshTokenIn(store.load(CACHE_KEY)));
        });

        assertThatText(log).contains("login needed for " + ALICE);
        assertThatText(log).contains("refreshed Office365 token for " + ALICE + ", valid for ", "trying once more");
        for (String secret : secrets) {
            assertThatText(log, "the log").doesNotContain(secret);
        }
        Matcher m = SECRET_LOOKING.matcher(log);
        assertFalse(m.find(), () -> "the log shows something token-like: " + m.group() + "\n" + log);
    }

    // ---- helpers ----

    private Office365AccountSpec spec(boolean deviceCode) {
        return new Office365AccountSpec(ALICE, "organizations", CLIENT, deviceCode, fake.authorityHost().toString(),
                fake.graphEndpoint().toString(), Office365AccountSpec.DEFAULT_MAX_CONCURRENCY, null);
    }

    private Office365Auth auth(Office365AccountSpec spec, LoginCoordinator logins, boolean forceDeviceCode)
            throws MissingClientIdException {
        return new Office365Auth(AccountOptions.office365(spec), store, logins, clock, console, forceDeviceCode);
    }

    private LoginCoordinator interactive(Office365TestBrowser browser) {
        LoginCoordinator c = new LoginCoordinator(0, true, null, browser.env(), Duration.ofSeconds(60));
        coordinators.add(c);
        return c;
    }

    private LoginCoordinator nonInteractive() {
        LoginCoordinator c = new LoginCoordinator(0, false, null, Map.of(), Duration.ofSeconds(5));
        coordinators.add(c);
        return c;
    }

    private String awaitUserCode() throws Exception {
        String[] code = new String[1];
        ScriptedBrowser.waitFor("the device code message", () -> {
            Matcher m = USER_CODE.matcher(consoleBytes.toString(StandardCharsets.UTF_8));
            if (m.find()) {
                code[0] = m.group(1);
                return true;
            }
            return false;
        });
        return code[0];
    }

    /** The refresh token inside MSAL's serialized cache (its "RefreshToken" section). */
    private static String refreshTokenIn(String cache) {
        JsonElement section = JsonParser.parseString(cache).getAsJsonObject().get("RefreshToken");
        for (Map.Entry<String, JsonElement> e : section.getAsJsonObject().entrySet()) {
            return e.getValue().getAsJsonObject().get("secret").getAsString();
        }
        return null;
    }
}
