package dev.cms.store;

import static dev.cms.store.TestStreams.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.cms.model.ContentHash;
import dev.cms.model.FileStat;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stat index's entries reach {@code state.db} even when the commit that carried them
 * failed: the next commit takes them (else after a crash the journal could not find the
 * content of a file written in that cycle). Real SQLite, no failure injected: a commit that
 * is built and never saved is a failed one for the index.
 */
class StatIndexCommitTest {
    @TempDir Path tmp;

    @Test
    void entriesOfAFailedCommitGoIntoTheNextOne() throws IOException {
        MessageStore store = MessageStore.open(tmp.resolve("state"));
        ContentHash h = store.ingest(new ByteArrayInputStream(bytes("Subject: s\r\n\r\nbody\r\n")));
        FileStat st = new FileStat(77, 10, 20, 30);
        try (StateDb db = StateDb.open(tmp.resolve("state/state.db"))) {
            StatIndex index = new StatIndex(store, Map.of());
            index.record(st, h, "1700000000.M1P1Q1.host");

            StateDb.CycleCommit lost = new StateDb.CycleCommit();
            index.drainInto(lost, false); // this commit fails: never saved
            index.commitFailed();

            StateDb.CycleCommit next = new StateDb.CycleCommit();
            index.drainInto(next, false);
            db.commit(next);
            StatIndex.Entry e = db.statEntry(77);
            assertEquals(new StatIndex.Entry(st, h, "1700000000.M1P1Q1.host"), e);

            // once saved, a later cycle carries it no more: nothing to re-send after a success
            index.commitFailed();
            StateDb.CycleCommit third = new StateDb.CycleCommit();
            index.drainInto(third, false);
            db.commit(third);
            assertEquals(e, db.statEntry(77));
            assertNull(db.statEntry(78));
        }
    }
}
