package dev.cms.fakecloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.microsoft.aad.msal4j.AuthorizationCodeParameters;
import com.microsoft.aad.msal4j.AuthorizationRequestUrlParameters;
import com.microsoft.aad.msal4j.DeviceCodeFlowParameters;
import com.microsoft.aad.msal4j.IAccount;
import com.microsoft.aad.msal4j.IAuthenticationResult;
import com.microsoft.aad.msal4j.PublicClientApplication;
import com.microsoft.aad.msal4j.SilentParameters;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** MSAL4J, the library the daemon uses, signs in against the fake by device code and refreshes silently. */
class FakeMicrosoftMsalTest {

    private static final String CLIENT = "11111111-2222-3333-4444-555555555555";
    private static final String USER = "alice@contoso.example";
    private static final Set<String> SCOPES = Set.of("https://graph.microsoft.com/Mail.ReadWrite");

    private FakeMicrosoft fake;

    @BeforeEach
    void start() throws Exception {
        fake = FakeMicrosoft.start(0);
        fake.graph().addUser(USER, CLIENT);
    }

    @AfterEach
    void stop() {
        fake.close();
    }

    private PublicClientApplication app(String authority) throws Exception {
        return PublicClientApplication.builder(CLIENT)
                .authority(authority)
                .instanceDiscovery(false)
                .sslSocketFactory(fake.trustedSocketFactory())
                .build();
    }

    @Test
    void msalDeviceCodeFlowThenSilentRefreshGetTokensTheFakeAccepts() throws Exception {
        String authority = fake.authorityHost() + "/organizations/";
        PublicClientApplication app = app(authority);
        AtomicReference<String> shown = new AtomicReference<>();
        CompletableFuture<IAuthenticationResult> login = app.acquireToken(DeviceCodeFlowParameters.builder(SCOPES,
                dc -> {
                    shown.set(dc.userCode());
                    fake.identity().approveDeviceCode(dc.userCode());
                }).build());
        IAuthenticationResult first = login.get(60, TimeUnit.SECONDS);
        assertNotNull(shown.get());
        assertEquals(USER, first.account().username());
        assertEquals(USER, fake.identity().tokenInfo(first.accessToken()).email());

        IAccount account = app.getAccounts().join().iterator().next();
        IAuthenticationResult refreshed = app.acquireTokenSilently(SilentParameters.builder(SCOPES, account)
                .authorityUrl(authority).forceRefresh(true).build()).get(60, TimeUnit.SECONDS);
        assertNotEquals(first.accessToken(), refreshed.accessToken());
        assertTrue(fake.identity().tokenInfo(refreshed.accessToken()).scopes()
                .contains("https://graph.microsoft.com/Mail.ReadWrite"));
        FakeMicrosoftTestClient graph = new FakeMicrosoftTestClient(fake);
        graph.token = refreshed.accessToken();
        assertEquals(200, graph.get("/v1.0/me/mailFolders/inbox").statusCode());
        assertEquals(1, fake.requests().count("POST", "/oauth2/v2\\.0/devicecode$"));
        assertTrue(fake.requests().matching("/oauth2/v2\\.0/token$").size() >= 2);
    }

    @Test
    void msalAuthorizationCodeWithPkceThroughTheAuthorizeEndpoint() throws Exception {
        String authority = fake.authorityHost() + "/common/";
        PublicClientApplication app = app(authority);
        String verifier = "0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJKLMNOP";
        URI redirect = URI.create("http://127.0.0.1:8123/oauth2/msal");
        String url = app.getAuthorizationRequestUrl(AuthorizationRequestUrlParameters.builder(redirect.toString(), SCOPES)
                .state("st-1").codeChallenge(FakeIdentity.s256(verifier)).codeChallengeMethod("S256").build()).toString();
        FakeMicrosoftTestClient browser = new FakeMicrosoftTestClient(fake);
        HttpResponse<String> page = browser.get(url);
        String code;
        if (page.statusCode() == 302) {
            URI location = URI.create(page.headers().firstValue("Location").orElseThrow());
            Map<String, List<String>> p = FakeMicrosoftRequest.parseForm(location.getRawQuery());
            assertEquals("st-1", p.get("state").get(0));
            code = p.get("code").get(0);
        } else {
            assertEquals(200, page.statusCode(), page.body()); // MSAL4J asks for form_post
            assertTrue(page.body().contains("action=\"" + redirect + "\""), page.body());
            assertTrue(page.body().contains("name=\"state\" value=\"st-1\""), page.body());
            Matcher m = Pattern.compile("name=\"code\" value=\"([^\"]+)\"").matcher(page.body());
            assertTrue(m.find());
            code = m.group(1);
        }
        IAuthenticationResult result = app.acquireToken(AuthorizationCodeParameters.builder(code, redirect)
                .codeVerifier(verifier).scopes(SCOPES).build()).get(60, TimeUnit.SECONDS);
        assertEquals(USER, result.account().username());
        assertEquals(USER, fake.identity().tokenInfo(result.accessToken()).email());
    }
}
