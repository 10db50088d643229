package dev.cms.provider.gmail;

import dev.cms.time.Ticker;
import java.time.Duration;

/**
 * A token bucket of quota units shared by every call of one mailbox. It holds at most one
 * second's worth of units; a caller that needs more than the bucket holds reserves them
 * (the bucket goes into debt) and sleeps until the debt would have been repaid, so later
 * callers queue behind it. The sleep is taken once, outside the lock: a fake ticker whose sleep
 * returns at once does not make the limiter spin.
 */
final class QuotaLimiter {
    private static final double NANOS_PER_SECOND = 1e9;

    private final double unitsPerSecond;
    private final double capacity;
    private final Ticker ticker;
    private double available;
    private long lastNanos;

    QuotaLimiter(double unitsPerSecond, Ticker ticker) {
        this.unitsPerSecond = unitsPerSecond;
        this.capacity = unitsPerSecond;
        this.ticker = ticker;
        this.available = capacity;
        this.lastNanos = ticker.nanoTime();
    }

    /** Takes {@code units} from the bucket, sleeping first when they are not yet there. */
    void acquire(int units) throws InterruptedException {
        long waitNanos;
        synchronized (this) {
            long now = ticker.nanoTime();
            available = Math.min(capacity, available + (now - lastNanos) * unitsPerSecond / NANOS_PER_SECOND);
            lastNanos = now;
            available -= units;
            waitNanos = available >= 0 ? 0 : (long) Math.ceil(-available / unitsPerSecond * NANOS_PER_SECOND);
        }
        if (waitNanos > 0) {
            ticker.sleep(Duration.ofNanos(waitNanos));
        }
    }
}
