package dev.cms.sync;

import dev.cms.model.ContentHash;
import dev.cms.model.Flags;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A cloud message as the engine tracks it; {@code target} is a Maildir index or -1. The
 * received time is kept as epoch milliseconds ({@link #NOT_KNOWN} when unknown), as
 * {@code state.db} stores it: one per message lives as long as the daemon, and an
 * {@link Instant} would be another object each.
 */
record Entry(ContentHash hash, Flags flags, long receivedMillis, int target) {
    static final long NOT_KNOWN = Long.MIN_VALUE;

    Entry(ContentHash hash, Flags flags, @Nullable Instant received, int target) {
        this(hash, flags, received == null ? NOT_KNOWN : received.toEpochMilli(), target);
    }

    @Nullable Instant received() {
        return receivedMillis == NOT_KNOWN ? null : Instant.ofEpochMilli(receivedMillis);
    }

    Entry withFlags(Flags f) {
        return new Entry(hash, f, receivedMillis, target);
    }

    Entry withTarget(int t) {
        return new Entry(hash, flags, receivedMillis, t);
    }
}
