package dev.cms.provider.graph;

/**
 * How many requests of one mailbox may be in flight: at most the configured maximum, and
 * after a throttling answer only one, widened by one with each success. Resuming all
 * requests at once after a {@code Retry-After} pause would make them race for the few slots
 * the service has just freed, and throttle again.
 */
final class ConcurrencyWindow {
    private final int max;
    private int limit;
    private int inFlight;

    ConcurrencyWindow(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max concurrency must be at least 1, got " + max);
        }
        this.max = max;
        this.limit = max;
    }

    synchronized void acquire() throws InterruptedException {
        while (inFlight >= limit) {
            wait();
        }
        inFlight++;
    }

    /** Ends a request; a success widens a narrowed window by one. */
    synchronized void release(boolean success) {
        inFlight--;
        if (success && limit < max) {
            limit++;
        }
        notifyAll();
    }

    /** The service throttled this mailbox: continue with one request at a time. */
    synchronized void throttled() {
        limit = 1;
    }

    synchronized int limit() {
        return limit;
    }
}
