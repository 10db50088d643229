package dev.cms.sync;

import java.util.Arrays;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/**
 * Message id → {@link Entry}, for the committed snapshot of a mailbox and a cycle's changes to
 * it, with a count of the messages each Maildir should hold.
 *
 * <p>One lives as long as the daemon with an entry per message, so it is an open-addressing
 * table (two arrays, linear probing, deletion by shifting back) rather than a {@code HashMap}:
 * no node object per message, and the per-Maildir counts the wipe guard asks for every cycle
 * are kept up to date instead of counted over every message.
 */
final class Snapshot {
    private @Nullable String[] ids;
    private @Nullable Entry[] entries;
    private int size;
    /** Messages per target Maildir index (entries with target -1 are not counted). */
    private int[] perTarget = new int[0];

    Snapshot() {
        this(0);
    }

    /** A table sized for {@code expected} entries without growing. */
    Snapshot(int expected) {
        int capacity = ProbeTable.capacityFor(expected);
        ids = new String[capacity];
        entries = new Entry[capacity];
    }

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** The slots the table has now (its memory: two references each). */
    int capacity() {
        return ids.length;
    }

    @Nullable Entry get(String id) {
        int i = slotOf(id);
        return i < 0 ? null : entries[i];
    }

    boolean containsKey(String id) {
        return slotOf(id) >= 0;
    }

    /** The entry that was there, or null. */
    @Nullable Entry put(String id, Entry e) {
        int mask = ids.length - 1;
        int i = spread(id.hashCode()) & mask;
        for (String at; (at = ids[i]) != null; i = (i + 1) & mask) {
            if (at.equals(id)) {
                Entry was = entries[i];
                entries[i] = e;
                count(was, -1);
                count(e, 1);
                return was;
            }
        }
        ids[i] = id;
        entries[i] = e;
        count(e, 1);
        if (++size > ids.length * 3 / 4) {
            resize(ids.length * 2);
        }
        return null;
    }

    void putAll(Snapshot other) {
        other.forEach(this::put);
    }

    /** The entry that was there, or null. */
    @Nullable Entry remove(String id) {
        int i = slotOf(id);
        if (i < 0) {
            return null;
        }
        Entry was = entries[i];
        count(was, -1);
        size--;
        shiftBack(i);
        return was;
    }

    /** How many entries place their message in Maildir {@code target}. */
    int countIn(int target) {
        return target >= 0 && target < perTarget.length ? perTarget[target] : 0;
    }

    /** Every entry, in no particular order; {@code action} must not change this table. */
    void forEach(BiConsumer<String, Entry> action) {
        String[] keys = ids;
        Entry[] vals = entries;
        for (int i = 0; i < keys.length; i++) {
            String id = keys[i];
            if (id != null) {
                action.accept(id, vals[i]);
            }
        }
    }

    private int slotOf(String id) {
        int mask = ids.length - 1;
        for (int i = spread(id.hashCode()) & mask; ids[i] != null; i = (i + 1) & mask) {
            if (ids[i].equals(id)) {
                return i;
            }
        }
        return -1;
    }

    /** Empties slot {@code hole}, moving later entries of its run back so every entry stays reachable. */
    private void shiftBack(int hole) {
        int mask = ids.length - 1;
        int i = hole;
        while (true) {
            i = (i + 1) & mask;
            String id = ids[i];
            if (id == null) {
                break;
            }
            int home = spread(id.hashCode()) & mask;
            if (ProbeTable.mayFill(hole, i, home)) {
                ids[hole] = id;
                entries[hole] = entries[i];
                hole = i;
            }
        }
        ids[hole] = null;
        entries[hole] = null;
    }

    private void resize(int capacity) {
        String[] oldIds = ids;
        Entry[] oldEntries = entries;
        ids = new String[capacity];
        entries = new Entry[capacity];
        int mask = capacity - 1;
        for (int j = 0; j < oldIds.length; j++) {
            String id = oldIds[j];
            if (id != null) {
                int i = spread(id.hashCode()) & mask;
                while (ids[i] != null) {
                    i = (i + 1) & mask;
                }
                ids[i] = id;
                entries[i] = oldEntries[j];
            }
        }
    }

    private void count(@Nullable Entry e, int delta) {
        if (e == null || e.target() < 0) {
            return;
        }
        int t = e.target();
        if (t >= perTarget.length) {
            perTarget = Arrays.copyOf(perTarget, Math.max(t + 1, perTarget.length * 2));
        }
        perTarget[t] += delta;
    }

    private static int spread(int h) {
        return ProbeTable.spread(h);
    }
}
