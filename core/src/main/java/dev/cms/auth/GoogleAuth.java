package dev.cms.auth;

import com.google.api.client.auth.oauth2.TokenResponse;
import dev.cms.auth.TokenCache.Held;
import dev.cms.provider.AuthenticationRequiredException;
import dev.cms.time.Ticker;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.jspecify.annotations.Nullable;

/**
 * Access tokens for one Gmail account, from Google's OAuth2 endpoints ({@link GoogleTokenEndpoint}).
 * The access token lives in memory only ({@link CachingTokenSource}, which also makes callers on
 * several threads share one refresh or login); the refresh token is kept in the
 * {@link TokenStore}. When there is no usable refresh token an interactive loopback login with
 * PKCE runs through the shared {@link LoginCoordinator}: the sync's requests wait for it, or, in
 * the daemon ({@link LoginCoordinator#logInInBackground()}), start it in the background and fail
 * at once.
 */
public final class GoogleAuth implements CachedAccessTokens {
    private static final Logger log = LoggerFactory.getLogger(GoogleAuth.class);

    public static final String GMAIL_MODIFY_SCOPE = "https://www.googleapis.com/auth/gmail.modify";
    /** Needed for IMAP and SMTP (XOAUTH2) when the token broker serves them. */
    public static final String FULL_MAIL_SCOPE = "https://mail.google.com/";

    private final GoogleAuthOptions account;
    /** In a stable order, for the URL. */
    private final List<String> scopes;
    /** The one token of the account serves every caller: its key in the cache. */
    private final Set<String> scopeKey;
    private final TokenStore store;
    private final LoginCoordinator logins;
    private final GoogleTokenEndpoint endpoint;
    private final CachingTokenSource tokens;

    /**
     * @param scopes from {@link #scopesFor(boolean)}
     * @param ticker the wall clock token lifetimes are reckoned on
     * @throws MissingClientIdException when the account has no {@code client_id} or {@code client_secret}
     * @throws IllegalArgumentException when an endpoint is not an absolute http(s) URL
     */
    public GoogleAuth(GoogleAuthOptions account, Set<String> scopes, TokenStore store, LoginCoordinator logins,
                      Ticker ticker) throws MissingClientIdException {
        validate(account);
        if (scopes.isEmpty()) {
            throw new IllegalArgumentException("no OAuth scopes for " + account.user());
        }
        this.account = account;
        this.scopes = List.copyOf(new TreeSet<>(scopes));
        this.scopeKey = Set.copyOf(scopes);
        this.store = Objects.requireNonNull(store, "store");
        this.logins = Objects.requireNonNull(logins, "logins");
        this.endpoint = new GoogleTokenEndpoint(account);
        this.tokens = new CachingTokenSource(new TokenCache<>(Objects.requireNonNull(ticker, "ticker")), logins,
                account.key(), scopeKey, endpoint.name(), account.user());
        tokens.issuer((s, wanted, force, mode) -> renew(wanted, mode));
    }

    /**
     * Checks that {@code account} names its own OAuth client; the CLI calls it at start-up.
     *
     * @throws MissingClientIdException saying how to create a Desktop-app OAuth client
     */
    public static void validate(GoogleAuthOptions account) throws MissingClientIdException {
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
    public CachingTokenSource tokens() {
        return tokens;
    }

    /**
     * A token with at least {@code minValidity} left (for the token broker), refreshed first
     * when the cached one has less; when a login is needed, it runs and this waits for it.
     *
     * @throws IOException also when even a fresh token lives shorter than {@code minValidity}
     */
    public String accessToken(Duration minValidity) throws IOException, InterruptedException {
        return tokens.token(scopeKey, minValidity, true);
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
        return tokens.token(scopeKey, minValidity, false);
    }

    /**
     * When {@code token} expires by this source's clock, if it is the access token held now; null
     * when it is not (another caller replaced it since).
     */
    public @Nullable Instant expiresAt(String token) {
        return tokens.expiresAt(scopeKey, token);
    }

    /** Callers waiting behind a refresh or login (for tests). */
    int waitingCallers() {
        return tokens.waiting();
    }

    /**
     * Refreshes with the stored refresh token; when there is none that works, logs in as
     * {@code mode} says, else throws {@link AuthenticationRequiredException}.
     */
    private Held renew(Duration wanted, LoginMode mode) throws IOException, InterruptedException {
        String refresh = store.load(account.key());
        if (refresh != null) {
            Instant asked = tokens.cache().now();
            TokenResponse response = endpoint.refreshTwice(refresh);
            if (response != null) {
                Held h = accept(response, asked);
                log.info("refreshed access token for {}, valid for {} s", account.user(), tokens.cache().secondsLeft(h));
                String rotated = response.getRefreshToken();
                if (rotated != null && !rotated.isEmpty() && !rotated.equals(refresh)) {
                    store.save(account.key(), rotated);
                    log.debug("saved the new refresh token for {}", account.user());
                }
                return h;
            }
            store.delete(account.key());
        }
        return tokens.loginAs(mode, scopeKey, wanted, this::login);
    }

    private Held login() throws IOException, InterruptedException {
        String verifier = Pkce.newVerifier();
        String state = LoginServer.newState();
        String challenge = Pkce.challengeS256(verifier);
        LoginCoordinator.Callback callback = logins.login(account.user(), LoginServer.GMAIL_PATH, state,
                redirect -> authorizationUrl(redirect, state, challenge));
        Instant asked = tokens.cache().now();
        TokenResponse response = endpoint.exchange(callback, verifier);
        checkGranted(response);
        Held h = accept(response, asked);
        long left = tokens.cache().secondsLeft(h);
        String refresh = response.getRefreshToken();
        if (refresh == null || refresh.isEmpty()) {
            log.warn("the login for {} brought no refresh token; another login will be needed in {} s",
                    account.user(), left);
        } else {
            store.save(account.key(), refresh);
        }
        log.info("logged in {}; access token valid for {} s", account.user(), left);
        return h;
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

    private Held accept(TokenResponse response, Instant asked) throws IOException {
        String token = response.getAccessToken();
        if (token == null || token.isEmpty()) {
            throw new IOException(endpoint.name() + " answered for " + account.user() + " without an access_token");
        }
        return tokens.cache().put(scopeKey, token, TokenCache.expiry(asked, response.getExpiresInSeconds()));
    }

    URI authorizationUrl(URI redirectUri, String state, String challenge) {
        return endpoint.authorizationUrl(redirectUri, scopes, state, challenge);
    }

    private static boolean blank(@Nullable String s) {
        return s == null || s.isBlank();
    }

    @Override
    public String toString() {
        return "GoogleAuth[" + account.user() + "]";
    }
}
