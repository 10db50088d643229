package dev.cms.auth;

import static dev.cms.testing.TextAssert.assertThatText;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LoginServerTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final URI AUTH_A = URI.create("https://login.example.com/authorize?client_id=a&state=one");
    private static final URI AUTH_B = URI.create("https://accounts.example.net/o/oauth2/auth?state=two");

    private final HttpClient http = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(WAIT)
            .build();
    private LoginServer server;

    @BeforeEach
    void start() throws Exception {
        server = LoginServer.start(0);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void homeWithNothingPendingIsAStatusPage() throws Exception {
        HttpResponse<String> r = get("/");
        assertEquals(200, r.statusCode());
        assertThatText(r.body()).contains("You can close this tab");
        assertEquals("no-store", r.headers().firstValue("Cache-Control").orElse(null));
        assertEquals("text/html; charset=utf-8", r.headers().firstValue("Content-Type").orElse(null));
    }

    @Test
    void twoAccountsLogInOneAfterTheOtherInOneTab() throws Exception {
        String stateA = LoginServer.newState();
        String stateB = LoginServer.newState();
        PendingLogin a = server.begin("alice@example.com", LoginServer.MSAL_PATH, stateA, AUTH_A);
        PendingLogin b = server.begin("bob@gmail.com", LoginServer.GMAIL_PATH, stateB, AUTH_B);

        assertRedirect(get("/"), AUTH_A.toString());

        HttpResponse<String> first = get(LoginServer.MSAL_PATH + "?code=code-A&state=" + stateA
                + "&session_state=s1");
        assertRedirect(first, "/");
        Map<String, String> params = a.await(WAIT);
        assertEquals("code-A", params.get("code"));
        assertEquals("s1", params.get("session_state"));
        assertEquals(stateA, params.get("state"));

        assertRedirect(get("/"), AUTH_B.toString());
        HttpResponse<String> second = get(LoginServer.GMAIL_PATH + "?state=" + stateB + "&code=code-B&scope=x");
        assertEquals(200, second.statusCode());
        assertThatText(second.body()).contains("Logged in as bob@gmail.com. You can close this tab.");
        assertThatText(second.body(), "the code is never shown").doesNotContain("code-B");
        assertEquals("code-B", b.await(WAIT).get("code"));

        HttpResponse<String> status = get("/");
        assertEquals(200, status.statusCode());
        assertThatText(status.body()).contains("alice@example.com", "bob@gmail.com");
        assertEquals("no-store", status.headers().firstValue("Cache-Control").orElse(null));
    }

    @Test
    void wrongStateIsRefusedAndTheLoginStaysPending() throws Exception {
        String state = LoginServer.newState();
        PendingLogin a = server.begin("alice", LoginServer.MSAL_PATH, state, AUTH_A);
        HttpResponse<String> r = get(LoginServer.MSAL_PATH + "?code=stolen&state=" + LoginServer.newState());
        assertEquals(400, r.statusCode());
        assertThatText(r.body()).doesNotContain("stolen");
        assertEquals("text/html; charset=utf-8", r.headers().firstValue("Content-Type").orElse(null));
        assertRedirect(get("/"), AUTH_A.toString());
        completes(a, LoginServer.MSAL_PATH, state);
    }

    @Test
    void missingStateIsRefused() throws Exception {
        String state = LoginServer.newState();
        PendingLogin a = server.begin("alice", LoginServer.MSAL_PATH, state, AUTH_A);
        assertEquals(400, get(LoginServer.MSAL_PATH + "?code=c").statusCode());
        assertEquals(400, get(LoginServer.MSAL_PATH).statusCode());
        completes(a, LoginServer.MSAL_PATH, state);
    }

    @Test
    void missingCodeIsRefusedAndTheLoginStaysPending() throws Exception {
        String state = LoginServer.newState();
        PendingLogin a = server.begin("alice", LoginServer.GMAIL_PATH, state, AUTH_A);
        HttpResponse<String> r = get(LoginServer.GMAIL_PATH + "?state=" + state);
        assertEquals(400, r.statusCode());
        assertThatText(r.body()).contains("neither a code nor an error");
        assertEquals(400, get(LoginServer.GMAIL_PATH + "?state=" + state + "&code=").statusCode());
        completes(a, LoginServer.GMAIL_PATH, state);
    }

    @Test
    void providerErrorFailsTheLogin() throws Exception {
        String state = LoginServer.newState();
        PendingLogin a = server.begin("alice", LoginServer.MSAL_PATH, state, AUTH_A);
        HttpResponse<String> r = get(LoginServer.MSAL_PATH + "?error=access_denied&error_description="
                + enc("The user said <no>\n") + "&state=" + state);
        assertEquals(200, r.statusCode());
        assertThatText(r.body(), "the page (provider text is escaped)").doesNotContain("<no>");
        assertThatText(r.body()).contains("&lt;no&gt;");
        LoginFailedException e = assertThrows(LoginFailedException.class, () -> a.await(WAIT));
        assertThatText(e.getMessage()).contains("access_denied", "The user said <no>");
        assertEquals("access_denied", e.error());
        assertEquals(400, get(LoginServer.MSAL_PATH + "?code=late&state=" + state).statusCode(),
                "a failed login's state is used up");
    }

    @Test
    void formPostCallbackCompletesTheLogin() throws Exception {
        String state = LoginServer.newState();
        PendingLogin a = server.begin("carol@contoso.com", LoginServer.MSAL_PATH, state, AUTH_A);
        HttpResponse<String> r = post(LoginServer.MSAL_PATH, "application/x-www-form-urlencoded",
                ("code=0.AXo%2Bcode&state=" + state + "&session_state=abc").getBytes(StandardCharsets.UTF_8));
        assertEquals(200, r.statusCode());
        Map<String, String> params = a.await(WAIT);
        assertEquals("0.AXo+code", params.get("code"));
        assertEquals("abc", params.get("session_state"));
    }

    @Test
    void postThatIsNotAFormIsRefused() throws Exception {
        String state = LoginServer.newState();
        PendingLogin a = server.begin("alice", LoginServer.MSAL_PATH, state, AUTH_A);
        assertEquals(400, post(LoginServer.MSAL_PATH, "application/json",
                ("{\"code\":\"x\",\"state\":\"" + state + "\"}").getBytes(StandardCharsets.UTF_8)).statusCode());
        completes(a, LoginServer.MSAL_PATH, state);
    }

    @Test
    void stateIsSingleUse() throws Exception {
        String state = LoginServer.newState();
        PendingLogin a = server.begin("alice", LoginServer.GMAIL_PATH, state, AUTH_A);
        assertEquals(200, get(LoginServer.GMAIL_PATH + "?code=first&state=" + state).statusCode());
        assertEquals(400, get(LoginServer.GMAIL_PATH + "?code=second&state=" + state).statusCode());
        assertEquals("first", a.await(WAIT).get("code"));
    }

    @Test
    void callbackOnTheOtherRedirectPathIsRefused() throws Exception {
        String state = LoginServer.newState();
        PendingLogin a = server.begin("alice", LoginServer.GMAIL_PATH, state, AUTH_A);
        HttpResponse<String> r = get(LoginServer.MSAL_PATH + "?code=c&state=" + state);
        assertEquals(400, r.statusCode());
        completes(a, LoginServer.GMAIL_PATH, state);
    }

    @Test
    void repeatedParametersAreRefused() throws Exception {
        String state = LoginServer.newState();
        PendingLogin a = server.begin("alice", LoginServer.GMAIL_PATH, state, AUTH_A);
        assertEquals(400, get(LoginServer.GMAIL_PATH + "?code=c&state=" + state + "&state=" + state).statusCode());
        assertEquals(400, get(LoginServer.GMAIL_PATH + "?code=c&code=d&state=" + state).statusCode());
        completes(a, LoginServer.GMAIL_PATH, state);
    }

    @Test
    void handWrittenRequestsGetAnswers() throws Exception {
        assertEquals(200, rawStatus("GET /"), "the raw-request helper works, so its 400s below mean something");
    }

    @Test
    void otherPathsAreNotFound() throws Exception {
        assertEquals(404, get("/favicon.ico").statusCode());
        assertEquals(404, get("/oauth2/gmail/extra").statusCode());
        assertEquals(404, get("/oauth2").statusCode());
    }

    @Test
    void garbageIsABadRequestNotAServerError() throws Exception {
        String state = LoginServer.newState();
        PendingLogin a = server.begin("alice", LoginServer.GMAIL_PATH, state, AUTH_A);
        assertEquals(400, get(LoginServer.GMAIL_PATH + "?code=" + "x".repeat(200_000) + "&state=" + state)
                .statusCode());
        assertEquals(400, get(LoginServer.GMAIL_PATH + "?" + "a=b&".repeat(1000) + "state=" + state).statusCode());
        assertEquals(400, get(LoginServer.GMAIL_PATH + "?code=%C3%28&state=" + state).statusCode(),
                "invalid UTF-8");
        assertEquals(400, rawStatus("GET " + LoginServer.GMAIL_PATH + "?code=%zz&state=" + state), "bad %-escape");
        assertEquals(400, rawStatus("GET " + LoginServer.GMAIL_PATH + "?code=%4&state=" + state), "short %-escape");
        assertEquals(400, rawStatus("GET " + LoginServer.GMAIL_PATH + "?code=ab%&state=" + state), "lone %");
        byte[] binary = new byte[4096];
        new java.util.Random(42).nextBytes(binary);
        assertEquals(400, post(LoginServer.GMAIL_PATH, "application/x-www-form-urlencoded", binary).statusCode());
        assertEquals(400, post(LoginServer.GMAIL_PATH, "application/x-www-form-urlencoded",
                new byte[100_000]).statusCode(), "oversized body");
        assertEquals(405, http.send(HttpRequest.newBuilder(server.homeUri().resolve(LoginServer.GMAIL_PATH))
                .method("DELETE", HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());
        assertRedirect(get("/"), AUTH_A.toString());
        completes(a, LoginServer.GMAIL_PATH, state);
    }

    @Test
    void foreignHostHeaderIsRefused() throws Exception {
        String state = LoginServer.newState();
        server.begin("alice", LoginServer.GMAIL_PATH, state, AUTH_A);
        assertEquals(400, rawHeadStatus("GET / HTTP/1.1\r\nHost: evil.example.com:" + server.port()));
        assertEquals(302, rawHeadStatus("GET / HTTP/1.1\r\nHost: 127.0.0.1:" + server.port()));
    }

    @Test
    void awaitTimesOutAndWithdrawsTheLogin() throws Exception {
        String state = LoginServer.newState();
        PendingLogin a = server.begin("slow@example.com", LoginServer.GMAIL_PATH, state, AUTH_A);
        LoginFailedException e = assertThrows(LoginFailedException.class, () -> a.await(Duration.ofMillis(50)));
        assertTrue(e.getMessage().startsWith("no login within"), e.getMessage());
        assertEquals(200, get("/").statusCode(), "nothing pending any more");
        assertEquals(400, get(LoginServer.GMAIL_PATH + "?code=c&state=" + state).statusCode());
    }

    @Test
    void cancelledLoginFailsItsAwait() throws Exception {
        PendingLogin a = server.begin("alice", LoginServer.GMAIL_PATH, LoginServer.newState(), AUTH_A);
        a.cancel();
        assertThrows(LoginFailedException.class, () -> a.await(WAIT));
        assertEquals(200, get("/").statusCode());
    }

    @Test
    void closingTheServerFailsPendingLogins() throws Exception {
        PendingLogin a = server.begin("alice", LoginServer.GMAIL_PATH, LoginServer.newState(), AUTH_A);
        server.close();
        assertThrows(LoginFailedException.class, () -> a.await(WAIT));
    }

    @Test
    void takenPortIsReportedByNumber() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            LoginServerException e = assertThrows(LoginServerException.class, () -> LoginServer.start(port));
            assertThatText(e.getMessage()).contains("port " + port + " on localhost is already in use", "cfg.web_port");
        }
    }

    @Test
    void listensOnLoopbackOnly() {
        InetSocketAddress address = server.address();
        assertTrue(address.getAddress().isLoopbackAddress(), address.toString());
        assertEquals("127.0.0.1", address.getAddress().getHostAddress());
        assertEquals(URI.create("http://localhost:" + server.port() + "/"), server.homeUri());
        assertEquals(URI.create("http://localhost:" + server.port() + "/oauth2/msal"),
                server.redirectUri(LoginServer.MSAL_PATH));
        assertThrows(IllegalArgumentException.class, () -> server.redirectUri("/elsewhere"));
    }

    @Test
    void newStatesAreLongAndUrlSafe() {
        String state = LoginServer.newState();
        assertEquals(43, state.length());
        assertTrue(state.matches("[A-Za-z0-9_-]+"), state);
        assertFalse(state.equals(LoginServer.newState()));
    }

    @Test
    void duplicateStateIsAProgrammingError() {
        String state = LoginServer.newState();
        server.begin("alice", LoginServer.GMAIL_PATH, state, AUTH_A);
        assertThrows(IllegalArgumentException.class,
                () -> server.begin("bob", LoginServer.MSAL_PATH, state, AUTH_B));
    }

    // ---- helpers ----

    private void completes(PendingLogin login, String path, String state) throws Exception {
        assertEquals(200, get(path + "?code=good&state=" + state).statusCode());
        assertEquals("good", login.await(WAIT).get("code"));
    }

    private static void assertRedirect(HttpResponse<String> r, String location) {
        assertEquals(302, r.statusCode(), r.body());
        assertEquals(location, r.headers().firstValue("Location").orElse(null));
        assertEquals("no-store", r.headers().firstValue("Cache-Control").orElse(null));
    }

    private HttpResponse<String> get(String pathAndQuery) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + pathAndQuery))
                .timeout(WAIT).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String contentType, byte[] body) throws Exception {
        return http.send(HttpRequest.newBuilder(server.homeUri().resolve(path))
                .timeout(WAIT)
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** Status of a request written by hand, for request lines HttpClient refuses to send. */
    private int rawStatus(String requestLine) throws IOException {
        return rawHeadStatus(requestLine + " HTTP/1.1\r\nHost: localhost:" + server.port());
    }

    private int rawHeadStatus(String head) throws IOException {
        try (Socket socket = new Socket(InetAddress.getByName("127.0.0.1"), server.port())) {
            socket.setSoTimeout((int) WAIT.toMillis());
            OutputStream out = socket.getOutputStream();
            out.write((head + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            assertTrue(response.startsWith("HTTP/1.1 "), response);
            return Integer.parseInt(response.substring(9, 12));
        }
    }
}
