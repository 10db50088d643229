package dev.cms.auth;

import com.google.api.client.auth.oauth2.AuthorizationCodeTokenRequest;
import com.google.api.client.auth.oauth2.ClientParametersAuthentication;
import com.google.api.client.auth.oauth2.RefreshTokenRequest;
import com.google.api.client.auth.oauth2.TokenRequest;
import com.google.api.client.auth.oauth2.TokenResponse;
import com.google.api.client.auth.oauth2.TokenResponseException;
import com.google.api.client.http.GenericUrl;
import com.google.api.client.http.HttpRequestInitializer;
import com.google.api.client.http.HttpTransport;
import com.google.api.client.http.javanet.NetHttpTransport;
import com.google.api.client.json.JsonFactory;
import com.google.api.client.json.gson.GsonFactory;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.jspecify.annotations.Nullable;

/**
 * Google's OAuth2 endpoints for one account, through Google's OAuth client library: the
 * authorization URL of the login page, the code exchange and the refresh, with their refusals
 * put in words that never quote a body or a secret.
 */
final class GoogleTokenEndpoint {
    private static final Logger log = LoggerFactory.getLogger(GoogleTokenEndpoint.class);

    private static final HttpTransport TRANSPORT = new NetHttpTransport();
    private static final JsonFactory JSON = GsonFactory.getDefaultInstance();
    /** Bounded waits; and never the HTTP client's own request logging, which would show the secrets. */
    private static final HttpRequestInitializer REQUEST_SETTINGS = request -> request
            .setConnectTimeout(20_000)
            .setReadTimeout(30_000)
            .setLoggingEnabled(false)
            .setCurlLoggingEnabled(false);

    private final GoogleAuthOptions account;
    private final GenericUrl tokenUrl;

    /** @throws IllegalArgumentException when an endpoint is not an absolute http(s) URL */
    GoogleTokenEndpoint(GoogleAuthOptions account) {
        this.account = account;
        checkHttpUrl(account.authEndpoint(), "auth endpoint");
        this.tokenUrl = new GenericUrl(checkHttpUrl(account.tokenEndpoint(), "token endpoint"));
    }

    /** Who issues the tokens, in errors. */
    String name() {
        return "the token endpoint " + account.tokenEndpoint();
    }

    /**
     * Refreshes; an {@code invalid_grant} is tried once more (conditional access can answer it
     * transiently). Null when both were refused: the refresh token is expired or revoked.
     */
    @Nullable TokenResponse refreshTwice(String refresh) throws IOException {
        for (int attempt = 1; ; attempt++) {
            RefreshTokenRequest request = new RefreshTokenRequest(TRANSPORT, JSON, tokenUrl, refresh);
            try {
                return execute(request, "refresh the access token");
            } catch (TokenResponseException e) {
                if (!isInvalidGrant(e)) {
                    throw failure("refresh the access token", e);
                }
                if (attempt >= 2) {
                    log.warn("the refresh token for {} was refused again ({}): it has expired or was revoked;"
                            + " a new login is needed", account.user(), describe(e));
                    return null;
                }
                log.info("the token endpoint refused the refresh token for {} ({}); trying once more",
                        account.user(), describe(e));
            }
        }
    }

    /** Redeems the login page's authorization code; a refusal is a {@link dev.cms.provider.AuthenticationRequiredException}. */
    TokenResponse exchange(LoginCoordinator.Callback callback, String verifier) throws IOException {
        AuthorizationCodeTokenRequest request = new AuthorizationCodeTokenRequest(TRANSPORT, JSON, tokenUrl,
                callback.code())
                .setRedirectUri(callback.redirectUri().toASCIIString())
                .set("code_verifier", verifier);
        try {
            return execute(request, "exchange the authorization code");
        } catch (TokenResponseException e) {
            if (e.getStatusCode() >= 400 && e.getStatusCode() < 500 && e.getDetails() != null) {
                throw new dev.cms.provider.AuthenticationRequiredException("the token endpoint "
                        + account.tokenEndpoint() + " refused the authorization code for " + account.user() + " ("
                        + describe(e) + "); log in again", e);
            }
            throw failure("exchange the authorization code", e);
        }
    }

