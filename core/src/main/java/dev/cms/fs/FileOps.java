package dev.cms.fs;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.CopyOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.util.Set;

/**
 * The file operations by which the content store ({@code dev.cms.store}) and the Maildirs
 * ({@code dev.cms.maildir}) change the disk. Each does what its {@link java.nio.file.Files}
 * namesake does and fails the same way (a {@link java.nio.file.FileSystemException} naming the
 * file and the reason). Reading, listing and stat calls do not go through here: they change
 * nothing, so there is nothing to leave half-done. Production code uses {@link #SYSTEM}; tests
 * wrap it to inject faults at the Nth call of a kind.
 */
public interface FileOps {
    /** The real file system. */
    FileOps SYSTEM = new SystemFileOps();

    /** Creates a new, empty file with a unique name in {@code dir}, with {@code attrs} (a private mode). */
    Path createTempFile(Path dir, String prefix, String suffix, FileAttribute<?>... attrs) throws IOException;

    /**
     * Opens {@code file} for writing with {@code options} ({@code CREATE_NEW} to never replace
     * a file) and, when it is created, {@code attrs} (a private mode).
     */
    OutputStream newOutputStream(Path file, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
            throws IOException;

    /** Makes {@code file}'s data and metadata durable ({@code fsync(2)}). */
    void fsync(Path file) throws IOException;

    /**
     * Makes the entries of {@code dir} durable. Some file systems refuse to sync a directory;
     * callers that can go on without it (the data itself was synced) log the failure.
     */
    void fsyncDirectory(Path dir) throws IOException;

    /** Creates the hard link {@code link} to {@code existing} ({@code link(2)}: never replaces). */
    void createLink(Path link, Path existing) throws IOException;

    /** Renames or moves {@code source} to {@code target}, as {@link java.nio.file.Files#move}. */
    void move(Path source, Path target, CopyOption... options) throws IOException;

    /** Deletes {@code file}; false when it did not exist. */
    boolean deleteIfExists(Path file) throws IOException;

    /** Creates {@code dir} and its missing parents, as {@link java.nio.file.Files#createDirectories}. */
    void createDirectories(Path dir, FileAttribute<?>... attrs) throws IOException;

    /** Sets {@code file}'s modification time. */
    void setLastModifiedTime(Path file, FileTime time) throws IOException;
}
