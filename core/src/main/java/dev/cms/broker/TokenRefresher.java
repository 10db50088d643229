package dev.cms.broker;

import dev.cms.auth.TokenCache;
import dev.cms.auth.TokenCache.Held;
import dev.cms.provider.AuthenticationRequiredException;
import dev.cms.time.Ticker;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the broker's tokens fresh ahead of their expiry so that a request is answered from
 * memory (DESIGN §7). A user/protocol pair is refreshed in the background once it has been asked
 * for; a request that finds no servable token fetches one itself.
 *
 * <p>Freshness: a served token has at least {@link #servedValidity} left: five minutes, or a
 * third of the lifetime of the issuer's tokens when they live shorter than fifteen minutes (an
 * issuer granting 60-second tokens gets 20 seconds). The lifetime is learnt from fresh tokens:
 * the {@link TokenProvider} is asked for twice the served validity, so a token with less left
 * than that is a fresh one. A background refresh is due when a token has twice the served
 * validity left.
 */
public final class TokenRefresher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TokenRefresher.class);
    /** What a request gets at least, when the issuer's tokens live long enough. */
    static final Duration MIN_VALIDITY = CredentialServer.MIN_VALIDITY;
    /** A failed background refresh is tried again after this, or sooner for short-lived tokens. */
    static final Duration RETRY = Duration.ofSeconds(30);

    private record Key(String user, String protocol) {
    }

    /** One user/protocol pair; its token is in {@link #cache}. Fields written under {@link #lock}. */
    private static final class Entry {
        final ReentrantLock lock = new ReentrantLock();
        /** The lifetime of the issuer's fresh tokens when shorter than {@code 3 * MIN_VALIDITY}; else null. */
        volatile @Nullable Duration shortLifetime;
        TickerScheduler.@Nullable Cancellable next;
    }

    private final TokenProvider source;
    private final TickerScheduler scheduler;
    /** The tokens served, written under their entry's lock. */
    private final TokenCache<Key> cache;
    private final Map<Key, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicLong fetches = new AtomicLong();
    private volatile boolean closed;

    /**
     * @param ticker the wall clock expiry is reckoned on
     * @param scheduler runs the background refreshes, on the same ticker; closed with this refresher
     */
    TokenRefresher(TokenProvider source, Ticker ticker, TickerScheduler scheduler) {
        this.source = source;
        this.cache = new TokenCache<>(ticker);
        this.scheduler = scheduler;
    }

    /** A refresher on {@code ticker} with one daemon thread for the background refreshes. */
    public static TokenRefresher start(TokenProvider source, Ticker ticker) {
        return new TokenRefresher(source, ticker, new TickerScheduler(ticker).start("cms-token-refresh"));
    }

    /**
     * A token for {@code user} and {@code protocol} with at least {@link #servedValidity} left,
     * from memory when one is held, else fetched now; from then on kept fresh in the background.
     *
     * @throws IOException from the token provider, or when it gives a token too close to its expiry
     */
    public String token(String user, String protocol) throws IOException, InterruptedException {
        Key key = new Key(user, protocol);
        Entry e = entries.computeIfAbsent(key, k -> new Entry());
        Held h = cache.valid(key, servedValidity(e));
        if (h != null) {
            return h.token();
        }
        e.lock.lockInterruptibly();
        try {
            h = cache.valid(key, servedValidity(e));
            if (h != null) {
                return h.token(); // another request fetched it while this one waited
            }
            h = refresh(key, e);
            if (!cache.validFor(h, servedValidity(e))) {
                throw new IOException("the token source gave a " + protocol + " token for " + user + " with "
                        + cache.secondsLeft(h) + " s left, less than the " + servedValidity(e).toSeconds()
                        + " s a client needs");
            }
            return h.token();
        } finally {
            e.lock.unlock();
        }
    }

    /** How many times the token provider was asked (for tests). */
    long fetches() {
        return fetches.get();
    }

    /** Stops the background refreshes; tokens held are forgotten. */
    @Override
    public void close() {
        closed = true;
        scheduler.close();
        entries.clear();
        cache.clear();
    }

    /** What a served token has left at least: five minutes, or a third of a short lifetime. */
    static Duration servedValidity(@Nullable Duration shortLifetime) {
        if (shortLifetime == null) {
            return MIN_VALIDITY;
        }
        Duration third = shortLifetime.dividedBy(3);
        return third.compareTo(MIN_VALIDITY) < 0 ? third : MIN_VALIDITY;
    }

    private static Duration servedValidity(Entry e) {
        return servedValidity(e.shortLifetime);
    }

    /** Under {@code e.lock}: asks the provider and schedules the next background refresh. */
    private Held refresh(Key key, Entry e) throws IOException, InterruptedException {
        Duration ask = servedValidity(e).multipliedBy(2);
        Instant asked = cache.now();
        fetches.incrementAndGet();
        TokenProvider.Token t = source.fetch(key.user(), key.protocol(), ask);
        if (t == null || t.value() == null) {
            throw new IOException("the token source gave no " + key.protocol() + " token for " + key.user());
        }
        Instant expiresAt = t.expiresAt() != null ? t.expiresAt() : asked.plus(ask);
        Duration left = Duration.between(cache.now(), expiresAt);
        learnLifetime(key, e, left, ask);
        Held h = cache.put(key, t.value(), expiresAt);
        // Due when twice the served validity is left; never sooner than half the served validity from now.
        Duration lead = servedValidity(e).multipliedBy(2);
        Duration delay = Duration.between(cache.now(), expiresAt.minus(lead));
        Duration soonest = servedValidity(e).dividedBy(2);
        schedule(key, e, delay.compareTo(soonest) < 0 ? soonest : delay);
        return h;
    }

    /**
     * A token with less left than asked for is a fresh one (the provider refreshes a held token
     * that has less): its lifetime is the issuer's.
     */
    private static void learnLifetime(Key key, Entry e, Duration left, Duration ask) {
        Duration longEnough = MIN_VALIDITY.multipliedBy(3);
        if (left.compareTo(ask) < 0) {
            if (left.compareTo(Duration.ofSeconds(3)) < 0) {
                left = Duration.ofSeconds(3); // an already expired token: serve nothing from it, and ask again soon
            }
            if (!left.equals(e.shortLifetime)) {
                log.info("{} tokens for {} live {} s: serving them while at least {} s are left",
                        key.protocol(), key.user(), left.toSeconds(), servedValidity(left).toSeconds());
            }
            e.shortLifetime = left;
        } else if (e.shortLifetime != null && left.compareTo(e.shortLifetime) > 0) {
            e.shortLifetime = left.compareTo(longEnough) >= 0 ? null : left;
        }
    }

    private void schedule(Key key, Entry e, Duration delay) {
        if (e.next != null) {
            e.next.cancel();
            e.next = null;
        }
        if (!closed) {
            e.next = scheduler.schedule(() -> background(key, e), delay);
        }
    }

    private void background(Key key, Entry e) {
        try {
            e.lock.lockInterruptibly();
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return;
        }
        try {
            if (closed) {
                return;
            }
            e.next = null;
            refresh(key, e);
            log.debug("refreshed the {} token for {} in the background", key.protocol(), key.user());
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        } catch (AuthenticationRequiredException ex) {
            log.warn("Background refresh of the {} token for {} stopped: a login is needed ({})", key.protocol(),
                    key.user(), ex.getMessage());
        } catch (IOException | RuntimeException ex) {
            Held h = cache.get(key);
            if (h != null && cache.validFor(h, Duration.ZERO)) {
                Duration retry = servedValidity(e).dividedBy(4);
                retry = retry.compareTo(RETRY) > 0 ? RETRY : retry;
                log.warn("Background refresh of the {} token for {} failed, trying again in {} s: {}",
                        key.protocol(), key.user(), Math.max(1, retry.toSeconds()), ex.getMessage());
                schedule(key, e, retry);
            } else {
                log.warn("Background refresh of the {} token for {} failed; the next request tries again: {}",
                        key.protocol(), key.user(), ex.getMessage());
            }
        } finally {
            e.lock.unlock();
        }
    }
}
