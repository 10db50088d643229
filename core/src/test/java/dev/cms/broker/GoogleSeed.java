package dev.cms.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cms.fakecloud.FakeCloud;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Logs into the embedded fake's Google OAuth as a browser and a client would, without
 * {@code GoogleAuth}, to seed a token store with a refresh token.
 */
final class GoogleSeed {
    private GoogleSeed() {}

    /** A refresh token for {@code email} granting {@code scope} (space-separated) to the client. */
    static String refreshToken(FakeCloud fake, String email, String clientId, String secret, String scope)
            throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        String redirect = "http://127.0.0.1:9/callback";
        URI auth = URI.create(fake.baseUri() + "oauth2/auth?client_id=" + enc(clientId) + "&redirect_uri="
                + enc(redirect) + "&response_type=code&access_type=offline&scope=" + enc(scope) + "&login_hint="
                + enc(email));
        HttpResponse<String> page = http.send(HttpRequest.newBuilder(auth).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
        String location = page.headers().firstValue("Location").orElseThrow(
                () -> new AssertionError("no redirect from the fake's login page: " + page.statusCode()));
        Matcher code = Pattern.compile("[?&]code=([^&]+)").matcher(location);
        if (!code.find()) {
            throw new AssertionError("no code in " + location);
        }
        String form = "grant_type=authorization_code&code=" + code.group(1) + "&redirect_uri=" + enc(redirect)
                + "&client_id=" + enc(clientId) + "&client_secret=" + enc(secret);
        HttpResponse<String> token = http.send(HttpRequest.newBuilder(URI.create(fake.baseUri() + "oauth2/token"))
                .timeout(Duration.ofSeconds(20)).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, token.statusCode(), token.body());
        Matcher refresh = Pattern.compile("\"refresh_token\"\\s*:\\s*\"([^\"]+)\"").matcher(token.body());
        if (!refresh.find()) {
            throw new AssertionError("no refresh token in the fake's answer");
        }
        return refresh.group(1);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
