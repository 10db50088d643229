package dev.cms.store;

import static dev.cms.store.TestStreams.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cms.fs.FaultyFileOps;
import dev.cms.fs.FaultyFileOps.Fault;
import dev.cms.fs.FaultyFileOps.Kind;
import dev.cms.fs.FileOps;
import dev.cms.model.ContentHash;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store's crash-safety steps, seen through {@link FaultyFileOps}: a body's bytes are synced
 * before its name exists (a failed fsync stores nothing), and {@code hashes/} is synced when a
 * name was added ({@link MessageStore#sync}) or removed ({@link MessageStore#retainOnly}), and
 * only then. What a power cut would lose cannot be shown in a test; which syncs are made can.
 */
class MessageStoreDurabilityTest {
    @TempDir Path tmp;

    FaultyFileOps files;
    MessageStore store;

    @BeforeEach
    void open() throws IOException {
        files = new FaultyFileOps(FileOps.SYSTEM);
        store = MessageStore.open(tmp.resolve("state"), files);
    }

    private ContentHash ingest(String text) throws IOException {
        return store.ingest(new ByteArrayInputStream(bytes(text)));
    }

    private long entries(String dir) throws IOException {
        try (Stream<Path> s = Files.list(tmp.resolve("state").resolve(dir))) {
            return s.count();
        }
    }

    @Test
    void aBodyWhoseBytesCannotBeSyncedIsNotStored() throws IOException {
        files.failAt(Kind.FSYNC, 1, Fault.EIO);
        assertThrows(IOException.class, () -> ingest("Subject: a\r\n\r\nbody\r\n"));
        assertEquals(1, files.injected());
        assertEquals(0, entries("hashes"), "no name for a body that may not be on the disk");
        assertEquals(0, entries("tmp"), "and no temp file left");
    }

    @Test
    void syncSyncsTheDirectoryOnlyWhenANameWasAdded() throws IOException {
        int before = files.calls(Kind.FSYNC_DIR);
        ingest("Subject: a\r\n\r\nbody\r\n");
        store.sync();
        assertEquals(before + 1, files.calls(Kind.FSYNC_DIR), "the new name made durable");
        store.sync();
        assertEquals(before + 1, files.calls(Kind.FSYNC_DIR), "nothing new: no second sync");
        ingest("Subject: a\r\n\r\nbody\r\n");
        store.sync();
        assertEquals(before + 1, files.calls(Kind.FSYNC_DIR), "a body already stored adds no name");
    }

    @Test
    void retainOnlySyncsTheDirectoryOnlyAfterRemovingABody() throws IOException {
        ContentHash kept = ingest("Subject: k\r\n\r\nkept\r\n");
        ContentHash dropped = ingest("Subject: d\r\n\r\ndropped\r\n");
        store.sync();
        int before = files.calls(Kind.FSYNC_DIR);
        assertEquals(0, store.retainOnly(Set.of(kept, dropped)));
        assertEquals(before, files.calls(Kind.FSYNC_DIR), "nothing removed: nothing to sync");
        assertEquals(1, store.retainOnly(Set.of(kept)));
        assertEquals(before + 1, files.calls(Kind.FSYNC_DIR), "the removal made durable");
    }
}
