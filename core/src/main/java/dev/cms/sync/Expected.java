package dev.cms.sync;

import dev.cms.model.ContentHash;
import dev.cms.model.Flags;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Per Maildir, for the contents in scope: the snapshot's messages that were there after the
 * previous cycle. Built by one pass over the snapshots, extended when the scope grows.
 */
final class Expected {
    private final List<Map<ContentHash, List<Source>>> byMaildir = new ArrayList<>();
    private final List<CloudState> clouds;
    private final Map<CloudState, Refresh> refreshed;
    /** The scope already covered, per Maildir (null: all). */
    private final List<@Nullable Set<ContentHash>> covered = new ArrayList<>();

    Expected(Scope scope, List<CloudState> clouds, Map<CloudState, Refresh> refreshed) {
        this.clouds = clouds;
        this.refreshed = refreshed;
        List<@Nullable Set<ContentHash>> adding = new ArrayList<>();
        for (int i = 0; i < scope.maildirs(); i++) {
            byMaildir.add(new HashMap<>());
            Set<ContentHash> s = scope.in(i);
            covered.add(s == null ? null : new HashSet<>(s));
            adding.add(s);
        }
        add(adding);
    }

    /** Covers the contents {@code scope} added since. */
    void extendTo(Scope scope) {
        List<@Nullable Set<ContentHash>> more = scope.notYetIn(covered);
        if (more.stream().anyMatch(s -> s == null || !s.isEmpty())) {
            add(more);
        }
    }

    private void add(List<@Nullable Set<ContentHash>> adding) {
        if (adding.stream().allMatch(s -> s != null && s.isEmpty())) {
            return;
        }
        for (CloudState c : clouds) {
            c.snapshot.forEachWhere((t, h) -> {
                if (t < 0) {
                    return false;
                }
                Set<ContentHash> s = adding.get(t);
                return s == null || s.contains(h);
            }, (id, prev) -> byMaildir.get(prev.target()).computeIfAbsent(prev.hash(), k -> new ArrayList<>(1))
                    .add(new Source(c, id)));
        }
    }

    /** The contents in scope of Maildir {@code i} with the messages that were there. */
    Map<ContentHash, List<Source>> in(int i) {
        return byMaildir.get(i);
    }

    /** Every message of {@code c} in scope. */
    List<String> idsOf(CloudState c) {
        List<String> ids = new ArrayList<>();
        for (Map<ContentHash, List<Source>> inMaildir : byMaildir) {
            for (List<Source> sources : inMaildir.values()) {
                for (Source s : sources) {
                    if (s.cloud() == c) {
                        ids.add(s.id());
                    }
                }
            }
        }
        return ids;
    }

    /**
     * Whether content {@code h} of Maildir {@code i} stays as it is: a message of a mailbox
     * not refreshed this cycle (or whose push failed) was there.
     */
    boolean protects(int i, ContentHash h) {
        for (Source s : byMaildir.get(i).getOrDefault(h, List.of())) {
            if (!Objects.requireNonNull(refreshed.get(s.cloud()), "every mailbox has a refresh").active()) {
                return true;
            }
        }
        return false;
    }

    /**
     * What the local file of {@code prev} showed after the previous cycle: the combination of
     * the committed flags of every copy of its content routed there (as {@link Want} combines them).
     */
    Flags shown(Entry prev) {
        List<Source> sources = byMaildir.get(prev.target()).get(prev.hash());
        if (sources == null) {
            return prev.flags();
        }
        Flags out = Flags.NONE;
        for (Source s : sources) {
            Entry e = s.cloud().snapshot.get(s.id());
            if (e != null) {
                out = CopyFlags.combine(out, e.flags(), s.cloud().supported);
            }
        }
        return out;
    }
}
