package dev.cms.sync;

import dev.cms.maildir.MaildirFile;
import dev.cms.maildir.MaildirName;
import dev.cms.model.ContentHash;
import dev.cms.model.FileStat;
import dev.cms.store.StatIndex;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.ObjLongConsumer;
import org.jspecify.annotations.Nullable;

/**
 * What one Maildir holds: every message file with its content hash. Kept from cycle to
 * cycle and brought up to date from the files a watcher names (or a scan), so a cycle
 * looks only at what changed.
 *
 * <p>Kept compact, since it lives as long as the daemon and has an entry per message: a file is
 * one object (its name as UTF-8 bytes, whether it is in {@code new/}, its hash and its stat),
 * found by name and by content through two open-addressing tables ({@link ProbeTable}), not
 * maps with a node per file; its path and parsed name are made again when a cycle needs it.
 */
final class LocalView {
    /** One file: its name in {@code cur/} or {@code new/}, its content and its stat (inline: no object of its own). */
    private static final class Item {
        final byte[] name;
        final boolean inNew;
        final ContentHash hash;
        final long inode;
        final long size;
        final long mtimeNanos;
        final long ctimeNanos;

        Item(byte[] name, boolean inNew, ContentHash hash, FileStat st) {
            this.name = name;
            this.inNew = inNew;
            this.hash = hash;
            this.inode = st.inode();
            this.size = st.size();
            this.mtimeNanos = st.mtimeNanos();
            this.ctimeNanos = st.ctimeNanos();
        }

        FileStat stat() {
            return new FileStat(inode, size, mtimeNanos, ctimeNanos);
        }

        String nameString() {
            return new String(name, StandardCharsets.UTF_8);
        }
    }

    private final Path cur;
    private final Path nu;
    /** Every file, found by directory and name. */
    private final ProbeTable<Item> byName;
    /** Content → its file: an {@link Item}, or an {@code Item[]} when several files hold it. */
    private final ProbeTable<Object> byHash;

    LocalView(Path root) {
        this(root, 0);
    }

    /** A view sized for {@code expected} files without growing. */
    LocalView(Path root, int expected) {
        this.cur = root.resolve("cur");
        this.nu = root.resolve("new");
        this.byName = new ProbeTable<>(i -> nameHash(i.inNew, i.name), expected);
        this.byHash = new ProbeTable<>(o -> first(o).hash.hashCode(), expected);
    }

    int files() {
        return byName.size();
    }

    private static int nameHash(boolean inNew, byte[] name) {
        return Arrays.hashCode(name) * 31 + (inNew ? 1 : 0);
    }

    private static Item first(Object held) {
        return held instanceof Item one ? one : ((Item[]) held)[0];
    }

    /** The file at {@code p}; null for none, or a path outside {@code cur/} and {@code new/}. */
    private @Nullable Item itemAt(Path p) {
        Path dir = p.getParent();
        boolean inNew = nu.equals(dir);
        if (!inNew && !cur.equals(dir)) {
            return null;
        }
        byte[] name = p.getFileName().toString().getBytes(StandardCharsets.UTF_8);
        return byName.find(nameHash(inNew, name), i -> i.inNew == inNew && Arrays.equals(i.name, name));
    }

    private @Nullable Object heldBy(ContentHash h) {
        return byHash.find(h.hashCode(), o -> first(o).hash.equals(h));
    }

    void add(MaildirFile f, ContentHash h) {
        remove(f.path());
        addNew(f, h);
    }

    /** Adds a file this view does not hold yet (one of a listing, into a new view). */
    void addNew(MaildirFile f, ContentHash h) {
        Item item = new Item(f.path().getFileName().toString().getBytes(StandardCharsets.UTF_8), f.inNew(), h,
                f.stat());
        byName.add(item);
        Object was = heldBy(h);
        if (was == null) {
            byHash.add(item);
            return;
        }
        Item[] before = was instanceof Item[] many ? many : new Item[] {(Item) was};
        Item[] after = Arrays.copyOf(before, before.length + 1);
        after[before.length] = item;
        byHash.replace(was, after);
    }

    /** Forgets the file at {@code p}; its hash, or null when there was none. */
    @Nullable ContentHash remove(Path p) {
        Item item = itemAt(p);
        if (item == null) {
            return null;
        }
        byName.remove(item);
        Object was = Objects.requireNonNull(heldBy(item.hash), "a file's content is indexed");
        if (!(was instanceof Item[] many)) {
            byHash.remove(was);
        } else {
            List<Item> left = new ArrayList<>(List.of(many));
            left.remove(item);
            byHash.replace(was, left.size() == 1 ? left.get(0) : left.toArray(new Item[0]));
        }
        return item.hash;
    }

    @Nullable ContentHash hashAt(Path p) {
        Item item = itemAt(p);
        return item == null ? null : item.hash;
    }

    boolean contains(Path p) {
        return itemAt(p) != null;
    }

    /**
     * Against {@code names} (a names-only listing of the Maildir): the files this view does not
     * hold and those it holds that are not listed.
     */
    Set<Path> differingFrom(Set<Path> names) {
        Set<Path> out = new java.util.HashSet<>();
        for (Path p : names) {
            if (!contains(p)) {
                out.add(p);
            }
        }
        forEach((p, h) -> {
            if (!names.contains(p)) {
                out.add(p);
            }
        });
        return out;
    }

    @Nullable FileStat statOf(Path p) {
        Item item = itemAt(p);
        return item == null ? null : item.stat();
    }

    /** What this view knows of the file at {@code p}, as a stat index entry; null when nothing. */
    StatIndex.@Nullable Entry entryAt(Path p) {
        Item item = itemAt(p);
        return item == null ? null
                : new StatIndex.Entry(item.stat(), item.hash, MaildirName.parse(item.nameString()).base());
    }

    boolean has(ContentHash h) {
        return heldBy(h) != null;
    }

    /** The files holding {@code h}; null when none does. */
    @Nullable List<MaildirFile> files(ContentHash h) {
        Object held = heldBy(h);
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

    /** Every content held here, each once (a new list: made for a cycle that plans everything). */
    List<ContentHash> hashes() {
        List<ContentHash> out = new ArrayList<>(byHash.size());
        byHash.forEach(o -> out.add(first(o).hash));
        return out;
    }

    /** How many contents are held here. */
    int hashCount() {
        return byHash.size();
    }

    /** Every file's path with its hash. */
    void forEach(BiConsumer<Path, ContentHash> action) {
        byName.forEach(item -> action.accept(path(item), item.hash));
    }

    /** Every file's content with its size. */
    void forEachSized(ObjLongConsumer<ContentHash> action) {
        byName.forEach(item -> action.accept(item.hash, item.size));
    }

    /** Adds to {@code touched} the contents of files that differ between {@code old} and this view of the same Maildir. */
    void addDifferencesFrom(LocalView old, Set<ContentHash> touched) {
        forEach((p, h) -> {
            ContentHash was = old.hashAt(p);
            if (!h.equals(was)) {
                touched.add(h);
                if (was != null) {
                    touched.add(was);
                }
            }
        });
        old.forEach((p, h) -> {
            if (!contains(p)) {
                touched.add(h);
            }
        });
    }

    private Path path(Item item) {
        return (item.inNew ? nu : cur).resolve(item.nameString());
    }

    private MaildirFile file(Item item) {
        String name = item.nameString();
        return new MaildirFile((item.inNew ? nu : cur).resolve(name), MaildirName.parse(name), item.inNew,
                item.stat());
    }
}
