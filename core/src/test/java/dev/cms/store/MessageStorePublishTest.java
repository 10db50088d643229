package dev.cms.store;

import static dev.cms.store.TestStreams.bytes;
import static dev.cms.store.TestStreams.lineEndsToLf;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.fs.FaultyFileOps;
import dev.cms.fs.FaultyFileOps.Fault;
import dev.cms.fs.FaultyFileOps.Kind;
import dev.cms.fs.FileOps;
import dev.cms.fs.ForwardingFileOps;
import dev.cms.model.ContentHash;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bodies staged by a download and published together ({@link MessageStore#stage},
 * {@link MessageStore#publish}): no name in {@code hashes/} before the body is synced, every
 * body of a batch synced before any is named, the names synced before publish returns, a batch
 * with a body that cannot be synced named not at all, and the fsyncs of a batch made together.
 */
class MessageStorePublishTest {
    @TempDir
    Path tmp;

    private Path state() {
        return tmp.resolve("state");
    }

    private long entries(String dir) throws IOException {
        try (Stream<Path> s = Files.list(state().resolve(dir))) {
            return s.count();
        }
    }

    private static String body(int i) {
        return "Subject: m" + i + "\r\n\r\nbody " + i + "\r\n";
    }

    private static List<StagedBody> stage(MessageStore store, int n) throws IOException {
        List<StagedBody> staged = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            staged.add(store.stage(new ByteArrayInputStream(bytes(body(i)))));
        }
        return staged;
    }

    @Test
    void aStagedBodyHasNoNameAndACrashLeavesNothingOfIt() throws IOException {
        MessageStore store = MessageStore.open(state());
        List<StagedBody> staged = stage(store, 3);

        assertEquals(0, entries("hashes"), "nothing named before it is synced");
        assertEquals(3, entries("tmp"));
        assertEquals(TestStreams.expectedHex(body(1)), staged.get(1).hash().hex());

        MessageStore.open(state()); // a start after a crash before the publication
        assertEquals(0, entries("tmp"), "the staged files are removed at the next start");
        assertEquals(0, entries("hashes"));
    }

    @Test
    void publishSyncsEveryBodyBeforeNamingAnyAndTheNamesBeforeReturning() throws IOException {
        Recording files = new Recording();
        MessageStore store = MessageStore.open(state(), files);
        ContentHash already = store.ingest(new ByteArrayInputStream(bytes(body(2))));
        store.sync();
        List<StagedBody> staged = stage(store, 5);
        staged.add(store.stage(new ByteArrayInputStream(bytes(body(0))))); // the same body twice in one batch
        files.events.clear();

        store.publish(staged);

        List<String> ev = files.events;
        int lastFsync = ev.lastIndexOf("fsync");
        int firstLink = ev.indexOf("link");
        assertTrue(lastFsync >= 0 && lastFsync < firstLink, "every fsync before the first link: " + ev);
        assertEquals(4, Collections.frequency(ev, "fsync"), "the new bodies once each; not the stored one: " + ev);
        assertEquals(4, Collections.frequency(ev, "link"), ev.toString());
        assertEquals("fsync-dir", ev.get(ev.size() - 1), "the names made durable before publish returns: " + ev);
        assertEquals(5, entries("hashes"));
        assertEquals(0, entries("tmp"), "no temp file left");
        for (int i = 0; i < 5; i++) {
            assertArrayEquals(bytes(lineEndsToLf(body(i))), Files.readAllBytes(store.path(staged.get(i).hash())));
        }
        assertEquals(already, staged.get(2).hash());
    }

    @Test
    void aBatchWithABodyThatCannotBeSyncedNamesNoneOfIt() throws IOException {
        FaultyFileOps files = new FaultyFileOps(FileOps.SYSTEM);
        MessageStore store = MessageStore.open(state(), files);
        List<StagedBody> staged = stage(store, 5);
        files.failAt(Kind.FSYNC, 3, Fault.EIO);

        assertThrows(IOException.class, () -> store.publish(staged));

        assertEquals(1, files.injected());
        assertEquals(0, entries("hashes"), "no body of the batch named, not even those synced");
        assertEquals(0, entries("tmp"), "and the staged files removed");
        List<StagedBody> again = stage(store, 5);
        store.publish(again);
        assertEquals(5, entries("hashes"), "the batch staged again is stored");
    }

    @Test
    void theBodiesOfABatchAreSyncedTogether() throws IOException {
        AtomicBoolean together = new AtomicBoolean();
        CountDownLatch second = new CountDownLatch(2);
        FileOps files = new Recording() {
            @Override
            public void fsync(Path file) throws IOException {
                second.countDown();
                try {
                    // Only a failing run waits the full time: the first fsync waits for a second one in flight.
                    if (second.await(30, TimeUnit.SECONDS)) {
                        together.set(true);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                super.fsync(file);
            }
        };
        MessageStore store = MessageStore.open(state(), files);

        store.publish(stage(store, 20));

        assertTrue(together.get(), "a second fsync started while the first was in flight");
        assertEquals(20, entries("hashes"));
    }

    /** The real file system, noting the calls that make bodies durable and name them. */
    private static class Recording extends ForwardingFileOps {
        final List<String> events = Collections.synchronizedList(new ArrayList<>());

        Recording() {
            super(SYSTEM);
        }

        @Override
        public void fsync(Path file) throws IOException {
            real.fsync(file);
            events.add("fsync");
        }

        @Override
        public void fsyncDirectory(Path dir) throws IOException {
            real.fsyncDirectory(dir);
            events.add("fsync-dir");
        }

        @Override
        public void createLink(Path link, Path existing) throws IOException {
            events.add("link");
            real.createLink(link, existing);
        }
    }
}
