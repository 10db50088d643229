package dev.cms.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.model.ContentHash;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The id records of a store that runs for a while: what a compaction after the start takes
 * to be live must be the store as it is then, not as it was at the start. Otherwise the ids
 * of every body downloaded since would be dropped, and a lost {@code state.db} would download
 * them all again.
 */
class IdRecordsWhileRunningTest {
    private static final String ACCOUNT = "gmail:ann@example.com";

    @TempDir Path temp;

    private static ContentHash ingest(MessageStore store, String body) throws IOException {
        return store.ingest(new ByteArrayInputStream(body.getBytes(StandardCharsets.US_ASCII)));
    }

    private static Map<String, ContentHash> ids(String prefix, int n, ContentHash h) {
        Map<String, ContentHash> m = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            m.put(prefix + i, h);
        }
        return m;
    }

    private Path record(Path stateDir) throws IOException {
        try (Stream<Path> s = Files.list(stateDir.resolve(IdRecords.IDS))) {
            List<Path> files = s.toList();
            assertEquals(1, files.size(), files.toString());
            return files.get(0);
        }
    }

    @Test
    void aCompactionWhileRunningKeepsTheIdsOfBodiesStoredSinceTheStart() throws IOException {
        Path stateDir = temp.resolve("state");
        MessageStore store = MessageStore.open(stateDir);
        ContentHash a = ingest(store, "first body\n");
        int floor = IdRecords.COMPACT_FLOOR;
        store.recordIds(ACCOUNT, ids("a-", floor, a));
        store.recordIds(ACCOUNT, ids("a-", floor, a)); // the same ids again: half the lines are stale
        store.recordIds(ACCOUNT, Map.of("one-more", a)); // past twice the floor: the store is listed

        ContentHash b = ingest(store, "a body downloaded later\n");
        Map<String, ContentHash> later = ids("b-", floor + 1, b);
        store.recordIds(ACCOUNT, later); // past twice the live entries known: looked at again

        Map<String, ContentHash> found = store.recordedIds(ACCOUNT, later.keySet());
        assertEquals(later.size(), found.size(), "every id of the body stored after the start is still recorded");
        assertEquals(later, found);
        assertEquals(a, store.recordedIds(ACCOUNT, java.util.Set.of("a-5")).get("a-5"));
        long lines = Files.readAllLines(record(stateDir)).size();
        assertTrue(lines >= 2L * floor + 1, "nothing live was dropped: " + lines + " lines");
    }
}
