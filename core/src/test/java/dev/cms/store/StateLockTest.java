package dev.cms.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lock against other processes, with child JVMs ({@link LockProbeMain}); what one process
 * sees of its own lock is in {@link StateLockInProcessTest} (which mutation testing runs too).
 */
class StateLockTest {
    private static final long OUR_PID = ProcessHandle.current().pid();

    @TempDir Path temp;

    private static Process probe(String mode, Path stateDir) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                LockProbeMain.class.getName(), mode, stateDir.toString())
                .redirectErrorStream(false)
                .start();
    }

    private static int waitFor(Process p) throws InterruptedException {
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("lock probe did not exit");
        }
        return p.exitValue();
    }

    private static String message(Path stateDir, long pid) {
        return "another cloud-mdir-sync (pid " + pid + ") is already using " + stateDir
                + "; stop it first, or give this one its own cfg.message_db_dir";
    }

    @Test
    void failedSecondAcquireInProcessKeepsTheFirstLockAgainstOtherProcesses() throws Exception {
        // Regression: opening and closing a second descriptor of the lock file drops the
        // process's POSIX lock, letting another daemon in.
        Path state = temp.resolve("state");
        try (StateLock first = StateLock.acquire(state)) {
            assertThrows(StateLockedException.class, () -> StateLock.acquire(state));
            assertThrows(StateLockedException.class, () -> StateLock.acquire(state));
            Process p = probe("try", state);
            p.getOutputStream().close();
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(LockProbeMain.LOCKED, waitFor(p), err);
            assertEquals(state, first.stateDir());
        }
    }

    @Test
    void anotherProcessCannotTakeAHeldLock() throws Exception {
        Path state = temp.resolve("state");
        try (StateLock lock = StateLock.acquire(state)) {
            assertEquals(state, lock.stateDir());
            Process p = probe("try", state);
            p.getOutputStream().close();
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(LockProbeMain.LOCKED, waitFor(p), err);
            assertTrue(err.contains(message(state, OUR_PID)), err);
        }
        Process p = probe("try", state);
        p.getOutputStream().close();
        assertEquals(LockProbeMain.ACQUIRED, waitFor(p),
                new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    @Test
    void lockHeldByAnotherProcessNamesItsPidUntilItExits() throws Exception {
        Path state = temp.resolve("state");
        Process holder = probe("hold", state);
        try {
            BufferedReader out = new BufferedReader(
                    new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            assertEquals(LockProbeMain.READY, out.readLine());
            StateLockedException e = assertThrows(StateLockedException.class, () -> StateLock.acquire(state));
            assertEquals(message(state, holder.pid()), e.getMessage());
            assertEquals(OptionalLong.of(holder.pid()), e.pid());
            holder.getOutputStream().close();
            assertEquals(LockProbeMain.ACQUIRED, waitFor(holder));
        } finally {
            holder.destroyForcibly();
        }
        try (StateLock lock = StateLock.acquire(state)) {
            assertEquals(state, lock.stateDir());
        }
    }

    @Test
    void unreadablePidIsReportedAsUnknown() throws Exception {
        Path state = Files.createDirectory(temp.resolve("state"));
        Process holder = probe("hold", state);
        try {
            BufferedReader out = new BufferedReader(
                    new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            assertEquals(LockProbeMain.READY, out.readLine());
            Files.writeString(state.resolve("lock"), "garbage");
            StateLockedException e = assertThrows(StateLockedException.class, () -> StateLock.acquire(state));
            assertEquals("another cloud-mdir-sync (unknown pid) is already using " + state
                    + "; stop it first, or give this one its own cfg.message_db_dir", e.getMessage());
            assertEquals(OptionalLong.empty(), e.pid());
        } finally {
            holder.getOutputStream().close();
            waitFor(holder);
        }
    }
}
