package dev.cms.auth;

import static dev.cms.testing.TextAssert.assertThatText;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.provider.AuthenticationRequiredException;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The login coordinator without any identity provider: the "authorization URL" points straight
 * back at the callback with a code, so following {@code /} completes the login.
 */
class LoginCoordinatorTest {
    @TempDir
    Path dir;

    @Test
    void loginCompletesThroughTheBrowserAndReturnsTheCallback() throws Exception {
        ScriptedBrowser browser = ScriptedBrowser.following(dir);
        try (LoginCoordinator logins = new LoginCoordinator(0, true, null, browser.env(), Duration.ofSeconds(60))) {
            LoginCoordinator.Callback callback = logins.login("alice@example.com", LoginServer.GMAIL_PATH, "state-1",
                    straightBack("state-1", "the-code"));

            assertEquals("the-code", callback.code());
            assertEquals(logins.homeUri().resolve(LoginServer.GMAIL_PATH), callback.redirectUri());
            assertThatText(callback.toString()).doesNotContain("the-code");
            assertEquals(1, browser.runs());
            assertEquals(0, logins.outstanding());
        }
    }

    @Test
    void notifyCommandGetsTheAccountAndTheUrlFromItsEnvironment() throws Exception {
        Path out = dir.resolve("notified.txt");
        ScriptedBrowser browser = ScriptedBrowser.following(dir);
        String command = "printf '%s %s' \"$CMS_ACCOUNT\" \"$CMS_LOGIN_URL\" > '" + out + "'";
        try (LoginCoordinator logins = new LoginCoordinator(0, true, command, browser.env(), Duration.ofSeconds(60))) {
            logins.login("bob@example.com", LoginServer.GMAIL_PATH, "state-2", straightBack("state-2", "c"));

            ScriptedBrowser.waitFor("the notify command", () -> Files.exists(out) && Files.size(out) > 0
                    && Files.readString(out).endsWith("/"));
            assertEquals("bob@example.com " + logins.homeUri(), Files.readString(out));
        }
    }

    @Test
    void notifyCommandIsNotGivenTheUrlInItsText() throws Exception {
        // A URL spliced into the command would be run by the shell; here "$(...)" in the account
        // name stays inert because it only ever travels in the environment.
        Path out = dir.resolve("notified.txt");
        Path pwned = dir.resolve("pwned");
        ScriptedBrowser browser = ScriptedBrowser.following(dir);
        String account = "$(touch '" + pwned + "')@example.com";
        String command = "printf '%s' \"$CMS_ACCOUNT\" > '" + out + "'";
        try (LoginCoordinator logins = new LoginCoordinator(0, true, command, browser.env(), Duration.ofSeconds(60))) {
            logins.login(account, LoginServer.GMAIL_PATH, "state-3", straightBack("state-3", "c"));
            ScriptedBrowser.waitFor("the notify command", () -> Files.exists(out) && Files.size(out) > 0);
        }
        assertEquals(account, Files.readString(out));
        assertFalse(Files.exists(pwned));
    }

    @Test
    void nonInteractiveCoordinatorRefusesWithoutStartingAnything() throws Exception {
        ScriptedBrowser browser = ScriptedBrowser.following(dir);
        int port = freePort();
        try (LoginCoordinator logins = new LoginCoordinator(port, false, "touch '" + dir.resolve("notified") + "'",
                browser.env(), Duration.ofSeconds(60))) {
            AuthenticationRequiredException e = assertThrows(AuthenticationRequiredException.class,
                    () -> logins.login("carol@example.com", LoginServer.GMAIL_PATH, "s", straightBack("s", "c")));

            assertEquals("a login is needed for carol@example.com; run cloud-mdir-sync in a terminal to log in",
                    e.getMessage());
            assertEquals(0, browser.runs());
            assertFalse(Files.exists(dir.resolve("notified")));
            try (ServerSocket stillFree = new ServerSocket(port)) {
                assertEquals(port, stillFree.getLocalPort(), "the login page was started");
            }
        }
    }

