package dev.cms.fakecloud;

import com.google.gson.JsonObject;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Google's OAuth2 endpoints, auto-approving: {@code GET /oauth2/auth} redirects straight back
 * with a code, {@code POST /oauth2/token} exchanges codes (PKCE S256 checked) and refresh
 * tokens, {@code /oauth2/tokeninfo} describes an access token, {@code /oauth2/revoke} revokes.
 */
final class GoogleOAuth {

    static final Duration CODE_LIFETIME = Duration.ofMinutes(10);
    private static final Pattern VERIFIER = Pattern.compile("[A-Za-z0-9._~-]{43,128}");

    private record Client(String clientId, String clientSecret) { }

    private record PendingCode(String clientId, String redirectUri, String challenge, String email,
                               Set<String> scopes, boolean offline, Instant expiresAt) { }

    private record RefreshGrant(String email, String clientId, Set<String> scopes) { }

    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Client> clientsByEmail = new ConcurrentHashMap<>();
    private final Map<String, PendingCode> codes = new ConcurrentHashMap<>();
    private final Map<String, TokenInfo> accessTokens = new ConcurrentHashMap<>();
    private final Map<String, RefreshGrant> refreshTokens = new ConcurrentHashMap<>();
    private volatile Duration accessTokenLifetime = Duration.ofSeconds(3600);

    GoogleOAuth(Clock clock) {
        this.clock = clock;
    }

    void addAccount(String email, String clientId, String clientSecret) {
        clientsByEmail.put(email, new Client(clientId, clientSecret));
    }

    boolean hasAccount(String email) {
        return clientsByEmail.containsKey(email);
    }

    void setAccessTokenLifetime(Duration lifetime) {
        if (lifetime.isNegative()) {
            throw new IllegalArgumentException("access token lifetime must not be negative: " + lifetime);
        }
        accessTokenLifetime = lifetime;
    }

    /** The issued refresh and access tokens, for a later run of the demo. */
    JsonObject saveTokens() {
        JsonObject o = new JsonObject();
        SavedTokens.save(o, "email", refreshTokens,
                g -> new SavedTokens.Grant(g.email(), g.clientId(), List.copyOf(new TreeSet<>(g.scopes()))), accessTokens);
        return o;
    }

    void restoreTokens(JsonObject o) {
        SavedTokens.restore(o, "email", refreshTokens,
                g -> new RefreshGrant(g.account(), g.clientId(), Set.copyOf(g.scopes())), accessTokens);
    }

    void revokeRefreshTokens(String email) {
        refreshTokens.values().removeIf(g -> g.email().equals(email));
    }

    /** Issues an access token directly, as if a login had happened (for tests and the demo). */
    String issueAccessToken(String email, Set<String> scopes) {
        Client client = clientsByEmail.get(email);
        if (client == null) {
            throw new IllegalArgumentException("no fake Gmail account " + email);
        }
        return newAccessToken(email, client.clientId(), scopes);
    }

    /** Issues a refresh token directly, as if the user had consented (for tests). */
    String issueRefreshToken(String email, Set<String> scopes) {
        Client client = clientsByEmail.get(email);
        if (client == null) {
            throw new IllegalArgumentException("no fake Gmail account " + email);
        }
        String refresh = "1//fake-" + randomToken(32);
        refreshTokens.put(refresh, new RefreshGrant(email, client.clientId(), Set.copyOf(scopes)));
        return refresh;
    }

    /** The live token's description, or empty when unknown or expired. */
    Optional<TokenInfo> tokenInfo(String accessToken) {
        if (accessToken == null) {
            return Optional.empty();
        }
        TokenInfo info = accessTokens.get(accessToken);
        if (info == null) {
            return Optional.empty();
        }
        if (!clock.instant().isBefore(info.expiresAt())) {
            accessTokens.remove(accessToken, info);
            return Optional.empty();
        }
        return Optional.of(info);
    }

    Response handle(Request r) {
        switch (r.path()) {
            case "/oauth2/auth":
                return "GET".equals(r.method()) ? authorize(r) : Response.text(405, "use GET");
            case "/oauth2/token":
                return "POST".equals(r.method()) ? token(r) : Response.text(405, "use POST");
            case "/oauth2/tokeninfo":
                return tokenInfoEndpoint(r);
            case "/oauth2/revoke":
                return revoke(r);
            default:
                return null;
        }
    }

