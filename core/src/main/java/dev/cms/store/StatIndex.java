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

/**
 * Remembers the content hash of local files by their stat data, so start-up re-hashes only
 * files whose inode, size, mtime or ctime changed. Entries not seen during a cycle are
 * dropped when the cycle is committed.
 *
 * <p>A file that is still a hard link to the store body its inode was recorded with keeps that
 * body's hash without being read: a body is known by the hash it was stored under, whatever
 * bytes it holds, so a rename (which changes the ctime) never makes a known message look like
 * a foreign file.
 */
public final class StatIndex {
    /**
     * A file's stat, the hash computed for it, and the unique part of its Maildir name (null
     * when not known), by which the hash of a deleted file can still be found.
     */
    public record Entry(FileStat stat, ContentHash hash, String name) {}

    private final MessageStore store;
    private final Map<Long, Entry> byInode;
    private final Map<Long, Entry> dirty = new HashMap<>();
    private final Set<Long> seen = new HashSet<>();
    /** The inodes whose entries went into the last commit, until it is known to have been saved. */
    private final Set<Long> drained = new HashSet<>();
    private int hashed;

    /**
     * An index starting from {@code loaded}; a {@link HashMap} (what {@link StateDb#loadStatIndex}
     * returns) is taken over rather than copied, so the caller must not use it afterwards.
     */
    public StatIndex(MessageStore store, Map<Long, Entry> loaded) {
        this.store = store;
        this.byInode = loaded instanceof HashMap<Long, Entry> owned ? owned : new HashMap<>(loaded);
    }

    /**
     * The hash of a file: the remembered one when its stat is unchanged or when it is still the
     * store body that hash names (same inode); otherwise the file is read and hashed.
     */
    public ContentHash hashOf(Path file, FileStat stat, String name) throws IOException {
        seen.add(stat.inode());
        Entry e = byInode.get(stat.inode());
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
        seen.add(stat.inode());
        Entry e = new Entry(stat, hash, name);
        if (!e.equals(byInode.put(stat.inode(), e))) {
            dirty.put(stat.inode(), e);
        }
    }

    /** How many files were read and hashed since the last commit. */
    public int hashedSinceCommit() {
        return hashed;
    }

    public int size() {
        return byInode.size();
    }

    /**
     * Moves this cycle's changes into {@code commit}. With {@code complete} (every Maildir
     * was scanned) entries for inodes not seen are dropped.
     */
    public void drainInto(StateDb.CycleCommit commit, boolean complete) {
        drained.clear();
        for (Map.Entry<Long, Entry> e : dirty.entrySet()) {
            commit.statPut(e.getKey(), e.getValue().stat(), e.getValue().hash(), e.getValue().name());
            drained.add(e.getKey());
        }
        dirty.clear();
        if (complete) {
            byInode.keySet().removeIf(inode -> {
                if (!seen.contains(inode)) {
                    commit.statRemove(inode);
                    return true;
                }
                return false;
            });
        }
        seen.clear();
        hashed = 0;
    }

    /**
     * The commit {@link #drainInto} filled was not saved: its entries go into the next one. (Else
     * the names of files written in that cycle stay unknown to state.db, and a journaled change
     * to such a file could not be found after a crash.)
     */
    public void commitFailed() {
        for (Long inode : drained) {
            Entry e = byInode.get(inode);
            if (e != null) {
                dirty.putIfAbsent(inode, e);
            }
        }
        drained.clear();
    }
}
