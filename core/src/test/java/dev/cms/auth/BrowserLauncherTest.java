package dev.cms.auth;

import static dev.cms.testing.TextAssert.assertThatText;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BrowserLauncherTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void withoutBrowserOrXdgOpenTheUrlIsPrinted() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        URI url = URI.create("http://localhost:8080/");
        BrowserLauncher.Via via = BrowserLauncher.open(url, Map.of("PATH", dir.toString()),
                new PrintStream(printed, true, StandardCharsets.UTF_8));
        assertEquals(BrowserLauncher.Via.PRINTED, via);
        assertEquals("Open this URL in a browser: http://localhost:8080/" + System.lineSeparator(),
                printed.toString(StandardCharsets.UTF_8));
    }

    @Test
    void browserVariableGetsItsArgumentsAndTheUrlLast() throws Exception {
        Path out = dir.resolve("args.txt");
        Path script = script("browser.sh", "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\" >> '" + out
                + "'; done\n");
        URI url = URI.create("http://localhost:8080/?a=1&b=two%20words;$(touch%20x)");
        BrowserLauncher.Via via = BrowserLauncher.open(url, Map.of("BROWSER", script + " --new-tab  -x"),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        assertEquals(BrowserLauncher.Via.BROWSER_ENV, via);
        waitFor(() -> Files.exists(out) && Files.readAllLines(out).size() == 3);
        assertEquals(List.of("--new-tab", "-x", url.toASCIIString()), Files.readAllLines(out));
    }

    @Test
    void xdgOpenOnThePathIsUsedWhenBrowserIsUnset() throws Exception {
        Path out = dir.resolve("xdg.txt");
        Path bin = Files.createDirectory(dir.resolve("bin"));
        Path xdg = bin.resolve("xdg-open");
        Files.writeString(xdg, "#!/bin/sh\nprintf '%s\\n' \"$1\" > '" + out + "'\n");
        Files.setPosixFilePermissions(xdg, PosixFilePermissions.fromString("rwx------"));
        URI url = URI.create("http://localhost:8080/");
        assertEquals(BrowserLauncher.Via.XDG_OPEN, BrowserLauncher.open(url,
                Map.of("PATH", "/nonexistent:" + bin), new PrintStream(new ByteArrayOutputStream(), true,
                        StandardCharsets.UTF_8)));
        waitFor(() -> Files.exists(out) && !Files.readString(out).isEmpty());
        assertEquals("http://localhost:8080/\n", Files.readString(out));
    }

    @Test
    void browserThatCannotStartFallsBackToPrinting() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        BrowserLauncher.Via via = BrowserLauncher.open(URI.create("http://localhost:1/"),
                Map.of("BROWSER", dir.resolve("no-such-browser").toString()),
                new PrintStream(printed, true, StandardCharsets.UTF_8));
        assertEquals(BrowserLauncher.Via.PRINTED, via);
        assertThatText(printed.toString(StandardCharsets.UTF_8)).contains("http://localhost:1/");
    }

    @Test
    void browserThatNeverExitsDoesNotBlock() throws Exception {
        Path script = script("hang.sh", "#!/bin/sh\necho chatter\nexec sleep 600\n");
        BrowserLauncher.Via via = BrowserLauncher.open(URI.create("http://localhost:1/"),
                Map.of("BROWSER", script.toString()),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        assertEquals(BrowserLauncher.Via.BROWSER_ENV, via);
        ProcessHandle.current().children().filter(p -> p.info().commandLine().orElse("").contains("sleep 600"))
                .forEach(ProcessHandle::destroy);
    }

    /**
     * The whole loopback flow with a scripted browser: curl follows / → fake authorization
     * server → callback → / → authorization server → callback → status page in one "tab".
     */
    @Test
    void scriptedBrowserCompletesTwoLoginsInOneTab() throws Exception {
        Path curl = BrowserLauncher.onPath("curl", System.getenv("PATH")).orElse(null);
        assumeTrue(curl != null, "curl is not installed");
        HttpServer authServer = fakeAuthorizationServer();
        try (LoginServer logins = LoginServer.start(0)) {
            URI authBase = URI.create("http://127.0.0.1:" + authServer.getAddress().getPort() + "/authorize");
            String stateA = LoginServer.newState();
            String stateB = LoginServer.newState();
            PendingLogin a = logins.begin("alice@example.com", LoginServer.MSAL_PATH, stateA,
                    authUrl(authBase, logins.redirectUri(LoginServer.MSAL_PATH), stateA));
            PendingLogin b = logins.begin("bob@gmail.com", LoginServer.GMAIL_PATH, stateB,
                    authUrl(authBase, logins.redirectUri(LoginServer.GMAIL_PATH), stateB));
            Path trace = dir.resolve("final-page.html");
            Path browser = script("browser.sh", "#!/bin/sh\nexec '" + curl + "' -s -L --max-redirs 10 -o '"
                    + trace + "' \"$1\"\n");

            BrowserLauncher.Via via = BrowserLauncher.open(logins.homeUri(), Map.of("BROWSER", browser.toString()),
                    new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));

            assertEquals(BrowserLauncher.Via.BROWSER_ENV, via);
            assertEquals("code-for-" + stateA.substring(0, 8), a.await(WAIT).get("code"));
            assertEquals("code-for-" + stateB.substring(0, 8), b.await(WAIT).get("code"));
            waitFor(() -> Files.exists(trace) && Files.readString(trace).contains("</html>"));
            assertThatText(Files.readString(trace)).contains("Logged in as bob@gmail.com. You can close this tab.");
        } finally {
            authServer.stop(0);
        }
    }

    /** Answers /authorize?redirect_uri=..&state=.. with an immediate 302 back, carrying a code. */
    private static HttpServer fakeAuthorizationServer() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 4);
        server.createContext("/authorize", exchange -> {
            Map<String, String> q;
            try {
                q = FormParams.parse(exchange.getRequestURI().getRawQuery());
            } catch (FormParams.MalformedException e) {
                throw new IllegalStateException(e);
            }
            String state = q.get("state");
            String back = q.get("redirect_uri") + "?code=" + enc("code-for-" + state.substring(0, 8))
                    + "&state=" + enc(state);
            exchange.getResponseHeaders().set("Location", back);
            exchange.sendResponseHeaders(302, -1);
            exchange.close();
        });
        server.start();
        return server;
    }

    private static URI authUrl(URI base, URI redirect, String state) {
        return URI.create(base + "?response_type=code&redirect_uri=" + enc(redirect.toString()) + "&state="
                + enc(state));
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private Path script(String name, String text) throws Exception {
        Path script = dir.resolve(name);
        Files.writeString(script, text);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return script;
    }

    interface Condition {
        boolean holds() throws Exception;
    }

    private static void waitFor(Condition condition) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.holds()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + WAIT);
            }
            Thread.sleep(20);
        }
    }
}
