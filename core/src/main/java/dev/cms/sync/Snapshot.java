package dev.cms.sync;

import dev.cms.model.ContentHash;
import dev.cms.model.Flag;
import dev.cms.model.Flags;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/**
 * Message id → {@link Entry}, for the committed snapshot of a mailbox and a cycle's changes to
 * it, with a count of the messages each Maildir should hold.
 *
 * <p>One lives as long as the daemon with an entry per message, so it holds no object per
 * message but the id's bytes (ASCII, or UTF-16 after a marker for any other id): the entries are rows of parallel arrays (id, content, received
 * time, flags and target packed in one int), kept dense, and an open-addressing table of row
 * numbers (linear probing, deletion by shifting back) finds a row by id. An {@link Entry} is
 * made when one is asked for. The per-Maildir counts the wipe guard asks for every cycle are
 * kept up to date instead of counted over every message.
 */
final class Snapshot {
    /** Where the target is kept in a row's packed int; the flags are above it. */
    private static final int TARGET_BITS = 24;
    private static final int TARGET_MASK = (1 << TARGET_BITS) - 1;
    /** The first byte of an id kept as UTF-16 (one with a character beyond ASCII); never an ASCII byte. */
    private static final byte WIDE = (byte) 0xFF;
    /** Every set of flags, by its bits: an entry made from a row shares one. */
    private static final Flags[] FLAGS = new Flags[1 << Flag.values().length];

    static {
        if (Flag.values().length > Integer.SIZE - 1 - TARGET_BITS) {
            throw new ExceptionInInitializerError("the flags no longer fit beside the target");
        }
        for (int b = 0; b < FLAGS.length; b++) {
            FLAGS[b] = new Flags(b);
        }
    }

    /** Row + 1 of the entry whose id hashes there; 0 is an empty slot. */
    private int[] slots;
    private byte[][] ids;
    private ContentHash[] hashes;
    private long[] received;
    /** Flags' bits above {@link #TARGET_BITS}, target + 1 below. */
    private int[] packed;
    private int size;
    /** Messages per target Maildir index (entries with target -1 are not counted). */
    private int[] perTarget = new int[0];

    /** Which rows {@link #forEachWhere} makes entries of: asked with the row's target and content only. */
    @FunctionalInterface
    interface Placement {
        boolean test(int target, ContentHash hash);
    }

    Snapshot() {
        this(0);
    }

    /** A table sized for {@code expected} entries without growing. */
    Snapshot(int expected) {
        slots = new int[ProbeTable.capacityFor(expected)];
        int rows = Math.max(expected, 8);
        ids = new byte[rows][];
        hashes = new ContentHash[rows];
        received = new long[rows];
        packed = new int[rows];
    }

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** The slots the table has now. */
    int capacity() {
        return slots.length;
    }

    @Nullable Entry get(String id) {
        int i = slotOf(key(id));
        return i < 0 ? null : entry(slots[i] - 1);
    }

    boolean containsKey(String id) {
        return slotOf(key(id)) >= 0;
    }

    /** The entry that was there, or null. */
    @Nullable Entry put(String id, Entry e) {
        if (e.target() + 1 > TARGET_MASK || e.target() < -1) {
            throw new IllegalArgumentException("target out of range: " + e.target());
        }
        byte[] key = key(id);
        int i = slotOf(key);
        if (i >= 0) {
            int row = slots[i] - 1;
            Entry was = entry(row);
            count(was.target(), -1);
            set(row, e);
            count(e.target(), 1);
            return was;
        }
        if (size == ids.length) {
            growRows();
        }
        int row = size++;
        ids[row] = key;
        set(row, e);
        count(e.target(), 1);
        place(slots, key, row);
        if (size > slots.length * 3 / 4) {
            resize(slots.length * 2);
        }
        return null;
    }

    void putAll(Snapshot other) {
        other.forEach(this::put);
    }

    /** The entry that was there, or null. */
    @Nullable Entry remove(String id) {
        int i = slotOf(key(id));
        if (i < 0) {
            return null;
        }
        int row = slots[i] - 1;
        Entry was = entry(row);
        count(was.target(), -1);
        shiftBack(i);
        int last = --size;
        if (row != last) {
            // The last row fills the hole, so rows stay dense: its slot now names this row.
            slots[slotOfRow(ids[last], last)] = row + 1;
            ids[row] = ids[last];
            hashes[row] = hashes[last];
            received[row] = received[last];
            packed[row] = packed[last];
        }
        ids[last] = null;
        hashes[last] = null;
        return was;
    }

    /** How many entries place their message in Maildir {@code target}. */
    int countIn(int target) {
        return target >= 0 && target < perTarget.length ? perTarget[target] : 0;
    }

