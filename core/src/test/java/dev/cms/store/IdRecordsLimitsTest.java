package dev.cms.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.model.ContentHash;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The id records at their limits: the file name an account key gets, ids and lines at their
 * longest, the exact point where a record is compacted, and leftovers of a compaction.
 */
class IdRecordsLimitsTest {
    private static final String ACCOUNT = "o365:bob@example.com";

    @TempDir Path temp;
    Path stateDir;
    MessageStore store;
    ContentHash a;
    ContentHash b;

    @BeforeEach
    void openStore() throws IOException {
        stateDir = temp.resolve("state");
        store = MessageStore.open(stateDir);
        a = store.ingest(new ByteArrayInputStream("a\n".getBytes(StandardCharsets.US_ASCII)));
        b = store.ingest(new ByteArrayInputStream("b\n".getBytes(StandardCharsets.US_ASCII)));
    }

    private Path record() throws IOException {
        try (Stream<Path> s = Files.list(stateDir.resolve("ids"))) {
            List<Path> files = s.toList();
            assertEquals(1, files.size(), files.toString());
            return files.get(0);
        }
    }

    @Test
    void fileNamesKeepPlainCharactersOnlyAndTheDigestTellsKeysApart() {
        String name = IdRecords.fileName("azAZ09-_@+.x`{[/:");
        assertTrue(name.startsWith("azAZ09-_@+.x_____-"), name);
        assertTrue(name.endsWith(IdRecords.SUFFIX));
        assertTrue(IdRecords.fileName(".hidden").startsWith("_hidden-"), "never a leading dot");
        assertTrue(IdRecords.fileName("a.b").startsWith("a.b-"));
        String longKey = "k".repeat(100);
        String longName = IdRecords.fileName(longKey);
        assertEquals("k".repeat(60) + "-", longName.substring(0, 61), "at most 60 characters of the key");
        assertEquals(61 + 16 + IdRecords.SUFFIX.length(), longName.length(), "then 8 bytes of digest in hex");
        assertNotEquals(IdRecords.fileName("a/b"), IdRecords.fileName("a:b"), "alike once sanitised, still apart");
        assertNotEquals(IdRecords.fileName(longKey), IdRecords.fileName(longKey + "z"));
        assertEquals(IdRecords.fileName(ACCOUNT), IdRecords.fileName(ACCOUNT), "stable");
    }

    @Test
    void idsUpToTheLimitAreRecordedAndLongerOnesAreNot() throws IOException {
        String longest = "i".repeat(IdRecords.MAX_ID_BYTES);
        String tooLong = "j".repeat(IdRecords.MAX_ID_BYTES + 1);
        String wide = "\u00e9".repeat(IdRecords.MAX_ID_BYTES / 2); // two bytes each: exactly the limit
        String wideTooLong = "\u00e9".repeat(IdRecords.MAX_ID_BYTES / 2) + "x";
        Map<String, ContentHash> ids = new LinkedHashMap<>();
        ids.put(longest, a);
        ids.put(tooLong, a);
        ids.put(wide, b);
        ids.put(wideTooLong, b);
        ids.put("tab\tid", a);
        ids.put("del\u007fid", a);
        ids.put("c1\u0085id", a);
        ids.put("nbsp\u00a0ok", b);
        ids.put("", a);
        store.recordIds(ACCOUNT, ids);
        assertEquals(Map.of(longest, a, wide, b, "nbsp\u00a0ok", b), store.recordedIds(ACCOUNT, ids.keySet()));
        assertEquals(3, Files.readAllLines(record()).size());

        store = MessageStore.open(stateDir); // and read back the same after a restart
        assertEquals(Map.of(longest, a, wide, b, "nbsp\u00a0ok", b), store.recordedIds(ACCOUNT, ids.keySet()));
    }

    @Test
    void linesAreReadOnlyWhenWhole() throws IOException {
        store.recordIds(ACCOUNT, Map.of("ok", a));
        String hex = b.hex();
        String lines = "j".repeat(IdRecords.MAX_ID_BYTES + 1) + " " + hex + "\n" // id too long
                + "x".repeat(3000) + "\n" // far beyond the longest line
                + "h63 " + hex.substring(1) + "\n" + "h65 " + hex + "0\n"
                + "after " + hex + "\n";
        Files.write(record(), lines.getBytes(StandardCharsets.US_ASCII), StandardOpenOption.APPEND);
        assertEquals(Map.of("ok", a, "after", b), store.recordedIds(ACCOUNT, Set.of("ok", "after", "h63", "h65",
                "j".repeat(IdRecords.MAX_ID_BYTES + 1))));
        assertEquals(Map.of(), store.recordedIds(ACCOUNT, Set.of()), "nothing asked, nothing read");
        assertEquals(Map.of(), store.recordedIds("never:seen", Set.of("ok")), "no record: nothing known");
        assertFalse(store.hasIdRecord("never:seen"));
        assertTrue(store.hasIdRecord(ACCOUNT));
    }

    @Test
    void theFirstUseCompactsAtMoreThanTwiceTheLiveEntriesNotAtTwice() throws IOException {
        ContentHash gone = store.ingest(new ByteArrayInputStream("gone\n".getBytes(StandardCharsets.US_ASCII)));
        store.recordIds(ACCOUNT, Map.of("live", a));
        store.recordIds(ACCOUNT, Map.of("dead", gone)); // 2 lines, 1 live once the body goes
        store.retainOnly(Set.of(a, b));
        store = MessageStore.open(stateDir);
        assertEquals(2, Files.readAllLines(record()).size(), "exactly twice: left as it is");

        store.recordIds(ACCOUNT, Map.of("dead", gone)); // 3 lines, 1 live
        store = MessageStore.open(stateDir);
        assertEquals(Map.of("live", a), store.recordedIds(ACCOUNT, Set.of("live", "dead")));
        assertEquals(List.of("live " + a.hex()), Files.readAllLines(record()), "more than twice: compacted at the first use");
    }

    @Test
    void aLeftoverOfAnInterruptedCompactionIsRemovedAtStartUp() throws IOException {
        store.recordIds(ACCOUNT, Map.of("live", a));
        Path leftover = record().resolveSibling(record().getFileName() + ".compact");
        Files.writeString(leftover, "partial");
        store = MessageStore.open(stateDir);
        assertFalse(Files.exists(leftover));
        assertEquals(Map.of("live", a), store.recordedIds(ACCOUNT, Set.of("live")));
    }

    @Test
    void aRunningRecordIsCompactedOnlyPastTwiceTheFloor() throws IOException {
        Map<String, ContentHash> batch = new LinkedHashMap<>();
        for (int i = 0; i < IdRecords.COMPACT_FLOOR; i++) {
            batch.put("id-" + i, a);
        }
        store.recordIds(ACCOUNT, batch);
        store.recordIds(ACCOUNT, batch);
        assertEquals(2 * IdRecords.COMPACT_FLOOR, Files.readAllLines(record()).size(), "twice the floor: kept");
        store.recordIds(ACCOUNT, Map.of("id-0", b));
        assertEquals(IdRecords.COMPACT_FLOOR, Files.readAllLines(record()).size(), "one more: compacted to the live ids");
        assertEquals(b, store.recordedIds(ACCOUNT, Set.of("id-0")).get("id-0"), "the latest line won");
        assertEquals(a, store.recordedIds(ACCOUNT, Set.of("id-7")).get("id-7"));
    }
}
