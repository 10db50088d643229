package dev.cms.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cms.fs.FaultyFileOps;
import dev.cms.fs.FaultyFileOps.Fault;
import dev.cms.fs.FaultyFileOps.Kind;
import dev.cms.fs.FileOps;
import dev.cms.model.ContentHash;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The id record's crash-safety steps through {@link FaultyFileOps}: an append whose fsync
 * fails is reported (the caller must not take the ids as recorded), a new record's directory
 * entry is synced once, and a start-up rewrite whose new file cannot be synced keeps the old
 * record and leaves no temp file; a finished rewrite syncs the directory.
 */
class IdRecordsDurabilityTest {
    private static final String ACCOUNT = "gmail:dave@example.com";

    @TempDir Path temp;

    Path stateDir;
    FaultyFileOps files;
    MessageStore store;
    ContentHash a;
    ContentHash b;

    @BeforeEach
    void open() throws IOException {
        stateDir = temp.resolve("state");
        files = new FaultyFileOps(FileOps.SYSTEM);
        store = MessageStore.open(stateDir, files);
        a = store.ingest(new ByteArrayInputStream("a\n".getBytes(StandardCharsets.US_ASCII)));
        b = store.ingest(new ByteArrayInputStream("b\n".getBytes(StandardCharsets.US_ASCII)));
        store.sync();
    }

    private List<Path> idFiles() throws IOException {
        try (Stream<Path> s = Files.list(stateDir.resolve(IdRecords.IDS))) {
            return s.sorted().toList();
        }
    }

    @Test
    void anAppendThatCannotBeSyncedFails() throws IOException {
        files.failAt(Kind.FSYNC, 1, Fault.EIO);
        IOException e = assertThrows(IOException.class, () -> store.recordIds(ACCOUNT, Map.of("one", a)));
        assertEquals(1, files.injected(), e.toString());
    }

    @Test
    void aNewRecordsDirectoryEntryIsSyncedOnce() throws IOException {
        int before = files.calls(Kind.FSYNC_DIR);
        store.recordIds(ACCOUNT, Map.of("one", a));
        assertEquals(before + 1, files.calls(Kind.FSYNC_DIR), "the new file's name made durable");
        store.recordIds(ACCOUNT, Map.of("two", b));
        assertEquals(before + 1, files.calls(Kind.FSYNC_DIR), "an append to an existing file adds no name");
    }

    @Test
    void aRewriteThatCannotBeSyncedKeepsTheOldRecord() throws IOException {
        store.recordIds(ACCOUNT, Map.of("one", a));
        store.recordIds(ACCOUNT, Map.of("two", b));
        Path file = idFiles().get(0);
        Files.write(file, "cut 12".getBytes(StandardCharsets.US_ASCII), StandardOpenOption.APPEND);
        List<String> damaged = Files.readAllLines(file);

        MessageStore again = MessageStore.open(stateDir, files); // the damaged line calls for a rewrite
        files.failAt(Kind.FSYNC, 1, Fault.EIO);
        assertThrows(IOException.class, () -> again.recordedIds(ACCOUNT, Set.of("one", "two")));
        assertEquals(1, files.injected());
        assertEquals(List.of(file), idFiles(), "no temp file left beside the record");
        assertEquals(damaged, Files.readAllLines(file), "the old record kept whole");

        MessageStore third = MessageStore.open(stateDir, files);
        int before = files.calls(Kind.FSYNC_DIR);
        assertEquals(Map.of("one", a, "two", b), third.recordedIds(ACCOUNT, Set.of("one", "two")));
        assertEquals(List.of("one " + a.hex(), "two " + b.hex()), Files.readAllLines(file));
        assertEquals(before + 1, files.calls(Kind.FSYNC_DIR), "the rename made durable");
    }
}
