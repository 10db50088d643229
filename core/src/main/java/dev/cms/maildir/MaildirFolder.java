package dev.cms.maildir;

import dev.cms.fs.FileOps;
import dev.cms.model.FileStat;
import dev.cms.model.Flags;
import dev.cms.time.Ticker;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A Maildir: {@code tmp/}, {@code cur/} and {@code new/} under one root.
 *
 * <p>Renames never replace an existing file. Delivery moves a file out of {@code tmp/} by
 * hard-linking it under its final name ({@code link(2)} fails when the name is taken) and then
 * unlinking the {@code tmp/} name; a scan never reads {@code tmp/}, so the message is never seen
 * twice. Flag changes use {@code rename(2)} (atomic, so a reader always sees the message under
 * exactly one name) after checking that the target name is free: Java offers no
 * {@code RENAME_NOREPLACE}, and the target shares the file's unique base name, so only a program
 * creating that very name in the same instant could be replaced.
 *
 * <p>Every change to the disk goes through the folder's {@link FileOps}; reading a Maildir is
 * {@link MaildirScan}'s, delivering {@link MaildirDelivery}'s, cleaning {@code tmp/}
 * {@link TmpCleaner}'s.
 */
public final class MaildirFolder {
    static final int SCAN_TRIES = 10;
    /** Maildir's rule for {@code tmp/}: a file untouched this long is left over and may go. */
    static final Duration TMP_STALE = TmpCleaner.TMP_STALE;

    private final Path root;
    final Path tmp;
    final Path cur;
    final Path nu;
    final UniqueNames names;
    private final FileOps files;
    private final MaildirDelivery delivery;
    /** Files already reported as skipped, so each is reported once. */
    final Set<Path> skipped = ConcurrentHashMap.newKeySet();
    /** Test seam: runs after a scan listed both directories, before it re-reads their mtimes. */
    volatile Runnable beforeRecheck = () -> { };
    /** Test seam: runs after a scan found both directories unchanged, before it reads the files' stat data. */
    volatile Runnable beforeStat = () -> { };
    /** Test seam: runs right after a delivery linked its final name, before it reads that name's stat data. */
    volatile Consumer<Path> afterDeliveredLink = p -> { };

    MaildirFolder(Path root, UniqueNames names) {
        this(root, names, FileOps.SYSTEM);
    }

    MaildirFolder(Path root, UniqueNames names, FileOps files) {
        this.root = root;
        this.tmp = root.resolve("tmp");
        this.cur = root.resolve("cur");
        this.nu = root.resolve("new");
        this.names = names;
        this.files = files;
        this.delivery = new MaildirDelivery(this, files);
    }

    /**
     * Opens the Maildir at {@code root}, creating it and its {@code tmp/}, {@code cur/} and
     * {@code new/} (mode 0700) when missing, on the system clock and file system.
     *
     * @throws FileSystemException naming the directory and the reason when one is not a
     *     directory, cannot be created or is not writable
     */
    public static MaildirFolder open(Path root) throws IOException {
        return open(root, Ticker.SYSTEM, FileOps.SYSTEM);
    }

    /**
     * Like {@link #open(Path)}: names and the clean-up of {@code tmp/} read {@code ticker}'s
     * wall clock, and every change to the disk goes through {@code files}.
     */
    public static MaildirFolder open(Path root, Ticker ticker, FileOps files) throws IOException {
        MaildirFolder folder = new MaildirFolder(root, UniqueNames.system(ticker), files);
        for (Path dir : List.of(root, folder.tmp, folder.cur, folder.nu)) {
            ensureDirectory(dir, files);
        }
        folder.cleanTmp(ticker, TmpCleaner::processStart);
        return folder;
    }

    /**
     * Removes what deliveries left in {@code tmp/} (see {@link TmpCleaner}).
     *
     * @return how many files were removed
     */
    int cleanTmp(Ticker ticker, java.util.function.LongFunction<java.util.Optional<Instant>> processStart) {
        return TmpCleaner.clean(tmp, names, files, ticker, processStart);
    }