    private Response authorize(Request r) {
        String clientId = r.param("client_id");
        String redirectUri = r.param("redirect_uri");
        if (clientId == null || clientsByEmail.values().stream().noneMatch(c -> c.clientId().equals(clientId))) {
            return errorPage("invalid_client", "The OAuth client was not found: " + clientId);
        }
        if (redirectUri == null || !isAbsoluteHttp(redirectUri)) {
            return errorPage("redirect_uri_mismatch", "redirect_uri missing or not an absolute http(s) URI");
        }
        if (!"code".equals(r.param("response_type"))) {
            return errorPage("unsupported_response_type", "response_type must be code, got " + r.param("response_type"));
        }
        String scope = r.param("scope");
        if (scope == null || scope.isBlank()) {
            return errorPage("invalid_request", "Missing required parameter: scope");
        }
        String challenge = r.param("code_challenge");
        String method = r.param("code_challenge_method");
        if (challenge != null && !"S256".equals(method)) {
            return errorPage("invalid_request", "code_challenge_method must be S256, got " + method);
        }
        if (challenge == null && method != null) {
            return errorPage("invalid_request", "code_challenge_method without code_challenge");
        }
        String state = r.param("state");
        String email = r.param("login_hint");
        if (email == null) {
            List<String> candidates = clientsByEmail.entrySet().stream()
                    .filter(e -> e.getValue().clientId().equals(clientId)).map(Map.Entry::getKey).toList();
            email = candidates.size() == 1 ? candidates.get(0) : null;
        }
        Client client = email == null ? null : clientsByEmail.get(email);
        if (client == null || !client.clientId().equals(clientId)) {
            return redirect(redirectUri, "error", "access_denied", state, null);
        }
        String code = "4/fake-" + randomToken(24);
        Set<String> scopes = splitScopes(scope);
        codes.put(code, new PendingCode(clientId, redirectUri, challenge, email, scopes,
                "offline".equals(r.param("access_type")), clock.instant().plus(CODE_LIFETIME)));
        return redirect(redirectUri, "code", code, state, String.join(" ", scopes));
    }