    private TokenResponse execute(TokenRequest request, String what) throws IOException {
        request.setClientAuthentication(new ClientParametersAuthentication(account.clientId(), account.clientSecret()))
                .setRequestInitializer(REQUEST_SETTINGS);
        try {
            return request.execute();
        } catch (TokenResponseException e) {
            throw e;
        } catch (IOException e) {
            throw new IOException("could not " + what + " for " + account.user() + " at " + account.tokenEndpoint()
                    + ": " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " (" + LoginServer.sanitise(e.getMessage(), 200) + ")"), e);
        } catch (IllegalArgumentException e) {
            // The client's JSON parser throws this for a body that is not the expected shape.
            throw new IOException("could not " + what + " for " + account.user() + ": the token endpoint "
                    + account.tokenEndpoint() + " sent an answer that cannot be read", e);
        }
    }

    /** The login page's URL: PKCE, offline access (a refresh token), consent asked every time. */
    URI authorizationUrl(URI redirectUri, List<String> scopes, String state, String challenge) {
        String endpoint = account.authEndpoint();
        StringBuilder url = new StringBuilder(endpoint).append(endpoint.contains("?") ? '&' : '?');
        param(url, "client_id", Objects.requireNonNull(account.clientId(), "checked by GoogleAuth.validate"));
        param(url, "redirect_uri", redirectUri.toASCIIString());
        param(url, "response_type", "code");
        param(url, "scope", String.join(" ", scopes));
        param(url, "state", state);
        param(url, "code_challenge", challenge);
        param(url, "code_challenge_method", "S256");
        param(url, "access_type", "offline");
        param(url, "prompt", "consent");
        param(url, "login_hint", account.user());
        url.setLength(url.length() - 1);
        return URI.create(url.toString());
    }

    private static void param(StringBuilder url, String name, String value) {
        url.append(name).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20"))
                .append('&');
    }

    private static boolean isInvalidGrant(TokenResponseException e) {
        return e.getDetails() != null && "invalid_grant".equals(e.getDetails().getError());
    }

    /** A transient or unexpected refusal: an IOException that leaves the refresh token alone. */
    private IOException failure(String what, TokenResponseException e) {
        // Java's HttpURLConnection hides the body of a 401 to a streamed POST: the status must do.
        boolean badClient = e.getStatusCode() == 401
                || e.getDetails() != null && "invalid_client".equals(e.getDetails().getError());
        String hint = badClient ? "; check client_id and client_secret of GMail_Account(user=\"" + account.user() + "\")" : "";
        return new IOException("could not " + what + " for " + account.user() + ": the token endpoint "
                + account.tokenEndpoint() + " answered " + describe(e) + hint, e);
    }

    /** Status and OAuth error only: never the body, which is not ours to log. */
    private static String describe(TokenResponseException e) {
        StringBuilder s = new StringBuilder("HTTP ").append(e.getStatusCode());
        if (e.getDetails() != null && e.getDetails().getError() != null) {
            s.append(' ').append(LoginServer.sanitise(e.getDetails().getError(), 100));
            String description = e.getDetails().getErrorDescription();
            if (description != null && !description.isEmpty()) {
                s.append(": ").append(LoginServer.sanitise(description, 300));
            }
        }
        return s.toString();
    }

    private String checkHttpUrl(String url, String what) {
        URI uri;
        try {
            uri = new URI(Objects.requireNonNull(url, what));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(what + " of GMail_Account(user=\"" + account.user() + "\") is not a URL: "
                    + url, e);
        }
        String scheme = uri.getScheme();
        if (!uri.isAbsolute() || uri.getHost() == null || !("https".equalsIgnoreCase(scheme)
                || "http".equalsIgnoreCase(scheme))) {
            throw new IllegalArgumentException(what + " of GMail_Account(user=\"" + account.user()
                    + "\") is not an absolute http(s) URL: " + url);
        }
        return url;
    }
}
