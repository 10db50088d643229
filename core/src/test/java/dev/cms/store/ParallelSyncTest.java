package dev.cms.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.fs.FileOps;
import dev.cms.fs.ForwardingFileOps;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * The store's fsync of many new bodies at once: every file is synced before it returns, on
 * daemon threads (they never keep the program from exiting), and when any fails the call
 * fails: none of the bodies may then be taken to be durable.
 */
class ParallelSyncTest {
    /** Records which files were synced and on which kind of thread; fails the named ones. */
    private static final class Recording extends ForwardingFileOps {
        final Set<Path> synced = ConcurrentHashMap.newKeySet();
        final Set<Boolean> daemonThreads = ConcurrentHashMap.newKeySet();
        final Set<Path> failing;

        Recording(Set<Path> failing) {
            super(FileOps.SYSTEM);
            this.failing = failing;
        }

        @Override
        public void fsync(Path file) throws IOException {
            daemonThreads.add(Thread.currentThread().isDaemon());
            if (failing.contains(file)) {
                throw new IOException("no space left on device: " + file);
            }
            synced.add(file);
        }
    }

    private static List<Path> paths(int n) {
        List<Path> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(Path.of("/bodies/b" + i));
        }
        return out;
    }

    @Test
    void oneFileIsSyncedToo() throws Exception {
        Recording ops = new Recording(Set.of());
        ParallelSync.fsyncAll(ops, paths(1));
        assertEquals(Set.copyOf(paths(1)), ops.synced);
        ParallelSync.fsyncAll(ops, List.of());
        assertEquals(1, ops.synced.size());
    }

    @Test
    void manyFilesAreAllSyncedOnDaemonThreads() throws Exception {
        Recording ops = new Recording(Set.of());
        List<Path> all = paths(3 * ParallelSync.THREADS);
        ParallelSync.fsyncAll(ops, all);
        assertEquals(Set.copyOf(all), ops.synced);
        assertEquals(Set.of(true), ops.daemonThreads, "a pending fsync never keeps the program from exiting");
    }

    @Test
    void aFailureFailsTheCallWithTheFirstFailureAndTheOthersInIt() throws Exception {
        List<Path> all = paths(20);
        Recording ops = new Recording(Set.of(all.get(3), all.get(11)));
        IOException e = assertThrows(IOException.class, () -> ParallelSync.fsyncAll(ops, all));
        assertEquals("no space left on device: /bodies/b3", e.getMessage(), "the first in the list");
        assertEquals(1, e.getSuppressed().length);
        assertEquals("no space left on device: /bodies/b11", e.getSuppressed()[0].getMessage());
        assertEquals(18, ops.synced.size(), "the others were synced all the same");
    }

    @Test
    void oneFailingFileOfOneFailsTheCall() {
        Path only = Path.of("/bodies/only");
        Recording ops = new Recording(Set.of(only));
        IOException e = assertThrows(IOException.class, () -> ParallelSync.fsyncAll(ops, List.of(only)));
        assertTrue(e.getMessage().contains("/bodies/only"));
    }

    @Test
    void anUncheckedFailureIsThrownAsItIs() {
        IllegalStateException bug = new IllegalStateException("a bug");
        FileOps ops = new ForwardingFileOps(FileOps.SYSTEM) {
            @Override
            public void fsync(Path file) {
                throw bug;
            }
        };
        assertSame(bug, assertThrows(IllegalStateException.class, () -> ParallelSync.fsyncAll(ops, paths(4))));
        assertArrayEquals(new Throwable[0], bug.getSuppressed());
    }
}
