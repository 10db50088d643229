package dev.cms.auth;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.microsoft.aad.msal4j.ITokenCacheAccessAspect;
import com.microsoft.aad.msal4j.ITokenCacheAccessContext;
import java.io.IOException;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.jspecify.annotations.Nullable;

/**
 * Keeps MSAL4J's serialized token cache of one account in a {@link TokenStore} (so encrypted at
 * rest): loaded before every cache access, saved after every access that changed it. Only what a
 * refresh needs is saved (refresh tokens, accounts, app metadata): access and id tokens stay in
 * MSAL's memory, so a restart refreshes rather than reuse a saved access token. MSAL calls
 * these hooks on its own threads and they cannot throw checked exceptions, so a failing store is
 * remembered here and rethrown by the caller through {@link #takeFailure()}.
 */
final class MsalCachePersistence implements ITokenCacheAccessAspect {
    private static final Logger log = LoggerFactory.getLogger(MsalCachePersistence.class);

    private final TokenStore store;
    private final String key;
    private final String label;
    /** The sections of MSAL's cache that are never saved. */
    private static final List<String> NOT_SAVED = List.of("AccessToken", "IdToken");

    /** The blob last loaded or saved (without access tokens); guarded by this. */
    private @Nullable String current;
    /** Guarded by this. */
    private @Nullable IOException failure;

    MsalCachePersistence(TokenStore store, String key, String label) {
        this.store = Objects.requireNonNull(store, "store");
        this.key = Objects.requireNonNull(key, "key");
        this.label = Objects.requireNonNull(label, "label");
    }

    @Override
    public synchronized void beforeCacheAccess(ITokenCacheAccessContext context) {
        String blob;
        try {
            blob = store.load(key);
        } catch (IOException e) {
            remember(e);
            return;
        }
        if (blob == null || blob.equals(current)) {
            return; // nothing saved (memory-only store, first login) or what MSAL already holds
        }
        try {
            context.tokenCache().deserialize(blob);
            current = blob;
        } catch (RuntimeException e) {
            // Never the blob itself: it holds the refresh token.
            log.warn("the saved Office365 login for {} could not be read ({}); a new login will be needed",
                    label, e.getClass().getSimpleName());
        }
    }

    @Override
    public synchronized void afterCacheAccess(ITokenCacheAccessContext context) {
        if (!context.hasCacheChanged()) {
            return;
        }
        String blob;
        try {
            blob = withoutAccessTokens(context.tokenCache().serialize());
        } catch (JsonParseException | IllegalStateException e) {
            // Never saved then: the blob might hold access tokens. Never logged either.
            remember(new IOException("MSAL's token cache for " + label + " is not the JSON object expected ("
                    + e.getClass().getSimpleName() + "); it was not saved"));
            return;
        }
        if (blob.equals(current)) {
            return; // only access or id tokens changed
        }
        try {
            store.save(key, blob);
            current = blob;
            log.debug("saved the Office365 token cache for {}", label);
        } catch (IOException e) {
            remember(e);
        }
    }

    /**
     * MSAL's serialized cache with its access and id token sections emptied: what remains
     * (refresh tokens, accounts, app metadata) is what a silent refresh after a restart needs.
     *
     * @throws JsonParseException or {@link IllegalStateException} when {@code blob} is not a JSON object
     */
    static String withoutAccessTokens(String blob) {
        JsonElement root = JsonParser.parseString(blob);
        JsonObject cache = root.getAsJsonObject();
        for (String section : NOT_SAVED) {
            if (cache.has(section)) {
                cache.add(section, new JsonObject());
            }
        }
        return cache.toString();
    }

    /** The store failure seen since the last call, once; null when there was none. */
    synchronized @Nullable IOException takeFailure() {
        IOException e = failure;
        failure = null;
        return e;
    }

    private void remember(IOException e) {
        if (failure == null) {
            failure = e;
        } else {
            failure.addSuppressed(e);
        }
    }
}
