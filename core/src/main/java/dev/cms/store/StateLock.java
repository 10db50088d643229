package dev.cms.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Exclusive lock on a state directory, so that a second daemon on the same state exits with a
 * clear message instead of corrupting it. The lock is an OS file lock on {@code <state>/lock},
 * which also holds the owner's pid for that message; it dies with the process.
 *
 * <p>Within one JVM a second {@link #acquire} of the same directory fails too. That case is
 * decided from an in-process registry before the lock file is opened again, because closing
 * any descriptor of a file drops the process's POSIX locks on it.
 */
public final class StateLock implements AutoCloseable {
    static final String LOCK_FILE = "lock";

    /** Lock files (real paths) held by this JVM. */
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

    private final Path stateDir;
    private final Path key;
    private final FileChannel channel;
    private final FileLock lock;
    private boolean closed;

    private StateLock(Path stateDir, Path key, FileChannel channel, FileLock lock) {
        this.stateDir = stateDir;
        this.key = key;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the lock of {@code stateDir} (created 0700 when missing), creating the lock file
     * (0600) when missing, and writes this process's pid into it.
     *
     * @throws StateLockedException when another process, or this one, already holds it
     */
    public static StateLock acquire(Path stateDir) throws IOException {
        Path dir = stateDir.toAbsolutePath().normalize();
        StateFiles.ensurePrivateDirectory(dir, "state directory");
        Path file = dir.resolve(LOCK_FILE);
        Path key = dir.toRealPath().resolve(LOCK_FILE);
        long self = ProcessHandle.current().pid();
        if (!HELD.add(key)) {
            throw new StateLockedException(dir, OptionalLong.of(self));
        }
        FileChannel ch = null;
        try {
            ch = FileChannel.open(file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE), StateFiles.privateFile(file));
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                // Locked in this JVM by something other than StateLock (closing our channel
                // below may then drop that lock: nothing in this project locks the file so).
                throw new StateLockedException(dir, OptionalLong.of(self));
            }
            if (lock == null) {
                throw new StateLockedException(dir, readPid(ch));
            }
            writePid(ch, self);
            return new StateLock(dir, key, ch, lock);
        } catch (IOException | RuntimeException | Error e) {
            HELD.remove(key);
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    private static void writePid(FileChannel ch, long pid) throws IOException {
        ch.truncate(0);
        ByteBuffer text = ByteBuffer.wrap((pid + "\n").getBytes(StandardCharsets.US_ASCII));
        while (text.hasRemaining()) {
            ch.write(text, text.position());
        }
        ch.force(false);
    }

    /** The pid in the lock file, read through the already open channel; empty when unreadable. */
    static OptionalLong readPid(FileChannel ch) {
        try {
            ByteBuffer buf = ByteBuffer.allocate(32);
            while (buf.hasRemaining() && ch.read(buf, buf.position()) > 0) {
                // keep reading: a pid is short
            }
            String text = new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII).trim();
            long pid = Long.parseLong(text);
            return pid > 0 ? OptionalLong.of(pid) : OptionalLong.empty();
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    public Path stateDir() {
        return stateDir;
    }

    /** Releases the lock; the lock file stays. Idempotent. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            lock.release();
        } finally {
            try {
                channel.close();
            } finally {
                HELD.remove(key);
            }
        }
    }
}
