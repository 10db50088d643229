package dev.cms.auth;

import com.microsoft.aad.msal4j.AuthenticationErrorCode;
import com.microsoft.aad.msal4j.AuthenticationResultMetadata;
import com.microsoft.aad.msal4j.AuthorizationCodeParameters;
import com.microsoft.aad.msal4j.AuthorizationRequestUrlParameters;
import com.microsoft.aad.msal4j.DeviceCode;
import com.microsoft.aad.msal4j.DeviceCodeFlowParameters;
import com.microsoft.aad.msal4j.IAccount;
import com.microsoft.aad.msal4j.IAuthenticationResult;
import com.microsoft.aad.msal4j.MsalException;
import com.microsoft.aad.msal4j.MsalInteractionRequiredException;
import com.microsoft.aad.msal4j.MsalServiceException;
import com.microsoft.aad.msal4j.PublicClientApplication;
import com.microsoft.aad.msal4j.ResponseMode;
import com.microsoft.aad.msal4j.TokenSource;
import dev.cms.auth.TokenCache.Held;
import dev.cms.provider.AuthenticationRequiredException;
import dev.cms.time.Ticker;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.jspecify.annotations.Nullable;

/**
 * Access tokens for one Office365 account through MSAL4J, as a public client. MSAL's token
 * cache (refresh token included) is kept encrypted in the {@link TokenStore}; the access tokens
 * handed out are also held in memory, per scope set. When MSAL cannot refresh silently an
 * interactive login runs: authorization code with PKCE through the shared
 * {@link LoginCoordinator}, or the device code flow for headless machines. The sync's requests wait
 * for it, or, in the daemon ({@link LoginCoordinator#logInInBackground()}), start it in the background
 * and fail at once. Callers on several threads share one refresh or login.
 */
public final class Office365Auth implements CachedAccessTokens {
    private static final Logger log = LoggerFactory.getLogger(Office365Auth.class);

    /** What the Graph mailbox needs ({@code offline_access}, {@code openid}, {@code profile} are added by MSAL). */
    public static final Set<String> GRAPH_SCOPES = Set.of("https://graph.microsoft.com/Mail.ReadWrite",
            "https://graph.microsoft.com/User.Read");
    /** Asked for too, at login and in every Graph token, when the account sends mail (an {@code Outbox(...)}). */
    public static final String MAIL_SEND_SCOPE = "https://graph.microsoft.com/Mail.Send";
    /** For the token broker serving SMTP (XOAUTH2). */
    public static final Set<String> SMTP_SCOPES = Set.of("https://outlook.office.com/SMTP.Send");
    /** For the token broker serving IMAP (XOAUTH2). */
    public static final Set<String> IMAP_SCOPES = Set.of("https://outlook.office.com/IMAP.AccessAsUser.All");

    /** MSAL reckons expiry by the system clock; its answers are translated to the cache's clock through this. */
    private static final Clock MSAL_CLOCK = Clock.systemUTC();

    private final Office365AuthOptions account;
    private final String label;
    private final LoginCoordinator logins;
    private final PrintStream console;
    private final boolean deviceCode;
    private final MsalClient msal;
    /** {@link #GRAPH_SCOPES}, with {@link #MAIL_SEND_SCOPE} for an account that sends. */
    private final Set<String> graphScopes;
    private final PublicClientApplication app;
    /** The tokens in memory, per scope set, and the one refresh or login at a time. */
    private final CachingTokenSource tokens;
    private final TokenCache<Set<String>> held;
    /** The account of the last interactive login, for a cache holding several. Guarded by the token gate. */
    private @Nullable String loggedInHomeId;

