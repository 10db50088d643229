package dev.cms.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.fs.FaultyFileOps;
import dev.cms.fs.FaultyFileOps.Fault;
import dev.cms.fs.FaultyFileOps.Kind;
import dev.cms.fs.FileOps;
import dev.cms.model.Flag;
import dev.cms.model.Flags;
import dev.cms.provider.memory.InMemoryMailbox;
import dev.cms.time.FakeTicker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A download stores its bodies in batches ({@link Downloads#RECORD_BATCH}): written without a
 * sync each, then synced together and named in the store, and only then recorded and delivered.
 * A batch whose bodies cannot all be synced is not stored, recorded or delivered at all, and the
 * next cycle fetches it again, each message once in the end.
 */
class DownloadBatchTest {
    private static final int MESSAGES = 700;

    @TempDir
    Path tmp;

    private SyncFixture fx;

    @AfterEach
    void close() throws Exception {
        if (fx != null) {
            fx.close();
        }
    }

    private long entries(String dir) throws IOException {
        try (Stream<Path> s = Files.list(fx.stateDir.resolve(dir))) {
            return s.count();
        }
    }

    @Test
    void aBatchWhoseFsyncFailsIsNotRecordedAndIsFetchedAgain() throws Exception {
        InMemoryMailbox cloud = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        for (int i = 0; i < MESSAGES; i++) {
            cloud.add(Messages.message("m" + i), i % 3 == 0 ? Flags.of(Flag.READ) : Flags.NONE,
                    Instant.parse("2026-01-01T00:00:00Z").plusSeconds(i));
        }
        FaultyFileOps files = new FaultyFileOps(FileOps.SYSTEM);
        fx = new SyncFixture(tmp, 1, List.of(cloud), Router.defaultOnly());
        fx.ticker = new FakeTicker(); // fake time: batches end by count alone
        fx.files = files;
        fx.start(false);
        // The first batch's 200 bodies and the id record's sync come first: this is a body of the second.
        files.failAt(Kind.FSYNC, 300, Fault.EIO);

        CycleReport failed = fx.cycle();

        assertFalse(failed.ok());
        assertEquals(1, files.injected());
        int first = Downloads.RECORD_BATCH;
        assertEquals(first, entries("hashes"), "only the first batch is stored: none of the second, not even its synced bodies");
        assertEquals(0, entries("tmp"), "the second batch's files are gone");
        assertEquals(first, fx.files(0).size(), "only the first batch is delivered");

        fx.start(false); // as after a kill: what was recorded is all that counts
        fx.cycleOk();

        assertEquals(MESSAGES, fx.local(0).size(), "every message once (local() fails on a duplicate)");
        assertEquals(MESSAGES + first, cloud.bodiesServed(),
                "the first batch was not downloaded again; the failed one was");
        assertEquals(0, fx.lostAndFound().size());
        assertTrue(fx.cycleOk().idle());
    }
}
