package dev.cms.sync;

import static dev.cms.sync.SyncFixture.hash;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.maildir.MaildirFile;
import dev.cms.model.ContentHash;
import dev.cms.model.Flag;
import dev.cms.model.Flags;
import dev.cms.provider.memory.InMemoryMailbox;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Issue 18, item 9: losing {@code state.db} (deleted, or moved aside as the corruption message
 * advises) must not download again the bodies {@code hashes/} holds: the store's own record of
 * cloud id → content hash lets the full listing link them.
 */
class StateDbLossTest extends EngineTestBase {
    private static final int N = 30;

    InMemoryMailbox cloud;
    final Map<ContentHash, Flags> expected = new HashMap<>();

    /** N messages synced into one Maildir, then the daemon stopped. */
    private void syncedThenStopped() throws Exception {
        cloud = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        for (int i = 0; i < N; i++) {
            byte[] body = Messages.message("m" + i);
            Flags f = i % 3 == 0 ? Flags.of(Flag.READ) : i % 3 == 1 ? Flags.of(Flag.FLAGGED) : Flags.NONE;
            cloud.add(body, f, Instant.parse("2026-01-01T00:00:00Z").plusSeconds(i));
            expected.put(hash(body), f);
        }
        single(cloud);
        assertEquals(N, fx.cycleOk().fetched());
        fx.close();
    }

    private void loseStateDb() throws IOException {
        for (String name : List.of("state.db", "state.db-wal", "state.db-shm")) {
            Files.deleteIfExists(fx.stateDir.resolve(name));
        }
    }

    private Path idRecord() throws IOException {
        try (Stream<Path> s = Files.list(fx.stateDir.resolve("ids"))) {
            List<Path> files = s.toList();
            assertEquals(1, files.size(), "one record for the one account: " + files);
            return files.get(0);
        }
    }

    @Test
    void losingStateDbDownloadsNoBodyAndDuplicatesNothing() throws Exception {
        syncedThenStopped();
        long served = cloud.bodiesServed();
        loseStateDb();

        fx.start(false);
        CycleReport r = fx.cycleOk();

        assertEquals(0, r.fetched(), "every body is in hashes/: " + r);
        assertEquals(served, cloud.bodiesServed());
        assertEquals(expected, fx.local(0), "each message exactly once, with the cloud's flags");
        assertEquals(N, fx.files(0).size());
        assertEquals(List.of(), fx.lostAndFound());
        assertTrue(fx.cycleOk().idle(), "and the next cycle has nothing to do");
    }

    @Test
    void aMessageAlsoGoneFromTheMaildirIsLinkedFromTheStoreNotDownloaded() throws Exception {
        syncedThenStopped();
        long served = cloud.bodiesServed();
        loseStateDb();
        MaildirFile gone = fx.files(0).get(0);
        Files.delete(gone.path());

        fx.start(false);
        CycleReport r = fx.cycleOk();

        assertEquals(0, r.fetched());
        assertEquals(served, cloud.bodiesServed());
        assertEquals(1, r.delivered(), "the cloud is authoritative at start-up: the message comes back");
        assertEquals(expected, fx.local(0));
        assertEquals(List.of(), fx.lostAndFound());
    }

    @Test
    void aDamagedRecordCostsOnlyTheDownloadsOfItsDamagedLines() throws Exception {
        syncedThenStopped();
        Path record = idRecord();
        List<String> lines = Files.readAllLines(record, StandardCharsets.UTF_8);
        assertEquals(N, lines.size());
        StringBuilder damaged = new StringBuilder();
        // The first line's hash broken: that message is downloaded again.
        damaged.append(lines.get(0), 0, lines.get(0).length() - 1).append("g\n");
        for (int i = 1; i < N - 1; i++) {
            damaged.append(lines.get(i)).append('\n');
            if (i == N / 2) {
                damaged.append("garbage\n\0\0\n\n \n").append("x y\n").append("\u00ff\u00fe ")
                        .append("0".repeat(64)).append('\n');
            }
        }
        // The last line cut short, as by a crash during an append: downloaded again too.
        damaged.append(lines.get(N - 1), 0, lines.get(N - 1).length() - 10);
        Files.write(record, damaged.toString().getBytes(StandardCharsets.ISO_8859_1));
        loseStateDb();

        fx.start(false);
        CycleReport r = fx.cycleOk();

        assertEquals(2, r.fetched(), "only the messages whose lines were damaged: " + r);
        assertEquals(expected, fx.local(0));
        assertEquals(List.of(), fx.lostAndFound());
    }

    @Test
    void anOlderStateDbWithoutRecordGivesTheStoreOneAtStartUp() throws Exception {
        syncedThenStopped();
        // As left by a version that kept ids in state.db only.
        Files.delete(idRecord());
        fx.start(false);
        fx.cycleOk();
        fx.close();
        assertEquals(N, Files.readAllLines(idRecord()).size());
        loseStateDb();

        fx.start(false);
        assertEquals(0, fx.cycleOk().fetched());
        assertEquals(expected, fx.local(0));
    }
}