    /**
     * @param console where the device code message is printed (the daemon's terminal)
     * @param forceDeviceCode log in by device code even when the account does not ask for it
     *     ({@code --device-code} on a headless machine)
     * @throws MissingClientIdException when the account has no {@code client_id}
     * @throws IllegalArgumentException when the authority is not an absolute https URL
     */
    public Office365Auth(Office365AuthOptions account, TokenStore store, LoginCoordinator logins, Ticker ticker,
                         PrintStream console, boolean forceDeviceCode) throws MissingClientIdException {
        this(account, store, logins, ticker, console, forceDeviceCode, false);
    }

    /**
     * As above; with {@code sends}, the Graph tokens and the login also ask for
     * {@link #MAIL_SEND_SCOPE}, and a saved login that cannot give it asks for a new login.
     */
    public Office365Auth(Office365AuthOptions account, TokenStore store, LoginCoordinator logins, Ticker ticker,
                         PrintStream console, boolean forceDeviceCode, boolean sends) throws MissingClientIdException {
        validate(account);
        Set<String> scopes = new java.util.HashSet<>(GRAPH_SCOPES);
        if (sends) {
            scopes.add(MAIL_SEND_SCOPE);
        }
        this.graphScopes = Set.copyOf(scopes);
        this.account = account;
        this.logins = Objects.requireNonNull(logins, "logins");
        this.console = Objects.requireNonNull(console, "console");
        this.deviceCode = account.deviceCode() || forceDeviceCode;
        this.msal = new MsalClient(account, store);
        this.label = msal.label();
        this.app = msal.app();
        this.held = new TokenCache<>(Objects.requireNonNull(ticker, "ticker"));
        this.tokens = new CachingTokenSource(held, logins, account.key(), graphScopes,
                "the identity platform at " + msal.authority(), label);
        tokens.issuer(this::renew);
    }

    /**
     * Checks that {@code account} names its own app registration; the CLI calls it at start-up.
     *
     * @throws MissingClientIdException saying how to register a public client in Microsoft Entra ID
     */
    public static void validate(Office365AuthOptions account) throws MissingClientIdException {
        if (account.clientId() == null || account.clientId().isBlank()) {
            throw new MissingClientIdException(MsalClient.missingClientIdMessage(account));
        }
    }

    @Override
    public CachingTokenSource tokens() {
        return tokens;
    }

    /**
     * A Graph token with at least {@code minValidity} left; when a login is needed, it runs and
     * this waits for it.
     *
     * @throws IOException also when even a fresh token lives shorter than {@code minValidity}
     */
    public String accessToken(Duration minValidity) throws IOException, InterruptedException {
        return accessToken(graphScopes, minValidity);
    }

    /**
     * A token for {@code scopes} (for the token broker: {@link #SMTP_SCOPES}, {@link #IMAP_SCOPES})
     * with at least {@code minValidity} left. After a Graph login MSAL gets these silently with the
     * same refresh token; when the tenant wants consent first, an interactive login asks for them,
     * and this waits for it.
     *
     * @throws IOException also when even a fresh token lives shorter than {@code minValidity}
     */
    public String accessToken(Set<String> scopes, Duration minValidity) throws IOException, InterruptedException {
        return tokens.token(scopes, minValidity, true);
    }

    /**
     * For the token broker's refresher: as {@link #accessToken(Set, Duration)}, but a fresh token
     * that lives shorter than {@code minValidity} is returned rather than refused;
     * {@link #expiresAt(Set, String)} tells when it expires. Never logs in nor waits for a login:
     * the broker answers at once.
     *
     * @throws AuthenticationRequiredException at once when only a login can give a token, or
     *     while one is running
     */
    public String freshestToken(Set<String> scopes, Duration minValidity) throws IOException, InterruptedException {
        return tokens.token(scopes, minValidity, false);
    }

    /**
     * When {@code token} expires by this source's clock, if it is the token held now for
     * {@code scopes}; null when it is not (another caller replaced it since).
     */
    public @Nullable Instant expiresAt(Set<String> scopes, String token) {
        return tokens.expiresAt(scopes, token); // no waiting: a login may hold the gate by now
    }

