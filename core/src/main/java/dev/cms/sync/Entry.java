package dev.cms.sync;

import dev.cms.model.ContentHash;
import dev.cms.model.Flags;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/** A cloud message as the engine tracks it; {@code target} is a Maildir index or -1. */
record Entry(ContentHash hash, Flags flags, @Nullable Instant received, int target) {
    Entry withFlags(Flags f) {
        return new Entry(hash, f, received, target);
    }

    Entry withTarget(int t) {
        return new Entry(hash, flags, received, t);
    }
}
