package dev.cms.sync;

import java.util.function.LongSupplier;

/**
 * The daemon's one full collection when it goes idle after its first cycle, or after a cycle that
 * fetched or delivered {@link #LARGE} messages, of a mailbox that large (issue 15, item 5); never
 * between idle polls. A start or a first sync leaves the heap grown with what it held for a
 * moment; the launcher's flags ({@code -XX:-ShrinkHeapInSteps}, and the free ratios made tight
 * after the first cycle: {@link HeapRatios}) shrink it only at a full collection, which
 * an idle daemon would otherwise not have for hours, so the resident set stayed at the peak.
 */
final class IdleCollection {
    /** A mailbox (all its folders) this large, or a cycle with this many messages, earns a collection. */
    static final int LARGE = 10_000;
    /** A full collection: with the launcher's heap flags the heap then shrinks to near what is live. */
    private Runnable collect = System::gc;
    /** Makes the heap's free ratios tight, once: after the first cycle, whatever the size. */
    private Runnable tighten = HeapRatios::tighten;
    private int large = LARGE;
    /** A start or a large download happened, and the daemon has not gone idle since. */
    private boolean pending;

    /** For tests: what runs instead of a full collection, and from what size. */
    void configure(Runnable c, int fromSize) {
        this.collect = c;
        this.large = fromSize;
    }

    /** For tests: what runs instead of making the heap's free ratios tight. */
    void tightenWith(Runnable t) {
        this.tighten = t;
    }

    /**
     * After cycle {@code r} ({@code first}: the daemon's first); {@code idle}: the daemon now
     * waits a poll interval (not a rerun or a backoff); {@code messages}: the mailboxes' size.
     */
    void afterCycle(CycleReport r, boolean first, boolean idle, LongSupplier messages) {
        if (first) {
            // The start has loaded its state: from now on the heap is held tight. Not left until the
            // daemon goes idle, which a mailbox that keeps failing may never let it be.
            tighten.run();
        }
        pending |= first || r.fetched() + r.delivered() >= large;
        if (!pending || !idle) {
            return; // not yet idle: a cycle follows soon
        }
        pending = false;
        if (messages.getAsLong() >= large) {
            collect.run();
        }
    }
}
