package dev.cms.bench;

import dev.cms.model.Flag;
import dev.cms.provider.BodySink;
import dev.cms.provider.Change;
import dev.cms.provider.CloudMailbox;
import dev.cms.provider.Listing;
import java.io.IOException;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * A cloud mailbox in which nothing changes: every listing is an empty delta that hands the token
 * back. The idle daemon of the RSS measurement runs against it, so that its process holds the
 * daemon's data and not a benchmark mailbox. It never serves a body (none should be asked for);
 * flag changes are accepted and counted.
 */
final class QuietMailbox implements CloudMailbox {
    private final String key;
    private final Set<Flag> flags;
    private long applied;

    QuietMailbox(String key, Set<Flag> flags) {
        this.key = key;
        this.flags = Set.copyOf(flags);
    }

    @Override
    public String key() {
        return key;
    }

    @Override
    public Set<Flag> supportedFlags() {
        return flags;
    }

    @Override
    public Duration pollInterval() {
        return Duration.ofSeconds(60);
    }

    @Override
    public Listing list(String syncToken) throws IOException {
        if (syncToken == null) {
            throw new IOException("the quiet mailbox needs the sync token of a finished first sync");
        }
        return Listing.delta(List.of(), Set.of(), syncToken);
    }

    @Override
    public void fetchBodies(Collection<String> ids, BodySink sink) throws IOException {
        throw new IOException("the quiet mailbox has no bodies; asked for " + ids.size());
    }

    @Override
    public synchronized java.util.Map<Change, String> apply(List<Change> changes) {
        applied += changes.size();
        return java.util.Map.of();
    }

    synchronized long applied() {
        return applied;
    }
}
