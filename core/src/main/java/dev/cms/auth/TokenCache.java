package dev.cms.auth;

import dev.cms.time.Ticker;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Access tokens held in memory with their expiry, by key (a scope set, a user and protocol):
 * the one token cache of the Gmail and Office365 sources and of the token broker. Expiry is
 * reckoned on the {@link Ticker}'s wall clock, the clock the issuer's lifetimes are measured
 * against. Reads never block; writers are serialised by their owner (a {@link TokenGate} or a
 * lock of the broker's). A token is never shown by {@code toString}.
 *
 * @param <K> the key
 */
public final class TokenCache<K> {
    /** A token is replaced when it has less than this left (a request must not meet its expiry). */
    public static final Duration EXPIRY_MARGIN = Duration.ofSeconds(60);
    /** Assumed when the issuer reports no lifetime (both identity platforms' usual hour). */
    public static final long DEFAULT_LIFETIME_SECONDS = 3600;
    /** A longer lifetime is not believed (and cannot overflow the expiry instant). */
    public static final long MAX_LIFETIME_SECONDS = 24 * 3600;

    /** A token and when it expires; {@code serial} orders arrivals (a newer token has a larger one). */
    public record Held(String token, Instant expiresAt, long serial) {
        public Held {
            Objects.requireNonNull(token, "token");
            Objects.requireNonNull(expiresAt, "expiresAt");
        }

        @Override
        public String toString() {
            return "Held[expires " + expiresAt + "]"; // never the token
        }
    }

    private final Ticker ticker;
    private final Map<K, Held> held = new ConcurrentHashMap<>();
    private final AtomicLong serial = new AtomicLong();

    public TokenCache(Ticker ticker) {
        this.ticker = Objects.requireNonNull(ticker, "ticker");
    }

    /** The token held for {@code key}, however close to its expiry; null when none. */
    public @Nullable Held get(K key) {
        return held.get(key);
    }

    /** The token held for {@code key} when it has more than {@code margin} left; else null. */
    public @Nullable Held valid(K key, Duration margin) {
        Held h = held.get(key);
        return h != null && validFor(h, margin) ? h : null;
    }

    /** Whether {@code h} has more than {@code margin} left now. */
    public boolean validFor(Held h, Duration margin) {
        return now().plus(margin).isBefore(h.expiresAt());
    }

    /** Holds {@code token} for {@code key} until {@code expiresAt}; returns what is held now. */
    public Held put(K key, String token, Instant expiresAt) {
        Held h = new Held(token, expiresAt, serial.incrementAndGet());
        held.put(key, h);
        return h;
    }

    /**
     * When a token issued at {@code issuedAt} with a lifetime of {@code lifetimeSeconds} expires:
     * {@link #DEFAULT_LIFETIME_SECONDS} when the issuer gave none, at most
     * {@link #MAX_LIFETIME_SECONDS}, never before {@code issuedAt}.
     */
    public static Instant expiry(Instant issuedAt, @Nullable Long lifetimeSeconds) {
        long seconds = lifetimeSeconds == null ? DEFAULT_LIFETIME_SECONDS
                : Math.max(0, Math.min(lifetimeSeconds, MAX_LIFETIME_SECONDS));
        return issuedAt.plusSeconds(seconds);
    }

    /** When {@code token} expires, if it is the one held for {@code key}; null when it is not. */
    public @Nullable Instant expiresAt(K key, @Nullable String token) {
        Held h = held.get(key);
        return h != null && token != null && h.token().equals(token) ? h.expiresAt() : null;
    }

    /** Whole seconds {@code h} has left, zero when expired. */
    public long secondsLeft(Held h) {
        return Math.max(0, Duration.between(now(), h.expiresAt()).toSeconds());
    }

    /** The serial of the newest token put, 0 before the first. */
    public long serial() {
        return serial.get();
    }

    /** The wall clock expiry is reckoned on. */
    public Instant now() {
        return ticker.now();
    }

    /** Forgets every token. */
    public void clear() {
        held.clear();
    }
}
