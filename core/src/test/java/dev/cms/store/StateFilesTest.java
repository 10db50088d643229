package dev.cms.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cms.fs.FaultyFileOps;
import dev.cms.fs.FaultyFileOps.Fault;
import dev.cms.fs.FaultyFileOps.Kind;
import dev.cms.fs.FileOps;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store's file chores as the rest of it relies on them: the one-line reason an error gives
 * (in the messages users read), the device number that tells another file system apart, and
 * the directory fsync whose failure is only logged.
 */
class StateFilesTest {
    @TempDir Path tmp;

    @Test
    void describeGivesOneLineWithTheReason() {
        assertEquals("no such file or directory: /x/y", StateFiles.describe(new NoSuchFileException("/x/y")));
        assertEquals("AccessDeniedException: /x/y", StateFiles.describe(new AccessDeniedException("/x/y")),
                "no reason given: the kind of error says it");
        assertEquals("/x/y: No space left on device",
                StateFiles.describe(new FileSystemException("/x/y", null, "No space left on device")));
        assertEquals("disk on fire", StateFiles.describe(new IOException("disk on fire")));
        assertEquals("IOException", StateFiles.describe(new IOException()), "not \"null\"");
    }

    @Test
    void deviceIsTheFilesDeviceOrMinusOne() throws IOException {
        Path f = Files.writeString(tmp.resolve("f"), "x");
        assertEquals(((Number) Files.getAttribute(f, "unix:dev")).longValue(), StateFiles.device(f));
        assertEquals(-1, StateFiles.device(tmp.resolve("missing")));
    }

    @Test
    void aDirectoryFsyncIsMadeAndItsFailureOnlyLogged() {
        FaultyFileOps files = new FaultyFileOps(FileOps.SYSTEM);
        StateFiles.fsyncDirectory(files, tmp);
        assertEquals(1, files.calls(Kind.FSYNC_DIR));
        files.failAt(Kind.FSYNC_DIR, 1, Fault.EIO);
        StateFiles.fsyncDirectory(files, tmp); // does not throw
        assertEquals(1, files.injected());
    }

    @Test
    void deleteQuietlyRemovesAndSwallowsAFailure() throws IOException {
        FaultyFileOps files = new FaultyFileOps(FileOps.SYSTEM);
        Path f = Files.writeString(tmp.resolve("f"), "x");
        files.failAt(Kind.DELETE, 1, Fault.EIO);
        StateFiles.deleteQuietly(files, f); // does not throw
        assertEquals(true, Files.exists(f));
        StateFiles.deleteQuietly(files, f);
        assertEquals(false, Files.exists(f));
    }
}
