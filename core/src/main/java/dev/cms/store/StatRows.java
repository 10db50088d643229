package dev.cms.store;

import dev.cms.model.ContentHash;
import dev.cms.model.FileStat;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.LongConsumer;
import org.jspecify.annotations.Nullable;

/**
 * The stat index's rows as read from {@code state.db} at start-up, by inode, until the first
 * complete look has used them ({@link StatIndex}).
 *
 * <p>A restart reads one row per local file and asks for each file's row once or twice, so the
 * rows are parallel arrays kept dense (stat, hash, the name's bytes, whether a look saw the file)
 * with an open-addressing table of row numbers: no boxed inode, map node, entry, stat or name
 * string per row. An {@link StatIndex.Entry} is made only when one is asked for.
 */
public final class StatRows {
    /** The name of a row written before names were kept: matches no file's. */
    private static final byte[] NO_NAME = new byte[0];
    /** Row + 1 of the inode that hashes there; 0 is an empty slot. */
    private int[] slots;
    private long[] inodes;
    private long[] sizes;
    private long[] mtimes;
    private long[] ctimes;
    private ContentHash[] hashes;
    /** The names' UTF-8 bytes; none (empty) when not known. */
    private byte[][] names;
    private boolean[] seen;
    private int size;

    /** Rows for about {@code expected} inodes without growing. */
    public StatRows(long expected) {
        slots = new int[capacityFor(expected)];
        int rows = (int) Math.max(8, Math.min(expected, 1 << 30));
        inodes = new long[rows];
        sizes = new long[rows];
        mtimes = new long[rows];
        ctimes = new long[rows];
        hashes = new ContentHash[rows];
        names = new byte[rows][];
        seen = new boolean[rows];
    }

    /** The power of two that holds {@code expected} entries at most three quarters full (the store's tables). */
    static int capacityFor(long expected) {
        int capacity = 16;
        while (capacity * 3L / 4 < expected && capacity < 1 << 30) {
            capacity <<= 1;
        }
        return capacity;
    }

    /** The rows of {@code entries} (for tests and tools). */
    public static StatRows of(Map<Long, StatIndex.Entry> entries) {
        StatRows rows = new StatRows(entries.size());
        entries.values().forEach(e -> rows.put(e.stat(), e.hash(), bytes(e.name())));
        return rows;
    }

    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** The row of {@code inode}, made an entry; null when there is none. */
    public StatIndex.@Nullable Entry get(long inode) {
        int row = rowOf(inode);
        return row < 0 ? null : entry(row);
    }

    /** Every inode with a row (for tests). */
    public Set<Long> inodes() {
        Set<Long> out = new HashSet<>();
        forEachInode(out::add);
        return out;
    }

    /** Adds or replaces the row of {@code stat}'s inode; {@code name} is the name's UTF-8 bytes, or null. */
    void put(FileStat stat, ContentHash hash, byte @Nullable [] name) {
        byte[] known = name == null ? NO_NAME : name;
        int row = rowOf(stat.inode());
        if (row < 0) {
            if (size == inodes.length) {
                grow();
            }
            row = size++;
            inodes[row] = stat.inode();
            place(slots, stat.inode(), row);
            if (size > slots.length * 3 / 4) {
                slots = new int[slots.length * 2];
                for (int r = 0; r < size; r++) {
                    place(slots, inodes[r], r);
                }
            }
        }
        sizes[row] = stat.size();
        mtimes[row] = stat.mtimeNanos();
        ctimes[row] = stat.ctimeNanos();
        hashes[row] = hash;
        names[row] = known;
    }

    /** The row of {@code inode}, or -1. */
    int rowOf(long inode) {
        int mask = slots.length - 1;
        for (int i = spread(inode) & mask; slots[i] != 0; i = (i + 1) & mask) {
            if (inodes[slots[i] - 1] == inode) {
                return slots[i] - 1;
            }
        }
        return -1;
    }

    /** Whether row {@code row} holds exactly this stat and name. */
    boolean matches(int row, FileStat stat, String name) {
        return inodes[row] == stat.inode() && sizes[row] == stat.size() && mtimes[row] == stat.mtimeNanos()
                && ctimes[row] == stat.ctimeNanos() && sameName(names[row], name);
    }

    /** Whether row {@code row} has this stat (its name aside). */
    boolean hasStat(int row, FileStat stat) {
        return inodes[row] == stat.inode() && sizes[row] == stat.size() && mtimes[row] == stat.mtimeNanos()
                && ctimes[row] == stat.ctimeNanos();
    }

    ContentHash hash(int row) {
        return hashes[row];
    }

    StatIndex.Entry entry(int row) {
        // A row without a name gives "": like the null an older row gave, it equals no file's name.
        return new StatIndex.Entry(new FileStat(inodes[row], sizes[row], mtimes[row], ctimes[row]), hashes[row],
                new String(names[row], StandardCharsets.UTF_8));
    }

    void markSeen(int row) {
        seen[row] = true;
    }

    /** Every row unseen again (a commit's new period). */
    void forgetSeen() {
        Arrays.fill(seen, 0, size, false);
    }

    /** Hands over the inode of every row no look has marked seen. */
    void forEachUnseen(LongConsumer action) {
        for (int r = 0; r < size; r++) {
            if (!seen[r]) {
                action.accept(inodes[r]);
            }
        }
    }

    void forEachInode(LongConsumer action) {
        for (int r = 0; r < size; r++) {
            action.accept(inodes[r]);
        }
    }

    /** Whether {@code bytes} are the UTF-8 form of {@code s}, without encoding {@code s} when it is ASCII. */
    private static boolean sameName(byte[] bytes, @Nullable String s) {
        if (s == null || bytes == NO_NAME) {
            return false;
        }
        int n = bytes.length;
        if (n != s.length()) {
            return Arrays.equals(bytes, s.getBytes(StandardCharsets.UTF_8));
        }
        for (int i = 0; i < n; i++) {
            byte b = bytes[i];
            if (b < 0) {
                return Arrays.equals(bytes, s.getBytes(StandardCharsets.UTF_8));
            }
            if (b != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    static byte @Nullable [] bytes(@Nullable String name) {
        return name == null ? null : name.getBytes(StandardCharsets.UTF_8);
    }

    private void grow() {
        int n = inodes.length + Math.max(inodes.length >> 1, 8);
        inodes = Arrays.copyOf(inodes, n);
        sizes = Arrays.copyOf(sizes, n);
        mtimes = Arrays.copyOf(mtimes, n);
        ctimes = Arrays.copyOf(ctimes, n);
        hashes = Arrays.copyOf(hashes, n);
        names = Arrays.copyOf(names, n);
        seen = Arrays.copyOf(seen, n);
    }

    private void place(int[] into, long inode, int row) {
        int mask = into.length - 1;
        int i = spread(inode) & mask;
        while (into[i] != 0) {
            i = (i + 1) & mask;
        }
        into[i] = row + 1;
    }

    private static int spread(long inode) {
        int h = (int) (inode ^ (inode >>> 32)) * 0x9E3779B9;
        return h ^ (h >>> 16);
    }
}
