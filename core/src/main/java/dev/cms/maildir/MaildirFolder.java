package dev.cms.maildir;

import dev.cms.model.FileStat;
import dev.cms.model.Flags;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 */
public final class MaildirFolder {
    private static final Logger LOG = LoggerFactory.getLogger(MaildirFolder.class);
    static final int SCAN_TRIES = 10;
    private static final int NAME_TRIES = 100;
    private static final String STAT_ATTRIBUTES = "unix:ino,size,lastModifiedTime,ctime,isRegularFile,isSymbolicLink";

    private final Path root;
    private final Path tmp;
    private final Path cur;
    private final Path nu;
    private final UniqueNames names;
    /** Files already reported as skipped, so each is reported once. */
    private final Set<Path> skipped = ConcurrentHashMap.newKeySet();
    /** Test seam: runs after a scan listed both directories, before it re-reads their mtimes. */
    volatile Runnable beforeRecheck = () -> { };
    /** Test seam: runs after a scan found both directories unchanged, before it reads the files' stat data. */
    volatile Runnable beforeStat = () -> { };
    /** Test seam: runs right after a delivery linked its final name, before it reads that name's stat data. */
    volatile Consumer<Path> afterDeliveredLink = p -> { };

    MaildirFolder(Path root, UniqueNames names) {
        this.root = root;
        this.tmp = root.resolve("tmp");
        this.cur = root.resolve("cur");
        this.nu = root.resolve("new");
        this.names = names;
    }

    /**
     * Opens the Maildir at {@code root}, creating it and its {@code tmp/}, {@code cur/} and
     * {@code new/} (mode 0700) when missing.
     *
     * @throws FileSystemException naming the directory and the reason when one is not a
     *     directory, cannot be created or is not writable
     */
    public static MaildirFolder open(Path root) throws IOException {
        MaildirFolder folder = new MaildirFolder(root, UniqueNames.system());
        for (Path dir : List.of(root, folder.tmp, folder.cur, folder.nu)) {
            ensureDirectory(dir);
        }
        folder.cleanTmp(Clock.systemUTC(), MaildirFolder::processStart);
        return folder;
    }

    /** When the live process {@code pid} started; empty when there is none (or it cannot be told). */
    static java.util.Optional<Instant> processStart(long pid) {
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                .map(p -> p.info().startInstant().orElse(Instant.MIN));
    }

    /** Maildir's rule for {@code tmp/}: a file untouched this long is left over and may go. */
    static final Duration TMP_STALE = Duration.ofHours(36);

