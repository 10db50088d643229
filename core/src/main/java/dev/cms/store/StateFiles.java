package dev.cms.store;

import dev.cms.fs.FileOps;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** File-system chores shared by the store and the lock: private modes, directory fsync, EXDEV. */
final class StateFiles {
    private static final Logger log = LoggerFactory.getLogger(StateFiles.class);

    static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");
    static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");

    private static final Set<PosixFilePermission> GROUP_OTHER = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private StateFiles() {}

    /** The creation attribute for a private (0600) file, or none where POSIX modes do not exist. */
    static FileAttribute<?>[] privateFile(Path where) {
        return isPosix(where)
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(FILE_MODE)}
                : new FileAttribute<?>[0];
    }

    /**
     * Makes {@code dir} a directory only we can use (0700): creates it (and missing parents)
     * when absent; takes group/other access away from an existing one. {@code role} names it
     * in errors ("state directory").
     */
    static void ensurePrivateDirectory(Path dir, String role) throws IOException {
        ensurePrivateDirectory(FileOps.SYSTEM, dir, role);
    }

    /** Like {@link #ensurePrivateDirectory(Path, String)}, creating through {@code files}. */
    static void ensurePrivateDirectory(FileOps files, Path dir, String role) throws IOException {
        if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(dir)) {
            throw new FileSystemException(dir.toString(), null,
                    "the " + role + " exists but is not a directory");
        }
        if (!Files.isDirectory(dir)) {
            try {
                files.createDirectories(dir);
            } catch (FileAlreadyExistsException e) {
                if (!Files.isDirectory(dir)) {
                    throw new FileSystemException(dir.toString(), null,
                            "the " + role + " exists but is not a directory");
                }
            } catch (IOException e) {
                throw new FileSystemException(dir.toString(), null,
                        "cannot create the " + role + ": " + describe(e));
            }
            setMode(dir, DIR_MODE);
            return;
        }
        tighten(dir, role);
    }

    private static void tighten(Path dir, String role) throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(dir, PosixFileAttributeView.class);
        if (view == null) {
            return;
        }
        Set<PosixFilePermission> mode = view.readAttributes().permissions();
        if (mode.stream().anyMatch(GROUP_OTHER::contains)) {
            log.info("Restricting the {} {} to mode 0700 (it was {})",
                    role, dir, PosixFilePermissions.toString(mode));
            view.setPermissions(DIR_MODE);
        }
    }

    static void setMode(Path p, Set<PosixFilePermission> mode) throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(p, PosixFileAttributeView.class);
        if (view != null) {
            view.setPermissions(mode);
        }
    }

    private static boolean isPosix(Path where) {
        return where.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    /**
     * Makes the entries of {@code dir} durable. Some file systems refuse to fsync a directory;
     * that is logged and otherwise ignored, as the data itself was already synced.
     */
    static void fsyncDirectory(FileOps files, Path dir) {
        try {
            files.fsyncDirectory(dir);
        } catch (IOException e) {
            log.debug("Could not fsync directory {}: {}", dir, describe(e));
        }
    }

    /** Whether a failed link or rename failed because source and target are on different devices. */
    static boolean isCrossDevice(FileSystemException e) {
        String reason = e.getReason();
        return reason != null && reason.toLowerCase(Locale.ROOT).contains("cross-device");
    }

    /** The device of a file, or -1 where the "unix" view is not available. */
    static long device(Path p) {
        try {
            Object dev = Files.getAttribute(p, "unix:dev");
            return dev instanceof Long l ? l : -1;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return -1;
        }
    }

    /** Deletes a file, logging (not throwing) a failure: used while another error propagates. */
    static void deleteQuietly(FileOps files, Path p) {
        try {
            files.deleteIfExists(p);
        } catch (IOException e) {
            log.warn("Could not remove {}: {}", p, describe(e));
        }
    }

    static String describe(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file or directory: " + e.getMessage();
        }
        if (e instanceof FileSystemException fse && fse.getReason() == null) {
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
