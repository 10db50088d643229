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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the first use of an id record after a start rewrites: a damaged line, also when that
 * use is an append, and a file of more than twice as many lines as live entries; a file of
 * exactly twice as many is left as it is (a rewrite costs a pass over it).
 */
class IdRecordsFirstUseTest {
    private static final String ACCOUNT = "o365:erin@example.com";

    @TempDir Path temp;

    Path stateDir;
    MessageStore store;
    ContentHash a;
    ContentHash b;
    ContentHash c;

    @BeforeEach
    void open() throws IOException {
        stateDir = temp.resolve("state");
        store = MessageStore.open(stateDir);
        a = ingest("a\n");
        b = ingest("b\n");
        c = ingest("c\n");
    }

    private ContentHash ingest(String text) throws IOException {
        return store.ingest(new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII)));
    }

    private Path record() throws IOException {
        try (Stream<Path> s = Files.list(stateDir.resolve(IdRecords.IDS))) {
            return s.findFirst().orElseThrow();
        }
    }

    @Test
    void aDamagedLineIsDroppedWhenTheFirstUseIsAnAppend() throws IOException {
        store.recordIds(ACCOUNT, Map.of("one", a));
        Files.write(record(), ("cut " + a.hex().substring(0, 9)).getBytes(StandardCharsets.US_ASCII),
                StandardOpenOption.APPEND);

        MessageStore again = MessageStore.open(stateDir);
        again.recordIds(ACCOUNT, Map.of("two", b));
        assertEquals(List.of("one " + a.hex(), "two " + b.hex()), Files.readAllLines(record()),
                "rewritten before the append, the damaged line gone");
    }

    @Test
    void twiceAsManyLinesAsLiveEntriesIsLeftMoreIsRewritten() throws IOException {
        store.recordIds(ACCOUNT, Map.of("one", a));
        store.recordIds(ACCOUNT, Map.of("two", b));
        store.recordIds(ACCOUNT, Map.of("one", a));
        store.recordIds(ACCOUNT, Map.of("one", a));
        List<String> four = Files.readAllLines(record());
        assertEquals(4, four.size());

        MessageStore again = MessageStore.open(stateDir);
        assertEquals(Map.of("one", a, "two", b), again.recordedIds(ACCOUNT, Set.of("one", "two")));
        assertEquals(four, Files.readAllLines(record()), "4 lines for 2 live entries: not rewritten");

        again.recordIds(ACCOUNT, Map.of("two", b));
        MessageStore third = MessageStore.open(stateDir);
        assertEquals(Map.of("one", a, "two", b), third.recordedIds(ACCOUNT, Set.of("one", "two")));
        assertEquals(List.of("one " + a.hex(), "two " + b.hex()), Files.readAllLines(record()),
                "5 lines for 2 live entries: rewritten with the live ones");
    }

    @Test
    void aRecordOfOneLivePerLineIsNotRewritten() throws IOException {
        store.recordIds(ACCOUNT, Map.of("one", a));
        store.recordIds(ACCOUNT, Map.of("two", b));
        store.recordIds(ACCOUNT, Map.of("three", c));
        List<String> lines = Files.readAllLines(record());
        long modified = Files.getLastModifiedTime(record()).toMillis();
        Object inode = Files.getAttribute(record(), "unix:ino");

        MessageStore again = MessageStore.open(stateDir);
        assertEquals(Map.of("three", c), again.recordedIds(ACCOUNT, Set.of("three")));
        assertEquals(lines, Files.readAllLines(record()));
        assertEquals(inode, Files.getAttribute(record(), "unix:ino"), "the same file, not a rewritten one");
        assertEquals(modified, Files.getLastModifiedTime(record()).toMillis());
    }
}
