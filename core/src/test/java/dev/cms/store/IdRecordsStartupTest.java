package dev.cms.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Start-up rewrites a record that holds a damaged line even when it is far from twice its
 * live entries: the damage (a crash in the middle of an append) is not left for the next
 * append to meet.
 */
class IdRecordsStartupTest {
    private static final String ACCOUNT = "o365:carol@example.com";

    @TempDir Path temp;

    private static ContentHash body(MessageStore store, String line) throws IOException {
        return store.ingest(new ByteArrayInputStream((line + "\n").getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void oneDamagedLineIsDroppedAtTheFirstUseAfterAStartThoughTheRecordIsSmall() throws IOException {
        Path stateDir = temp.resolve("state");
        MessageStore store = MessageStore.open(stateDir);
        ContentHash a = body(store, "a");
        ContentHash b = body(store, "b");
        store.recordIds(ACCOUNT, Map.of("one", a));
        store.recordIds(ACCOUNT, Map.of("two", b));
        Path file;
        try (Stream<Path> s = Files.list(stateDir.resolve(IdRecords.IDS))) {
            file = s.findFirst().orElseThrow();
        }
        Files.write(file, ("cut " + a.hex().substring(0, 9)).getBytes(StandardCharsets.US_ASCII),
                StandardOpenOption.APPEND);

        store = MessageStore.open(stateDir); // 3 lines for 2 live ids: only the damage calls for a rewrite
        assertEquals(Map.of("one", a, "two", b), store.recordedIds(ACCOUNT, Set.of("one", "two", "cut")));
        assertEquals(List.of("one " + a.hex(), "two " + b.hex()), Files.readAllLines(file),
                "rewritten at the record's first use after the start");
    }

    /**
     * Bodies dropped while no dropped.log was kept (an older version) still have lines in the
     * record: the compaction that drops those lines records their bodies as dropped first, once
     * each, so a restored file of one is never taken for the user's new message.
     */
    @Test
    void aCompactionRecordsTheBodiesOfTheLinesItDropsAsDropped() throws IOException {
        Path stateDir = temp.resolve("state");
        MessageStore store = MessageStore.open(stateDir);
        ContentHash a = body(store, "a");
        ContentHash b = body(store, "b");
        ContentHash c = body(store, "c");
        store.recordIds(ACCOUNT, Map.of("one", a));
        store.recordIds(ACCOUNT, Map.of("two", b));
        store.recordIds(ACCOUNT, Map.of("three", c));
        store.retainOnly(Set.of(a), new java.util.HashSet<>()); // b and c dropped, as an older version did: unrecorded
        new DroppedBodies(stateDir).record(List.of(b)); // b recorded already (this version's drop)

        store = MessageStore.open(stateDir); // 3 lines for 1 live id: rewritten at first use
        assertEquals(Map.of("one", a), store.recordedIds(ACCOUNT, Set.of("one", "two", "three")));
        assertEquals(Set.of(b, c), new DroppedBodies(stateDir).among(List.of(a, b, c)));
        assertEquals(List.of(b.hex(), c.hex()), Files.readAllLines(stateDir.resolve(DroppedBodies.FILE)),
                "each once");
    }
}
