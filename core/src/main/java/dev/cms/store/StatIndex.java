package dev.cms.store;

import dev.cms.model.ContentHash;
import dev.cms.model.FileStat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Remembers the content hash of local files by their stat data, so start-up re-hashes only
 * files whose inode, size, mtime or ctime changed. Entries not seen during a complete look are
 * dropped when the cycle is committed.
 *
 * <p>A file that is still a hard link to the store body its inode was recorded with keeps that
 * body's hash without being read: a body is known by the hash it was stored under, whatever
 * bytes it holds, so a rename (which changes the ctime) never makes a known message look like
 * a foreign file.
 *
 * <p>The index lives in {@code state.db}. Its rows are held in memory only from start-up until
 * the first complete look has used them; after that a caller passes what it knows of a file
 * at the same path, and a file it does not know (a rename) is looked up by inode in
 * {@code state.db}. So the heap holds no entry per message while the daemon idles.
 */
public final class StatIndex {
    /**
     * A file's stat, the hash computed for it, and the unique part of its Maildir name (null
     * when not known), by which the hash of a deleted file can still be found.
     */
    public record Entry(FileStat stat, ContentHash hash, String name) {}

    /** Finds a committed entry by inode. */
    @FunctionalInterface
    public interface Lookup {
        @Nullable Entry byInode(long inode) throws IOException;
    }

    private final MessageStore store;
    private final Lookup committed;
    /** The rows read at start-up, until a complete look has used them; then empty. */
    private StatRows loaded;
    // Not final: emptied by replacing them once they held many entries (a first sync, a complete
    // look), since a cleared HashMap keeps its table, a megabyte at 100k, as long as the daemon.
    private Map<Long, Entry> dirty = new HashMap<>();
    /** Inodes a look saw since the last commit, those with a loaded row aside (marked in {@link #loaded}). */
    private Set<Long> seen = new HashSet<>();
    /** The entries that went into the last commit, until it is known to have been saved. */
    private Map<Long, Entry> drained = new HashMap<>();
    private int hashed;

    /**
     * An index starting from {@code loaded} (what {@link StateDb#loadStatIndex} returns), which
     * it takes over: the caller must not use it afterwards. {@code committed} answers for inodes
     * once {@code loaded} is dropped.
     */
    public StatIndex(MessageStore store, StatRows loaded, Lookup committed) {
        this.store = store;
        this.loaded = loaded;
        this.committed = committed;
    }

    /** An index starting from the rows {@code loaded} (for tests and tools). */
    public StatIndex(MessageStore store, Map<Long, Entry> loaded, Lookup committed) {
        this(store, StatRows.of(loaded), committed);
    }

    /** An index whose only committed entries are {@code loaded} (for tests and tools). */
    public StatIndex(MessageStore store, Map<Long, Entry> loaded) {
        this(store, loaded, inode -> null);
    }

    /**
     * The hash of a file: the remembered one when its stat is unchanged or when it is still the
     * store body that hash names (same inode); otherwise the file is read and hashed.
     * {@code samePath}: what the caller knew of the file at this path, if anything.
     */
    public ContentHash hashOf(Path file, FileStat stat, String name, @Nullable Entry samePath) throws IOException {
        long inode = stat.inode();
        int row = loaded.rowOf(inode);
        markSeen(inode, row);
        // record() keeps a loaded row equal to what this run last noted of its inode, so the row
        // answers for it: a start's common case is the file as the last run left it.
        if (row >= 0 && loaded.matches(row, stat, name)) {
            return loaded.hash(row);
        }
        Entry e = known(inode, row, samePath);
        if (e != null && e.stat().equals(stat)) {
            if (!Objects.equals(e.name(), name)) {
                record(stat, e.hash(), name);
            }
            return e.hash();
        }
        if (e != null && isStoreBody(e.hash(), stat.inode())) {
            record(stat, e.hash(), name);
            return e.hash();
        }
        ContentHash h = MessageStore.hashOf(file);
        hashed++;
        record(stat, h, name);
        return h;
    }

