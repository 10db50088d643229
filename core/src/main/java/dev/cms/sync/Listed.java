package dev.cms.sync;

import dev.cms.model.Flags;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A mailbox's messages as this cycle sees them: a full listing's entries, or the committed
 * snapshot with this cycle's changes on top (the snapshot itself is left alone until the
 * commit). The changed ids are what a cycle plans around.
 */
final class Listed {
    private final Map<String, Entry> base;
    private final Map<String, Entry> changed;
    private final Set<String> removed = new HashSet<>();
    /** A full listing: {@link #changed} holds every message, {@link #base} is empty. */
    final boolean full;

    private Listed(Map<String, Entry> base, Map<String, Entry> changed, boolean full) {
        this.base = base;
        this.changed = changed;
        this.full = full;
    }

    static Listed full(int expected) {
        return new Listed(Map.of(), new HashMap<>(Math.max(16, expected * 4 / 3)), true);
    }

    static Listed over(Map<String, Entry> snapshot) {
        return new Listed(snapshot, new HashMap<>(), false);
    }

    @Nullable Entry get(String id) {
        Entry e = changed.get(id);
        if (e != null || removed.contains(id)) {
            return e;
        }
        return base.get(id);
    }

    boolean contains(String id) {
        return get(id) != null;
    }

    void put(String id, Entry e) {
        changed.put(id, e);
        removed.remove(id);
    }

    void remove(String id) {
        changed.remove(id);
        if (base.containsKey(id)) {
            removed.add(id);
        }
    }

    void updateFlags(String id, Flags flags) {
        Entry e = get(id);
        if (e != null) {
            put(id, e.withFlags(flags));
        }
    }

    int size() {
        if (full) {
            return changed.size();
        }
        int n = base.size() - removed.size();
        for (String id : changed.keySet()) {
            if (!base.containsKey(id)) {
                n++;
            }
        }
        return n;
    }

    /** Every message, each once. */
    void forEach(java.util.function.BiConsumer<String, Entry> action) {
        if (!full) {
            for (Map.Entry<String, Entry> e : base.entrySet()) {
                if (!changed.containsKey(e.getKey()) && !removed.contains(e.getKey())) {
                    action.accept(e.getKey(), e.getValue());
                }
            }
        }
        changed.forEach(action);
    }

    /** The messages this cycle added or changed (every message, for a full listing). */
    Map<String, Entry> changed() {
        return changed;
    }

    /** Messages of the snapshot this cycle removed (empty for a full listing: compare with the snapshot). */
    Set<String> removed() {
        return removed;
    }
}
