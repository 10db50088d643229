package dev.cms.auth;

import dev.cms.auth.TokenCache.Held;
import dev.cms.provider.AuthenticationRequiredException;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The cached, single-flight side of an account's token source, shared by {@link GoogleAuth} and
 * {@link Office365Auth}: tokens per scope set in a {@link TokenCache}, at most one refresh or
 * login at a time ({@link TokenGate}), callers that arrive meanwhile using the token it brought.
 * Getting a new token (a refresh, a login) is the {@link Issuer}'s, called holding the gate.
 *
 * <p>The sync's callers ask for the account's own scopes with {@link #accessToken(boolean)} and
 * {@link #replaceRejected}; they wait for a login, or, in the daemon, start it in the
 * background and fail at once. The token broker asks with {@link #token} and never waits for a
 * login.
 */
final class CachingTokenSource {
    /** Gets a new token; runs holding the gate and puts what it got into the cache. */
    @FunctionalInterface
    interface Issuer {
        /**
         * A token for {@code scopes} with, if it can, more than {@code wanted} left; {@code force}
         * when the held one was refused. When only a login can help, logs in as {@code mode} says.
         */
        Held renew(Set<String> scopes, Duration wanted, boolean force, LoginMode mode)
                throws IOException, InterruptedException;
    }

    private final TokenCache<Set<String>> cache;
    private final TokenGate gate;
    private final LoginCoordinator logins;
    private final Set<String> syncScopes;
    /** Who issues the tokens, in errors: "the token endpoint https://...". */
    private final String issuerName;
    private final String label;
    private final String accountKey;
    // Wired by issuer() right after construction, before the source is handed out.
    @SuppressWarnings("NullAway.Init")
    private Issuer issuer;

    /**
     * @param syncScopes the scopes of the sync's tokens
     * @param issuerName who issues the tokens, in errors
     * @param label the account, in errors
     */
    CachingTokenSource(TokenCache<Set<String>> cache, LoginCoordinator logins, String accountKey,
                       Set<String> syncScopes, String issuerName, String label) {
        this.cache = cache;
        this.logins = logins;
        this.gate = new TokenGate(() -> logins.loggedIn(accountKey));
        this.syncScopes = Set.copyOf(syncScopes);
        this.issuerName = issuerName;
        this.label = label;
        this.accountKey = accountKey;
    }

    /** Set once, by the owner, before the first call. */
    void issuer(Issuer issuer) {
        this.issuer = issuer;
    }

    TokenCache<Set<String>> cache() {
        return cache;
    }

    TokenGate gate() {
        return gate;
    }

    /** A token of the sync's scopes; {@code forceRefresh} replaces the held one unless another caller already did. */
    String accessToken(boolean forceRefresh) throws IOException, InterruptedException {
        long seen = cache.serial();
        LoginMode mode = syncMode();
        return gate.call(mode == LoginMode.WAIT, () -> {
            Held h = cache.valid(syncScopes, TokenCache.EXPIRY_MARGIN);
            // A forced refresh that waited while another thread got a new token uses that one.
            if (h != null && (!forceRefresh || h.serial() > seen)) {
                return h.token();
            }
            return issuer.renew(syncScopes, TokenCache.EXPIRY_MARGIN, forceRefresh, mode).token();
        }, this::loginUnderWay);
    }

    /** Refreshes once for all callers the service refused {@code rejected} to (single flight). */
    String replaceRejected(String rejected) throws IOException, InterruptedException {
        LoginMode mode = syncMode();
        return gate.replace(mode == LoginMode.WAIT, rejected, () -> {
            Held h = cache.valid(syncScopes, TokenCache.EXPIRY_MARGIN);
            return h == null ? null : h.token();
        }, () -> issuer.renew(syncScopes, TokenCache.EXPIRY_MARGIN, true, mode).token(), this::loginUnderWay);
    }

    /**
     * A token for {@code scopes} with at least {@code minValidity} left. With {@code refuseShort}
     * a login may run and is waited for, and a fresh token that lives shorter than asked is an
     * error; without (the broker) no login runs nor is waited for, and a short-lived fresh token
     * is returned ({@link #expiresAt} tells when it expires).
     */
    String token(Set<String> scopes, Duration minValidity, boolean refuseShort)
            throws IOException, InterruptedException {
        if (scopes.isEmpty()) {
            throw new IllegalArgumentException("no OAuth scopes asked for " + label);
        }
        Set<String> key = Set.copyOf(scopes);
        Duration wanted = minValidity.compareTo(TokenCache.EXPIRY_MARGIN) < 0 ? TokenCache.EXPIRY_MARGIN : minValidity;
        TokenGate.Call<String> call = () -> {
            Held h = cache.valid(key, wanted);
            if (h != null) {
                return h.token();
            }
            h = issuer.renew(key, wanted, false, refuseShort ? LoginMode.WAIT : LoginMode.NEVER);
            if (refuseShort && !cache.validFor(h, minValidity)) {
                throw new IOException(issuerName + " issued an access token for " + label + " valid for "
                        + cache.secondsLeft(h) + " s, less than the " + minValidity.toSeconds() + " s asked for");
            }
            return h.token();
        };
        return refuseShort ? gate.call(call) : gate.callUnlessLoggingIn(call, this::loginNeeded);
    }

    /** When {@code token} expires, if it is the one held for {@code scopes}; never waits for the gate. */
    @Nullable Instant expiresAt(Set<String> scopes, @Nullable String token) {
        return cache.expiresAt(Set.copyOf(scopes), token);
    }

    /**
     * When only a login can help: starts it in the background for {@code mode} BACKGROUND and
     * throws, throws at once for NEVER; for WAIT runs {@code login} holding the gate.
     */
    Held loginAs(LoginMode mode, Set<String> scopes, Duration wanted, TokenGate.Call<Held> login)
            throws IOException, InterruptedException {
        if (mode == LoginMode.NEVER) {
            throw loginNeeded();
        }
        if (mode == LoginMode.BACKGROUND) {
            logins.startInBackground(accountKey, label, () -> logInNow(scopes, wanted));
            throw loginUnderWay();
        }
        return gate.login(login);
    }

    /** The background login: takes a token someone else got meanwhile, else logs in and waits. */
    private Held logInNow(Set<String> scopes, Duration wanted) throws IOException, InterruptedException {
        return gate.call(() -> {
            Held h = cache.valid(scopes, wanted);
            return h != null ? h : issuer.renew(scopes, wanted, false, LoginMode.WAIT);
        });
    }

    /** Callers waiting behind a refresh or login (for tests). */
    int waiting() {
        return gate.waiting();
    }

    /** How the sync's requests meet a needed login: wait for it, or start it in the background. */
    private LoginMode syncMode() {
        return logins.waitsForLogins() ? LoginMode.WAIT : LoginMode.BACKGROUND;
    }

    AuthenticationRequiredException loginNeeded() {
        return new AuthenticationRequiredException(label + " has no working saved login, or its login is"
                + " still under way");
    }

    /** The sync's answer while the login runs in the background: the other accounts go on meanwhile. */
    AuthenticationRequiredException loginUnderWay() {
        return new AuthenticationRequiredException("a login is needed for " + label
                + "; waiting for it in the background (the log says where to log in)");
    }

}
