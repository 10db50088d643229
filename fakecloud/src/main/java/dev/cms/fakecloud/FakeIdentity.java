package dev.cms.fakecloud;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The Microsoft identity platform as MSAL4J sees it: OpenID discovery, instance discovery, an
 * authorize endpoint that approves at once, the token endpoint (authorization code with PKCE,
 * refresh token, device code), the device code endpoint and an RFC 7662 introspection endpoint
 * ({@code POST /_introspect}) for local consumers such as Dovecot. Tenants in paths are not
 * checked: {@code common}, {@code organizations} or any id all reach the one fake tenant.
 *
 * <p>The authorize endpoint answers {@code response_mode=form_post} with a 200 HTML page holding
 * a self-submitting form (a browser posts it; curl cannot run its script, so scripted tests read
 * the fields from the page or ask for {@code response_mode=query}), and every other mode with a
 * 302 to the redirect URI carrying {@code code}, {@code state} and {@code session_state}.
 */
public final class FakeIdentity {

    /** Scopes about the sign-in itself rather than a resource. */
    private static final Set<String> OIDC_SCOPES = Set.of("openid", "profile", "offline_access", "email");
    private static final String DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

    record User(String upn, String oid, String name, Set<String> clientIds) { }

    /** Scopes (lower case) that need consent from an interactive login; see {@link #requireConsent}. */
    private final Set<String> consentRequired = ConcurrentHashMap.newKeySet();
    /** Per "upn client": the scopes (lower case) interactive logins granted. */
    private final Map<String, Set<String>> consents = new ConcurrentHashMap<>();

    private record Grant(String upn, String clientId, List<String> scopes) { }

    private record AuthCode(Grant grant, String redirectUri, String challenge, String nonce, Instant expires) { }

    private static final class DeviceCode {
        final String deviceCode;
        final String userCode;
        final String clientId;
        final List<String> scopes;
        final Instant expires;
        volatile String approvedFor;

        DeviceCode(String deviceCode, String userCode, String clientId, List<String> scopes, Instant expires) {
            this.deviceCode = deviceCode;
            this.userCode = userCode;
            this.clientId = clientId;
            this.scopes = scopes;
            this.expires = expires;
        }
    }

    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final byte[] signingKey = new byte[32];
    private volatile String tenantId = UUID.randomUUID().toString();
    private final Map<String, User> users = new ConcurrentHashMap<>();
    private final List<String> userOrder = new CopyOnWriteArrayList<>();
    private final Map<String, TokenInfo> accessTokens = new ConcurrentHashMap<>();
    private final Map<String, Grant> refreshTokens = new ConcurrentHashMap<>();
    private final Map<String, AuthCode> codes = new ConcurrentHashMap<>();
    private final Map<String, DeviceCode> deviceCodes = new ConcurrentHashMap<>();
    private final Map<String, DeviceCode> byUserCode = new ConcurrentHashMap<>();
    private volatile Duration accessTokenLifetime = Duration.ofHours(1);
    private volatile Duration deviceCodeLifetime = Duration.ofMinutes(15);
    private volatile int deviceCodeInterval = 1;
    private volatile URI base;

    FakeIdentity(Clock clock) {
        this.clock = clock;
        random.nextBytes(signingKey);
    }

    void base(URI base) {
        this.base = base;
    }

    // ---- admin API ------------------------------------------------------------------------

    /** Registers a user who may sign in through this client id (done by {@link FakeGraph#addUser}). */
    void addUser(String upn, String clientId) {
        String key = upn.toLowerCase(Locale.ROOT);
        User user = users.computeIfAbsent(key, k -> {
            userOrder.add(k);
            String local = upn.contains("@") ? upn.substring(0, upn.indexOf('@')) : upn;
            return new User(upn, UUID.nameUUIDFromBytes(("oid:" + key).getBytes(StandardCharsets.UTF_8)).toString(),
                    local, ConcurrentHashMap.newKeySet());
        });
        user.clientIds().add(clientId);
    }

    /** The fake tenant's id, the {@code tid} claim and {@code utid} of client_info. */
    public String tenantId() {
        return tenantId;
    }

    /** The object id ({@code oid}) given to a user. */
    public String objectId(String upn) {
        return user(upn).oid();
    }

