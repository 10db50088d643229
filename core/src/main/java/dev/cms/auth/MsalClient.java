package dev.cms.auth;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.microsoft.aad.msal4j.AuthenticationErrorCode;
import com.microsoft.aad.msal4j.IAccount;
import com.microsoft.aad.msal4j.IAuthenticationResult;
import com.microsoft.aad.msal4j.MsalClientException;
import com.microsoft.aad.msal4j.MsalException;
import com.microsoft.aad.msal4j.MsalInteractionRequiredException;
import com.microsoft.aad.msal4j.MsalServiceException;
import com.microsoft.aad.msal4j.PublicClientApplication;
import com.microsoft.aad.msal4j.RefreshTokenParameters;
import com.microsoft.aad.msal4j.SilentParameters;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URISyntaxException;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.jspecify.annotations.Nullable;

/**
 * MSAL4J for one Office365 account: the public client application on the account's authority,
 * its token cache kept in the {@link TokenStore}, the silent refresh (with one more try of a
 * refused refresh token), and MSAL's failures put in words that never show a token.
 */
final class MsalClient {
    private static final Logger log = LoggerFactory.getLogger(MsalClient.class);
    private static final int CONNECT_TIMEOUT_MS = 20_000;
    private static final int READ_TIMEOUT_MS = 30_000;
    /**
     * MSAL runs its calls on this pool rather than the common fork-join pool, which has one thread
     * on a two-core machine: a device code login polling there would stall every other account.
     */
    private static final ExecutorService MSAL_THREADS = Executors.newCachedThreadPool(new MsalThreads());

    private final Office365AuthOptions account;
    private final String label;
    private final String authority;
    private final MsalCachePersistence cache;
    private final PublicClientApplication app;

    /** @throws IllegalArgumentException when the authority is not an absolute https URL */
    MsalClient(Office365AuthOptions account, TokenStore store) {
        this.account = account;
        this.label = label(account);
        String host = authorityHost(account);
        this.authority = host + "/" + account.tenant() + "/";
        this.cache = new MsalCachePersistence(store, account.key() + ":msal", label);
        this.app = buildApp(java.util.Objects.requireNonNull(account.clientId(), "checked by Office365Auth.validate")
                .trim(), host);
    }

    PublicClientApplication app() {
        return app;
    }

    /** {@code https://host/tenant/}. */
    String authority() {
        return authority;
    }

    /** The account in messages: its user, else its configuration entry. */
    String label() {
        return label;
    }

    /** The cached account this instance serves, or null when a login is needed. */
    @Nullable IAccount cachedAccount(@Nullable String loggedInHomeId) throws IOException, InterruptedException {
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
    @Nullable IAuthenticationResult silently(Set<String> scopes, IAccount cached, boolean force)
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
    private @Nullable IAuthenticationResult refreshAgain(Set<String> scopes, IAccount cached)
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
    private @Nullable String refreshTokenOf(IAccount cached) {
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

    private static @Nullable String string(JsonObject o, String name) {
        JsonElement e = o.get(name);
        return e != null && e.isJsonPrimitive() ? e.getAsString() : null;
    }

    /** Rethrows a token store failure MSAL's cache hooks ran into. */
    void checkStore(String what) throws IOException {
        IOException e = cache.takeFailure();
        if (e != null) {
            throw new IOException("could not " + what + " the Office365 login of " + label + " in the token store: "
                    + e.getMessage(), e);
        }
    }

    /** Waits for MSAL; its exceptions come back unwrapped. */
    static <T> T await(CompletableFuture<T> future) throws IOException, InterruptedException {
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
    IOException failure(String what, MsalException e) {
        String hint = badClient(e) ? "; check client_id of " + spec() + " and that its app registration allows"
                + " public client flows" : "";
        return new IOException("could not " + what + " for " + label + " at " + authority + ": " + describe(e) + hint,
                e);
    }

    static boolean badClient(MsalException e) {
        return "invalid_client".equals(e.errorCode()) || "unauthorized_client".equals(e.errorCode());
    }

    /** Status, error code and MSAL's message, made printable: never a token (MSAL puts none there). */
    static String describe(MsalException e) {
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
            if (!account.instanceDiscovery()) {
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

    private static String authorityHost(Office365AuthOptions account) {
        String host = account.authorityHost();
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

    static String label(Office365AuthOptions account) {
        return account.user() != null && !account.user().isBlank() ? account.user() : spec(account);
    }

    String spec() {
        return spec(account);
    }

    static String spec(Office365AuthOptions account) {
        return account.user() != null ? "Office365_Account(user=\"" + account.user() + "\")"
                : "Office365_Account(tenant=\"" + account.tenant() + "\")";
    }

    static String missingClientIdMessage(Office365AuthOptions account) {
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