    /** Callers waiting behind a refresh or login (for tests). */
    int waitingCallers() {
        return tokens.waiting();
    }

    // ---- refresh and login ---------------------------------------------------------------------

    /**
     * Silently from MSAL's cache or refresh token; when that cannot work, a login as {@code mode}
     * says, else {@link AuthenticationRequiredException}.
     */
    private Held renew(Set<String> scopes, Duration wanted, boolean force, LoginMode mode)
            throws IOException, InterruptedException {
        IAccount cached = msal.cachedAccount(loggedInHomeId);
        if (cached != null) {
            IAuthenticationResult result = msal.silently(scopes, cached, force);
            Held h = result == null ? null : accept(scopes, result);
            if (h != null && !force && !held.validFor(h, wanted)) {
                // MSAL's cache hands out tokens with 5 minutes left, and one we already judged too short.
                result = msal.silently(scopes, cached, true);
                h = result == null ? null : accept(scopes, result);
            }
            if (h != null) {
                if (fromCache(Objects.requireNonNull(result, "h came from it"))) {
                    log.debug("using the cached Office365 token for {}, valid for {} s", label, held.secondsLeft(h));
                } else {
                    log.info("refreshed Office365 token for {}, valid for {} s", label, held.secondsLeft(h));
                }
                msal.checkStore("save"); // after accept: a failing store costs an exception, not the token
                return h;
            }
            if (scopes.contains(MAIL_SEND_SCOPE)) {
                log.warn("the saved login of {} gives no token that may send mail (Graph permission Mail.Send,"
                        + " which Outbox(...) needs and a login made before sending was set up did not ask for):"
                        + " a new login is needed", label);
            }
        }
        return tokens.loginAs(mode, scopes, wanted, () -> login(scopes));
    }

    private Held login(Set<String> scopes) throws IOException, InterruptedException {
        IAuthenticationResult result = deviceCode ? deviceCodeLogin(scopes) : browserLogin(scopes);
        IAccount signedIn = result.account();
        if (signedIn != null) {
            String user = account.user();
            if (user != null && !user.equalsIgnoreCase(signedIn.username())) {
                forget(signedIn);
                throw new AuthenticationRequiredException("the login for " + label + " signed in as "
                        + signedIn.username() + "; log in again as " + user);
            }
            loggedInHomeId = signedIn.homeAccountId();
        }
        Held h = accept(scopes, result);
        log.info("logged in {} to Office365; token valid for {} s", label, held.secondsLeft(h));
        msal.checkStore("save");
        return h;
    }

    private IAuthenticationResult browserLogin(Set<String> scopes) throws IOException, InterruptedException {
        String verifier = Pkce.newVerifier();
        String state = LoginServer.newState();
        String challenge = Pkce.challengeS256(verifier);
        LoginCoordinator.Callback callback = logins.login(label, LoginServer.MSAL_PATH, state,
                redirect -> authorizationUrl(redirect, scopes, state, challenge));
        AuthorizationCodeParameters parameters = AuthorizationCodeParameters
                .builder(callback.code(), callback.redirectUri())
                .scopes(scopes)
                .codeVerifier(verifier)
                .build();
        try {
            return MsalClient.await(app.acquireToken(parameters));
        } catch (MsalServiceException e) {
            Integer status = e.statusCode();
            if (status != null && status >= 400 && status < 500 && !MsalClient.badClient(e)) {
                throw new AuthenticationRequiredException("the identity platform at " + msal.authority()
                        + " refused the authorization code for " + label + " (" + MsalClient.describe(e) + "); log in again", e);
            }
            throw msal.failure("exchange the authorization code", e);
        } catch (MsalException e) {
            throw msal.failure("exchange the authorization code", e);
        }
    }

