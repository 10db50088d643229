package dev.cms.fs;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.CopyOption;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.util.Set;

/** {@link FileOps} on the real file system. */
final class SystemFileOps implements FileOps {
    @Override
    public Path createTempFile(Path dir, String prefix, String suffix, FileAttribute<?>... attrs) throws IOException {
        return Files.createTempFile(dir, prefix, suffix, attrs);
    }

    @Override
    public OutputStream newOutputStream(Path file, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
            throws IOException {
        return Channels.newOutputStream(FileChannel.open(file, options, attrs));
    }

    @Override
    public void fsync(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }

    @Override
    public void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    @Override
    public void createLink(Path link, Path existing) throws IOException {
        Files.createLink(link, existing);
    }

    @Override
    public void move(Path source, Path target, CopyOption... options) throws IOException {
        Files.move(source, target, options);
    }

    @Override
    public boolean deleteIfExists(Path file) throws IOException {
        return Files.deleteIfExists(file);
    }

    @Override
    public void createDirectories(Path dir, FileAttribute<?>... attrs) throws IOException {
        Files.createDirectories(dir, attrs);
    }

    @Override
    public void setLastModifiedTime(Path file, FileTime time) throws IOException {
        Files.setLastModifiedTime(file, time);
    }
}
