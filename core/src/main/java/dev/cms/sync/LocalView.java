package dev.cms.sync;

import dev.cms.maildir.MaildirFile;
import dev.cms.maildir.MaildirName;
import dev.cms.model.ContentHash;
import dev.cms.model.FileStat;
import dev.cms.store.StatIndex;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/**
 * What one Maildir holds: every message file with its content hash. Kept from cycle to
 * cycle and brought up to date from the files a watcher names (or a scan), so a cycle
 * looks only at what changed.
 *
 * <p>Kept compact, since it lives as long as the daemon and has an entry per message: a file is
 * its name, whether it is in {@code new/}, its hash and its stat; its path and parsed name are
 * made again when a cycle needs the file.
 */
final class LocalView {
    /** One file: its name in {@code cur/} or {@code new/}, its content and its stat (inline: no object of its own). */
    private record Item(String name, boolean inNew, ContentHash hash, long inode, long size, long mtimeNanos,
            long ctimeNanos) {
        Item(String name, boolean inNew, ContentHash hash, FileStat st) {
            this(name, inNew, hash, st.inode(), st.size(), st.mtimeNanos(), st.ctimeNanos());
        }

        FileStat stat() {
            return new FileStat(inode, size, mtimeNanos, ctimeNanos);
        }
    }

    private final Path cur;
    private final Path nu;
    private final Map<String, Item> inCur = new HashMap<>();
    private final Map<String, Item> inNew = new HashMap<>();
    /** Content → its file: an {@link Item}, or an {@code Item[]} when several files hold it. */
    private final Map<ContentHash, Object> byHash = new HashMap<>();

    LocalView(Path root) {
        this.cur = root.resolve("cur");
        this.nu = root.resolve("new");
    }

    int files() {
        return inCur.size() + inNew.size();
    }

    /** The directory map of a file of this Maildir; null for a path outside {@code cur/} and {@code new/}. */
    private @Nullable Map<String, Item> dirOf(Path p) {
        Path dir = p.getParent();
        if (cur.equals(dir)) {
            return inCur;
        }
        return nu.equals(dir) ? inNew : null;
    }

    void add(MaildirFile f, ContentHash h) {
        remove(f.path());
        Item item = new Item(f.path().getFileName().toString(), f.inNew(), h, f.stat());
        (f.inNew() ? inNew : inCur).put(item.name(), item);
        byHash.merge(h, item, (was, one) -> {
            Item[] before = was instanceof Item[] many ? many : new Item[] {(Item) was};
            Item[] after = java.util.Arrays.copyOf(before, before.length + 1);
            after[before.length] = (Item) one;
            return after;
        });
    }

    /** Forgets the file at {@code p}; its hash, or null when there was none. */
    @Nullable ContentHash remove(Path p) {
        Map<String, Item> dir = dirOf(p);
        Item item = dir == null ? null : dir.remove(p.getFileName().toString());
        if (item == null) {
            return null;
        }
        byHash.computeIfPresent(item.hash(), (h, was) -> {
            if (!(was instanceof Item[] many)) {
                return null;
            }
            List<Item> left = new ArrayList<>(List.of(many));
            left.remove(item);
            return left.size() == 1 ? left.get(0) : left.toArray(new Item[0]);
        });
        return item.hash();
    }

    @Nullable ContentHash hashAt(Path p) {
        Map<String, Item> dir = dirOf(p);
        Item item = dir == null ? null : dir.get(p.getFileName().toString());
        return item == null ? null : item.hash();
    }

    boolean contains(Path p) {
        return hashAt(p) != null;
    }

    @Nullable FileStat statOf(Path p) {
        Map<String, Item> dir = dirOf(p);
        Item item = dir == null ? null : dir.get(p.getFileName().toString());
        return item == null ? null : item.stat();
    }

    /** What this view knows of the file at {@code p}, as a stat index entry; null when nothing. */
    StatIndex.@Nullable Entry entryAt(Path p) {
        Map<String, Item> dir = dirOf(p);
        Item item = dir == null ? null : dir.get(p.getFileName().toString());
        return item == null ? null : new StatIndex.Entry(item.stat(), item.hash(), MaildirName.parse(item.name()).base());
    }

    boolean has(ContentHash h) {
        return byHash.containsKey(h);
    }

    /** The files holding {@code h}; null when none does. */
    @Nullable List<MaildirFile> files(ContentHash h) {
        Object held = byHash.get(h);
        if (held == null) {
            return null;
        }
        if (held instanceof Item one) {
            return List.of(file(one));
        }
        List<MaildirFile> out = new ArrayList<>();
        for (Item item : (Item[]) held) {
            out.add(file(item));
        }
        return out;
    }

    Set<ContentHash> hashes() {
        return byHash.keySet();
    }

    /** Every file's path with its hash. */
    void forEach(BiConsumer<Path, ContentHash> action) {
        for (Collection<Item> dir : List.of(inCur.values(), inNew.values())) {
            for (Item item : dir) {
                action.accept(path(item), item.hash());
            }
        }
    }

    private Path path(Item item) {
        return (item.inNew() ? nu : cur).resolve(item.name());
    }

    private MaildirFile file(Item item) {
        return new MaildirFile(path(item), MaildirName.parse(item.name()), item.inNew(), item.stat());
    }
}
