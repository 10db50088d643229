package dev.cms.store;

import dev.cms.fs.FileOps;
import dev.cms.model.ContentHash;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.jspecify.annotations.Nullable;

/**
 * The content-addressed message store: every body once, with LF line endings, named by its
 * {@link ContentHash} in {@code <state>/hashes/}. New bodies are written into {@code tmp/},
 * fsynced, then hard-linked into place, so {@code hashes/} never holds a partial body and an
 * existing body is never replaced. Maildir files are hard links to these bodies.
 *
 * <p>Thread-safe. {@link #retainOnly} must not run while an ingest or {@link #publish} of a
 * hash not in its {@code keep} set is in flight: the caller orders them.
 */
public final class MessageStore {
    private static final Logger log = LoggerFactory.getLogger(MessageStore.class);

    static final String HASHES = "hashes";
    static final String TMP = "tmp";
    static final String LOST_FOUND = "lost+found";

    private final Path stateDir;
    private final Path hashes;
    private final Path tmp;
    private final Path lostFound;
    private final FileOps files;
    // Set by open() right after construction, before the store is handed out.
    @SuppressWarnings("NullAway.Init")
    private IdRecords ids;

    private MessageStore(Path stateDir, FileOps files) {
        this.stateDir = stateDir;
        this.files = files;
        this.hashes = stateDir.resolve(HASHES);
        this.tmp = stateDir.resolve(TMP);
        this.lostFound = stateDir.resolve(LOST_FOUND);
    }

    /**
     * Opens the state directory, creating it (0700) and its {@code hashes/}, {@code tmp/},
     * {@code lost+found/} and {@code ids/} sub-directories (0700) when missing, removes what a
     * crash left in {@code tmp/} (staged bodies too), and compacts the message id records that
     * need it. Take the {@link StateLock} first: another daemon's temp files would go too.
     *
     * @throws FileSystemException naming the path when it is not a directory or cannot be created
     */
    public static MessageStore open(Path stateDir) throws IOException {
        return open(stateDir, FileOps.SYSTEM);
    }

    /** Like {@link #open(Path)}, changing files only through {@code files}. */
    public static MessageStore open(Path stateDir, FileOps files) throws IOException {
        Objects.requireNonNull(stateDir, "stateDir");
        MessageStore store = new MessageStore(stateDir.toAbsolutePath().normalize(), files);
        StateFiles.ensurePrivateDirectory(files, store.stateDir, "state directory");
        StateFiles.ensurePrivateDirectory(files, store.hashes, "store directory");
        StateFiles.ensurePrivateDirectory(files, store.tmp, "store temp directory");
        StateFiles.ensurePrivateDirectory(files, store.lostFound, "lost+found directory");
        store.clearTmp();
        store.ids = IdRecords.open(store.stateDir, files, store::namesAtOpen);
        store.ids.startupDone(store::names);
        return store;
    }

