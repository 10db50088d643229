package dev.cms.provider.graph;

/**
 * How many requests of one mailbox may be in flight: at most the configured maximum, and
 * after a throttling answer only one, widened by one with each success. Resuming all
 * requests at once after a {@code Retry-After} pause would make them race for the few slots
 * the service has just freed, and throttle again.
 *
 * <p>A request that was throttled goes before requests that were not: from its throttling
 * answer ({@link #throttled()}) until it is sent again ({@link #acquireRetry()}) or gives up
 * ({@link #cancelRetry()}), no new request starts. So the slots a pause frees go first to
 * the requests that waited for them, and a throttled request is rarely throttled twice.
 */
final class ConcurrencyWindow {
    private final int max;
    private int limit;
    private int inFlight;
    private int owedRetries;

    ConcurrencyWindow(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max concurrency must be at least 1, got " + max);
        }
        this.max = max;
        this.limit = max;
    }

    /** Starts a request that was not throttled: waits for a slot and for every owed retry. */
    synchronized void acquire() throws InterruptedException {
        while (inFlight >= limit || owedRetries > 0) {
            wait();
        }
        inFlight++;
    }

    /** Starts the retry of a request that was {@link #throttled()}: waits for a slot only. */
    synchronized void acquireRetry() throws InterruptedException {
        while (inFlight >= limit) {
            wait();
        }
        inFlight++;
        owedRetries--;
        notifyAll();
    }

    /** Ends a request; a success widens a narrowed window by one. */
    synchronized void release(boolean success) {
        inFlight--;
        if (success && limit < max) {
            limit++;
        }
        notifyAll();
    }

    /**
     * The service throttled the caller's request, which will be sent again: continue with one
     * request at a time, and keep new requests back until the caller's retry has started.
     */
    synchronized void throttled() {
        limit = 1;
        owedRetries++;
    }

    /** A throttled request will not be sent again after all (it failed or was interrupted). */
    synchronized void cancelRetry() {
        owedRetries--;
        notifyAll();
    }

    synchronized int limit() {
        return limit;
    }
}