    /** Approves a pending device code as the first user added. */
    public void approveDeviceCode(String userCode) {
        if (userOrder.isEmpty()) {
            throw new IllegalStateException("no user to approve device code " + userCode + " for: add one first");
        }
        approveDeviceCode(userCode, users.get(userOrder.get(0)).upn());
    }

    /** Approves a pending device code as this user. */
    public void approveDeviceCode(String userCode, String upn) {
        User user = user(upn);
        DeviceCode dc = byUserCode.get(userCode.toUpperCase(Locale.ROOT));
        if (dc == null) {
            throw new IllegalArgumentException("unknown device user code " + userCode);
        }
        dc.approvedFor = user.upn();
    }

    /** The user code of the most recent device code request still pending, or null: handy for tests. */
    public String pendingUserCode() {
        Instant now = clock.instant();
        return deviceCodes.values().stream().filter(d -> d.approvedFor == null && now.isBefore(d.expires))
                .max((a, b) -> a.expires.compareTo(b.expires)).map(d -> d.userCode).orElse(null);
    }

    /** Every refresh token of this user stops working (a password change, an admin revocation). */
    public void revokeRefreshTokens(String upn) {
        refreshTokens.values().removeIf(g -> g.upn().equalsIgnoreCase(upn));
    }

    /** How long newly issued access tokens live (default one hour). */
    public void setAccessTokenLifetime(Duration d) {
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("access token lifetime must be positive, got " + d);
        }
        accessTokenLifetime = d;
    }

    /** How long newly issued device codes live (default 15 minutes) and the polling interval they announce (default 1 s). */
    public void setDeviceCodeLifetime(Duration lifetime, int intervalSeconds) {
        if (lifetime.isNegative() || lifetime.isZero() || intervalSeconds < 1) {
            throw new IllegalArgumentException("device code lifetime must be positive and interval >= 1, got "
                    + lifetime + " and " + intervalSeconds);
        }
        deviceCodeLifetime = lifetime;
        deviceCodeInterval = intervalSeconds;
    }

    /** The tenant, signing key and issued tokens, for a later run of the demo. */
    JsonObject saveState() {
        JsonObject o = new JsonObject();
        o.addProperty("tenantId", tenantId);
        o.addProperty("signingKey", Base64.getEncoder().encodeToString(signingKey));
        SavedTokens.save(o, "upn", refreshTokens, g -> new SavedTokens.Grant(g.upn(), g.clientId(), g.scopes()),
                accessTokens);
        return o;
    }

    void restoreState(JsonObject o) {
        tenantId = o.get("tenantId").getAsString();
        byte[] key = Base64.getDecoder().decode(o.get("signingKey").getAsString());
        System.arraycopy(key, 0, signingKey, 0, Math.min(key.length, signingKey.length));
        SavedTokens.restore(o, "upn", refreshTokens, g -> new Grant(g.account(), g.clientId(), g.scopes()),
                accessTokens);
    }

    /** What is known about an access token this fake issued, or null when unknown or expired. */
    public TokenInfo tokenInfo(String accessToken) {
        TokenInfo info = accessToken == null ? null : accessTokens.get(accessToken);
        if (info == null) {
            return null;
        }
        if (!clock.instant().isBefore(info.expiresAt())) {
            accessTokens.remove(accessToken);
            return null;
        }
        return info;
    }

    /** Issues an access token directly, without any protocol: for tests of resource servers. */
    public String issueAccessToken(String upn, String clientId, List<String> scopes) {
        User user = user(upn);
        return issueAccess(new Grant(user.upn(), clientId, List.copyOf(scopes)));
    }

    /** Whether a token's scopes reach Microsoft Graph: a Graph resource URI or a bare permission name. */
    static boolean grantsGraph(TokenInfo info) {
        for (String s : info.scopes()) {
            String lower = s.toLowerCase(Locale.ROOT);
            if (lower.startsWith("https://graph.microsoft.com/")
                    || (!lower.contains("://") && !OIDC_SCOPES.contains(lower))) {
                return true;
            }
        }
        return false;
    }

    User user(String upnOrOid) {
        User u = users.get(upnOrOid.toLowerCase(Locale.ROOT));
        if (u != null) {
            return u;
        }
        for (User candidate : users.values()) {
            if (candidate.oid().equalsIgnoreCase(upnOrOid)) {
                return candidate;
            }
        }
        throw new IllegalArgumentException("unknown user " + upnOrOid + " (known: " + userOrder + ")");
    }

    boolean knowsUser(String upnOrOid) {
        try {
            user(upnOrOid);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    // ---- HTTP ------------------------------------------------------------------------------

    /** Serves an identity request, or returns null when the path is not an identity path. */
    FakeMicrosoftResponse handle(FakeMicrosoftRequest request) {
        List<String> seg = segments(request.path());
        String method = request.method();
        if (seg.size() == 1 && seg.get(0).equals("_introspect") && method.equals("POST")) {
            return introspect(request);
        }
        if (seg.size() == 1 && seg.get(0).equals("devicelogin")) {
            return deviceLoginPage(request);
        }
        if (seg.size() == 4 && seg.get(1).equals("v2.0") && seg.get(2).equals(".well-known")
                && seg.get(3).equals("openid-configuration") && method.equals("GET")) {
            return openidConfiguration(seg.get(0));
        }
        if (seg.size() == 3 && seg.get(1).equals("discovery") && seg.get(2).equals("instance")) {
            return instanceDiscovery(request);
        }
        if (seg.size() == 4 && seg.get(1).equals("discovery") && seg.get(2).equals("v2.0") && seg.get(3).equals("keys")) {
            JsonObject keys = new JsonObject();
            keys.add("keys", new JsonArray());
            return FakeMicrosoftResponse.json(200, keys);
        }
        if (seg.size() == 4 && seg.get(1).equals("oauth2") && seg.get(2).equals("v2.0")) {
            switch (seg.get(3)) {
                case "authorize": return authorize(request);
                case "token": return method.equals("POST") ? token(request) : methodNotAllowed();
                case "devicecode": return method.equals("POST") ? deviceCode(request) : methodNotAllowed();
                default: return null;
            }
        }
        return null;
    }

    private static FakeMicrosoftResponse methodNotAllowed() {
        return FakeMicrosoftResponse.oauthError(405, "invalid_request", 900561, "The endpoint only accepts POST requests.");
    }

    private static List<String> segments(String path) {
        List<String> out = new ArrayList<>();
        for (String s : path.split("/")) {
            if (!s.isEmpty()) {
                out.add(s);
            }
        }
        return out;
    }

    private String issuer() {
        return root() + "/" + tenantId + "/v2.0";
    }

    private String root() {
        String s = base.toString();
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    private FakeMicrosoftResponse openidConfiguration(String tenant) {
        String t = root() + "/" + tenant;
        JsonObject o = new JsonObject();
        o.addProperty("token_endpoint", t + "/oauth2/v2.0/token");
        o.add("token_endpoint_auth_methods_supported", array("client_secret_post", "private_key_jwt", "client_secret_basic"));
        o.addProperty("jwks_uri", t + "/discovery/v2.0/keys");
        o.add("response_modes_supported", array("query", "fragment", "form_post"));
        o.add("subject_types_supported", array("pairwise"));
        o.add("id_token_signing_alg_values_supported", array("HS256"));
        o.add("response_types_supported", array("code", "id_token", "code id_token", "id_token token"));
        o.add("scopes_supported", array("openid", "profile", "email", "offline_access"));
        o.addProperty("issuer", issuer());
        o.addProperty("request_uri_parameter_supported", false);
        o.addProperty("userinfo_endpoint", root() + "/oidc/userinfo");
        o.addProperty("authorization_endpoint", t + "/oauth2/v2.0/authorize");
        o.addProperty("device_authorization_endpoint", t + "/oauth2/v2.0/devicecode");
        o.addProperty("http_logout_supported", true);
        o.addProperty("frontchannel_logout_supported", true);
        o.addProperty("end_session_endpoint", t + "/oauth2/v2.0/logout");
        o.add("claims_supported", array("sub", "iss", "aud", "exp", "iat", "nbf", "name", "oid", "tid",
                "preferred_username", "ver", "nonce"));
        o.addProperty("tenant_region_scope", "EU");
        o.addProperty("cloud_instance_name", "localhost");
        o.addProperty("cloud_graph_host_name", "localhost");
        o.addProperty("msgraph_host", base.getAuthority());
        return FakeMicrosoftResponse.json(200, o);
    }

    private FakeMicrosoftResponse instanceDiscovery(FakeMicrosoftRequest request) {
        String host = base.getAuthority();
        JsonObject entry = new JsonObject();
        entry.addProperty("preferred_network", host);
        entry.addProperty("preferred_cache", host);
        entry.add("aliases", array(host));
        JsonArray metadata = new JsonArray();
        metadata.add(entry);
        JsonObject o = new JsonObject();
        o.addProperty("tenant_discovery_endpoint", root() + "/common/v2.0/.well-known/openid-configuration");
        o.addProperty("api-version", "1.1");
        o.add("metadata", metadata);
        return FakeMicrosoftResponse.json(200, o);
    }

    private FakeMicrosoftResponse authorize(FakeMicrosoftRequest request) {
        Map<String, List<String>> p = request.formAndQuery();
        String clientId = first(p, "client_id");
        String redirectUri = first(p, "redirect_uri");
        if (clientId == null || redirectUri == null) {
            return html(400, "<p>AADSTS900144: The request body must contain client_id and redirect_uri.</p>");
        }
        if (!"code".equals(first(p, "response_type"))) {
            return html(400, "<p>AADSTS700054: response_type must be 'code', got '"
                    + escape(String.valueOf(first(p, "response_type"))) + "'.</p>");
        }
        User user = signInUser(first(p, "login_hint"), clientId);
        if (user == null) {
            return html(400, "<p>AADSTS700016: Application with identifier '" + escape(clientId)
                    + "' was not found for any user of this fake.</p>");
        }
        String challenge = first(p, "code_challenge");
        String challengeMethod = first(p, "code_challenge_method");
        if (challenge != null && challengeMethod != null && !challengeMethod.equals("S256")) {
            return html(400, "<p>AADSTS501491: only code_challenge_method S256 is supported here.</p>");
        }
        String code = randomToken("code");
        codes.put(code, new AuthCode(new Grant(user.upn(), clientId, scopes(first(p, "scope"))), redirectUri,
                challenge, first(p, "nonce"), clock.instant().plus(Duration.ofMinutes(10))));
        String state = first(p, "state");
        String session = UUID.nameUUIDFromBytes(user.oid().getBytes(StandardCharsets.UTF_8)).toString();
        String mode = first(p, "response_mode");
        if ("form_post".equals(mode)) {
            StringBuilder sb = new StringBuilder("<html><head><title>Working...</title></head>"
                    + "<body onload=\"document.forms[0].submit()\"><form method=\"POST\" name=\"hiddenform\" action=\"")
                    .append(escape(redirectUri)).append("\">");
            hidden(sb, "code", code);
            if (state != null) {
                hidden(sb, "state", state);
            }
            hidden(sb, "session_state", session);
            sb.append("<noscript><p>Script is disabled. Click Submit to continue.</p>"
                    + "<input type=\"submit\" value=\"Submit\" /></noscript></form></body></html>");
            return html(200, sb.toString());
        }
        StringBuilder q = new StringBuilder();
        q.append("code=").append(enc(code));
        if (state != null) {
            q.append("&state=").append(enc(state));
        }
        q.append("&session_state=").append(enc(session));
        String location = "fragment".equals(mode) ? redirectUri + "#" + q
                : redirectUri + (redirectUri.contains("?") ? "&" : "?") + q;
        return FakeMicrosoftResponse.empty(302).withHeader("Location", location);
    }

    private User signInUser(String loginHint, String clientId) {
        if (loginHint != null && knowsUser(loginHint)) {
            User u = user(loginHint);
            return u.clientIds().contains(clientId) ? u : null;
        }
        for (String key : userOrder) {
            User u = users.get(key);
            if (u.clientIds().contains(clientId)) {
                return u;
            }
        }
        return null;
    }

    private FakeMicrosoftResponse deviceCode(FakeMicrosoftRequest request) {
        Map<String, List<String>> p = request.formAndQuery();
        String clientId = first(p, "client_id");
        if (clientId == null || !knownClient(clientId)) {
            return FakeMicrosoftResponse.oauthError(400, "unauthorized_client", 700016,
                    "Application with identifier '" + clientId + "' was not found in the directory.");
        }
        String deviceCode = randomToken("dc");
        String userCode;
        do {
            userCode = userCode();
        } while (byUserCode.containsKey(userCode));
        DeviceCode dc = new DeviceCode(deviceCode, userCode, clientId, scopes(first(p, "scope")),
                clock.instant().plus(deviceCodeLifetime));
        deviceCodes.put(deviceCode, dc);
        byUserCode.put(userCode, dc);
        String verification = root() + "/devicelogin";
        JsonObject o = new JsonObject();
        o.addProperty("user_code", userCode);
        o.addProperty("device_code", deviceCode);
        o.addProperty("verification_uri", verification);
        o.addProperty("expires_in", deviceCodeLifetime.toSeconds());
        o.addProperty("interval", deviceCodeInterval);
        o.addProperty("message", "To sign in, use a web browser to open the page " + verification
                + " and enter the code " + userCode + " to authenticate.");
        return FakeMicrosoftResponse.json(200, o);
    }

    private boolean knownClient(String clientId) {
        return users.values().stream().anyMatch(u -> u.clientIds().contains(clientId));
    }

    /** {@code GET /devicelogin}: a form; {@code POST /devicelogin} with {@code user_code}: approves it. */
    private FakeMicrosoftResponse deviceLoginPage(FakeMicrosoftRequest request) {
        if (request.method().equals("POST")) {
            Map<String, List<String>> p = request.formAndQuery();
            String code = first(p, "user_code");
            String who = first(p, "login_hint");
            try {
                if (who == null) {
                    approveDeviceCode(code == null ? "" : code);
                } else {
                    approveDeviceCode(code == null ? "" : code, who);
                }
            } catch (IllegalArgumentException | IllegalStateException e) {
                return html(400, "<p>" + escape(e.getMessage()) + "</p>");
            }
            return html(200, "<p>You have signed in. You may now close this window.</p>");
        }
        return html(200, "<form method=\"POST\"><label>Code <input name=\"user_code\"></label>"
                + "<input type=\"submit\" value=\"Next\"></form>");
    }

    private FakeMicrosoftResponse token(FakeMicrosoftRequest request) {
        Map<String, List<String>> p = request.formAndQuery();
        String grantType = first(p, "grant_type");
        String clientId = first(p, "client_id");
        if (grantType == null) {
            return FakeMicrosoftResponse.oauthError(400, "invalid_request", 900144,
                    "The request body must contain the following parameter: 'grant_type'.");
        }
        if (clientId == null || !knownClient(clientId)) {
            return FakeMicrosoftResponse.oauthError(400, "unauthorized_client", 700016,
                    "Application with identifier '" + clientId + "' was not found in the directory.");
        }
        switch (grantType) {
            case "authorization_code": return redeemCode(p, clientId);
            case "refresh_token": return redeemRefresh(p, clientId);
            case DEVICE_GRANT:
            case "device_code": // MSAL4J sends the short form
                return redeemDeviceCode(p, clientId);
            default:
                return FakeMicrosoftResponse.oauthError(400, "unsupported_grant_type", 70003,
                        "The app requested an unsupported grant type '" + grantType + "'.");
        }
    }

    private FakeMicrosoftResponse redeemCode(Map<String, List<String>> p, String clientId) {
        String code = first(p, "code");
        AuthCode ac = code == null ? null : codes.remove(code);
        if (ac == null || !clock.instant().isBefore(ac.expires())) {
            return FakeMicrosoftResponse.oauthError(400, "invalid_grant", 70008,
                    "The provided authorization code or refresh token has expired or was already used.");
        }
        if (!ac.grant().clientId().equals(clientId)) {
            return FakeMicrosoftResponse.oauthError(400, "invalid_grant", 70000,
                    "The code was issued to a different client.");
        }
        if (!ac.redirectUri().equals(first(p, "redirect_uri"))) {
            return FakeMicrosoftResponse.oauthError(400, "invalid_grant", 50011,
                    "The redirect URI '" + first(p, "redirect_uri") + "' does not match the one of the authorization request.");
        }
        if (ac.challenge() != null) {
            String verifier = first(p, "code_verifier");
            if (verifier == null || !MessageDigest.isEqual(
                    ac.challenge().getBytes(StandardCharsets.US_ASCII),
                    s256(verifier).getBytes(StandardCharsets.US_ASCII))) {
                return FakeMicrosoftResponse.oauthError(400, "invalid_grant", 501481,
                        "The Code_Verifier does not match the code_challenge supplied in the authorization request.");
            }
        }
        List<String> requested = scopes(first(p, "scope"));
        Grant grant = requested.isEmpty() ? ac.grant() : new Grant(ac.grant().upn(), clientId, requested);
        consented(ac.grant());
        consented(grant);
        return tokens(grant, ac.nonce());
    }

    /**
     * From now on {@code scope} needs the user's consent: a refresh asking for it is refused with
     * AADSTS65001 ({@code invalid_grant}) until an interactive login (code or device code) of that
     * user and client asked for it. Off for every scope by default.
     */
    public void requireConsent(String scope) {
        consentRequired.add(scope.toLowerCase(Locale.ROOT));
    }

    /** Records the scopes an interactive login granted. */
    private void consented(Grant g) {
        Set<String> set = consents.computeIfAbsent(g.upn().toLowerCase(Locale.ROOT) + " " + g.clientId(),
                k -> ConcurrentHashMap.newKeySet());
        for (String s : g.scopes()) {
            set.add(s.toLowerCase(Locale.ROOT));
        }
    }

    /** A scope among {@code requested} that needs consent the user never gave this client; null when none. */
    private String unconsented(String upn, String clientId, List<String> requested) {
        Set<String> given = consents.getOrDefault(upn.toLowerCase(Locale.ROOT) + " " + clientId, Set.of());
        for (String s : requested) {
            String l = s.toLowerCase(Locale.ROOT);
            if (consentRequired.contains(l) && !given.contains(l)) {
                return s;
            }
        }
        return null;
    }

    private FakeMicrosoftResponse redeemRefresh(Map<String, List<String>> p, String clientId) {
        String rt = first(p, "refresh_token");
        Grant old = rt == null ? null : refreshTokens.get(rt);
        if (old == null || !old.clientId().equals(clientId)) {
            return FakeMicrosoftResponse.oauthError(400, "invalid_grant", 700082,
                    "The refresh token has expired or been revoked.");
        }
        List<String> requested = scopes(first(p, "scope"));
        String missing = unconsented(old.upn(), clientId, requested);
        if (missing != null) {
            return FakeMicrosoftResponse.oauthError(400, "invalid_grant", 65001, "The user or administrator has not"
                    + " consented to use the application with ID '" + clientId + "' for the scope '" + missing
                    + "'. Send an interactive authorization request for this user and resource.");
        }
        return tokens(requested.isEmpty() ? old : new Grant(old.upn(), clientId, requested), null);
    }

    private FakeMicrosoftResponse redeemDeviceCode(Map<String, List<String>> p, String clientId) {
        String code = first(p, "device_code");
        DeviceCode dc = code == null ? null : deviceCodes.get(code);
        if (dc == null || !dc.clientId.equals(clientId)) {
            return FakeMicrosoftResponse.oauthError(400, "invalid_grant", 70000,
                    "The device code is unknown or was already used.");
        }
        if (!clock.instant().isBefore(dc.expires)) {
            deviceCodes.remove(code);
            byUserCode.remove(dc.userCode);
            return FakeMicrosoftResponse.oauthError(400, "expired_token", 70020,
                    "The provided value for the input parameter 'device_code' is not valid. This device code has expired.");
        }
        String upn = dc.approvedFor;
        if (upn == null) {
            return FakeMicrosoftResponse.oauthError(400, "authorization_pending", 70016,
                    "OAuth 2.0 device flow error. Authorization is pending. Continue polling.");
        }
        deviceCodes.remove(code);
        byUserCode.remove(dc.userCode);
        Grant granted = new Grant(upn, clientId, dc.scopes);
        consented(granted);
        return tokens(granted, null);
    }

    private FakeMicrosoftResponse tokens(Grant grant, String nonce) {
        User user = user(grant.upn());
        String access = issueAccess(grant);
        String refresh = randomToken("rt");
        refreshTokens.put(refresh, grant);
        Instant now = clock.instant();
        long expiresIn = accessTokenLifetime.toSeconds();
        JsonObject o = new JsonObject();
        o.addProperty("token_type", "Bearer");
        o.addProperty("scope", String.join(" ", grant.scopes().stream()
                .filter(s -> !s.equals("offline_access")).toArray(String[]::new)));
        o.addProperty("expires_in", expiresIn);
        o.addProperty("ext_expires_in", expiresIn);
        o.addProperty("access_token", access);
        o.addProperty("refresh_token", refresh);
        o.addProperty("id_token", idToken(user, grant.clientId(), nonce, now));
        JsonObject clientInfo = new JsonObject();
        clientInfo.addProperty("uid", user.oid());
        clientInfo.addProperty("utid", tenantId);
        o.addProperty("client_info", b64(FakeMicrosoftResponse.GSON.toJson(clientInfo).getBytes(StandardCharsets.UTF_8)));
        return FakeMicrosoftResponse.json(200, o).withHeader("Cache-Control", "no-store, no-cache")
                .withHeader("Pragma", "no-cache");
    }

    private String issueAccess(Grant grant) {
        String access = randomToken("at");
        accessTokens.put(access, new TokenInfo(grant.upn(), grant.clientId(), new LinkedHashSet<>(grant.scopes()),
                clock.instant().plus(accessTokenLifetime)));
        return access;
    }

    /** An id token signed with HS256 under a per-fake secret (MSAL4J parses it without checking the signature). */
    private String idToken(User user, String clientId, String nonce, Instant now) {
        JsonObject header = new JsonObject();
        header.addProperty("typ", "JWT");
        header.addProperty("alg", "HS256");
        header.addProperty("kid", "fake");
        JsonObject claims = new JsonObject();
        claims.addProperty("aud", clientId);
        claims.addProperty("iss", issuer());
        claims.addProperty("iat", now.getEpochSecond());
        claims.addProperty("nbf", now.getEpochSecond());
        claims.addProperty("exp", now.plus(accessTokenLifetime).getEpochSecond());
        claims.addProperty("name", user.name());
        claims.addProperty("oid", user.oid());
        claims.addProperty("preferred_username", user.upn());
        claims.addProperty("sub", UUID.nameUUIDFromBytes((user.oid() + clientId).getBytes(StandardCharsets.UTF_8)).toString());
        claims.addProperty("tid", tenantId);
        claims.addProperty("ver", "2.0");
        if (nonce != null) {
            claims.addProperty("nonce", nonce);
        }
        String signingInput = b64(FakeMicrosoftResponse.GSON.toJson(header).getBytes(StandardCharsets.UTF_8)) + "."
                + b64(FakeMicrosoftResponse.GSON.toJson(claims).getBytes(StandardCharsets.UTF_8));
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(signingKey, "HmacSHA256"));
            return signingInput + "." + b64(mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable", e);
        }
    }

    private FakeMicrosoftResponse introspect(FakeMicrosoftRequest request) {
        String token = first(request.formAndQuery(), "token");
        TokenInfo info = tokenInfo(token);
        JsonObject o = new JsonObject();
        if (info == null) {
            o.addProperty("active", false);
            return FakeMicrosoftResponse.json(200, o);
        }
        o.addProperty("active", true);
        o.addProperty("sub", info.email());
        o.addProperty("username", info.email());
        o.addProperty("client_id", info.clientId());
        o.addProperty("scope", String.join(" ", info.scopes()));
        o.addProperty("exp", info.expiresAt().getEpochSecond());
        o.addProperty("token_type", "Bearer");
        return FakeMicrosoftResponse.json(200, o);
    }

    // ---- helpers ---------------------------------------------------------------------------

    private static List<String> scopes(String scope) {
        if (scope == null || scope.isBlank()) {
            return Collections.emptyList();
        }
        return List.copyOf(new LinkedHashSet<>(Arrays.asList(scope.trim().split("\\s+"))));
    }

    private static String first(Map<String, List<String>> p, String name) {
        List<String> v = p.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    static String s256(String verifier) {
        try {
            return b64(MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is unavailable", e);
        }
    }

    private String randomToken(String prefix) {
        byte[] b = new byte[32];
        random.nextBytes(b);
        return prefix + "." + b64(b);
    }

    private String userCode() {
        String alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 9; i++) {
            sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    private static String b64(byte[] b) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static JsonArray array(String... values) {
        JsonArray a = new JsonArray();
        for (String v : values) {
            a.add(v);
        }
        return a;
    }

    private static void hidden(StringBuilder sb, String name, String value) {
        sb.append("<input type=\"hidden\" name=\"").append(name).append("\" value=\"").append(escape(value)).append("\" />");
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;")
                .replace("'", "&#39;");
    }

    private static FakeMicrosoftResponse html(int status, String body) {
        return FakeMicrosoftResponse.bytes(status, "text/html; charset=utf-8", body.getBytes(StandardCharsets.UTF_8));
    }
}
