package dev.cms.auth;

import dev.cms.time.Ticker;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A clock the test moves by hand; shared with the fake cloud (as a {@link Clock}) and the token
 * sources (as a {@link Ticker}) so both agree on expiry. Sleeping moves it.
 */
final class SettableClock extends Clock implements Ticker {
    private volatile Instant now = Instant.parse("2026-03-01T09:00:00Z");

    void advance(Duration d) {
        now = now.plus(d);
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public Instant instant() {
        return now;
    }

    @Override
    public long nanoTime() {
        Instant t = now;
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    @Override
    public Instant now() {
        return now;
    }

    @Override
    public void sleep(Duration d) {
        if (!d.isNegative()) {
            advance(d);
        }
    }
}
