package dev.cms.fs;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.CopyOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.util.Set;

/** A {@link FileOps} that does what {@code real} does; tests override the one call they change. */
public class ForwardingFileOps implements FileOps {
    protected final FileOps real;

    public ForwardingFileOps(FileOps real) {
        this.real = real;
    }

    @Override
    public Path createTempFile(Path dir, String prefix, String suffix, FileAttribute<?>... attrs) throws IOException {
        return real.createTempFile(dir, prefix, suffix, attrs);
    }

    @Override
    public OutputStream newOutputStream(Path file, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
            throws IOException {
        return real.newOutputStream(file, options, attrs);
    }

    @Override
    public void fsync(Path file) throws IOException {
        real.fsync(file);
    }

    @Override
    public void fsyncDirectory(Path dir) throws IOException {
        real.fsyncDirectory(dir);
    }

    @Override
    public void createLink(Path link, Path existing) throws IOException {
        real.createLink(link, existing);
    }

    @Override
    public void move(Path source, Path target, CopyOption... options) throws IOException {
        real.move(source, target, options);
    }

    @Override
    public boolean deleteIfExists(Path file) throws IOException {
        return real.deleteIfExists(file);
    }

    @Override
    public void createDirectories(Path dir, FileAttribute<?>... attrs) throws IOException {
        real.createDirectories(dir, attrs);
    }

    @Override
    public void setLastModifiedTime(Path file, FileTime time) throws IOException {
        real.setLastModifiedTime(file, time);
    }
}
