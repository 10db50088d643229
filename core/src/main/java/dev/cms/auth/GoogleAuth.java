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
import dev.cms.config.GmailAccountSpec;
import dev.cms.provider.AccessTokenSource;
import dev.cms.provider.AuthenticationRequiredException;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Access tokens for one Gmail account, from Google's OAuth2 endpoints through Google's OAuth
 * client library. The access token lives in memory only; the refresh token is kept in the
 * {@link TokenStore}. When there is no usable refresh token an interactive loopback login with
 * PKCE runs through the shared {@link LoginCoordinator}: the sync's requests wait for it, or, in the
 * daemon ({@link LoginCoordinator#logInInBackground()}), start it in the background and fail at
 * once. Callers on several threads share one refresh or login.
 */
public final class GoogleAuth implements AccessTokenSource {
    private static final Logger log = LoggerFactory.getLogger(GoogleAuth.class);

    public static final String GMAIL_MODIFY_SCOPE = "https://www.googleapis.com/auth/gmail.modify";
    /** Needed for IMAP and SMTP (XOAUTH2) when the token broker serves them. */
    public static final String FULL_MAIL_SCOPE = "https://mail.google.com/";
    /** A cached token is replaced when it has less than this left. */
    static final Duration EXPIRY_MARGIN = Duration.ofSeconds(60);
    /** Assumed when the token endpoint omits {@code expires_in} (Google documents one hour). */
    static final long DEFAULT_LIFETIME_SECONDS = 3600;
    /** A longer {@code expires_in} is not believed (and cannot overflow the expiry instant). */
    static final long MAX_LIFETIME_SECONDS = 24 * 3600;

    private static final HttpTransport TRANSPORT = new NetHttpTransport();
    private static final JsonFactory JSON = GsonFactory.getDefaultInstance();
    /** Bounded waits; and never the HTTP client's own request logging, which would show the secrets. */
    private static final HttpRequestInitializer REQUEST_SETTINGS = request -> request
            .setConnectTimeout(20_000)
            .setReadTimeout(30_000)
            .setLoggingEnabled(false)
            .setCurlLoggingEnabled(false);

    private final GmailAccountSpec account;
    private final List<String> scopes;
    private final TokenStore store;
    private final LoginCoordinator logins;
    private final Clock clock;
    private final GenericUrl tokenUrl;
    /** One refresh or login at a time; callers that arrive meanwhile use its token. */
    private final TokenGate gate;
    /** Bumped under {@link #gate} whenever a new access token arrives. */
    private volatile long generation;
    /** Guarded by {@link #gate}. */
    private String accessToken;
    /** Guarded by {@link #gate}. */
    private Instant expiresAt = Instant.MIN;
    /** The newest token and its expiry, for readers that must not wait for the gate. */
    private volatile Issued issued;

    private record Issued(String token, Instant expiresAt) {
        @Override
        public String toString() {
            return "Issued[expires " + expiresAt + "]"; // never the token
        }
    }

    /**
     * @param scopes from {@link #scopesFor(boolean)}
     * @throws MissingClientIdException when the account has no {@code client_id} or {@code client_secret}
     * @throws IllegalArgumentException when an endpoint is not an absolute http(s) URL
     */
    public GoogleAuth(GmailAccountSpec account, Set<String> scopes, TokenStore store, LoginCoordinator logins,
                      Clock clock) throws MissingClientIdException {
        validate(account);
        if (scopes.isEmpty()) {
            throw new IllegalArgumentException("no OAuth scopes for " + account.user());
        }
        this.account = account;
        this.scopes = List.copyOf(new TreeSet<>(scopes)); // a stable order for the URL
        this.store = Objects.requireNonNull(store, "store");
        this.logins = Objects.requireNonNull(logins, "logins");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.gate = new TokenGate(() -> logins.loggedIn(account.key()));
        checkHttpUrl(account.authEndpoint(), "auth endpoint");
        this.tokenUrl = new GenericUrl(checkHttpUrl(account.tokenEndpoint(), "token endpoint"));
    }

    /**
     * Checks that {@code account} names its own OAuth client; the CLI calls it at start-up.
     *
     * @throws MissingClientIdException saying how to create a Desktop-app OAuth client
     */
    public static void validate(GmailAccountSpec account) throws MissingClientIdException {
        boolean noId = blank(account.clientId());
        boolean noSecret = blank(account.clientSecret());
        if (noId || noSecret) {
            throw new MissingClientIdException(account, noId && noSecret ? "client_id and client_secret"
                    : noId ? "client_id" : "client_secret");
        }
    }

    /** {@code gmail.modify}, plus the full-mail scope when the token broker serves IMAP/SMTP. */
    public static Set<String> scopesFor(boolean brokerImapSmtp) {
        return brokerImapSmtp ? Set.of(GMAIL_MODIFY_SCOPE, FULL_MAIL_SCOPE) : Set.of(GMAIL_MODIFY_SCOPE);
    }

    @Override
    public String accessToken(boolean forceRefresh) throws IOException, InterruptedException {
        long seen = generation;
        LoginMode mode = syncMode();
        return gate.call(mode == LoginMode.WAIT, () -> {
            // A forced refresh that waited while another thread got a new token uses that one.
            if ((!forceRefresh || generation != seen) && validFor(EXPIRY_MARGIN)) {
                return accessToken;
            }
            renew(mode);
            return accessToken;
        }, this::loginUnderWay);
    }

    /** Refreshes once for all callers Gmail refused {@code rejected} to (single flight). */
    @Override
    public String replaceRejected(String rejected) throws IOException, InterruptedException {
        LoginMode mode = syncMode();
        return gate.replace(mode == LoginMode.WAIT, rejected, () -> validFor(EXPIRY_MARGIN) ? accessToken : null,
                () -> {
                    renew(mode);
                    return accessToken;
                }, this::loginUnderWay);
    }

    /** How the sync's requests meet a needed login: wait for it, or start it in the background. */
    private LoginMode syncMode() {
        return logins.waitsForLogins() ? LoginMode.WAIT : LoginMode.BACKGROUND;
    }

    /**
     * A token with at least {@code minValidity} left (for the token broker), refreshed first
     * when the cached one has less; when a login is needed, it runs and this waits for it.
     *
     * @throws IOException also when even a fresh token lives shorter than {@code minValidity}
     */
    public String accessToken(Duration minValidity) throws IOException, InterruptedException {
        return accessToken(minValidity, true);
    }

    /**
     * For the token broker's refresher: as {@link #accessToken(Duration)}, but a fresh token that
     * lives shorter than {@code minValidity} is returned rather than refused (the broker then
     * works with a fraction of the lifetime the issuer grants); {@link #expiresAt(String)} tells
     * when it expires. Never logs in nor waits for a login: the broker answers at once.
     *
     * @throws AuthenticationRequiredException at once when only a login can give a token, or
     *     while one is running
     */
    public String freshestToken(Duration minValidity) throws IOException, InterruptedException {
        return accessToken(minValidity, false);
    }

    /**
     * When {@code token} expires by this source's clock, if it is the access token held now; null
     * when it is not (another caller replaced it since).
     */
    public Instant expiresAt(String token) {
        Issued i = issued; // no waiting: a login may hold the gate by now
        return i != null && token != null && token.equals(i.token()) ? i.expiresAt() : null;
    }

    /** With {@code refuseShort} (the sync's callers) a login may run; without (the broker) never. */
    private String accessToken(Duration minValidity, boolean refuseShort) throws IOException, InterruptedException {
        Duration wanted = minValidity.compareTo(EXPIRY_MARGIN) < 0 ? EXPIRY_MARGIN : minValidity;
        TokenGate.Call<String> call = () -> {
            if (validFor(wanted)) {
                return accessToken;
            }
            renew(refuseShort ? LoginMode.WAIT : LoginMode.NEVER);
            if (refuseShort && !validFor(minValidity)) {
                throw new IOException("the token endpoint " + account.tokenEndpoint() + " issued an access token for "
                        + account.user() + " valid for " + secondsLeft() + " s, less than the "
                        + minValidity.toSeconds() + " s asked for");
            }
            return accessToken;
        };
        return refuseShort ? gate.call(call) : gate.callUnlessLoggingIn(call, this::loginNeeded);
    }

    private AuthenticationRequiredException loginNeeded() {
        return new AuthenticationRequiredException(account.user() + " has no working saved login, or its login is"
                + " still under way");
    }

    /** The sync's answer while the login runs in the background: the other accounts go on meanwhile. */
    private AuthenticationRequiredException loginUnderWay() {
        return new AuthenticationRequiredException("a login is needed for " + account.user()
                + "; waiting for it in the background (the log says where to log in)");
    }

    /** The background login: refreshes if someone else logged in meanwhile, else logs in and waits. */
    private Void logInNow() throws IOException, InterruptedException {
        return gate.call(() -> {
            if (!validFor(EXPIRY_MARGIN)) {
                renew(LoginMode.WAIT);
            }
            return null;
        });
    }

    /** Callers waiting behind a refresh or login (for tests). */
    int waitingCallers() {
        return gate.waiting();
    }

    private boolean validFor(Duration margin) {
        return accessToken != null && clock.instant().plus(margin).isBefore(expiresAt);
    }

    private long secondsLeft() {
        return Math.max(0, Duration.between(clock.instant(), expiresAt).toSeconds());
    }

    /**
     * Refreshes with the stored refresh token; when there is none that works, logs in as
     * {@code mode} says, else throws {@link AuthenticationRequiredException}.
     */
    private void renew(LoginMode mode) throws IOException, InterruptedException {
        String refresh = store.load(account.key());
        if (refresh != null) {
            Instant asked = clock.instant();
            TokenResponse response = refreshTwice(refresh);
            if (response != null) {
                accept(response, asked);
                log.info("refreshed access token for {}, valid for {} s", account.user(), secondsLeft());
                String rotated = response.getRefreshToken();
                if (rotated != null && !rotated.isEmpty() && !rotated.equals(refresh)) {
                    store.save(account.key(), rotated);
                    log.debug("saved the new refresh token for {}", account.user());
                }
                return;
            }
            store.delete(account.key());
        }
        if (mode == LoginMode.NEVER) {
            throw loginNeeded();
        }
        if (mode == LoginMode.BACKGROUND) {
            logins.startInBackground(account.key(), account.user(), this::logInNow);
            throw loginUnderWay();
        }
        gate.login(() -> {
            login();
            return null;
        });
    }

    /**
     * Refreshes; an {@code invalid_grant} is tried once more (conditional access can answer it
     * transiently). Null when both were refused: the refresh token is expired or revoked.
     */
    private TokenResponse refreshTwice(String refresh) throws IOException {
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

    private void login() throws IOException, InterruptedException {
        String verifier = Pkce.newVerifier();
        String state = LoginServer.newState();
        String challenge = Pkce.challengeS256(verifier);
        LoginCoordinator.Callback callback = logins.login(account.user(), LoginServer.GMAIL_PATH, state,
                redirect -> authorizationUrl(redirect, state, challenge));
        Instant asked = clock.instant();
        AuthorizationCodeTokenRequest request = new AuthorizationCodeTokenRequest(TRANSPORT, JSON, tokenUrl,
                callback.code())
                .setRedirectUri(callback.redirectUri().toASCIIString())
                .set("code_verifier", verifier);
        TokenResponse response;
        try {
            response = execute(request, "exchange the authorization code");
        } catch (TokenResponseException e) {
            if (e.getStatusCode() >= 400 && e.getStatusCode() < 500 && e.getDetails() != null) {
                throw new AuthenticationRequiredException("the token endpoint " + account.tokenEndpoint()
                        + " refused the authorization code for " + account.user() + " (" + describe(e)
                        + "); log in again", e);
            }
            throw failure("exchange the authorization code", e);
        }
        checkGranted(response);
        accept(response, asked);
        String refresh = response.getRefreshToken();
        if (refresh == null || refresh.isEmpty()) {
            log.warn("the login for {} brought no refresh token; another login will be needed in {} s",
                    account.user(), secondsLeft());
        } else {
            store.save(account.key(), refresh);
        }
        log.info("logged in {}; access token valid for {} s", account.user(), secondsLeft());
    }

    /** Google's consent page lets the user untick scopes: without ours, every Gmail call would fail. */
    private void checkGranted(TokenResponse response) throws AuthenticationRequiredException {
        String granted = response.getScope();
        if (granted == null) {
            return;
        }
        Set<String> have = Set.copyOf(Arrays.asList(granted.trim().split("\\s+")));
        List<String> missing = scopes.stream().filter(s -> !have.contains(s)).toList();
        if (!missing.isEmpty()) {
            throw new AuthenticationRequiredException("the login for " + account.user() + " did not grant "
                    + String.join(" ", missing) + "; log in again and allow every access Google's consent page asks"
                    + " for");
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

    private void accept(TokenResponse response, Instant asked) throws IOException {
        String token = response.getAccessToken();
        if (token == null || token.isEmpty()) {
            throw new IOException("the token endpoint " + account.tokenEndpoint() + " answered for " + account.user()
                    + " without an access_token");
        }
        Long expiresIn = response.getExpiresInSeconds();
        accessToken = token;
        long seconds = expiresIn == null ? DEFAULT_LIFETIME_SECONDS : Math.max(0, Math.min(expiresIn, MAX_LIFETIME_SECONDS));
        expiresAt = asked.plusSeconds(seconds);
        issued = new Issued(token, expiresAt);
        generation++;
    }

    URI authorizationUrl(URI redirectUri, String state, String challenge) {
        String endpoint = account.authEndpoint();
        StringBuilder url = new StringBuilder(endpoint).append(endpoint.contains("?") ? '&' : '?');
        param(url, "client_id", account.clientId());
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

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    @Override
    public String toString() {
        return "GoogleAuth[" + account.user() + "]";
    }
}
