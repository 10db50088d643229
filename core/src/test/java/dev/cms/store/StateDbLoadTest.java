package dev.cms.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.cms.model.ContentHash;
import dev.cms.model.FileStat;
import dev.cms.model.Flag;
import dev.cms.model.Flags;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15: start-up reads {@code state.db}'s rows straight into what the engine keeps (hashes
 * from the column's bytes, one instance per body); a database written by earlier versions, as
 * plain SQL rows, loads to the same hashes, flags, dates and targets, and damaged rows are still
 * left out.
 */
class StateDbLoadTest {
    private static final String A = "0123456789abcdef".repeat(4);
    private static final String B = "f".repeat(63) + "0";
    private static final String C = "8" + "0".repeat(63);

    @TempDir
    Path tmp;

    /** The rows as the previous version wrote them: hex text hashes, flag bits, epoch milliseconds. */
    private Path oldDatabase() throws Exception {
        Path f = tmp.resolve("state.db");
        try (StateDb db = StateDb.open(f)) {
            // the schema
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + f);
                PreparedStatement msg = c.prepareStatement("INSERT INTO message (mailbox, cloud_id, hash, flags,"
                        + " received, target, in_snapshot) VALUES (?, ?, ?, ?, ?, ?, ?)");
                PreparedStatement stat = c.prepareStatement(
                        "INSERT INTO stat_index (inode, size, mtime, ctime, hash, name) VALUES (?, ?, ?, ?, ?, ?)");
                PreparedStatement journal = c.prepareStatement(
                        "INSERT INTO local_journal (maildir, name) VALUES (?, ?)")) {
            Object[][] messages = {
                {"box", "id-a", A, 1 | 4, 1_700_000_000_123L, "/mail/INBOX", 1},
                {"box", "id-b", B, 0, null, null, 1},
                {"box", "id-c", C, 2 | 8, 5L, "/mail/Other", 0},
                {"box", "id-a2", A, 15, 7L, "/mail/INBOX", 1}, // the same body twice
                {"box", "damaged-upper", A.toUpperCase(), 0, null, null, 1},
                {"box", "damaged-short", A.substring(1), 0, null, null, 1},
                {"other", "id-a", A, 1, null, null, 1},
            };
            for (Object[] m : messages) {
                for (int i = 0; i < m.length; i++) {
                    msg.setObject(i + 1, m[i]);
                }
                msg.executeUpdate();
            }
            Object[][] stats = {
                {10L, 100L, 1_000L, 2_000L, A, "1700000000.a.host"},
                {11L, 101L, 1_001L, 2_001L, B, "1700000000.b.host"},
                {12L, 102L, 1_002L, 2_002L, "not a hash", "1700000000.x.host"},
            };
            for (Object[] s : stats) {
                for (int i = 0; i < s.length; i++) {
                    stat.setObject(i + 1, s[i]);
                }
                stat.executeUpdate();
            }
            journal.setString(1, "/mail/INBOX");
            journal.setString(2, "1700000000.a.host");
            journal.executeUpdate();
            journal.setString(2, "1700000000.gone.host"); // a name the index never recorded
            journal.executeUpdate();
        }
        return f;
    }

    private record Row(ContentHash hash, Flags flags, Instant received, String target, boolean inSnapshot) {}

    @Test
    void rowsWrittenByEarlierVersionsLoadTheSameAndShareOneHashPerBody() throws Exception {
        Path f = oldDatabase();
        try (StateDb db = StateDb.open(f)) {
            StatRows index = db.loadStatIndex();
            assertEquals(Set.of(10L, 11L), index.inodes(), "a damaged hash leaves its row out");
            assertEquals(new FileStat(10, 100, 1_000, 2_000), index.get(10L).stat());
            assertEquals(new ContentHash(A), index.get(10L).hash());
            assertEquals("1700000000.b.host", index.get(11L).name());

            StateDb.Journal journal = db.loadJournal();
            assertEquals(2, journal.head());
            assertEquals(Map.of("/mail/INBOX", Set.of(new ContentHash(A))), journal.hashes());

            Map<String, Row> rows = new HashMap<>();
            db.forEachMessage("box", (id, hash, flags, received, target, inSnapshot) ->
                    rows.put(id, new Row(hash, flags, received, target, inSnapshot)));
            assertEquals(Map.of(
                    "id-a", new Row(new ContentHash(A), Flags.of(Flag.READ, Flag.REPLIED),
                            Instant.ofEpochMilli(1_700_000_000_123L), "/mail/INBOX", true),
                    "id-b", new Row(new ContentHash(B), Flags.NONE, null, null, true),
                    "id-c", new Row(new ContentHash(C), Flags.of(Flag.FLAGGED, Flag.TRASHED), Instant.ofEpochMilli(5),
                            "/mail/Other", false),
                    "id-a2", new Row(new ContentHash(A), Flags.of(Flag.values()), Instant.ofEpochMilli(7),
                            "/mail/INBOX", true)), rows);
            assertEquals(A, rows.get("id-a").hash().hex());
            assertEquals(B, rows.get("id-b").hash().hex());

            // One instance per body across the stat index, the journal and every mailbox's rows.
            ContentHash shared = index.get(10L).hash();
            assertSame(shared, rows.get("id-a").hash());
            assertSame(shared, rows.get("id-a2").hash());
            assertSame(shared, journal.hashes().get("/mail/INBOX").iterator().next());
            assertSame(shared, db.loadMessages("other").get(0).hash());
            assertSame(index.get(11L).hash(), rows.get("id-b").hash());

            // The list form reads the same rows.
            List<StateDb.MessageRow> listed = new ArrayList<>(db.loadMessages("box"));
            assertEquals(4, listed.size());
            for (StateDb.MessageRow r : listed) {
                Row want = rows.get(r.cloudId());
                assertEquals(want, new Row(r.hash(), r.flags(), r.received(), r.target(), r.inSnapshot()));
            }

            // After a commit, nothing keeps the loaded hashes any more.
            db.commit(new StateDb.CycleCommit());
            assertNotSame(shared, db.loadMessages("other").get(0).hash());
            assertEquals(shared, db.loadMessages("other").get(0).hash());
            assertNull(db.loadMailbox("nothing"));
        }
    }
}
