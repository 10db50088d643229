package dev.cms.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What one process sees of the state directory's lock: a second acquire of its own, a lock file
 * that cannot be opened, a lock taken on the file by other code of the same JVM, the pid as
 * written and read back. No child JVM, so mutation testing runs these (the cases with another
 * process are in {@link StateLockTest}).
 */
class StateLockInProcessTest {
    private static final long OUR_PID = ProcessHandle.current().pid();

    @TempDir Path temp;

    private static String message(Path stateDir, String who) {
        return "another cloud-mdir-sync (" + who + ") is already using " + stateDir
                + "; stop it first, or give this one its own cfg.message_db_dir";
    }

    @Test
    void secondAcquireInTheSameProcessFailsNamingOurPid() throws IOException {
        Path state = temp.resolve("state");
        try (StateLock first = StateLock.acquire(state)) {
            assertEquals(state, first.stateDir());
            StateLockedException e = assertThrows(StateLockedException.class, () -> StateLock.acquire(state));
            assertEquals(message(state, "pid " + OUR_PID), e.getMessage());
            assertEquals(OptionalLong.of(OUR_PID), e.pid());
            assertEquals(state, e.stateDir());
        }
    }

    @Test
    void sameDirectoryThroughASymlinkIsTheSameLock() throws IOException {
        Path state = Files.createDirectory(temp.resolve("state"));
        Path alias = Files.createSymbolicLink(temp.resolve("alias"), state);
        try (StateLock first = StateLock.acquire(state)) {
            assertThrows(StateLockedException.class, () -> StateLock.acquire(alias));
            assertEquals(state, first.stateDir());
        }
    }

    @Test
    void afterCloseTheLockCanBeTakenAgainAndTheFileStays() throws IOException {
        Path state = temp.resolve("state");
        StateLock first = StateLock.acquire(state);
        first.close();
        first.close();
        assertTrue(Files.exists(state.resolve("lock")));
        try (StateLock again = StateLock.acquire(state)) {
            assertEquals(state, again.stateDir());
        }
    }

    @Test
    void lockFileHoldsOurPidAndIsPrivate() throws IOException {
        Path state = temp.resolve("state");
        try (StateLock lock = StateLock.acquire(state)) {
            assertEquals(state, lock.stateDir());
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(state)));
            Path file = state.resolve("lock");
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
            // Read only after close: another descriptor's close would drop our POSIX lock.
        }
        assertEquals(OUR_PID + "\n", Files.readString(state.resolve("lock")));
    }

    /** A longer stale pid in the lock file is replaced whole, not overwritten in part. */
    @Test
    void aStalePidIsReplacedWhole() throws IOException {
        Path state = Files.createDirectory(temp.resolve("state"));
        Files.writeString(state.resolve("lock"), "99999999999999999\n");
        StateLock.acquire(state).close();
        assertEquals(OUR_PID + "\n", Files.readString(state.resolve("lock")));
    }

    /**
     * A lock file that cannot be opened (here a directory in its place) fails the acquire with
     * the I/O error, not as "locked", and leaves nothing held: once it is fixed, the lock is taken.
     */
    @Test
    void aLockFileThatCannotBeOpenedFailsAndHoldsNothing() throws IOException {
        Path state = Files.createDirectory(temp.resolve("state"));
        Path lockFile = Files.createDirectory(state.resolve("lock"));
        IOException e = assertThrows(IOException.class, () -> StateLock.acquire(state));
        assertFalse(e instanceof StateLockedException, e.toString());
        Files.delete(lockFile);
        try (StateLock lock = StateLock.acquire(state)) {
            assertEquals(state, lock.stateDir());
        }
    }

    /**
     * The lock file locked by other code of this JVM (not through StateLock): refused as locked by
     * this process, and the failed attempt holds nothing afterwards.
     */
    @Test
    void aLockTakenOnTheFileElsewhereInThisJvmIsRefused() throws IOException {
        Path state = Files.createDirectory(temp.resolve("state"));
        Path lockFile = state.resolve("lock");
        try (FileChannel other = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock held = other.lock()) {
            StateLockedException e = assertThrows(StateLockedException.class, () -> StateLock.acquire(state));
            assertEquals(message(state, "pid " + OUR_PID), e.getMessage());
            assertTrue(held.isValid());
        }
        try (StateLock lock = StateLock.acquire(state)) {
            assertEquals(state, lock.stateDir());
        }
    }

    @Test
    void readPidTakesAPositiveNumberAndNothingElse() throws IOException {
        assertEquals(OptionalLong.of(4321), pidIn("4321\n"));
        assertEquals(OptionalLong.of(7), pidIn("  7  "));
        assertEquals(OptionalLong.empty(), pidIn("0\n"));
        assertEquals(OptionalLong.empty(), pidIn("-12\n"));
        assertEquals(OptionalLong.empty(), pidIn("garbage"));
        assertEquals(OptionalLong.empty(), pidIn(""));
        // More than the 32 bytes it reads: only the start is looked at.
        assertEquals(OptionalLong.empty(), pidIn("1".repeat(40)));
    }

    private OptionalLong pidIn(String text) throws IOException {
        Path f = Files.writeString(Files.createTempFile(temp, "lock", ""), text);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            return StateLock.readPid(ch);
        }
    }

    @Test
    void theExceptionSaysAnUnknownPidAsSuch() {
        Path state = temp.resolve("state");
        StateLockedException unknown = new StateLockedException(state, OptionalLong.empty());
        assertEquals(message(state, "unknown pid"), unknown.getMessage());
        assertEquals(OptionalLong.empty(), unknown.pid());
        assertEquals(state, unknown.stateDir());
        StateLockedException zero = new StateLockedException(state, OptionalLong.of(0));
        assertEquals(OptionalLong.of(0), zero.pid(), "a pid of 0 as given is kept");
    }
}