    private void clearTmp() throws IOException {
        int removed = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(tmp)) {
            for (Path p : entries) {
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    log.warn("Leaving unexpected directory {} in the store's temp directory", p);
                    continue;
                }
                files.deleteIfExists(p);
                removed++;
            }
        }
        if (removed > 0) {
            log.info("Removed {} partial file(s) left in {} by an earlier run", removed, tmp);
        }
    }

    private volatile boolean unsyncedLinks;
    private final Object syncLock = new Object();
    private volatile boolean listedSinceOpen;
    private volatile @Nullable Set<ContentHash> openListing;
    private final AtomicLong listings = new AtomicLong();

    public Path stateDir() {
        return stateDir;
    }

    /**
     * Stores a body, turning CRLF into LF, and returns its content hash: {@link #stage}, fsync,
     * link to {@code hashes/<hex>} (an existing body is kept) and drop the temp file. On any
     * failure nothing is left behind in {@code tmp/} or {@code hashes/}.
     */
    public ContentHash ingest(InputStream raw) throws IOException {
        StagedBody b = stage(raw);
        try {
            files.fsync(b.temp);
            link(b.temp, path(b.hash()));
            files.deleteIfExists(b.temp);
            return b.hash();
        } catch (IOException | RuntimeException | Error e) {
            StateFiles.deleteQuietly(files, b.temp);
            throw e;
        }
    }

    /**
     * Writes a body, CRLF turned into LF, into a private temp file of {@code tmp/}, neither synced
     * nor named: the cheap first half of {@link #ingest}, for downloads that {@link #publish}
     * many bodies together. On failure nothing is left in {@code tmp/}. A crash leaves at most
     * the temp file, which the next {@link #open} removes. The stream is read to its end, not closed.
     */
    public StagedBody stage(InputStream raw) throws IOException {
        Objects.requireNonNull(raw, "raw");
        Path temp = files.createTempFile(tmp, "ingest-", ".tmp", StateFiles.privateFile(tmp));
        try {
            try (OutputStream out = files.newOutputStream(temp, Set.of(StandardOpenOption.WRITE))) {
                return new StagedBody(temp, CrlfToLfOutputStream.copyHashed(raw, out));
            }
        } catch (IOException | RuntimeException | Error e) {
            StateFiles.deleteQuietly(files, temp);
            throw e;
        }
    }

    /**
     * Makes staged bodies durable under their names, together: fsyncs those not stored yet
     * (several at once: concurrent fsyncs share the journal's commits), links each to
     * {@code hashes/<hex>} (an existing body is kept, never replaced), removes the temp files,
     * then fsyncs {@code hashes/} ({@link #sync}). Once it returns, their hashes may be recorded.
     * When it throws, none of them may be: a body whose fsync failed got no name, and the temp
     * files are removed either way.
     */
    public void publish(Collection<StagedBody> bodies) throws IOException {
        List<StagedBody> toLink = new ArrayList<>(bodies.size());
        Set<ContentHash> seen = new HashSet<>();
        for (StagedBody b : bodies) {
            // A body already named is whole and synced: its name was linked only after its fsync.
            if (seen.add(b.hash()) && !Files.exists(path(b.hash()), LinkOption.NOFOLLOW_LINKS)) {
                toLink.add(b);
            }
        }
        try {
            ParallelSync.fsyncAll(files, toLink.stream().map(b -> b.temp).toList());
            for (StagedBody b : toLink) {
                link(b.temp, path(b.hash()));
            }
        } finally {
            for (StagedBody b : bodies) {
                StateFiles.deleteQuietly(files, b.temp);
            }
        }
        sync();
    }

    /** Links the synced temp file to its final name, unless that name exists (the same body, whole). */
    private void link(Path temp, Path target) throws IOException {
        try {
            files.createLink(target, temp);
            unsyncedLinks = true;
        } catch (FileAlreadyExistsException e) {
            log.debug("Body {} already stored", target.getFileName());
        }
    }

    /**
     * Makes the names of the bodies stored since the last call durable (one fsync of
     * {@code hashes/}). Call it before recording their hashes anywhere that survives a crash.
     * Returns once every name linked before the call is durable, whichever thread synced it.
     */
    public void sync() throws IOException {
        synchronized (syncLock) {
            if (unsyncedLinks) {
                unsyncedLinks = false;
                StateFiles.fsyncDirectory(files, hashes);
            }
        }
    }

    /**
     * Records, durably, that these cloud messages of {@code account} have these bodies, in the
     * account's id record under {@code <state>/ids/}: unlike {@code state.db}'s copy, it lets a
     * full listing after the database was lost take the bodies from the store instead of
     * downloading them again. Ids unfit for a line (spaces, control characters, over 1 KiB) are
     * left out. Call {@link #sync()} first, so that no id names a body whose name is not durable.
     */
    public void recordIds(String account, Map<String, ContentHash> bodies) throws IOException {
        ids.append(Objects.requireNonNull(account, "account"), bodies);
    }

    /** Of the cloud ids {@code wanted} of {@code account}, those whose body hash is recorded, with it. */
    public Map<String, ContentHash> recordedIds(String account, Set<String> wanted) throws IOException {
        return ids.lookup(Objects.requireNonNull(account, "account"), wanted);
    }

    /** Whether {@code account} has an id record yet (a database from an older version may not). */
    public boolean hasIdRecord(String account) {
        return ids.exists(account);
    }

    public boolean contains(ContentHash h) {
        return Files.isRegularFile(path(h));
    }

    /** Where the body with hash {@code h} is (or would be) stored: {@code <state>/hashes/<hex>}. */
    public Path path(ContentHash h) {
        return hashes.resolve(h.hex());
    }

    /**
     * The hashes of all stored bodies; names in {@code hashes/} that are not hashes are ignored,
     * and so are entries that are not regular files (each entry is looked at: for a full check,
     * not for the daemon's routine, which uses the names alone).
     */
    public Set<ContentHash> scan() throws IOException {
        Set<ContentHash> found = new HashSet<>();
        for (ContentHash h : names()) {
            if (Files.isRegularFile(path(h), LinkOption.NOFOLLOW_LINKS)) {
                found.add(h);
            }
        }
        return found;
    }

    /**
     * The hashes named in {@code hashes/}: one read of the directory, no look at each entry (a
     * stat of every body would cost more than the rest of a start-up). An entry that is not a
     * regular file is named too; {@link #retainOnly} checks before deleting.
     */
    Set<ContentHash> names() throws IOException {
        listings.incrementAndGet();
        // File.list reads the directory into names alone: no Path object, no stat, per entry.
        String[] names = hashes.toFile().list();
        if (names == null) {
            throw new FileSystemException(hashes.toString(), null, "cannot list the store directory");
        }
        Set<ContentHash> found = new HashSet<>(Math.max(16, names.length * 4 / 3 + 1));
        for (String name : names) {
            ContentHash h = ContentHash.parseOrNull(name);
            if (h != null) {
                found.add(h);
            }
        }
        return found;
    }

    /**
     * The listing of {@code hashes/} made at start-up for the id records, kept for the first
     * {@link #retainOnly} (a start-up lists the store once): bodies stored since are not in it,
     * and are left alone by that collection.
     */
    private Set<ContentHash> namesAtOpen() throws IOException {
        Set<ContentHash> s = openListing;
        if (s == null) {
            s = names();
            openListing = s;
        }
        return s;
    }

    /**
     * How many times {@code hashes/} was listed since the store was opened (each
     * {@link #retainOnly} lists it once, {@link #scan} too): what start-up and garbage
     * collection cost grows with this.
     */
    public long listings() {
        return listings.get();
    }

    /**
     * Whether {@link #retainOnly} has listed {@code hashes/} since the store was opened. Until
     * it has, the store may hold bodies its caller never learnt of (left by a crash between
     * storing a body and recording it); afterwards every body is one the caller stored or kept.
     */
    public boolean listedSinceOpen() {
        return listedSinceOpen;
    }

    /**
     * Deletes every stored body whose hash is not in {@code keep}; returns how many went. Lists
     * {@code hashes/} once, and looks only at the entries it deletes.
     */
    public int retainOnly(Set<ContentHash> keep) throws IOException {
        return retainOnly(keep, null);
    }

    /**
     * Like {@link #retainOnly(Set)}, and also takes out of {@code known} (the bodies the caller
     * takes to be stored) those that are not: removed behind the daemon's back. Only the hashes
     * the listing does not name are looked at.
     */
    public int retainOnly(Set<ContentHash> keep, @Nullable Set<ContentHash> known) throws IOException {
        Objects.requireNonNull(keep, "keep");
        int deleted = 0;
        Set<ContentHash> listed = openListing != null ? openListing : names();
        openListing = null;
        for (ContentHash h : listed) {
            if (keep.contains(h)) {
                continue;
            }
            Path p = path(h);
            if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                continue; // not a body (a directory someone made): left alone
            }
            if (files.deleteIfExists(p)) {
                deleted++;
            }
        }
        if (deleted > 0) {
            StateFiles.fsyncDirectory(files, hashes);
            log.info("Removed {} message bod{} no longer referenced", deleted, deleted == 1 ? "y" : "ies");
        }
        if (known != null) {
            for (Iterator<ContentHash> it = known.iterator(); it.hasNext(); ) {
                ContentHash h = it.next();
                // A body stored after the listing was made is not in it: looked at, not dropped.
                if (!listed.contains(h) && !Files.isRegularFile(path(h), LinkOption.NOFOLLOW_LINKS)) {
                    it.remove();
                }
            }
        }
        listedSinceOpen = true;
        return deleted;
    }

    /**
     * Checks that files of this store can be hard-linked into {@code dir}, by linking a probe
     * file from {@code tmp/} there and removing both.
     *
     * @throws CrossFilesystemException when {@code dir} is on another filesystem
     */
    public void checkSameFilesystem(Path dir) throws IOException {
        Path probe = files.createTempFile(tmp, "link-probe-", ".tmp", StateFiles.privateFile(tmp));
        Path link = dir.resolve(".cms-link-probe-" + UUID.randomUUID());
        try {
            files.createLink(link, probe);
            files.deleteIfExists(link);
        } catch (FileSystemException e) {
            if (StateFiles.isCrossDevice(e) || onOtherDevice(dir)) {
                throw new CrossFilesystemException(dir, stateDir, e);
            }
            throw e;
        } finally {
            StateFiles.deleteQuietly(files, probe);
        }
    }

    private boolean onOtherDevice(Path dir) {
        long ours = StateFiles.device(tmp);
        long theirs = StateFiles.device(dir);
        return ours != -1 && theirs != -1 && ours != theirs;
    }

    /**
     * Moves a file the cloud never had into {@code lost+found/} under its own name, or that name
     * plus ".1", ".2", ... when taken; never overwrites. Returns where it went.
     */
    public Path moveToLostFound(Path file) throws IOException {
        return new LostAndFound(lostFound, files).take(file);
    }

    /** The content hash of a file's bytes after CRLF became LF. */
    public static ContentHash hashOf(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return hashOf(in);
        }
    }

    /** The content hash of a stream's bytes after CRLF became LF; reads it to the end, leaves it open. */
    public static ContentHash hashOf(InputStream in) throws IOException {
        return CrlfToLfOutputStream.copyHashed(in, OutputStream.nullOutputStream());
    }
}
