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
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The content-addressed message store: every body once, with LF line endings, named by its
 * {@link ContentHash} in {@code <state>/hashes/}. New bodies are written into {@code tmp/},
 * fsynced, then hard-linked into place, so {@code hashes/} never holds a partial body and an
 * existing body is never replaced. Maildir files are hard links to these bodies.
 *
 * <p>Thread-safe. {@link #retainOnly} must not run while an ingest whose hash is not in its
 * {@code keep} set is in flight: the caller orders the two.
 */
public final class MessageStore {
    private static final Logger log = LoggerFactory.getLogger(MessageStore.class);

    static final String HASHES = "hashes";
    static final String TMP = "tmp";
    static final String LOST_FOUND = "lost+found";
    private static final int MAX_LOST_FOUND_SUFFIX = 100_000;

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
     * crash left in {@code tmp/}, and compacts the message id records that need it. Take the {@link StateLock} first: another daemon's temp files would go too.
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
        store.ids = IdRecords.open(store.stateDir, files, store::scan);
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

    public Path stateDir() {
        return stateDir;
    }

    /**
     * Stores a body, turning CRLF into LF, and returns its content hash. The body streams
     * through a fixed buffer into a private (0600) temp file that is fsynced and then linked to
     * {@code hashes/<hex>}; when that body is already stored the temp file is just dropped.
     * On any failure nothing is left behind in {@code tmp/} or {@code hashes/}. The stream is
     * read to its end but not closed.
     */
    public ContentHash ingest(InputStream raw) throws IOException {
        Objects.requireNonNull(raw, "raw");
        Path temp = files.createTempFile(tmp, "ingest-", ".tmp", StateFiles.privateFile(tmp));
        try {
            ContentHash hash;
            try (OutputStream out = files.newOutputStream(temp, Set.of(StandardOpenOption.WRITE))) {
                hash = copyNormalised(raw, out);
            }
            files.fsync(temp);
            publish(temp, path(hash));
            return hash;
        } catch (IOException | RuntimeException | Error e) {
            StateFiles.deleteQuietly(files, temp);
            throw e;
        }
    }

    /** Links the synced temp file to its final name (never replacing one), then drops the temp. */
    private void publish(Path temp, Path target) throws IOException {
        try {
            files.createLink(target, temp);
            unsyncedLinks = true;
        } catch (FileAlreadyExistsException e) {
            log.debug("Body {} already stored", target.getFileName());
        }
        files.deleteIfExists(temp);
    }

    /**
     * Makes the names of the bodies stored since the last call durable (one fsync of
     * {@code hashes/}). Call it before recording their hashes anywhere that survives a crash;
     * the bodies' contents are already synced by {@link #ingest}.
     */
    public void sync() throws IOException {
        if (unsyncedLinks) {
            unsyncedLinks = false;
            StateFiles.fsyncDirectory(files, hashes);
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

    /** The hashes of all stored bodies; names in {@code hashes/} that are not hashes are ignored. */
    public Set<ContentHash> scan() throws IOException {
        Set<ContentHash> found = new HashSet<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(hashes)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (ContentHash.isValid(name) && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    found.add(new ContentHash(name));
                }
            }
        }
        return found;
    }

    /** Deletes every stored body whose hash is not in {@code keep}; returns how many went. */
    public int retainOnly(Set<ContentHash> keep) throws IOException {
        Objects.requireNonNull(keep, "keep");
        int deleted = 0;
        for (ContentHash h : scan()) {
            if (!keep.contains(h) && files.deleteIfExists(path(h))) {
                deleted++;
            }
        }
        if (deleted > 0) {
            StateFiles.fsyncDirectory(files, hashes);
            log.info("Removed {} message bod{} no longer referenced", deleted, deleted == 1 ? "y" : "ies");
        }
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
     * plus ".1", ".2", ... when taken; never overwrites. On another filesystem the file is
     * copied, fsynced and then deleted. Returns where it went.
     */
    public Path moveToLostFound(Path file) throws IOException {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                throw new NoSuchFileException(file.toString());
            }
            throw new FileSystemException(file.toString(), null,
                    "only regular files can be moved to " + lostFound);
        }
        String name = file.getFileName().toString();
        for (int n = 0; n <= MAX_LOST_FOUND_SUFFIX; n++) {
            Path target = lostFound.resolve(n == 0 ? name : name + "." + n);
            try {
                moveNoReplace(file, target);
                StateFiles.fsyncDirectory(files, lostFound);
                log.warn("Moved {} (a message the cloud does not have) to {}", file, target);
                return target;
            } catch (FileAlreadyExistsException e) {
                // taken: try the next suffix
            }
        }
        throw new FileSystemException(file.toString(), lostFound.toString(),
                "no free name in lost+found after " + MAX_LOST_FOUND_SUFFIX + " tries");
    }

    /** Link-then-unlink, which fails rather than replace; copies when the link crosses devices. */
    private void moveNoReplace(Path source, Path target) throws IOException {
        try {
            files.createLink(target, source);
        } catch (FileAlreadyExistsException e) {
            throw e;
        } catch (FileSystemException e) {
            if (!StateFiles.isCrossDevice(e)) {
                throw e;
            }
            copyNoReplace(source, target);
        }
        try {
            if (!files.deleteIfExists(source)) {
                throw new NoSuchFileException(source.toString(), null, "removed while it was moved to " + lostFound);
            }
        } catch (IOException e) {
            StateFiles.deleteQuietly(files, target);
            throw e;
        }
    }

    private void copyNoReplace(Path source, Path target) throws IOException {
        try (OutputStream out = files.newOutputStream(target, Set.of(StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE), StateFiles.privateFile(target))) {
            try {
                Files.copy(source, out);
            } catch (IOException | RuntimeException e) {
                out.close();
                StateFiles.deleteQuietly(files, target);
                throw e;
            }
        }
        try {
            files.fsync(target);
        } catch (IOException e) {
            StateFiles.deleteQuietly(files, target);
            throw e;
        }
    }

    /** The content hash of a file's bytes after CRLF became LF. */
    public static ContentHash hashOf(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return hashOf(in);
        }
    }

    /** The content hash of a stream's bytes after CRLF became LF; reads it to the end, leaves it open. */
    public static ContentHash hashOf(InputStream in) throws IOException {
        return copyNormalised(in, OutputStream.nullOutputStream());
    }

    /** Streams {@code in} CRLF→LF-normalised into {@code out}, returning the hash of what was written. */
    private static ContentHash copyNormalised(InputStream in, OutputStream out) throws IOException {
        MessageDigest sha = sha256();
        CrlfToLfOutputStream norm = new CrlfToLfOutputStream(new DigestOutputStream(out, sha));
        byte[] buf = new byte[CrlfToLfOutputStream.BUFFER_SIZE];
        for (int n; (n = in.read(buf)) != -1; ) {
            norm.write(buf, 0, n);
        }
        norm.finish();
        return ContentHash.ofDigest(sha.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
