package dev.cms.fs;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.CopyOption;
import java.nio.file.FileSystemException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;

/**
 * A {@link FileOps} for tests that passes every call to another one, counts the calls of each
 * {@link Kind}, and makes the Nth call of a kind fail with a {@link Fault} as the kernel would:
 * a {@link FileSystemException} naming the file and the reason. A failing write first writes
 * half of what it was given, as a full disk does, so a partial file is left for the code under
 * test to clean up. Thread-safe.
 */
public final class FaultyFileOps implements FileOps {
    /** The kinds of call that can fail. */
    public enum Kind { CREATE, WRITE, FSYNC, FSYNC_DIR, LINK, RENAME, DELETE, MKDIR, SET_TIME }

    /** What a failing call reports. */
    public enum Fault {
        ENOSPC("No space left on device"), EIO("Input/output error");

        final String reason;

        Fault(String reason) {
            this.reason = reason;
        }
    }

    private final FileOps real;
    private final Map<Kind, Integer> calls = new EnumMap<>(Kind.class);
    private Kind failKind;
    private int failAt;
    private Fault fault;
    private int injected;

    public FaultyFileOps(FileOps real) {
        this.real = real;
    }

    /** Makes the {@code nth} call of {@code kind} from now on (1 = the next) fail with {@code f}, once. */
    public synchronized FaultyFileOps failAt(Kind kind, int nth, Fault f) {
        failKind = kind;
        failAt = calls.getOrDefault(kind, 0) + nth;
        fault = f;
        return this;
    }

    /** No more faults. */
    public synchronized FaultyFileOps clear() {
        failKind = null;
        return this;
    }

    /** How many calls of {@code kind} were made so far. */
    public synchronized int calls(Kind kind) {
        return calls.getOrDefault(kind, 0);
    }

    /** How many faults were injected so far. */
    public synchronized int injected() {
        return injected;
    }

    /** Counts a call; throws the armed fault when this is the call it was armed for. */
    private void call(Kind kind, Path file, Path other) throws FileSystemException {
        Fault f = take(kind);
        if (f != null) {
            throw new FileSystemException(file.toString(), other == null ? null : other.toString(), f.reason);
        }
    }

    private synchronized Fault take(Kind kind) {
        int n = calls.merge(kind, 1, Integer::sum);
        if (kind == failKind && n == failAt) {
            failKind = null;
            injected++;
            return fault;
        }
        return null;
    }

    @Override
    public Path createTempFile(Path dir, String prefix, String suffix, FileAttribute<?>... attrs) throws IOException {
        call(Kind.CREATE, dir, null);
        return real.createTempFile(dir, prefix, suffix, attrs);
    }

    @Override
    public OutputStream newOutputStream(Path file, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
            throws IOException {
        Fault f = take(Kind.WRITE);
        OutputStream out = real.newOutputStream(file, options, attrs);
        return f == null ? out : new FullDisk(out, file, f);
    }

    /** Writes half of the first write, then fails it and every later one. */
    private static final class FullDisk extends FilterOutputStream {
        private final Path file;
        private final Fault fault;

        FullDisk(OutputStream out, Path file, Fault fault) {
            super(out);
            this.file = file;
            this.fault = fault;
        }

        @Override
        public void write(int b) throws IOException {
            throw new FileSystemException(file.toString(), null, fault.reason);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len / 2);
            throw new FileSystemException(file.toString(), null, fault.reason);
        }
    }

    @Override
    public void fsync(Path file) throws IOException {
        call(Kind.FSYNC, file, null);
        real.fsync(file);
    }

    @Override
    public void fsyncDirectory(Path dir) throws IOException {
        call(Kind.FSYNC_DIR, dir, null);
        real.fsyncDirectory(dir);
    }

    @Override
    public void createLink(Path link, Path existing) throws IOException {
        call(Kind.LINK, existing, link);
        real.createLink(link, existing);
    }

    @Override
    public void move(Path source, Path target, CopyOption... options) throws IOException {
        call(Kind.RENAME, source, target);
        real.move(source, target, options);
    }

    @Override
    public boolean deleteIfExists(Path file) throws IOException {
        call(Kind.DELETE, file, null);
        return real.deleteIfExists(file);
    }

    @Override
    public void createDirectories(Path dir, FileAttribute<?>... attrs) throws IOException {
        call(Kind.MKDIR, dir, null);
        real.createDirectories(dir, attrs);
    }

    @Override
    public void setLastModifiedTime(Path file, FileTime time) throws IOException {
        call(Kind.SET_TIME, file, null);
        real.setLastModifiedTime(file, time);
    }
}
