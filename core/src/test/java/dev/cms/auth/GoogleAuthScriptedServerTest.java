package dev.cms.auth;

import static dev.cms.testing.TextAssert.assertThatText;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.cms.cli.AccountOptions;
import dev.cms.config.GmailAccountSpec;
import dev.cms.provider.AuthenticationRequiredException;
import dev.cms.time.FakeTicker;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Token-endpoint answers the fake cloud does not give (a transient {@code invalid_grant}, a
 * rotated refresh token, fewer scopes granted, unreadable bodies), from an in-test server that
 * plays them in order and records what the client sent.
 */
class GoogleAuthScriptedServerTest {
    private static final String USER = "alice@example.com";
    private static final String KEY = "gmail:" + USER;

    @TempDir
    Path dir;

    private record Answer(int status, String contentType, String body) {}

    private final Queue<Answer> answers = new ArrayDeque<>();
    private final List<Map<String, String>> tokenRequests = new CopyOnWriteArrayList<>();
    private final List<Map<String, String>> authRequests = new CopyOnWriteArrayList<>();
    private final FakeTicker clock = new FakeTicker(Instant.parse("2026-03-01T09:00:00Z"));
    private final TokenStore store = TokenStores.memoryOnly();
    private HttpServer server;
    private LoginCoordinator logins;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 8);
        server.createContext("/token", this::token);
        server.createContext("/auth", this::authorize);
        server.start();
    }

    @AfterEach
    void stop() {
        if (logins != null) {
            logins.close();
        }
        server.stop(0);
    }

    @Test
    void transientInvalidGrantIsTriedOnceMoreAndKeepsTheRefreshToken() throws Exception {
        store.save(KEY, "rt-1");
        answers.add(json(400, "{\"error\":\"invalid_grant\",\"error_description\":\"Bad Request\"}"));
        answers.add(json(200, "{\"access_token\":\"at-2\",\"expires_in\":3599,\"token_type\":\"Bearer\"}"));

        assertEquals("at-2", auth(false).accessToken(false));

        assertEquals(2, tokenRequests.size());
        for (Map<String, String> sent : tokenRequests) {
            assertEquals("refresh_token", sent.get("grant_type"));
            assertEquals("rt-1", sent.get("refresh_token"));
            assertEquals("client-a", sent.get("client_id"));
            assertEquals("secret-a", sent.get("client_secret"));
        }
        assertEquals("rt-1", store.load(KEY));
    }

    @Test
    void rotatedRefreshTokenReplacesTheStoredOne() throws Exception {
        store.save(KEY, "rt-1");
        answers.add(json(200, "{\"access_token\":\"at-2\",\"expires_in\":3600,\"refresh_token\":\"rt-2\"}"));

        assertEquals("at-2", auth(false).accessToken(false));

        assertEquals("rt-2", store.load(KEY));
    }

    @Test
    void missingExpiryIsTakenAsAnHour() throws Exception {
        store.save(KEY, "rt-1");
        answers.add(json(200, "{\"access_token\":\"at-2\"}"));
        GoogleAuth auth = auth(false);
        auth.accessToken(false);
        clock.advance(Duration.ofMinutes(58));

        assertEquals("at-2", auth.accessToken(false));
        assertEquals(1, tokenRequests.size());
    }

    @Test
    void invalidClientIsAnIOExceptionThatNamesTheSettingsAndKeepsTheToken() throws Exception {
        store.save(KEY, "rt-1");
        answers.add(json(401, "{\"error\":\"invalid_client\",\"error_description\":\"Unauthorized\"}"));

        IOException e = assertThrows(IOException.class, () -> auth(false).accessToken(false));

        assertFalse(e instanceof AuthenticationRequiredException, e.toString());
        assertThatText(e.getMessage()).contains("HTTP 401");
        assertThatText(e.getMessage())
                .contains("; check client_id and client_secret of GMail_Account(user=\"" + USER + "\")");
        assertEquals("rt-1", store.load(KEY));
        assertEquals(1, tokenRequests.size(), "only invalid_grant is tried twice");
    }

    @Test
    void htmlErrorPageIsATransientIOException() throws Exception {
        store.save(KEY, "rt-1");
        answers.add(new Answer(502, "text/html", "<html>Bad gateway</html>"));

        IOException e = assertThrows(IOException.class, () -> auth(false).accessToken(false));

        assertFalse(e instanceof AuthenticationRequiredException, e.toString());
        assertThatText(e.getMessage()).contains("HTTP 502");
        assertEquals("rt-1", store.load(KEY));
    }

    @Test
    void answerWithoutAnAccessTokenIsRefused() throws Exception {
        store.save(KEY, "rt-1");
        answers.add(json(200, "{\"token_type\":\"Bearer\"}"));

        IOException e = assertThrows(IOException.class, () -> auth(false).accessToken(false));

        assertThatText(e.getMessage()).contains("without an access_token");
        assertEquals("rt-1", store.load(KEY));
    }

    @Test
    void loginSendsTheVerifierForTheChallengeAndTheSameRedirectUri() throws Exception {
        answers.add(json(200, "{\"access_token\":\"at-1\",\"expires_in\":3600,\"refresh_token\":\"rt-1\","
                + "\"scope\":\"" + GoogleAuth.GMAIL_MODIFY_SCOPE + "\"}"));

        assertEquals("at-1", auth(true).accessToken(false));

        Map<String, String> auth = authRequests.get(0);
        Map<String, String> exchange = tokenRequests.get(0);
        assertEquals("authorization_code", exchange.get("grant_type"));
        assertEquals("code-1", exchange.get("code"));
        assertEquals(auth.get("redirect_uri"), exchange.get("redirect_uri"));
        assertEquals(auth.get("code_challenge"), Pkce.challengeS256(exchange.get("code_verifier")));
        assertEquals("rt-1", store.load(KEY));
    }

    @Test
    void loginThatGrantsFewerScopesStoresNothing() throws Exception {
        answers.add(json(200, "{\"access_token\":\"at-1\",\"expires_in\":3600,\"refresh_token\":\"rt-1\","
                + "\"scope\":\"openid\"}"));

        AuthenticationRequiredException e = assertThrows(AuthenticationRequiredException.class,
                () -> auth(true).accessToken(false));

        assertThatText(e.getMessage()).contains("did not grant " + GoogleAuth.GMAIL_MODIFY_SCOPE);
        assertNull(store.load(KEY));
    }

    @Test
    void refusedCodeExchangeAsksForAnotherLogin() throws Exception {
        answers.add(json(400, "{\"error\":\"invalid_grant\",\"error_description\":\"Malformed auth code.\"}"));

        AuthenticationRequiredException e = assertThrows(AuthenticationRequiredException.class,
                () -> auth(true).accessToken(false));

        assertThatText(e.getMessage()).contains("refused the authorization code");
        assertNull(store.load(KEY));
    }

    // ---- the scripted server ----

    private GoogleAuth auth(boolean interactive) throws Exception {
        Map<String, String> env = interactive ? ScriptedBrowser.following(dir).env() : Map.of();
        logins = new LoginCoordinator(0, interactive, null, env, Duration.ofSeconds(60));
        String base = "http://127.0.0.1:" + server.getAddress().getPort();
        GmailAccountSpec spec = new GmailAccountSpec(USER, "client-a", "secret-a", base + "/auth", base + "/token",
                base + "/", null);
        return new GoogleAuth(AccountOptions.google(spec), GoogleAuth.scopesFor(false), store, logins, clock);
    }

    private static Answer json(int status, String body) {
        return new Answer(status, "application/json; charset=UTF-8", body);
    }

    private void token(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            tokenRequests.add(FormParams.parse(new String(body, StandardCharsets.UTF_8)));
            Answer answer = answers.poll();
            if (answer == null) {
                answer = json(500, "{\"error\":\"no_answer_scripted\"}");
            }
            byte[] out = answer.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", answer.contentType());
            exchange.sendResponseHeaders(answer.status(), out.length);
            exchange.getResponseBody().write(out);
        } catch (FormParams.MalformedException e) {
            throw new IOException(e);
        }
    }

    private void authorize(HttpExchange exchange) throws IOException {
        try (exchange) {
            Map<String, String> q = FormParams.parse(exchange.getRequestURI().getRawQuery());
            authRequests.add(q);
            String back = q.get("redirect_uri") + "?code=code-" + authRequests.size() + "&state="
                    + URLEncoder.encode(q.get("state"), StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Location", back);
            exchange.sendResponseHeaders(302, -1);
        } catch (FormParams.MalformedException e) {
            throw new IOException(e);
        }
    }
}
