package dev.cms.auth;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.microsoft.aad.msal4j.AuthenticationErrorCode;
import com.microsoft.aad.msal4j.AuthenticationResultMetadata;
import com.microsoft.aad.msal4j.AuthorizationCodeParameters;
import com.microsoft.aad.msal4j.AuthorizationRequestUrlParameters;
import com.microsoft.aad.msal4j.DeviceCode;
import com.microsoft.aad.msal4j.DeviceCodeFlowParameters;
import com.microsoft.aad.msal4j.IAccount;
import com.microsoft.aad.msal4j.IAuthenticationResult;
import com.microsoft.aad.msal4j.MsalClientException;
import com.microsoft.aad.msal4j.MsalException;
import com.microsoft.aad.msal4j.MsalInteractionRequiredException;
import com.microsoft.aad.msal4j.MsalServiceException;
import com.microsoft.aad.msal4j.PublicClientApplication;
import com.microsoft.aad.msal4j.RefreshTokenParameters;
import com.microsoft.aad.msal4j.ResponseMode;
import com.microsoft.aad.msal4j.SilentParameters;
import com.microsoft.aad.msal4j.TokenSource;
import dev.cms.auth.TokenCache.Held;
import dev.cms.config.Office365AccountSpec;
import dev.cms.provider.AccessTokenSource;
import dev.cms.provider.AuthenticationRequiredException;
import dev.cms.time.Ticker;
import java.io.IOException;
import java.io.PrintStream;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Access tokens for one Office365 account through MSAL4J, as a public client. MSAL's token
 * cache (refresh token included) is kept encrypted in the {@link TokenStore}; the access tokens
 * handed out are also held in memory, per scope set. When MSAL cannot refresh silently an
 * interactive login runs: authorization code with PKCE through the shared
 * {@link LoginCoordinator}, or the device code flow for headless machines. The sync's requests wait
 * for it, or, in the daemon ({@link LoginCoordinator#logInInBackground()}), start it in the background
 * and fail at once. Callers on several threads share one refresh or login.
 */
public final class Office365Auth implements AccessTokenSource {
    private static final Logger log = LoggerFactory.getLogger(Office365Auth.class);

    /** What the Graph mailbox needs ({@code offline_access}, {@code openid}, {@code profile} are added by MSAL). */
    public static final Set<String> GRAPH_SCOPES = Set.of("https://graph.microsoft.com/Mail.ReadWrite",
            "https://graph.microsoft.com/User.Read");
    /** For the token broker serving SMTP (XOAUTH2). */
    public static final Set<String> SMTP_SCOPES = Set.of("https://outlook.office.com/SMTP.Send");
    /** For the token broker serving IMAP (XOAUTH2). */
    public static final Set<String> IMAP_SCOPES = Set.of("https://outlook.office.com/IMAP.AccessAsUser.All");

    private static final int CONNECT_TIMEOUT_MS = 20_000;
    private static final int READ_TIMEOUT_MS = 30_000;
    /** MSAL reckons expiry by the system clock; its answers are translated to the cache's clock through this. */
    private static final Clock MSAL_CLOCK = Clock.systemUTC();
    /**
     * MSAL runs its calls on this pool rather than the common fork-join pool, which has one thread
     * on a two-core machine: a device code login polling there would stall every other account.
     */
    private static final ExecutorService MSAL_THREADS = Executors.newCachedThreadPool(new MsalThreads());

    private final Office365AccountSpec account;
    private final String label;
    private final String authority;
    private final LoginCoordinator logins;
    private final PrintStream console;
    private final boolean deviceCode;
    private final MsalCachePersistence cache;
    private final PublicClientApplication app;
    /** The tokens in memory, per scope set, and the one refresh or login at a time. */
    private final CachingTokenSource tokens;
    private final TokenCache<Set<String>> held;
    /** The account of the last interactive login, for a cache holding several. Guarded by the token gate. */
    private String loggedInHomeId;

    /**
     * @param console where the device code message is printed (the daemon's terminal)
     * @param forceDeviceCode log in by device code even when the account does not ask for it
     *     ({@code --device-code} on a headless machine)
     * @throws MissingClientIdException when the account has no {@code client_id}
     * @throws IllegalArgumentException when the authority is not an absolute https URL
     */
    public Office365Auth(Office365AccountSpec account, TokenStore store, LoginCoordinator logins, Ticker ticker,
                         PrintStream console, boolean forceDeviceCode) throws MissingClientIdException {
        validate(account);
        this.account = account;
        this.label = label(account);
        this.logins = Objects.requireNonNull(logins, "logins");
        this.console = Objects.requireNonNull(console, "console");
        this.deviceCode = account.deviceCode() || forceDeviceCode;
        String host = authorityHost(account);
        String tenant = account.tenant() == null || account.tenant().isBlank()
                ? Office365AccountSpec.DEFAULT_TENANT : account.tenant().trim();
        this.authority = host + "/" + tenant + "/";
        this.cache = new MsalCachePersistence(store, account.key() + ":msal", label);
        this.app = buildApp(account.clientId().trim(), host);
        this.held = new TokenCache<>(Objects.requireNonNull(ticker, "ticker"));
        this.tokens = new CachingTokenSource(held, logins, account.key(), GRAPH_SCOPES,
                "the identity platform at " + authority, label);
        tokens.issuer(this::renew);
    }

    /**
     * Checks that {@code account} names its own app registration; the CLI calls it at start-up.
     *
     * @throws MissingClientIdException saying how to register a public client in Microsoft Entra ID
     */
    public static void validate(Office365AccountSpec account) throws MissingClientIdException {
        if (account.clientId() == null || account.clientId().isBlank()) {
            throw new MissingClientIdException(missingClientIdMessage(account));
        }
    }

    /** A Graph token, with {@code forceRefresh} replacing the held one (Graph answered 401 to it). */
    @Override
    public String accessToken(boolean forceRefresh) throws IOException, InterruptedException {
        return tokens.accessToken(forceRefresh);
    }

    /** Refreshes once for all callers Graph refused {@code rejected} to (single flight). */
    @Override
    public String replaceRejected(String rejected) throws IOException, InterruptedException {
        return tokens.replaceRejected(rejected);
    }

    /**
     * A Graph token with at least {@code minValidity} left; when a login is needed, it runs and
     * this waits for it.
     *
     * @throws IOException also when even a fresh token lives shorter than {@code minValidity}
     */
    public String accessToken(Duration minValidity) throws IOException, InterruptedException {
        return accessToken(GRAPH_SCOPES, minValidity);
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
    public Instant expiresAt(Set<String> scopes, String token) {
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
        IAccount cached = cachedAccount();
        if (cached != null) {
            IAuthenticationResult result = silently(scopes, cached, force);
            Held h = result == null ? null : accept(scopes, result);
            if (h != null && !force && !held.validFor(h, wanted)) {
                // MSAL's cache hands out tokens with 5 minutes left, and one we already judged too short.
                result = silently(scopes, cached, true);
                h = result == null ? null : accept(scopes, result);
            }
            if (h != null) {
                if (fromCache(result)) {
                    log.debug("using the cached Office365 token for {}, valid for {} s", label, held.secondsLeft(h));
                } else {
                    log.info("refreshed Office365 token for {}, valid for {} s", label, held.secondsLeft(h));
                }
                checkStore("save"); // after accept: a failing store costs an exception, not the token
                return h;
            }
        }
        return tokens.loginAs(mode, scopes, wanted, () -> login(scopes));
    }

    /** The cached account this instance serves, or null when a login is needed. */
    private IAccount cachedAccount() throws IOException, InterruptedException {
        Set<IAccount> accounts;
        try {
            accounts = await(app.getAccounts());
        } catch (MsalException e) {
            throw failure("read the Office365 token cache", e);
        }
        checkStore("read");
        String user = account.user();
        for (IAccount a : accounts) {
            if (user != null ? user.equalsIgnoreCase(a.username()) : a.homeAccountId().equals(loggedInHomeId)) {
                return a;
            }
        }
        return user == null && accounts.size() == 1 ? accounts.iterator().next() : null;
    }

    /**
     * MSAL's silent call; an {@code invalid_grant} is tried once more (conditional access can
     * answer it transiently). Null when only a login can help.
     */
    private IAuthenticationResult silently(Set<String> scopes, IAccount cached, boolean force)
            throws IOException, InterruptedException {
        // The authority again: the cached account forgets a non-default port.
        SilentParameters parameters = SilentParameters.builder(scopes, cached).authorityUrl(authority)
                .forceRefresh(force).build();
        try {
            return await(app.acquireTokenSilently(parameters));
        } catch (MsalInteractionRequiredException e) {
            if (!AuthenticationErrorCode.INVALID_GRANT.equals(e.errorCode())) {
                log.info("Office365 needs a new login for {} ({})", label, describe(e));
                return null;
            }
            log.info("the identity platform refused the refresh token for {} ({}); trying once more", label,
                    describe(e));
            return refreshAgain(scopes, cached);
        } catch (MsalClientException e) {
            if (AuthenticationErrorCode.CACHE_MISS.equals(e.errorCode())) {
                log.info("no usable Office365 refresh token for {}; a login is needed", label);
                return null;
            }
            throw failure("refresh the Office365 token", e);
        } catch (MsalException e) {
            throw failure("refresh the Office365 token", e);
        }
    }

    /**
     * The second try of a refused refresh. MSAL remembers a refused silent refresh for two
     * minutes and answers a repeat from that memory, so the retry redeems the cached refresh
     * token directly: a request MSAL has not seen.
     */
    private IAuthenticationResult refreshAgain(Set<String> scopes, IAccount cached)
            throws IOException, InterruptedException {
        String refreshToken = refreshTokenOf(cached);
        if (refreshToken == null) {
            return null;
        }
        try {
            return await(app.acquireToken(RefreshTokenParameters.builder(scopes, refreshToken).build()));
        } catch (MsalInteractionRequiredException e) {
            log.warn("the refresh token for {} was refused again ({}): it has expired or was revoked;"
                    + " a new login is needed", label, describe(e));
            return null;
        } catch (MsalException e) {
            throw failure("refresh the Office365 token", e);
        }
    }

    /** The refresh token MSAL keeps for {@code cached}, from its serialized cache; null when none. */
    private String refreshTokenOf(IAccount cached) {
        try {
            JsonElement root = JsonParser.parseString(app.tokenCache().serialize());
            JsonElement tokens = root.isJsonObject() ? root.getAsJsonObject().get("RefreshToken") : null;
            if (tokens == null || !tokens.isJsonObject()) {
                return null;
            }
            for (Map.Entry<String, JsonElement> entry : tokens.getAsJsonObject().entrySet()) {
                if (!entry.getValue().isJsonObject()) {
                    continue;
                }
                JsonObject rt = entry.getValue().getAsJsonObject();
                if (cached.homeAccountId().equals(string(rt, "home_account_id"))
                        && app.clientId().equals(string(rt, "client_id")) && string(rt, "secret") != null) {
                    return string(rt, "secret");
                }
            }
        } catch (JsonParseException | IllegalStateException e) {
            log.debug("MSAL's token cache for {} could not be read for a retry: {}", label, e.getClass().getSimpleName());
        }
        return null;
    }

    private static String string(JsonObject o, String name) {
        JsonElement e = o.get(name);
        return e != null && e.isJsonPrimitive() ? e.getAsString() : null;
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
        checkStore("save");
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
            return await(app.acquireToken(parameters));
        } catch (MsalServiceException e) {
            Integer status = e.statusCode();
            if (status != null && status >= 400 && status < 500 && !badClient(e)) {
                throw new AuthenticationRequiredException("the identity platform at " + authority
                        + " refused the authorization code for " + label + " (" + describe(e) + "); log in again", e);
            }
            throw failure("exchange the authorization code", e);
        } catch (MsalException e) {
            throw failure("exchange the authorization code", e);
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
            return await(polling);
        } catch (java.util.concurrent.CancellationException e) {
            throw LoginCoordinator.stopping(label);
        } catch (MsalException e) {
            String code = e.errorCode() == null ? "" : e.errorCode();
            boolean refused = e instanceof MsalInteractionRequiredException
                    || Set.of(AuthenticationErrorCode.CODE_EXPIRED, "expired_token", "authorization_declined",
                            "bad_verification_code", AuthenticationErrorCode.INVALID_GRANT).contains(code);
            if (refused) {
                throw new AuthenticationRequiredException("the device code login for " + label + " did not complete ("
                        + describe(e) + "); log in again", e);
            }
            throw failure("log in by device code", e);
        }
    }

    /** Removes an account that is not the configured one from MSAL's cache. */
    private void forget(IAccount other) throws IOException, InterruptedException {
        try {
            await(app.removeAccount(other));
        } catch (MsalException e) {
            log.debug("could not remove {} from the Office365 token cache: {}", other.username(), describe(e));
        }
        checkStore("save");
    }

    // ---- results and errors -----------------------------------------------------------------

    private Held accept(Set<String> scopes, IAuthenticationResult result) throws IOException {
        String token = result.accessToken();
        if (token == null || token.isEmpty()) {
            throw new IOException("the identity platform at " + authority + " answered for " + label
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

    /** Rethrows a token store failure MSAL's cache hooks ran into. */
    private void checkStore(String what) throws IOException {
        IOException e = cache.takeFailure();
        if (e != null) {
            throw new IOException("could not " + what + " the Office365 login of " + label + " in the token store: "
                    + e.getMessage(), e);
        }
    }

    /** Waits for MSAL; its exceptions come back unwrapped. */
    private static <T> T await(CompletableFuture<T> future) throws IOException, InterruptedException {
        try {
            return future.get();
        } catch (InterruptedException e) {
            future.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            while (cause instanceof CompletionException && cause.getCause() != null) {
                cause = cause.getCause();
            }
            if (cause instanceof MsalException m) {
                throw m;
            }
            throw new IOException("MSAL failed: " + (cause == null ? e : cause).getClass().getSimpleName(),
                    cause == null ? e : cause);
        }
    }

    /** A transient or unexpected failure: an IOException that leaves MSAL's cache alone. */
    private IOException failure(String what, MsalException e) {
        String hint = badClient(e) ? "; check client_id of " + spec() + " and that its app registration allows"
                + " public client flows" : "";
        return new IOException("could not " + what + " for " + label + " at " + authority + ": " + describe(e) + hint,
                e);
    }

    private static boolean badClient(MsalException e) {
        return "invalid_client".equals(e.errorCode()) || "unauthorized_client".equals(e.errorCode());
    }

    /** Status, error code and MSAL's message, made printable: never a token (MSAL puts none there). */
    private static String describe(MsalException e) {
        StringBuilder s = new StringBuilder();
        if (e instanceof MsalServiceException service && service.statusCode() != null && service.statusCode() > 0) {
            s.append("HTTP ").append(service.statusCode()).append(' ');
        }
        s.append(e.errorCode() == null ? e.getClass().getSimpleName() : LoginServer.sanitise(e.errorCode(), 100));
        String message = e.getMessage();
        if (message != null && !message.isBlank()) {
            s.append(": ").append(LoginServer.sanitise(message, 300));
        }
        return s.toString();
    }

    // ---- construction -----------------------------------------------------------------------

    private PublicClientApplication buildApp(String clientId, String host) {
        try {
            PublicClientApplication.Builder builder = PublicClientApplication.builder(clientId)
                    .authority(authority)
                    .setTokenCacheAccessAspect(cache)
                    .executorService(MSAL_THREADS)
                    .connectTimeoutForDefaultHttpClient(CONNECT_TIMEOUT_MS)
                    .readTimeoutForDefaultHttpClient(READ_TIMEOUT_MS)
                    .sslSocketFactory(SSLContext.getDefault().getSocketFactory())
                    .logPii(false);
            if (!host.equalsIgnoreCase(Office365AccountSpec.DEFAULT_AUTHORITY_HOST)) {
                // Else MSAL first asks login.microsoftonline.com about this host.
                builder.instanceDiscovery(false);
            }
            return builder.build();
        } catch (MalformedURLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("authority " + authority + " of " + spec() + " is not usable: "
                    + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no default TLS context", e);
        }
    }

    private static String authorityHost(Office365AccountSpec account) {
        String host = account.authorityHost() == null || account.authorityHost().isBlank()
                ? Office365AccountSpec.DEFAULT_AUTHORITY_HOST : account.authorityHost().trim();
        while (host.endsWith("/")) {
            host = host.substring(0, host.length() - 1);
        }
        URI uri;
        try {
            uri = new URI(host);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("authority_host of " + spec(account) + " is not a URL: " + host, e);
        }
        if (!"https".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException("authority_host of " + spec(account)
                    + " is not an absolute https URL (MSAL4J insists on https): " + host);
        }
        return host;
    }

    private static String label(Office365AccountSpec account) {
        return account.user() != null && !account.user().isBlank() ? account.user() : spec(account);
    }

    private String spec() {
        return spec(account);
    }

    private static String spec(Office365AccountSpec account) {
        return account.user() != null ? "Office365_Account(user=\"" + account.user() + "\")"
                : "Office365_Account(tenant=\"" + account.tenant() + "\")";
    }

    static String missingClientIdMessage(Office365AccountSpec account) {
        String where = account.pos() == null ? "" : account.pos() + ": ";
        String user = account.user() == null ? "you@example.com" : account.user();
        return where + spec(account) + " has no client_id.\n"
                + "Office365 needs an app registration of your own (a public client). To create one:\n"
                + "  1. Open the Azure portal (https://portal.azure.com/) -> Microsoft Entra ID -> App registrations"
                + " -> New registration.\n"
                + "  2. Name it (e.g. cloud-mdir-sync); under Redirect URI pick the platform \"Mobile and desktop"
                + " applications\" and enter http://localhost:8080/oauth2/msal (8080 being cfg.web_port: use yours"
                + " if you changed it).\n"
                + "  3. Authentication: set \"Allow public client flows\" to Yes (needed for the device code login).\n"
                + "  4. API permissions -> Add a permission -> Microsoft Graph -> Delegated permissions:"
                + " Mail.ReadWrite, User.Read, offline_access. For the token broker also add Office 365 Exchange"
                + " Online (APIs my organization uses) -> Delegated: SMTP.Send and/or IMAP.AccessAsUser.All."
                + " Your tenant administrator may have to grant consent.\n"
                + "  5. Copy the Application (client) ID from the Overview page into the configuration:\n"
                + "       Office365_Account(user=\"" + user + "\", client_id=\"00000000-0000-0000-0000-000000000000\")";
    }

    @Override
    public String toString() {
        return "Office365Auth[" + label + "]";
    }

    private static final class MsalThreads implements ThreadFactory {
        private final AtomicInteger count = new AtomicInteger();

        @Override
        public Thread newThread(Runnable r) {
            Thread t = new Thread(r, "msal-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        }
    }
}
