package dev.cms.sync;

import java.io.IOException;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** What one cycle learned and decided about one cloud mailbox. */
final class Refresh {
    @Nullable Listed now;
    @Nullable String newToken;
    boolean tokenUsable = true;
    /** Messages whose local processing failed: they keep their previous entry. */
    final Set<String> failedIds = new HashSet<>();
    /** Of those, the ones whose file a mail reader changed while the cycle ran: a live change, not a stale one. */
    final Set<String> changedMeanwhile = new HashSet<>();
    /**
     * Of {@link #failedIds}, messages whose file left its Maildir this cycle, a departure not
     * yet taken for a deletion ({@link CloudState#departing}): not delivered again.
     */
    final Set<String> departing = new HashSet<>();
    /** Messages whose flags this cycle pushed to the cloud. */
    final Set<String> pushedFlags = new HashSet<>();
    @Nullable IOException failure;
    /** Not refreshed this cycle (its mailbox waits out a backoff): like a failure, without an error. */
    boolean skipped;

    boolean active() {
        return failure == null && !skipped;
    }

    /** The listing's entries; set once the refresh has listed the mailbox. */
    Listed now() {
        return Objects.requireNonNull(now, "the mailbox has been listed");
    }
}
