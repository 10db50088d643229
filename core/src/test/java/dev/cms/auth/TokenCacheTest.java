package dev.cms.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.cms.time.FakeTicker;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The one token cache: expiry with a margin on the ticker's wall clock, lifetimes clamped, tokens never shown. */
class TokenCacheTest {
    private static final Instant T0 = Instant.parse("2026-03-01T09:00:00Z");
    private final FakeTicker ticker = new FakeTicker(T0);
    private final TokenCache<String> cache = new TokenCache<>(ticker);

    @Test
    void aTokenIsServedUntilLessThanTheMarginIsLeft() {
        cache.put("k", "tok-1", T0.plusSeconds(3600));
        assertEquals("tok-1", cache.valid("k", TokenCache.EXPIRY_MARGIN).token());
        ticker.advance(Duration.ofSeconds(3540)); // exactly the margin left
        assertNull(cache.valid("k", TokenCache.EXPIRY_MARGIN));
        assertEquals("tok-1", cache.get("k").token(), "still held, only not served");
    }

    @Test
    void expiryFollowsTheWallClockWhenItJumps() {
        cache.put("k", "tok-1", T0.plusSeconds(3600));
        ticker.setWallClock(T0.plusSeconds(7200)); // a resume from suspend
        assertNull(cache.valid("k", Duration.ZERO));
    }

    @Test
    void lifetimesAreClampedAndDefaulted() {
        assertEquals(T0.plusSeconds(TokenCache.DEFAULT_LIFETIME_SECONDS), TokenCache.expiry(T0, null));
        assertEquals(T0.plusSeconds(TokenCache.MAX_LIFETIME_SECONDS), TokenCache.expiry(T0, Long.MAX_VALUE));
        assertEquals(T0, TokenCache.expiry(T0, -5L));
    }

    @Test
    void aNewerTokenHasALargerSerialAndReplacesTheExpiryAnswer() {
        TokenCache.Held first = cache.put("k", "tok-1", T0.plusSeconds(600));
        TokenCache.Held second = cache.put("k", "tok-2", T0.plusSeconds(1200));
        assertEquals(true, second.serial() > first.serial());
        assertNull(cache.expiresAt("k", "tok-1"), "no longer the token held");
        assertEquals(T0.plusSeconds(1200), cache.expiresAt("k", "tok-2"));
        assertEquals(1200, cache.secondsLeft(second));
    }

    @Test
    void theTokenNeverAppearsInToString() {
        TokenCache.Held h = cache.put("k", "ya29.secret-value", T0.plusSeconds(600));
        assertFalse(h.toString().contains("secret"), h.toString());
    }
}
