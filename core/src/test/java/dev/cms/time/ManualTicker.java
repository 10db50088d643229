package dev.cms.time;

import java.time.Duration;
import java.time.Instant;

/**
 * The {@link Ticker} side of a test clock that a test moves by hand (and shares, as a
 * {@code java.time.Clock}, with the embedded fakes): the monotonic reading follows the clock,
 * and sleeping moves it.
 */
public interface ManualTicker extends Ticker {
    /** The clock's reading. */
    Instant instant();

    /** Moves the clock forward. */
    void advance(Duration d);

    @Override
    default long nanoTime() {
        Instant t = instant();
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    @Override
    default Instant now() {
        return instant();
    }

    @Override
    default void sleep(Duration d) {
        if (!d.isNegative()) {
            advance(d);
        }
    }

    /** These clocks move only by hand; nothing waits on them. */
    @Override
    default void waitUntil(Object monitor, long deadline) {
        throw new UnsupportedOperationException("a hand-moved test clock does not run timed waits");
    }

    @Override
    default void wakeAll(Object monitor) {
        monitor.notifyAll();
    }
}