    /**
     * Removes what deliveries left in {@code tmp/}: our own names (this host) whose process is
     * gone, or made before the live process of that id started (the id was reused), such as hard links left by a daemon killed while delivering (they keep the space of
     * bodies the store no longer has), and any other file neither accessed nor modified for
     * {@link #TMP_STALE}. Directories and symbolic links are left alone; failures are logged.
     *
     * @return how many files were removed
     */
    int cleanTmp(Clock clock, java.util.function.LongFunction<java.util.Optional<Instant>> processStart) {
        int removed = 0;
        Instant staleBefore = clock.instant().minus(TMP_STALE);
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(tmp)) {
            for (Path f : entries) {
                try {
                    BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    if (!a.isRegularFile()) {
                        continue;
                    }
                    UniqueNames.Maker maker = names.maker(f.getFileName().toString());
                    boolean ownLeftover = maker != null && processStart.apply(maker.pid())
                            .map(started -> maker.made().isBefore(started.truncatedTo(ChronoUnit.SECONDS)))
                            .orElse(true);
                    boolean stale = a.lastAccessTime().toInstant().isBefore(staleBefore)
                            && a.lastModifiedTime().toInstant().isBefore(staleBefore);
                    if (ownLeftover || stale) {
                        Files.deleteIfExists(f);
                        removed++;
                    }
                } catch (IOException e) {
                    LOG.warn("Cannot clean {}: {}", f, e.toString());
                }
            }
        } catch (IOException e) {
            LOG.warn("Cannot clean {}: {}", tmp, e.toString());
        }
        if (removed > 0) {
            LOG.info("Removed {} file(s) left over in {}", removed, tmp);
        }
        return removed;
    }

    public Path root() {
        return root;
    }

    private static void ensureDirectory(Path dir) throws IOException {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new FileSystemException(dir.toString(), null,
                    "exists but is not a directory, so it cannot be a Maildir");
        }
        if (!Files.isDirectory(dir)) {
            try {
                Files.createDirectories(dir, privateDirectory(dir));
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
        for (int attempt = 1; attempt <= SCAN_TRIES; attempt++) {
            List<MaildirFile> files;
            try {
                files = tryScan(known);
            } catch (IOException e) {
                throw explained(e);
            }
            if (files != null) {
                return files;
            }
            LOG.debug("Maildir {} changed during scan {}, scanning again", root, attempt);
        }
        throw new IOException("Maildir " + root + " kept changing during " + SCAN_TRIES
                + " scans in a row; no consistent listing could be taken");
    }

    /** One scan attempt; null when the Maildir changed meanwhile. */
    private List<MaildirFile> tryScan(java.util.function.Function<Path, FileStat> known) throws IOException {
        FileTime curBefore = Files.getLastModifiedTime(cur);
        FileTime newBefore = Files.getLastModifiedTime(nu);
        List<Path> curNames = list(cur);
        List<Path> newNames = list(nu);
        beforeRecheck.run();
        FileTime curAfter = Files.getLastModifiedTime(cur);
        FileTime newAfter = Files.getLastModifiedTime(nu);
        if (!curBefore.equals(curAfter) || !newBefore.equals(newAfter)) {
            return null;
        }
        beforeStat.run();
        List<MaildirFile> files = new ArrayList<>(curNames.size() + newNames.size());
        if (!addFiles(curNames, false, known, files, skipped) || !addFiles(newNames, true, known, files, skipped)) {
            return null;
        }
        return files;
    }

    private static List<Path> list(Path dir) throws IOException {
        List<Path> paths = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            for (Path p : stream) {
                if (!p.getFileName().toString().startsWith(".")) {
                    paths.add(p);
                }
            }
        }
        return paths;
    }

    /** Adds the message files among {@code paths}; false when one vanished since the listing. */
    private static boolean addFiles(List<Path> paths, boolean inNew, java.util.function.Function<Path, FileStat> known,
            List<MaildirFile> out, Set<Path> skipped) throws IOException {
        for (Path p : paths) {
            FileStat seen = known.apply(p);
            if (seen != null) {
                out.add(new MaildirFile(p, MaildirName.parse(p.getFileName().toString()), inNew, seen));
                continue;
            }
            Map<String, Object> attrs;
            try {
                attrs = Files.readAttributes(p, STAT_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException e) {
                return false;
            }
            if (Boolean.TRUE.equals(attrs.get("isRegularFile"))) {
                out.add(new MaildirFile(p, MaildirName.parse(p.getFileName().toString()), inNew, toStat(attrs)));
            } else if (Boolean.TRUE.equals(attrs.get("isSymbolicLink")) && skipped.add(p)) {
                LOG.warn("Skipping {}: a symbolic link (cloud-mdir-sync never follows one in a Maildir)", p);
            }
        }
        return true;
    }

    private static FileStat stat(Path p) throws IOException {
        return toStat(Files.readAttributes(p, STAT_ATTRIBUTES));
    }

    private static FileStat toStat(Map<String, Object> attrs) {
        return new FileStat(
                (Long) attrs.get("ino"),
                (Long) attrs.get("size"),
                ((FileTime) attrs.get("lastModifiedTime")).to(TimeUnit.NANOSECONDS),
                ((FileTime) attrs.get("ctime")).to(TimeUnit.NANOSECONDS));
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
    public MaildirFile deliver(Path source, Flags flags, Instant received) throws IOException {
        return deliver(source, flags, received, name -> { });
    }

    /**
     * Like {@link #deliver(Path, Flags, Instant)}, telling {@code beforeCreate} each name the
     * delivery is about to create (its {@code tmp/} name, then its name in {@code new/} or
     * {@code cur/}) before the system call that creates it: a watcher told so can never take
     * the delivery for someone else's change. A name tried but found taken is told too.
     */
    public MaildirFile deliver(Path source, Flags flags, Instant received, Consumer<Path> beforeCreate)
            throws IOException {
        Path tmpFile;
        try {
            tmpFile = linkIntoTmp(source, beforeCreate);
        } catch (IOException e) {
            throw explained(e);
        }
        try {
            if (received != null) {
                Files.setLastModifiedTime(tmpFile, FileTime.from(received));
            }
            Path dest = linkUnderFreeName(tmpFile, flags, beforeCreate);
            afterDeliveredLink.accept(dest);
            // The same inode through tmp/: a mail reader may rename the new name at once.
            FileStat delivered = stat(tmpFile);
            try {
                Files.delete(tmpFile);
            } catch (IOException e) {
                // The message is delivered; a stale tmp/ link is harmless (and readers ignore tmp/).
                LOG.warn("Delivered {} but could not remove {}: {}", dest, tmpFile, e.toString());
            }
            try {
                delivered = stat(dest);
            } catch (NoSuchFileException renamedAlready) {
                // Delivered, and already renamed or moved by a mail reader: the next scan finds it.
            }
            return new MaildirFile(dest, MaildirName.parse(dest.getFileName().toString()), flags.isEmpty(), delivered);
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(tmpFile);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            if (e instanceof IOException io) {
                throw explained(io);
            }
            throw e;
        }
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

    private Path linkIntoTmp(Path source, Consumer<Path> beforeCreate) throws IOException {
        for (int i = 0; i < NAME_TRIES; i++) {
            Path tmpFile = tmp.resolve(names.next());
            beforeCreate.accept(tmpFile);
            try {
                Files.createLink(tmpFile, source);
                return tmpFile;
            } catch (FileAlreadyExistsException e) {
                // Someone holds this name: take the next counter.
            } catch (NoSuchFileException e) {
                if (Files.notExists(source, LinkOption.NOFOLLOW_LINKS)) {
                    throw (NoSuchFileException) new NoSuchFileException(source.toString(), tmpFile.toString(),
                            "the message file to deliver does not exist").initCause(e);
                }
                throw e;
            } catch (FileSystemException e) {
                if (e.getReason() != null && e.getReason().toLowerCase(Locale.ROOT).contains("cross-device")) {
                    throw (FileSystemException) new FileSystemException(source.toString(), tmpFile.toString(),
                            "cannot hard-link: the message store and the Maildir are on different file systems;"
                                    + " put the state directory on the Maildir's file system").initCause(e);
                }
                throw e;
            }
        }
        throw new FileAlreadyExistsException(tmp.toString(), null,
                "no free unique name after " + NAME_TRIES + " tries");
    }

    private Path linkUnderFreeName(Path tmpFile, Flags flags, Consumer<Path> beforeCreate) throws IOException {
        for (int i = 0; i < NAME_TRIES; i++) {
            String base = i == 0 ? tmpFile.getFileName().toString() : names.next();
            Path dest = flags.isEmpty()
                    ? nu.resolve(base)
                    : cur.resolve(new MaildirName(base, null).withFlags(flags).fileName());
            beforeCreate.accept(dest);
            try {
                Files.createLink(dest, tmpFile);
                return dest;
            } catch (FileAlreadyExistsException e) {
                // Taken in new/ or cur/: take the next counter.
            }
        }
        throw new FileAlreadyExistsException(flags.isEmpty() ? nu.toString() : cur.toString(), null,
                "no free unique name after " + NAME_TRIES + " tries");
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
        boolean inNew = file.inNew() && renamed.info().isEmpty();
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
            Files.move(file.path(), target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AccessDeniedException e) {
            throw explained(e);
        }
        return new MaildirFile(target, renamed, inNew, stat(target));
    }

    /** Deletes the file; false when it was already gone. */
    public boolean remove(MaildirFile file) throws IOException {
        try {
            return Files.deleteIfExists(file.path());
        } catch (AccessDeniedException e) {
            throw explained(e);
        }
    }

    @Override
    public String toString() {
        return "Maildir " + root;
    }
}