    /**
     * The authorization URL for the login page. {@code response_mode=query}: the redirect comes
     * back as a GET (MSAL4J 1.2x turns this into {@code form_post}; the login page takes both).
     */
    URI authorizationUrl(URI redirectUri, Set<String> scopes, String state, String challenge) {
        AuthorizationRequestUrlParameters.Builder parameters = AuthorizationRequestUrlParameters
                .builder(redirectUri.toASCIIString(), scopes)
                .state(state)
                .codeChallenge(challenge)
                .codeChallengeMethod("S256")
                .responseMode(ResponseMode.QUERY);
        if (account.user() != null && !account.user().isBlank()) {
            parameters.loginHint(account.user());
        }
        URL url = app.getAuthorizationRequestUrl(parameters.build());
        try {
            return url.toURI();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("MSAL built an authorization URL that is not a URI for " + label, e);
        }
    }

    private IAuthenticationResult deviceCodeLogin(Set<String> scopes) throws IOException, InterruptedException {
        if (!logins.interactive()) {
            throw new AuthenticationRequiredException("a login is needed for " + label
                    + "; run cloud-mdir-sync in a terminal to log in (by device code)");
        }
        Consumer<DeviceCode> show = code -> {
            console.println(code.message());
            console.flush();
            log.warn("login needed for {}: {}", label, LoginServer.sanitise(code.message(), 500));
        };
        CompletableFuture<IAuthenticationResult> polling = app.acquireToken(
                DeviceCodeFlowParameters.builder(scopes, show).build());
        // The daemon's stop ends the wait for the user at once.
        try (LoginCoordinator.Registration unregister = logins.onClose(() -> polling.cancel(true))) {
            return MsalClient.await(polling);
        } catch (java.util.concurrent.CancellationException e) {
            throw LoginCoordinator.stopping(label);
        } catch (MsalException e) {
            String code = e.errorCode() == null ? "" : e.errorCode();
            boolean refused = e instanceof MsalInteractionRequiredException
                    || Set.of(AuthenticationErrorCode.CODE_EXPIRED, "expired_token", "authorization_declined",
                            "bad_verification_code", AuthenticationErrorCode.INVALID_GRANT).contains(code);
            if (refused) {
                throw new AuthenticationRequiredException("the device code login for " + label + " did not complete ("
                        + MsalClient.describe(e) + "); log in again", e);
            }
            throw msal.failure("log in by device code", e);
        }
    }

    /** Removes an account that is not the configured one from MSAL's cache. */
    private void forget(IAccount other) throws IOException, InterruptedException {
        try {
            MsalClient.await(app.removeAccount(other));
        } catch (MsalException e) {
            log.debug("could not remove {} from the Office365 token cache: {}", other.username(), MsalClient.describe(e));
        }
        msal.checkStore("save");
    }

    // ---- results and errors -----------------------------------------------------------------

    private Held accept(Set<String> scopes, IAuthenticationResult result) throws IOException {
        String token = result.accessToken();
        if (token == null || token.isEmpty()) {
            throw new IOException("the identity platform at " + msal.authority() + " answered for " + label
                    + " without an access token");
        }
        Date expiresOn = result.expiresOnDate();
        Long seconds = expiresOn == null ? null
                : Duration.between(MSAL_CLOCK.instant(), expiresOn.toInstant()).toSeconds();
        Instant expiresAt = TokenCache.expiry(held.now(), seconds);
        Held previous = held.get(scopes);
        if (previous != null && previous.token().equals(token) && previous.expiresAt().isBefore(expiresAt)) {
            expiresAt = previous.expiresAt(); // MSAL's clock is not ours: what we knew of this token stands
        }
        return held.put(scopes, token, expiresAt);
    }

    private static boolean fromCache(IAuthenticationResult result) {
        AuthenticationResultMetadata metadata = result.metadata();
        return metadata != null && metadata.tokenSource() == TokenSource.CACHE;
    }

    // ---- construction -----------------------------------------------------------------------

    @Override
    public String toString() {
        return "Office365Auth[" + label + "]";
    }

}
