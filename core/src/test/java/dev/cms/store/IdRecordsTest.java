package dev.cms.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.fs.FaultyFileOps;
import dev.cms.fs.FileOps;
import dev.cms.model.ContentHash;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store's record of cloud id → content hash, which outlives {@code state.db} (issue 18, item 9). */
class IdRecordsTest {
    private static final String ACCOUNT = "gmail:alice@example.com";

    @TempDir Path temp;
    Path stateDir;
    MessageStore store;

    @BeforeEach
    void openStore() throws IOException {
        stateDir = temp.resolve("state");
        store = MessageStore.open(stateDir);
    }

    private ContentHash ingest(String body) throws IOException {
        return store.ingest(new ByteArrayInputStream(body.getBytes(StandardCharsets.US_ASCII)));
    }

    private List<Path> recordFiles() throws IOException {
        try (Stream<Path> s = Files.list(stateDir.resolve("ids"))) {
            return s.sorted().toList();
        }
    }

    private Path record() throws IOException {
        List<Path> files = recordFiles();
        assertEquals(1, files.size(), files.toString());
        return files.get(0);
    }

    private Map<String, ContentHash> lookup(String... ids) throws IOException {
        return store.recordedIds(ACCOUNT, Set.of(ids));
    }

    @Test
    void recordedIdsAreFoundAgainAfterARestartAndALaterLineWins() throws IOException {
        ContentHash a = ingest("a\r\n");
        ContentHash b = ingest("b\r\n");
        assertFalse(store.hasIdRecord(ACCOUNT));
        store.recordIds(ACCOUNT, Map.of("id-1", a, "id-2", a));
        store.recordIds(ACCOUNT, Map.of("id-2", b));
        assertTrue(store.hasIdRecord(ACCOUNT));

        store = MessageStore.open(stateDir);
        assertEquals(Map.of("id-1", a, "id-2", b), lookup("id-1", "id-2", "id-3"));
        assertEquals(Map.of(), store.recordedIds("gmail:bob@example.com", Set.of("id-1")), "per account");
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(record()));
        assertEquals(PosixFilePermissions.fromString("rwx------"),
                Files.getPosixFilePermissions(stateDir.resolve("ids")));
    }

    /**
     * Issue 13 item 4: a full disk, an I/O error or a failed rename at each step of an append
     * and of a start-up compaction (a record with a damaged line is rewritten): the record under
     * its final name is never partial, a line cut short is never read, the compaction's temp
     * file is gone at once or at the next start, and the next start without a fault finds every
     * entry written before.
     */
    @Test
    void faultsWhileAppendingOrCompactingNeverLoseOrCorruptARecord() throws IOException {
        ContentHash a = ingest("a\r\n");
        ContentHash b = ingest("b\r\n");
        for (FaultyFileOps.Kind kind : List.of(FaultyFileOps.Kind.WRITE, FaultyFileOps.Kind.FSYNC,
                FaultyFileOps.Kind.RENAME, FaultyFileOps.Kind.FSYNC_DIR)) {
            for (FaultyFileOps.Fault fault : FaultyFileOps.Fault.values()) {
                String what = fault + " at " + kind;
                store.recordIds(ACCOUNT, Map.of("id-1", a));
                FaultyFileOps files = new FaultyFileOps(FileOps.SYSTEM);
                MessageStore faulty = MessageStore.open(stateDir, files);
                files.failAt(kind, 1, fault);
                try {
                    faulty.recordIds(ACCOUNT, Map.of("id-2", b));
                } catch (IOException expected) {
                    // reported to the engine, which logs it
                }
                // A line cut short: the next start compacts the record (the damaged line goes).
                Files.writeString(record(), "id-3 " + b.hex().substring(0, 10), StandardOpenOption.APPEND);
                files.failAt(kind, 1, fault);
                try {
                    MessageStore.open(stateDir, files);
                } catch (IOException expected) {
                    // a start-up that cannot compact fails; the record stays as it was
                }
                assertTrue(lookupWith(MessageStore.open(stateDir)).get("id-1").equals(a), what + ": id-1 kept");
                assertFalse(lookupWith(MessageStore.open(stateDir)).containsKey("id-3"), what + ": a cut line never read");
                ContentHash two = lookupWith(MessageStore.open(stateDir)).get("id-2");
                assertTrue(two == null || two.equals(b), what + ": id-2 right or absent, not " + two);
                assertEquals(1, recordFiles().size(), what + ": no temp file left: " + recordFiles());
                Files.delete(record());
            }
        }
    }

    private static Map<String, ContentHash> lookupWith(MessageStore s) throws IOException {
        return s.recordedIds(ACCOUNT, Set.of("id-1", "id-2", "id-3"));
    }

    @Test
    void cloudIdsNeverBecomeFileNamesAndUnsafeOnesAreNotRecorded() throws IOException {
        ContentHash a = ingest("a\r\n");
        Map<String, ContentHash> hostile = new LinkedHashMap<>();
        hostile.put("../../escape", a);
        hostile.put("with space", a);
        hostile.put("with\nnewline " + a.hex() + "\nforged", a);
        hostile.put("tab\there", a);
        hostile.put("", a);
        hostile.put("x".repeat(IdRecords.MAX_ID_BYTES + 1), a);
        hostile.put("fine", a);
        store.recordIds("../../" + ACCOUNT + "/..", hostile);

        Path file = record();
        assertEquals(stateDir.resolve("ids"), file.getParent(), "the file stays in ids/: " + file);
        assertFalse(file.getFileName().toString().startsWith("."), file.toString());
        assertEquals(List.of("../../escape " + a.hex(), "fine " + a.hex()), Files.readAllLines(file));
        assertEquals(Map.of("fine", a, "../../escape", a),
                store.recordedIds("../../" + ACCOUNT + "/..", Set.of("fine", "../../escape", "forged", "with space")),
                "an id with '/' is fine inside the file");
        // Two keys that sanitise alike keep their own files.
        store.recordIds("../../" + ACCOUNT + "/.:", Map.of("other", a));
        assertEquals(2, recordFiles().size());
    }

    @Test
    void aDamagedRecordIsReadAroundItsBadLines() throws IOException {
        ContentHash a = ingest("a\r\n");
        ContentHash b = ingest("b\r\n");
        store.recordIds(ACCOUNT, Map.of("good-1", a));
        Path file = record();
        String junk = "garbage\n" + "\0\0\0\0\n" + "\n" + " " + a.hex() + "\n" + "no-hash \n"
                + "bad-hash " + a.hex().toUpperCase() + "\n" + "short " + a.hex().substring(1) + "\n"
                + "two spaces " + a.hex() + "\n" + "\u00ff\u00fe " + a.hex() + "\n"
                + "y".repeat(5000) + " " + a.hex() + "\n"
                + "good-2 " + b.hex() + "\n"
                + "cut " + b.hex().substring(0, 20); // an append cut short by a crash
        Files.write(file, junk.getBytes(StandardCharsets.ISO_8859_1), StandardOpenOption.APPEND);

        store = MessageStore.open(stateDir); // the first use after a start rewrites the damaged file
        assertEquals(Map.of("good-1", a, "good-2", b),
                lookup("good-1", "good-2", "cut", "garbage", "no-hash", "bad-hash", "short", "two"));
        assertEquals(List.of("good-1 " + a.hex(), "good-2 " + b.hex()), Files.readAllLines(file));
    }

    @Test
    void anAppendAfterAnUnfinishedLineIsNotGluedToIt() throws IOException {
        ContentHash a = ingest("a\r\n");
        ContentHash b = ingest("b\r\n");
        store.recordIds(ACCOUNT, Map.of("first", a));
        Files.write(record(), ("cut " + a.hex().substring(0, 30)).getBytes(StandardCharsets.US_ASCII),
                StandardOpenOption.APPEND);
        // No restart in between: the appending process meets the damage.
        store.recordIds(ACCOUNT, Map.of("second", b));
        assertEquals(Map.of("first", a, "second", b), lookup("first", "second", "cut"));
    }

    @Test
    void theFirstUseAfterAStartDropsEntriesWhoseBodiesAreGoneOnceTheyOutnumberTheLiveOnes() throws IOException {
        ContentHash keep = ingest("keep\r\n");
        Map<String, ContentHash> gone = new HashMap<>();
        for (int i = 0; i < 5; i++) {
            gone.put("gone-" + i, ingest("gone " + i + "\r\n"));
        }
        store.recordIds(ACCOUNT, Map.of("keep", keep));
        store.recordIds(ACCOUNT, gone);
        store.retainOnly(Set.of(keep)); // the cloud deleted those messages; their bodies went

        store = MessageStore.open(stateDir);
        assertEquals(6, Files.readAllLines(record()).size(), "a start alone does not read or rewrite the record");
        assertEquals(Map.of("keep", keep), lookup("keep", "gone-0"));
        assertEquals(List.of("keep " + keep.hex()), Files.readAllLines(record()), "its first use does");
    }

    @Test
    void aRecordThatGrowsPastTwiceItsLiveEntriesIsCompactedWhileRunning() throws IOException {
        ContentHash a = ingest("a\r\n");
        ContentHash b = ingest("b\r\n");
        Map<String, ContentHash> batch = new HashMap<>();
        for (int i = 0; i < 100; i++) {
            batch.put("id-" + i, a);
        }
        Map<String, ContentHash> again = new HashMap<>(batch);
        again.put("id-0", b);
        for (int round = 0; round < 30; round++) {
            store.recordIds(ACCOUNT, round % 2 == 0 ? batch : again);
        }
        long lines = Files.readAllLines(record()).size();
        assertTrue(lines <= 2 * IdRecords.COMPACT_FLOOR + 100, "3,000 lines written for 100 ids, " + lines + " kept");
        Map<String, ContentHash> want = new HashMap<>(again);
        assertEquals(want, store.recordedIds(ACCOUNT, batch.keySet()), "the latest line of each id survives");
    }
}
