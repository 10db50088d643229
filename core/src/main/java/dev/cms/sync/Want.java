package dev.cms.sync;

import dev.cms.model.Flag;
import dev.cms.model.Flags;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What one local file should show: the flags of every cloud copy of its content routed to
 * that Maildir combined (a flag shows when any copy that can store it has it), and the
 * union of the flags those copies can store.
 */
final class Want {
    Flags cloudFlags = Flags.NONE;
    final Set<Flag> supported = EnumSet.noneOf(Flag.class);
    final @Nullable Instant received;
    final List<Source> sources = new ArrayList<>(1);

    Want(@Nullable Instant received) {
        this.received = received;
    }

    void add(CloudState c, String id, Flags flags) {
        sources.add(new Source(c, id));
        cloudFlags = CopyFlags.combine(cloudFlags, flags, c.supported);
        supported.addAll(c.supported);
    }

    /** A local file's flags after forcing: cloud values for what the cloud stores, local for the rest, no T. */
    Flags target(Flags local) {
        Flags out = local.without(Flag.TRASHED);
        for (Flag f : supported) {
            out = out.with(f, cloudFlags.has(f));
        }
        return out;
    }
}
