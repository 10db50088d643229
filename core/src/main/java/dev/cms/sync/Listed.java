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
    private final Snapshot base;
    private final Snapshot changed;
    private final Set<String> removed = new HashSet<>();
    /** Messages another mailbox of the account pushed flags to this cycle: their flags as listed. */
    private final Map<String, Flags> beforeOthersPush = new HashMap<>();
    /** A full listing: {@link #changed} holds every message, {@link #base} is empty. */
    final boolean full;

    private Listed(Snapshot base, Snapshot changed, boolean full) {
        this.base = base;
        this.changed = changed;
        this.full = full;
    }

    static Listed full(int expected) {
        return new Listed(new Snapshot(), new Snapshot(expected), true);
    }

    static Listed over(Snapshot snapshot) {
        return new Listed(snapshot, new Snapshot(), false);
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

    /**
     * Flags pushed to message {@code id} through another mailbox of the account: the cloud's
     * value now, and not one the listing found.
     */
    void updateFlagsPushedElsewhere(String id, Flags flags) {
        Entry e = get(id);
        if (e != null) {
            beforeOthersPush.putIfAbsent(id, e.flags());
        }
        updateFlags(id, flags);
    }

    /** Message {@code id}'s flags as listed, before another mailbox's push this cycle changed them. */
    Flags listedFlags(String id, Flags now) {
        return beforeOthersPush.getOrDefault(id, now);
    }

    int size() {
        if (full) {
            return changed.size();
        }
        int[] n = {base.size() - removed.size()};
        changed.forEach((id, e) -> {
            if (!base.containsKey(id)) {
                n[0]++;
            }
        });
        return n[0];
    }

    /** Every message, each once. */
    void forEach(java.util.function.BiConsumer<String, Entry> action) {
        if (!full) {
            base.forEach((id, e) -> {
                if (!changed.containsKey(id) && !removed.contains(id)) {
                    action.accept(id, e);
                }
            });
        }
        changed.forEach(action);
    }

    /** The messages this cycle added or changed (every message, for a full listing). */
    Snapshot changed() {
        return changed;
    }

    /** Messages of the snapshot this cycle removed (empty for a full listing: compare with the snapshot). */
    Set<String> removed() {
        return removed;
    }
}