    public Path root() {
        return root;
    }

    private static void ensureDirectory(Path dir, FileOps files) throws IOException {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new FileSystemException(dir.toString(), null,
                    "exists but is not a directory, so it cannot be a Maildir");
        }
        if (!Files.isDirectory(dir)) {
            try {
                files.createDirectories(dir, privateDirectory(dir));
            } catch (FileAlreadyExistsException e) {
                throw (FileSystemException) new FileSystemException(dir.toString(), null,
                        "exists but is not a directory, so it cannot be a Maildir").initCause(e);
            } catch (AccessDeniedException e) {
                throw (FileSystemException) new FileSystemException(dir.toString(), e.getFile(),
                        "cannot create the Maildir directory: permission denied").initCause(e);
            } catch (FileSystemException e) {
                throw (FileSystemException) new FileSystemException(dir.toString(), e.getFile(),
                        "cannot create the Maildir directory: " + e.getReason()).initCause(e);
            }
        }
        if (!Files.isWritable(dir)) {
            throw new FileSystemException(dir.toString(), null,
                    "the Maildir directory is not writable by this user");
        }
    }

    private static FileAttribute<?>[] privateDirectory(Path dir) {
        if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"))};
        }
        return new FileAttribute<?>[0];
    }

    /**
     * Every message file in {@code cur/} and {@code new/}, as one consistent snapshot. Names
     * starting with '.' and anything that is not a regular file are skipped; a symbolic link is
     * never followed (its target is not ours to read or move) and is reported once.
     *
     * <p>Both directories' modification times are read before and after listing them; when one
     * changed, or a listed file vanished before its stat data was read, the scan starts over.
     * Limitation: a directory's modification time has the kernel clock tick as granularity, so
     * two renames within one tick, while a directory too large for one {@code getdents} call is
     * being listed, may go unnoticed; the watcher reports those renames, so the next scan sees
     * them.
     *
     * @throws IOException when the Maildir kept changing through {@value #SCAN_TRIES} tries
     */
    public List<MaildirFile> scan() throws IOException {
        return scan(p -> null);
    }

    /**
     * Like {@link #scan()}, but takes the stat of a listed file from {@code known} when it
     * has one instead of asking the file system: for frequent scans of large Maildirs, where
     * a file whose name did not change is taken to be the same file. Names not in
     * {@code known} are read as usual.
     */
    public List<MaildirFile> scan(java.util.function.Function<Path, FileStat> known) throws IOException {
        return MaildirScan.scan(this, known);
    }

    /**
     * One file of {@code cur/} or {@code new/} as {@link #scan()} would see it, its stat read
     * now: for a watcher's event naming it. Null when it is gone, is not a message file (a name
     * starting with a dot, a directory, a file outside {@code cur/} and {@code new/}), or is a
     * symbolic link (skipped as by a scan).
     */
    public @Nullable MaildirFile lookAt(Path file) throws IOException {
        return MaildirScan.one(this, file);
    }

    /** The names in {@code cur/} and {@code new/}, without stat data: a cheap check for missed events. */
    public java.util.Set<Path> names() throws IOException {
        try {
            return MaildirScan.names(this);
        } catch (IOException e) {
            throw explained(e);
        }
    }

    /**
     * Delivers {@code source}, a file of the message store, by hard link: linked into
     * {@code tmp/} under a new unique name, its mtime set to {@code received} (when not null; the
     * source shares the inode, so its mtime changes too), then moved to {@code new/} when
     * {@code flags} is empty, else to {@code cur/} with {@code ":2,<letters>"}.
     *
     * @return the delivered file, with stat data read after the move
     * @throws NoSuchFileException when {@code source} does not exist; {@code tmp/} is left clean
     * @throws FileSystemException when the store and the Maildir are on different file systems
     */
    public MaildirFile deliver(Path source, Flags flags, @Nullable Instant received) throws IOException {
        return deliver(source, flags, received, name -> { });
    }

    /**
     * Like {@link #deliver(Path, Flags, Instant)}, telling {@code beforeCreate} each name the
     * delivery is about to create (its {@code tmp/} name, then its name in {@code new/} or
     * {@code cur/}) before the system call that creates it: a watcher told so can never take
     * the delivery for someone else's change. A name tried but found taken is told too.
     */
    public MaildirFile deliver(Path source, Flags flags, @Nullable Instant received, Consumer<Path> beforeCreate)
            throws IOException {
        return delivery.deliver(source, flags, received, beforeCreate);
    }

    /** Where this folder changes files (the seam its package's other classes use too). */
    FileOps files() {
        return files;
    }

    /**
     * The same failure with a reason a user can act on, naming this Maildir, when the file
     * system gave none (Java reports EACCES and ENOENT with the path alone). The type is kept,
     * except that a missing directory of the Maildir itself is not reported as the missing file
     * that {@link NoSuchFileException} means to callers.
     */
    IOException explained(IOException e) {
        if (!(e instanceof FileSystemException f) || f.getReason() != null) {
            return e;
        }
        FileSystemException out;
        if (f instanceof AccessDeniedException) {
            out = new AccessDeniedException(f.getFile(), f.getOtherFile(),
                    "permission denied in Maildir " + root + " (is it read-only?)");
        } else if (f instanceof NoSuchFileException) {
            boolean maildirGone = !Files.isDirectory(tmp) || !Files.isDirectory(cur) || !Files.isDirectory(nu);
            out = maildirGone
                    ? new FileSystemException(f.getFile(), f.getOtherFile(),
                            "no such directory: Maildir " + root + " or its tmp/, cur/ or new/ was removed")
                    : new NoSuchFileException(f.getFile(), f.getOtherFile(), "no such file in Maildir " + root);
        } else {
            return e;
        }
        out.initCause(e);
        return out;
    }

    /**
     * Renames {@code file} so that its managed flags are {@code managed}, keeping its unmanaged
     * letters. A file in {@code new/} whose new info is not empty moves to {@code cur/}; a file in
     * {@code cur/} stays there. Returns {@code file} itself when its flags already match.
     *
     * @throws NoSuchFileException when the file is gone (a mail reader renamed or deleted it):
     *     scan again
     * @throws FileAlreadyExistsException when another file already has the new name
     */
    public MaildirFile setFlags(MaildirFile file, Flags managed) throws IOException {
        return setFlags(file, managed, name -> { });
    }

    /**
     * Like {@link #setFlags(MaildirFile, Flags)}, telling {@code beforeRename} both names of the
     * rename (the file's, then the new one) before the system call that renames it, as
     * {@link #deliver(Path, Flags, Instant, Consumer)} does. Not called when nothing is renamed.
     */
    public MaildirFile setFlags(MaildirFile file, Flags managed, Consumer<Path> beforeRename) throws IOException {
        if (file.flags().equals(managed)) {
            return file;
        }
        MaildirName renamed = file.name().withFlags(managed);
        String info = Objects.requireNonNull(renamed.info(), "withFlags always gives an info");
        boolean inNew = file.inNew() && info.isEmpty();
        Path target = (inNew ? nu : cur).resolve(renamed.fileName());
        if (target.equals(file.path())) {
            return file;
        }
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(file.path().toString(), target.toString(),
                    "another file already has the new name; not replacing it");
        }
        beforeRename.accept(file.path());
        beforeRename.accept(target);
        try {
            files.move(file.path(), target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AccessDeniedException e) {
            throw explained(e);
        }
        return new MaildirFile(target, renamed, inNew, MaildirScan.stat(target));
    }

    /** Deletes the file; false when it was already gone. */
    public boolean remove(MaildirFile file) throws IOException {
        try {
            return files.deleteIfExists(file.path());
        } catch (AccessDeniedException e) {
            throw explained(e);
        }
    }

    @Override
    public String toString() {
        return "Maildir " + root;
    }
}