    /** Every entry, in no particular order; {@code action} must not change this table. */
    void forEach(BiConsumer<String, Entry> action) {
        for (int row = 0; row < size; row++) {
            action.accept(id(row), entry(row));
        }
    }

    /**
     * The entries whose target and content {@code where} accepts, in no particular order;
     * {@code action} must not change this table. Nothing is made for the rows passed over, so
     * a pass over a large snapshot for a few entries costs no garbage.
     */
    void forEachWhere(Placement where, BiConsumer<String, Entry> action) {
        for (int row = 0; row < size; row++) {
            if (where.test((packed[row] & TARGET_MASK) - 1, hashes[row])) {
                action.accept(id(row), entry(row));
            }
        }
    }

    private Entry entry(int row) {
        int p = packed[row];
        return new Entry(hashes[row], FLAGS[p >>> TARGET_BITS], received[row], (p & TARGET_MASK) - 1);
    }

    private void set(int row, Entry e) {
        hashes[row] = e.hash();
        received[row] = e.receivedMillis();
        packed[row] = e.flags().bits() << TARGET_BITS | (e.target() + 1);
    }

    private int slotOf(byte[] key) {
        int mask = slots.length - 1;
        for (int i = spread(hash(key)) & mask; slots[i] != 0; i = (i + 1) & mask) {
            if (Arrays.equals(ids[slots[i] - 1], key)) {
                return i;
            }
        }
        return -1;
    }

    /** The slot that holds row {@code row}, whose id is {@code key}. */
    private int slotOfRow(byte[] key, int row) {
        int mask = slots.length - 1;
        for (int i = spread(hash(key)) & mask; slots[i] != 0; i = (i + 1) & mask) {
            if (slots[i] == row + 1) {
                return i;
            }
        }
        throw new IllegalStateException("row " + row + " has no slot");
    }

    /** Empties slot {@code hole}, moving later slots of its run back so every row stays reachable. */
    private void shiftBack(int hole) {
        int mask = slots.length - 1;
        int i = hole;
        while (true) {
            i = (i + 1) & mask;
            int s = slots[i];
            if (s == 0) {
                break;
            }
            int home = spread(hash(ids[s - 1])) & mask;
            if (ProbeTable.mayFill(hole, i, home)) {
                slots[hole] = s;
                hole = i;
            }
        }
        slots[hole] = 0;
    }

    private void resize(int capacity) {
        slots = new int[capacity];
        for (int row = 0; row < size; row++) {
            place(slots, ids[row], row);
        }
    }

    private void growRows() {
        int n = ids.length + Math.max(ids.length >> 1, 8);
        ids = Arrays.copyOf(ids, n);
        hashes = Arrays.copyOf(hashes, n);
        received = Arrays.copyOf(received, n);
        packed = Arrays.copyOf(packed, n);
    }

    private static void place(int[] into, byte[] key, int row) {
        int mask = into.length - 1;
        int i = spread(hash(key)) & mask;
        while (into[i] != 0) {
            i = (i + 1) & mask;
        }
        into[i] = row + 1;
    }

    private void count(int target, int delta) {
        if (target < 0) {
            return;
        }
        if (target >= perTarget.length) {
            perTarget = Arrays.copyOf(perTarget, Math.max(target + 1, perTarget.length * 2));
        }
        perTarget[target] += delta;
    }

    /**
     * An id as the bytes the table keeps: its ASCII bytes (every service id), else {@link #WIDE}
     * and its UTF-16 chars, so that any string, even one with a lone surrogate, comes back as it was.
     */
    private static byte[] key(String id) {
        for (int i = 0; i < id.length(); i++) {
            if (id.charAt(i) >= 0x80) {
                byte[] out = new byte[1 + 2 * id.length()];
                out[0] = WIDE;
                for (int k = 0; k < id.length(); k++) {
                    char c = id.charAt(k);
                    out[1 + 2 * k] = (byte) (c >>> 8);
                    out[2 + 2 * k] = (byte) c;
                }
                return out;
            }
        }
        return id.getBytes(StandardCharsets.US_ASCII);
    }

    private String id(int row) {
        byte[] key = ids[row];
        if (key.length == 0 || key[0] != WIDE) {
            return new String(key, StandardCharsets.US_ASCII);
        }
        char[] chars = new char[(key.length - 1) / 2];
        for (int k = 0; k < chars.length; k++) {
            chars[k] = (char) ((key[1 + 2 * k] & 0xff) << 8 | (key[2 + 2 * k] & 0xff));
        }
        return new String(chars);
    }

    private static int hash(byte[] key) {
        return Arrays.hashCode(key);
    }

    private static int spread(int h) {
        return ProbeTable.spread(h);
    }
}
