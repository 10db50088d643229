package dev.cms.sync;

import dev.cms.model.ContentHash;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What a cycle plans: per Maildir, the contents whose files or cloud copies changed, or every
 * content (null). A cycle that changed nothing plans nothing.
 */
final class Scope {
    private final List<@Nullable Set<ContentHash>> perMaildir;

    private Scope(List<@Nullable Set<ContentHash>> perMaildir) {
        this.perMaildir = perMaildir;
    }

    /** Every content of each of {@code maildirs} Maildirs. */
    static Scope everything(int maildirs) {
        List<@Nullable Set<ContentHash>> all = new ArrayList<>();
        for (int i = 0; i < maildirs; i++) {
            all.add(null);
        }
        return new Scope(all);
    }

    /** A copy of {@code pending} (per Maildir; null: every content). */
    static Scope of(List<@Nullable Set<ContentHash>> pending) {
        List<@Nullable Set<ContentHash>> copy = new ArrayList<>();
        for (Set<ContentHash> s : pending) {
            copy.add(s == null ? null : new HashSet<>(s));
        }
        return new Scope(copy);
    }

    int maildirs() {
        return perMaildir.size();
    }

    /** The contents planned in Maildir {@code i}; null: every content. */
    @Nullable Set<ContentHash> in(int i) {
        return perMaildir.get(i);
    }

    boolean contains(int maildir, ContentHash h) {
        if (maildir < 0) {
            return false;
        }
        Set<ContentHash> s = perMaildir.get(maildir);
        return s == null || s.contains(h);
    }

    /** Whether any Maildir has something planned. */
    boolean anything() {
        return perMaildir.stream().anyMatch(s -> s == null || !s.isEmpty());
    }

    /** Plans every content of every Maildir from now on. */
    void widenToAll() {
        for (int i = 0; i < perMaildir.size(); i++) {
            perMaildir.set(i, null);
        }
    }

    /** Adds the content of {@code e} in its Maildir. */
    void add(@Nullable Entry e) {
        if (e != null && e.target() >= 0) {
            Set<ContentHash> s = perMaildir.get(e.target());
            if (s != null) {
                s.add(e.hash());
            }
        }
    }

    /** Adds content {@code h} of Maildir {@code maildir}. */
    void add(int maildir, ContentHash h) {
        Set<ContentHash> s = perMaildir.get(maildir);
        if (s != null) {
            s.add(h);
        }
    }

    /** Adds the contents of the messages {@code r} changed, where they were and where they go. */
    void addChanged(CloudState c, Refresh r) {
        Listed now = r.now();
        if (now.full) {
            return; // a full listing plans everything
        }
        now.changed().forEach((id, e) -> {
            add(c.snapshot.get(id));
            add(e);
        });
        for (String id : now.removed()) {
            add(c.snapshot.get(id));
        }
        for (String id : r.failedIds) {
            add(c.snapshot.get(id));
        }
    }

    /** The contents planned here and not in {@code covered}, which takes them; null entries as in {@link #in}. */
    List<@Nullable Set<ContentHash>> notYetIn(List<@Nullable Set<ContentHash>> covered) {
        List<@Nullable Set<ContentHash>> more = new ArrayList<>();
        for (int i = 0; i < perMaildir.size(); i++) {
            Set<ContentHash> done = covered.get(i);
            Set<ContentHash> want = perMaildir.get(i);
            Set<ContentHash> add = new HashSet<>();
            if (done != null && want != null) {
                for (ContentHash h : want) {
                    if (done.add(h)) {
                        add.add(h);
                    }
                }
            }
            more.add(add);
        }
        return more;
    }
}