    /** The same without anything known of the path. */
    public ContentHash hashOf(Path file, FileStat stat, String name) throws IOException {
        return hashOf(file, stat, name, null);
    }

    /**
     * Whether a file with this stat and name is exactly as {@code state.db} recorded it when the
     * index was loaded (so unchanged since the last run saw it); false when the loaded rows are
     * gone (then nothing can be told). Ask before {@link #hashOf}, which updates the entry.
     */
    public boolean unchangedSinceLoad(FileStat stat, String name) {
        int row = loaded.rowOf(stat.inode());
        return row >= 0 && loaded.matches(row, stat, name);
    }

    /** Whether the rows read at start-up are still held (see {@link #unchangedSinceLoad}). */
    public boolean holdsLoadedRows() {
        return !loaded.isEmpty();
    }

    private @Nullable Entry known(long inode, int row, @Nullable Entry samePath) throws IOException {
        Entry e = dirty.isEmpty() ? null : dirty.get(inode);
        if (e == null && !drained.isEmpty()) {
            e = drained.get(inode);
        }
        if (e == null && row >= 0) {
            e = loaded.entry(row);
        }
        if (e == null && samePath != null && samePath.stat().inode() == inode) {
            e = samePath;
        }
        if (e == null && loaded.isEmpty()) {
            e = committed.byInode(inode);
        }
        return e;
    }

    private boolean isStoreBody(ContentHash h, long inode) throws IOException {
        try {
            Object stored = Files.getAttribute(store.path(h), "unix:ino", LinkOption.NOFOLLOW_LINKS);
            return stored instanceof Long l && l == inode;
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    /** Notes a file whose hash we know (we just delivered or renamed it). */
    public void record(FileStat stat, ContentHash hash, String name) {
        int row = loaded.rowOf(stat.inode());
        markSeen(stat.inode(), row);
        if (row >= 0 && loaded.matches(row, stat, name) && loaded.hash(row).equals(hash)) {
            return;
        }
        dirty.put(stat.inode(), new Entry(stat, hash, name));
        if (row >= 0) {
            loaded.put(stat, hash, StatRows.bytes(name));
        }
    }

    private void markSeen(long inode, int loadedRow) {
        if (loadedRow >= 0) {
            loaded.markSeen(loadedRow);
        } else {
            seen.add(inode);
        }
    }

    /** How many files were read and hashed since the last commit. */
    public int hashedSinceCommit() {
        return hashed;
    }

    /** How many entries the index holds in memory. */
    public int size() {
        return loaded.size() + dirty.size() + drained.size();
    }

    /**
     * Moves this cycle's changes into {@code commit}. With {@code complete} (every Maildir
     * was listed) entries for inodes not seen are dropped, and the rows read at start-up are no
     * longer needed.
     */
    public void drainInto(StateDb.CycleCommit commit, boolean complete) {
        for (Map.Entry<Long, Entry> e : dirty.entrySet()) {
            commit.statPut(e.getKey(), e.getValue().stat(), e.getValue().hash(), e.getValue().name());
        }
        drained = dirty; // kept until the commit is known to be saved
        dirty = new HashMap<>();
        if (complete) {
            if (!loaded.isEmpty()) {
                loaded.forEachUnseen(commit::statRemove);
                loaded = new StatRows(0);
            } else {
                commit.statRetainOnly(new HashSet<>(seen));
            }
        }
        seen = seen.size() > SMALL ? new HashSet<>() : seen;
        seen.clear();
        loaded.forgetSeen();
        hashed = 0;
    }

    /** The size up to which a set is emptied by clearing it rather than replacing it. */
    private static final int SMALL = 1024;

    /**
     * The commit {@link #drainInto} filled was not saved: its entries go into the next one. (Else
     * the names of files written in that cycle stay unknown to state.db, and a journaled change
     * to such a file could not be found after a crash.)
     */
    public void commitFailed() {
        drained.forEach(dirty::putIfAbsent);
        drained = new HashMap<>();
    }
}
