package dev.cms.fakecloud;

import static dev.cms.fakecloud.FakeMicrosoftTestClient.body;
import static dev.cms.fakecloud.FakeMicrosoftTestClient.q;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FakeIdentityTest {

    private static final String CLIENT = "client-1";
    private static final String USER = "alice@contoso.example";
    private static final String REDIRECT = "http://127.0.0.1:9999/oauth2/msal";
    private static final String VERIFIER = "verifier-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFG";

    private final MutableClock clock = new MutableClock();
    private FakeMicrosoft fake;
    private FakeMicrosoftTestClient client;

    @BeforeEach
    void start() throws Exception {
        fake = FakeMicrosoft.start(0, clock);
        fake.graph().addUser(USER, CLIENT);
        client = new FakeMicrosoftTestClient(fake);
    }

    @AfterEach
    void stop() {
        fake.close();
    }

    @Test
    void tlsHandshakeSucceedsWithTheFakesContextAndFailsWithTheJvmDefault() throws Exception {
        assertEquals(200, client.get("/common/v2.0/.well-known/openid-configuration").statusCode());
        HttpClient plain = HttpClient.newBuilder().sslContext(SSLContext.getDefault()).build();
        HttpRequest request = HttpRequest.newBuilder(client.uri("/common/v2.0/.well-known/openid-configuration")).build();
        assertThrows(SSLHandshakeException.class, () -> plain.send(request, HttpResponse.BodyHandlers.ofString()));
    }

    @Test
    void openidConfigurationPointsAtThisServer() {
        JsonObject c = body(client.get("/mytenant/v2.0/.well-known/openid-configuration"));
        String root = fake.authorityHost().toString();
        assertEquals(root + "/mytenant/oauth2/v2.0/authorize", c.get("authorization_endpoint").getAsString());
        assertEquals(root + "/mytenant/oauth2/v2.0/token", c.get("token_endpoint").getAsString());
        assertEquals(root + "/mytenant/oauth2/v2.0/devicecode", c.get("device_authorization_endpoint").getAsString());
        assertEquals(root + "/" + fake.identity().tenantId() + "/v2.0", c.get("issuer").getAsString());
        JsonObject d = body(client.get("/common/discovery/instance?api-version=1.1&authorization_endpoint="
                + q(root + "/common/oauth2/v2.0/authorize")));
        assertEquals(fake.authorityHost().getAuthority(),
                d.getAsJsonArray("metadata").get(0).getAsJsonObject().get("preferred_network").getAsString());
    }

    private String authorize(String mode, String state) {
        HttpResponse<String> r = client.get("/common/oauth2/v2.0/authorize?client_id=" + CLIENT
                + "&response_type=code&redirect_uri=" + q(REDIRECT) + "&scope=" + q("https://graph.microsoft.com/Mail.ReadWrite offline_access openid")
                + "&state=" + q(state) + "&code_challenge=" + FakeIdentity.s256(VERIFIER)
                + "&code_challenge_method=S256" + (mode == null ? "" : "&response_mode=" + mode));
        if ("form_post".equals(mode)) {
            assertEquals(200, r.statusCode());
            assertTrue(r.body().contains("action=\"" + REDIRECT + "\""), r.body());
            assertTrue(r.body().contains("name=\"state\" value=\"" + state + "\""), r.body());
            assertTrue(r.body().contains("name=\"session_state\""), r.body());
            Matcher m = Pattern.compile("name=\"code\" value=\"([^\"]+)\"").matcher(r.body());
            assertTrue(m.find());
            return m.group(1);
        }
        assertEquals(302, r.statusCode());
        URI location = URI.create(r.headers().firstValue("Location").orElseThrow());
        assertTrue(location.toString().startsWith(REDIRECT + "?"), location.toString());
        Map<String, List<String>> p = FakeMicrosoftRequest.parseForm(location.getRawQuery());
        assertEquals(state, p.get("state").get(0));
        assertNotNull(p.get("session_state"));
        return p.get("code").get(0);
    }

    private HttpResponse<String> redeem(String code, String verifier) {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("grant_type", "authorization_code");
        f.put("client_id", CLIENT);
        f.put("code", code);
        f.put("redirect_uri", REDIRECT);
        f.put("code_verifier", verifier);
        f.put("scope", "https://graph.microsoft.com/Mail.ReadWrite offline_access openid");
        return client.form("/common/oauth2/v2.0/token", f);
    }

    private HttpResponse<String> refresh(String refreshToken, String scope) {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("grant_type", "refresh_token");
        f.put("client_id", CLIENT);
        f.put("refresh_token", refreshToken);
        f.put("scope", scope);
        return client.form("/common/oauth2/v2.0/token", f);
    }

    @Test
    void authorizeRedirectsWithCodeAndStateAndTheCodeRedeemsWithTheRightVerifier() {
        String code = authorize(null, "st&ate=1");
        HttpResponse<String> r = redeem(code, VERIFIER);
        assertEquals(200, r.statusCode(), r.body());
        JsonObject t = body(r);
        assertEquals("Bearer", t.get("token_type").getAsString());
        assertEquals(3600, t.get("expires_in").getAsInt());
        TokenInfo info = fake.identity().tokenInfo(t.get("access_token").getAsString());
        assertEquals(USER, info.email());
        assertTrue(info.scopes().contains("https://graph.microsoft.com/Mail.ReadWrite"));
        assertNotNull(t.get("refresh_token").getAsString());
        JsonObject clientInfo = JsonParser.parseString(new String(Base64.getUrlDecoder()
                .decode(t.get("client_info").getAsString()), StandardCharsets.UTF_8)).getAsJsonObject();
        assertEquals(fake.identity().objectId(USER), clientInfo.get("uid").getAsString());
        assertEquals(fake.identity().tenantId(), clientInfo.get("utid").getAsString());
        assertEquals(400, redeem(code, VERIFIER).statusCode(), "a code is used once");
    }

    @Test
    void formPostModeAnswersAnAutoSubmittingForm() {
        String code = authorize("form_post", "s1");
        assertEquals(200, redeem(code, VERIFIER).statusCode());
    }

    @Test
    void wrongPkceVerifierIsInvalidGrant() {
        HttpResponse<String> r = redeem(authorize("query", "s"), VERIFIER + "x");
        assertEquals(400, r.statusCode());
        assertEquals("invalid_grant", body(r).get("error").getAsString());
        assertTrue(body(r).get("error_description").getAsString().startsWith("AADSTS"));
    }

    @Test
    void idTokenCarriesTheClaimsMsalReads() {
        JsonObject t = body(redeem(authorize(null, "s"), VERIFIER));
        String[] parts = t.get("id_token").getAsString().split("\\.");
        assertEquals(3, parts.length);
        JsonObject header = JsonParser.parseString(new String(Base64.getUrlDecoder().decode(parts[0]),
                StandardCharsets.UTF_8)).getAsJsonObject();
        assertEquals("HS256", header.get("alg").getAsString());
        JsonObject claims = JsonParser.parseString(new String(Base64.getUrlDecoder().decode(parts[1]),
                StandardCharsets.UTF_8)).getAsJsonObject();
        assertEquals(USER, claims.get("preferred_username").getAsString());
        assertEquals(fake.identity().objectId(USER), claims.get("oid").getAsString());
        assertEquals(fake.identity().tenantId(), claims.get("tid").getAsString());
        assertEquals(CLIENT, claims.get("aud").getAsString());
        assertEquals("2.0", claims.get("ver").getAsString());
        assertEquals("alice", claims.get("name").getAsString());
        long iat = claims.get("iat").getAsLong();
        assertEquals(clock.instant().getEpochSecond(), iat);
        assertEquals(iat, claims.get("nbf").getAsLong());
        assertEquals(iat + 3600, claims.get("exp").getAsLong());
        assertTrue(claims.get("iss").getAsString().endsWith("/" + fake.identity().tenantId() + "/v2.0"));
    }

    @Test
    void refreshGivesNewTokensForAnotherResourceAndRevocationEndsIt() {
        JsonObject t = body(redeem(authorize(null, "s"), VERIFIER));
        String rt = t.get("refresh_token").getAsString();
        HttpResponse<String> smtp = refresh(rt, "https://outlook.office.com/SMTP.Send offline_access");
        assertEquals(200, smtp.statusCode(), smtp.body());
        TokenInfo info = fake.identity().tokenInfo(body(smtp).get("access_token").getAsString());
        assertEquals(java.util.Set.of("https://outlook.office.com/SMTP.Send", "offline_access"), info.scopes());
        assertFalse(FakeIdentity.grantsGraph(info), "an SMTP token must not open Graph");

        fake.identity().revokeRefreshTokens(USER);
        HttpResponse<String> r = refresh(body(smtp).get("refresh_token").getAsString(), "https://graph.microsoft.com/Mail.ReadWrite");
        assertEquals(400, r.statusCode());
        assertEquals("invalid_grant", body(r).get("error").getAsString());
    }

    @Test
    void savedRefreshTokenRefreshesAgainAfterARestore() {
        String rt = body(redeem(authorize(null, "s"), VERIFIER)).get("refresh_token").getAsString();
        JsonObject saved = fake.identity().saveState();
        fake.identity().revokeRefreshTokens(USER);

        fake.identity().restoreState(saved);

        HttpResponse<String> r = refresh(rt, "https://graph.microsoft.com/Mail.ReadWrite");
        assertEquals(200, r.statusCode(), r.body());
        TokenInfo info = fake.identity().tokenInfo(body(r).get("access_token").getAsString());
        assertTrue(FakeIdentity.grantsGraph(info), info.toString());
    }

    @Test
    void accessTokensExpireAfterTheirLifetime() {
        fake.identity().setAccessTokenLifetime(Duration.ofMinutes(5));
        JsonObject t = body(redeem(authorize(null, "s"), VERIFIER));
        assertEquals(300, t.get("expires_in").getAsInt());
        String at = t.get("access_token").getAsString();
        clock.advance(Duration.ofMinutes(4));
        assertNotNull(fake.identity().tokenInfo(at));
        clock.advance(Duration.ofMinutes(2));
        assertNull(fake.identity().tokenInfo(at));
    }

    private HttpResponse<String> pollDevice(String deviceCode) {
        return client.form("/common/oauth2/v2.0/token", Map.of("grant_type",
                "urn:ietf:params:oauth:grant-type:device_code", "client_id", CLIENT, "device_code", deviceCode));
    }

    @Test
    void deviceCodeIsPendingUntilApprovedThenGivesTokensOnce() {
        HttpResponse<String> dc = client.form("/organizations/oauth2/v2.0/devicecode",
                Map.of("client_id", CLIENT, "scope", "https://graph.microsoft.com/Mail.ReadWrite offline_access"));
        assertEquals(200, dc.statusCode(), dc.body());
        JsonObject d = body(dc);
        String userCode = d.get("user_code").getAsString();
        assertTrue(d.get("message").getAsString().contains(userCode));
        assertEquals(fake.authorityHost() + "/devicelogin", d.get("verification_uri").getAsString());
        assertEquals(900, d.get("expires_in").getAsInt());
        assertTrue(d.get("interval").getAsInt() >= 1);
        String deviceCode = d.get("device_code").getAsString();

        HttpResponse<String> pending = pollDevice(deviceCode);
        assertEquals(400, pending.statusCode());
        assertEquals("authorization_pending", body(pending).get("error").getAsString());
        assertEquals(userCode, fake.identity().pendingUserCode());

        fake.identity().approveDeviceCode(userCode);
        HttpResponse<String> ok = pollDevice(deviceCode);
        assertEquals(200, ok.statusCode(), ok.body());
        assertEquals(USER, fake.identity().tokenInfo(body(ok).get("access_token").getAsString()).email());
        assertEquals("invalid_grant", body(pollDevice(deviceCode)).get("error").getAsString());
    }

    @Test
    void expiredDeviceCodeAnswersExpiredToken() {
        JsonObject d = body(client.form("/common/oauth2/v2.0/devicecode",
                Map.of("client_id", CLIENT, "scope", "https://graph.microsoft.com/Mail.ReadWrite")));
        clock.advance(Duration.ofMinutes(16));
        fake.identity().approveDeviceCode(d.get("user_code").getAsString());
        HttpResponse<String> r = pollDevice(d.get("device_code").getAsString());
        assertEquals(400, r.statusCode());
        assertEquals("expired_token", body(r).get("error").getAsString());
    }

    @Test
    void unknownClientIsRefused() {
        HttpResponse<String> r = client.form("/common/oauth2/v2.0/devicecode", Map.of("client_id", "nobody", "scope", "x"));
        assertEquals(400, r.statusCode());
        assertEquals("unauthorized_client", body(r).get("error").getAsString());
    }

    @Test
    void introspectionDescribesLiveTokensAndRejectsOthers() {
        String at = fake.identity().issueAccessToken(USER, CLIENT, List.of("https://outlook.office.com/IMAP.AccessAsUser.All"));
        JsonObject live = body(client.form("/_introspect", Map.of("token", at)));
        assertTrue(live.get("active").getAsBoolean());
        assertEquals(USER, live.get("username").getAsString());
        assertEquals("https://outlook.office.com/IMAP.AccessAsUser.All", live.get("scope").getAsString());
        assertEquals(clock.instant().plusSeconds(3600).getEpochSecond(), live.get("exp").getAsLong());
        assertFalse(body(client.form("/_introspect", Map.of("token", "made-up"))).get("active").getAsBoolean());
    }
}
