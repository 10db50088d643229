package dev.cms.provider.gmail;

import dev.cms.provider.Sleeper;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * A token bucket of quota units shared by every call of one mailbox. It holds at most one
 * second's worth of units; a caller that needs more than the bucket holds reserves them
 * (the bucket goes into debt) and sleeps until the debt would have been repaid, so later
 * callers queue behind it. The sleep is taken once, outside the lock: a fake sleeper that
 * returns at once does not make the limiter spin.
 */
final class QuotaLimiter {
    private static final double NANOS_PER_SECOND = 1e9;

    private final double unitsPerSecond;
    private final double capacity;
    private final LongSupplier nanoTime;
    private final Sleeper sleeper;
    private double available;
    private long lastNanos;

    QuotaLimiter(double unitsPerSecond, LongSupplier nanoTime, Sleeper sleeper) {
        this.unitsPerSecond = unitsPerSecond;
        this.capacity = unitsPerSecond;
        this.nanoTime = nanoTime;
        this.sleeper = sleeper;
        this.available = capacity;
        this.lastNanos = nanoTime.getAsLong();
    }

    /** Takes {@code units} from the bucket, sleeping first when they are not yet there. */
    void acquire(int units) throws InterruptedException {
        long waitNanos;
        synchronized (this) {
            long now = nanoTime.getAsLong();
            available = Math.min(capacity, available + (now - lastNanos) * unitsPerSecond / NANOS_PER_SECOND);
            lastNanos = now;
            available -= units;
            waitNanos = available >= 0 ? 0 : (long) Math.ceil(-available / unitsPerSecond * NANOS_PER_SECOND);
        }
        if (waitNanos > 0) {
            sleeper.sleep(Duration.ofNanos(waitNanos));
        }
    }
}