    private Response token(Request r) {
        Map<String, List<String>> form = r.form();
        String clientId = first(form, "client_id");
        String secret = first(form, "client_secret");
        String basic = r.header("Authorization");
        if (basic != null && basic.startsWith("Basic ")) {
            String decoded = new String(Base64.getDecoder().decode(basic.substring(6).trim()), StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            if (colon > 0) {
                clientId = decode(decoded.substring(0, colon));
                secret = decode(decoded.substring(colon + 1));
            }
        }
        String grantType = first(form, "grant_type");
        if (grantType == null) {
            return Response.oauthError(400, "invalid_request", "Missing required parameter: grant_type");
        }
        if (!clientAuthenticated(clientId, secret)) {
            return Response.oauthError(401, "invalid_client", "Unauthorized");
        }
        switch (grantType) {
            case "authorization_code":
                return exchangeCode(form, clientId);
            case "refresh_token":
                return refresh(form, clientId);
            default:
                return Response.oauthError(400, "unsupported_grant_type", "Invalid grant_type: " + grantType);
        }
    }

    private Response exchangeCode(Map<String, List<String>> form, String clientId) {
        String code = first(form, "code");
        if (code == null) {
            return Response.oauthError(400, "invalid_request", "Missing required parameter: code");
        }
        PendingCode pending = codes.remove(code); // single use, even when the exchange fails below
        if (pending == null) {
            return Response.oauthError(400, "invalid_grant", "Malformed auth code.");
        }
        if (!clock.instant().isBefore(pending.expiresAt())) {
            return Response.oauthError(400, "invalid_grant", "Bad Request");
        }
        if (!pending.clientId().equals(clientId)) {
            return Response.oauthError(400, "invalid_grant", "Unauthorized");
        }
        if (!pending.redirectUri().equals(first(form, "redirect_uri"))) {
            return Response.oauthError(400, "redirect_uri_mismatch", "Bad Request");
        }
        if (pending.challenge() != null) {
            String verifier = first(form, "code_verifier");
            if (verifier == null) {
                return Response.oauthError(400, "invalid_grant", "Missing code verifier.");
            }
            if (!VERIFIER.matcher(verifier).matches() || !s256(verifier).equals(pending.challenge())) {
                return Response.oauthError(400, "invalid_grant", "Invalid code verifier.");
            }
        }
        JsonObject body = tokenBody(newAccessToken(pending.email(), clientId, pending.scopes()), pending.scopes());
        if (pending.offline()) {
            String refresh = "1//fake-" + randomToken(32);
            refreshTokens.put(refresh, new RefreshGrant(pending.email(), clientId, pending.scopes()));
            body.addProperty("refresh_token", refresh);
        }
        return Response.json(200, body);
    }

    private Response refresh(Map<String, List<String>> form, String clientId) {
        String refresh = first(form, "refresh_token");
        if (refresh == null) {
            return Response.oauthError(400, "invalid_request", "Missing required parameter: refresh_token");
        }
        RefreshGrant grant = refreshTokens.get(refresh);
        if (grant == null || !grant.clientId().equals(clientId)) {
            return Response.oauthError(400, "invalid_grant", "Token has been expired or revoked.");
        }
        Set<String> scopes = grant.scopes();
        String requested = first(form, "scope");
        if (requested != null) {
            Set<String> narrowed = splitScopes(requested);
            if (!scopes.containsAll(narrowed)) {
                return Response.oauthError(400, "invalid_scope", "Scope not granted: " + requested);
            }
            scopes = narrowed;
        }
        return Response.json(200, tokenBody(newAccessToken(grant.email(), clientId, scopes), scopes));
    }

    private Response tokenInfoEndpoint(Request r) {
        String token = r.param("access_token");
        if (token == null && "POST".equals(r.method())) {
            token = first(r.form(), "access_token");
        }
        Optional<TokenInfo> info = tokenInfo(token);
        if (info.isEmpty()) {
            return Response.oauthError(400, "invalid_token", "Invalid Value");
        }
        TokenInfo t = info.get();
        long expiresIn = Math.max(0, Duration.between(clock.instant(), t.expiresAt()).getSeconds());
        JsonObject body = new JsonObject();
        body.addProperty("azp", t.clientId());
        body.addProperty("aud", t.clientId());
        body.addProperty("scope", String.join(" ", t.scopes()));
        body.addProperty("exp", Long.toString(t.expiresAt().getEpochSecond()));
        body.addProperty("expires_in", Long.toString(expiresIn));
        body.addProperty("email", t.email());
        body.addProperty("email_verified", "true");
        body.addProperty("access_type", "offline");
        return Response.json(200, body);
    }

    private Response revoke(Request r) {
        String token = r.param("token");
        if (token == null && "POST".equals(r.method())) {
            token = first(r.form(), "token");
        }
        boolean known = token != null && (refreshTokens.remove(token) != null || accessTokens.remove(token) != null);
        return known ? Response.json(200, new JsonObject())
                : Response.oauthError(400, "invalid_token", "Token expired or revoked");
    }

    private String newAccessToken(String email, String clientId, Set<String> scopes) {
        String token = "ya29.fake-" + randomToken(32);
        accessTokens.put(token, new TokenInfo(email, clientId, scopes, clock.instant().plus(accessTokenLifetime)));
        return token;
    }

    private JsonObject tokenBody(String accessToken, Set<String> scopes) {
        JsonObject body = new JsonObject();
        body.addProperty("access_token", accessToken);
        body.addProperty("expires_in", accessTokenLifetime.getSeconds());
        body.addProperty("scope", String.join(" ", scopes));
        body.addProperty("token_type", "Bearer");
        return body;
    }

    private boolean clientAuthenticated(String clientId, String secret) {
        return clientId != null && secret != null && clientsByEmail.values().stream()
                .anyMatch(c -> c.clientId().equals(clientId) && c.clientSecret().equals(secret));
    }

    private String randomToken(int bytes) {
        byte[] b = new byte[bytes];
        random.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    static String s256(String verifier) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }

    private static Set<String> splitScopes(String scope) {
        Set<String> out = new LinkedHashSet<>();
        for (String s : scope.trim().split("\\s+")) {
            if (!s.isEmpty()) {
                out.add(s);
            }
        }
        return out;
    }

    private static boolean isAbsoluteHttp(String uri) {
        try {
            URI u = URI.create(uri);
            return u.isAbsolute() && ("http".equals(u.getScheme()) || "https".equals(u.getScheme()))
                    && u.getHost() != null;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static Response redirect(String redirectUri, String key, String value, String state, String scope) {
        StringBuilder location = new StringBuilder(redirectUri).append(redirectUri.contains("?") ? '&' : '?')
                .append(key).append('=').append(encode(value));
        if (state != null) {
            location.append("&state=").append(encode(state));
        }
        if (scope != null) {
            location.append("&scope=").append(encode(scope));
        }
        return Response.empty(302).withHeader("Location", location.toString());
    }

    private static Response errorPage(String error, String description) {
        String html = "<!DOCTYPE html><html><head><title>Error 400 (OAuth2 Error)</title></head><body>"
                + "<h1>Error 400: " + escape(error) + "</h1><p>" + escape(description) + "</p></body></html>";
        return Response.bytes(400, "text/html; charset=UTF-8", html.getBytes(StandardCharsets.UTF_8));
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String decode(String s) {
        return java.net.URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    private static String first(Map<String, List<String>> form, String name) {
        List<String> values = form.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }
}
