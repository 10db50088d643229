package dev.cms.auth;

import dev.cms.time.ManualTicker;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A clock the test moves by hand; shared with the fake cloud (as a {@link Clock}) and the token
 * sources (as a {@link ManualTicker}) so both agree on expiry. Sleeping moves it.
 */
final class SettableClock extends Clock implements ManualTicker {
    private volatile Instant now = Instant.parse("2026-03-01T09:00:00Z");

    @Override
    public void advance(Duration d) {
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
}