    @Test
    void loginNobodyCompletesFailsAsAuthenticationRequired() throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("BROWSER", "true"); // a browser that does nothing
        env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        try (LoginCoordinator logins = new LoginCoordinator(0, true, null, env, Duration.ofMillis(200))) {
            AuthenticationRequiredException e = assertThrows(AuthenticationRequiredException.class,
                    () -> logins.login("dave@example.com", LoginServer.GMAIL_PATH, "s", straightBack("s", "c")));

            assertTrue(e.getMessage().startsWith("login for dave@example.com did not complete: no login within"),
                    e.getMessage());
            assertEquals(0, logins.outstanding());
        }
    }

    @Test
    void portInUseIsReportedAsALoginProblemNamingThePort() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"));
             LoginCoordinator logins = new LoginCoordinator(taken.getLocalPort(), true, null, Map.of(),
                     Duration.ofSeconds(5))) {
            AuthenticationRequiredException e = assertThrows(AuthenticationRequiredException.class,
                    () -> logins.login("erin@example.com", LoginServer.GMAIL_PATH, "s", straightBack("s", "c")));

            assertThatText(e.getMessage()).contains("port " + taken.getLocalPort());
        }
    }

    @Test
    void closingFailsALoginThatIsWaiting() throws Exception {
        Map<String, String> env = Map.of("BROWSER", "true", "PATH", System.getenv().getOrDefault("PATH", "/bin"));
        LoginCoordinator logins = new LoginCoordinator(0, true, null, env, Duration.ofMinutes(10));
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<LoginCoordinator.Callback> waiting = pool.submit(() -> logins.login("frank@example.com",
                    LoginServer.GMAIL_PATH, "s", straightBack("s", "c")));
            ScriptedBrowser.waitFor("the login queued", () -> logins.outstanding() == 1);

            logins.close();

            java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> waiting.get(60, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof AuthenticationRequiredException, e.getCause().toString());
            assertThrows(IllegalStateException.class, logins::homeUri);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void afterCloseNoLoginStartsAndRegisteredWaitsAreEnded() throws Exception {
        Map<String, String> env = Map.of("BROWSER", "true", "PATH", System.getenv().getOrDefault("PATH", "/bin"));
        LoginCoordinator logins = new LoginCoordinator(0, true, null, env, Duration.ofMinutes(10));
        java.util.concurrent.atomic.AtomicInteger cancelled = new java.util.concurrent.atomic.AtomicInteger();
        LoginCoordinator.Registration kept = logins.onClose(cancelled::incrementAndGet);
        logins.onClose(() -> cancelled.addAndGet(10)).close(); // unregistered: not run

        logins.close(); // the daemon stops (issue 12, item 2)

        assertEquals(1, cancelled.get());
        kept.close();
        assertTrue(logins.closed());
        AuthenticationRequiredException e = assertThrows(AuthenticationRequiredException.class,
                () -> logins.login("grace@example.com", LoginServer.GMAIL_PATH, "s", straightBack("s", "c")));
        assertEquals("no login for grace@example.com: cloud-mdir-sync is stopping", e.getMessage());
        logins.onClose(() -> cancelled.addAndGet(100)); // registered late: run at once
        assertEquals(101, cancelled.get());
    }

    /**
     * Issue 18, item 4: a background login runs once per account however many requests ask; one
     * that failed is forgotten, so the next request starts a new one; nothing starts when nobody
     * can log in or the daemon is stopping.
     */
    @Test
    void backgroundLoginsRunOncePerAccountAndAFailedOneIsTriedAgain() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger runs = new java.util.concurrent.atomic.AtomicInteger();
        try (LoginCoordinator logins = new LoginCoordinator(0, true, null, Map.of(), Duration.ofSeconds(60))
                .logInInBackground()) {
            assertFalse(logins.waitsForLogins());
            TokenGate.Call<Void> failing = () -> {
                runs.incrementAndGet();
                release.await();
                throw new IOException("refused by the test");
            };
            logins.startInBackground("gmail:a@example.com", "a@example.com", failing);
            logins.startInBackground("gmail:a@example.com", "a@example.com", failing);
            assertTrue(logins.loggingInBackground("gmail:a@example.com"));

            release.countDown();
            ScriptedBrowser.waitFor("the failed login to be forgotten",
                    () -> !logins.loggingInBackground("gmail:a@example.com"));
            assertEquals(1, runs.get(), "the second request joined the first login");
            logins.startInBackground("gmail:a@example.com", "a@example.com", failing);
            ScriptedBrowser.waitFor("a new login after the failed one", () -> runs.get() == 2);

            logins.close();
            AuthenticationRequiredException e = assertThrows(AuthenticationRequiredException.class,
                    () -> logins.startInBackground("gmail:b@example.com", "b@example.com", failing));
            assertEquals("no login for b@example.com: cloud-mdir-sync is stopping", e.getMessage());
        }
        try (LoginCoordinator none = new LoginCoordinator(0, false, null, Map.of(), Duration.ofSeconds(5))) {
            assertThrows(AuthenticationRequiredException.class,
                    () -> none.startInBackground("gmail:c@example.com", "c@example.com", () -> null));
        }
    }

    /** An "authorization server" that is the callback itself: the browser lands there with a code. */
    private static Function<URI, URI> straightBack(String state, String code) {
        return redirect -> URI.create(redirect + "?code=" + enc(code) + "&state=" + enc(state));
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
