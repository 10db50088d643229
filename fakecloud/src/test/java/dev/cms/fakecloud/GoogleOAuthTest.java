package dev.cms.fakecloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GoogleOAuthTest {
    static final String USER = "alice@example.com";
    static final String CLIENT = "client-1.apps.example";
    static final String SECRET = "s3cret";
    static final String REDIRECT = "http://127.0.0.1:8080/oauth2/gmail";
    static final String VERIFIER = "abcdefghijklmnopqrstuvwxyz0123456789-._~ABCDEFG";

    MutableClock clock = new MutableClock();
    FakeCloud cloud;
    Http http;
    @TempDir
    Path tmp;

    @BeforeEach
    void start() throws Exception {
        cloud = FakeCloud.start(0, clock);
        cloud.gmail().addAccount(USER, CLIENT, SECRET);
        http = new Http(cloud.baseUri());
    }

    @AfterEach
    void stop() {
        cloud.close();
    }

    String authorize(String loginHint) throws Exception {
        HttpResponse<String> r = http.get("oauth2/auth?" + Http.encode(authParams(loginHint)));
        assertEquals(302, r.statusCode(), r.body());
        return r.headers().firstValue("Location").orElseThrow();
    }

    static Map<String, String> authParams(String loginHint) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("client_id", CLIENT);
        p.put("redirect_uri", REDIRECT);
        p.put("response_type", "code");
        p.put("scope", FakeGmail.FULL_SCOPE);
        p.put("state", "st8");
        p.put("code_challenge", GoogleOAuth.s256(VERIFIER));
        p.put("code_challenge_method", "S256");
        p.put("access_type", "offline");
        p.put("login_hint", loginHint);
        return p;
    }

    static Map<String, List<String>> query(String location) {
        return Request.parseForm(URI.create(location).getRawQuery());
    }

    HttpResponse<String> exchange(String code, String verifier) throws Exception {
        return http.form("oauth2/token", Map.of("grant_type", "authorization_code", "code", code,
                "redirect_uri", REDIRECT, "client_id", CLIENT, "client_secret", SECRET, "code_verifier", verifier));
    }

    @Test
    void codeFlowWithPkceIssuesTokensThatOpenTheMailboxAndRefresh() throws Exception {
        String location = authorize(USER);
        assertTrue(location.startsWith(REDIRECT + "?"), location);
        Map<String, List<String>> q = query(location);
        assertEquals("st8", q.get("state").get(0));
        assertEquals(FakeGmail.FULL_SCOPE, q.get("scope").get(0));

        HttpResponse<String> tokens = exchange(q.get("code").get(0), VERIFIER);
        assertEquals(200, tokens.statusCode(), tokens.body());
        JsonObject t = Http.json(tokens);
        assertEquals("Bearer", t.get("token_type").getAsString());
        assertEquals(3600, t.get("expires_in").getAsInt());
        assertEquals(FakeGmail.FULL_SCOPE, t.get("scope").getAsString());
        String refresh = t.get("refresh_token").getAsString();

        http.token = t.get("access_token").getAsString();
        HttpResponse<String> profile = http.get("gmail/v1/users/me/profile");
        assertEquals(200, profile.statusCode(), profile.body());
        assertEquals(USER, Http.json(profile).get("emailAddress").getAsString());

        HttpResponse<String> refreshed = http.form("oauth2/token", Map.of("grant_type", "refresh_token",
                "refresh_token", refresh, "client_id", CLIENT, "client_secret", SECRET));
        assertEquals(200, refreshed.statusCode(), refreshed.body());
        JsonObject r = Http.json(refreshed);
        assertNotEquals(http.token, r.get("access_token").getAsString());
        assertFalse(r.has("refresh_token"), "Google keeps the refresh token: " + r);
        assertEquals(USER, cloud.gmail().tokenInfo(r.get("access_token").getAsString()).orElseThrow().email());
    }

    @Test
    void savedRefreshTokenRefreshesAgainAfterARestore() throws Exception {
        String code = query(authorize(USER)).get("code").get(0);
        String refresh = Http.json(exchange(code, VERIFIER)).get("refresh_token").getAsString();
        JsonObject saved = cloud.gmail().saveState(new SavedBodies(tmp));
        cloud.gmail().revokeRefreshTokens(USER);

        cloud.gmail().restoreState(saved, new SavedBodies(tmp));

        HttpResponse<String> r = http.form("oauth2/token", Map.of("grant_type", "refresh_token",
                "refresh_token", refresh, "client_id", CLIENT, "client_secret", SECRET));
        assertEquals(200, r.statusCode(), r.body());
        TokenInfo info = cloud.gmail().tokenInfo(Http.json(r).get("access_token").getAsString()).orElseThrow();
        assertEquals(USER, info.email());
        assertEquals(Set.of(FakeGmail.FULL_SCOPE), info.scopes());
    }

    @Test
    void wrongVerifierIsInvalidGrant() throws Exception {
        String code = query(authorize(USER)).get("code").get(0);
        HttpResponse<String> r = exchange(code, VERIFIER.replace('a', 'b'));
        assertEquals(400, r.statusCode());
        assertEquals("invalid_grant", Http.json(r).get("error").getAsString());
    }

    @Test
    void reusedCodeIsInvalidGrant() throws Exception {
        String code = query(authorize(USER)).get("code").get(0);
        assertEquals(200, exchange(code, VERIFIER).statusCode());
        HttpResponse<String> again = exchange(code, VERIFIER);
        assertEquals(400, again.statusCode());
        assertEquals("invalid_grant", Http.json(again).get("error").getAsString());
    }

    @Test
    void revokedRefreshTokenIsInvalidGrant() throws Exception {
        String code = query(authorize(USER)).get("code").get(0);
        String refresh = Http.json(exchange(code, VERIFIER)).get("refresh_token").getAsString();
        cloud.gmail().revokeRefreshTokens(USER);
        HttpResponse<String> r = http.form("oauth2/token", Map.of("grant_type", "refresh_token",
                "refresh_token", refresh, "client_id", CLIENT, "client_secret", SECRET));
        assertEquals(400, r.statusCode());
        assertEquals("invalid_grant", Http.json(r).get("error").getAsString());
    }

    @Test
    void wrongClientSecretIsInvalidClient() throws Exception {
        String code = query(authorize(USER)).get("code").get(0);
        HttpResponse<String> r = http.form("oauth2/token", Map.of("grant_type", "authorization_code", "code", code,
                "redirect_uri", REDIRECT, "client_id", CLIENT, "client_secret", "nope", "code_verifier", VERIFIER));
        assertEquals(401, r.statusCode());
        assertEquals("invalid_client", Http.json(r).get("error").getAsString());
    }

    @Test
    void unknownAccountIsRedirectedWithAccessDenied() throws Exception {
        Map<String, List<String>> q = query(authorize("mallory@example.com"));
        assertEquals("access_denied", q.get("error").get(0));
        assertEquals("st8", q.get("state").get(0));
        assertFalse(q.containsKey("code"));
    }

    @Test
    void missingParametersGetAn400Page() throws Exception {
        Map<String, String> p = authParams(USER);
        p.remove("response_type");
        assertEquals(400, http.get("oauth2/auth?" + Http.encode(p)).statusCode());
        p = authParams(USER);
        p.put("client_id", "unknown");
        assertEquals(400, http.get("oauth2/auth?" + Http.encode(p)).statusCode());
        p = authParams(USER);
        p.put("code_challenge_method", "plain");
        assertEquals(400, http.get("oauth2/auth?" + Http.encode(p)).statusCode());
    }

    @Test
    void apiAnswers401WithoutTokenAndWithExpiredToken() throws Exception {
        HttpResponse<String> none = http.get("gmail/v1/users/me/labels");
        assertEquals(401, none.statusCode());
        assertEquals("UNAUTHENTICATED", Http.json(none).getAsJsonObject("error").get("status").getAsString());

        cloud.gmail().setAccessTokenLifetime(Duration.ofSeconds(60));
        String code = query(authorize(USER)).get("code").get(0);
        JsonObject t = Http.json(exchange(code, VERIFIER));
        assertEquals(60, t.get("expires_in").getAsInt());
        http.token = t.get("access_token").getAsString();
        assertEquals(200, http.get("gmail/v1/users/me/labels").statusCode());
        clock.advance(Duration.ofSeconds(61));
        assertEquals(401, http.get("gmail/v1/users/me/labels").statusCode());
        http.token = "ya29.made-up";
        assertEquals(401, http.get("gmail/v1/users/me/labels").statusCode());
    }

    @Test
    void tokenInfoDescribesLiveTokensAndRejectsOthers() throws Exception {
        String token = cloud.gmail().issueAccessToken(USER, java.util.Set.of(FakeGmail.FULL_SCOPE));
        HttpResponse<String> r = http.get("oauth2/tokeninfo?access_token=" + token);
        assertEquals(200, r.statusCode(), r.body());
        JsonObject info = Http.json(r);
        assertEquals(USER, info.get("email").getAsString());
        assertEquals(FakeGmail.FULL_SCOPE, info.get("scope").getAsString());
        assertEquals(3600, info.get("expires_in").getAsLong());
        assertNotNull(info.get("aud"));
        HttpResponse<String> bad = http.get("oauth2/tokeninfo?access_token=bogus");
        assertEquals(400, bad.statusCode());
        assertEquals("invalid_token", Http.json(bad).get("error").getAsString());
    }

    @Test
    void readOnlyScopeCannotModify() throws Exception {
        http.token = cloud.gmail().issueAccessToken(USER,
                java.util.Set.of("https://www.googleapis.com/auth/gmail.readonly"));
        assertEquals(200, http.get("gmail/v1/users/me/labels").statusCode());
        HttpResponse<String> r = http.post("gmail/v1/users/me/messages/batchModify", "{\"ids\":[\"x\"]}");
        assertEquals(403, r.statusCode());
    }
}
