package dev.cms.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.model.ContentHash;
import dev.cms.model.FileStat;
import dev.cms.model.Flag;
import dev.cms.model.Flags;
import dev.cms.time.FakeTicker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateDbTest {
    static final ContentHash H1 = new ContentHash("a".repeat(64));
    static final ContentHash H2 = new ContentHash("b".repeat(64));

    @TempDir
    Path tmp;

    @Test
    void aNewDatabaseIsPrivateInWalModeAtTheCurrentSchemaVersion() throws Exception {
        Path f = tmp.resolve("state.db");
        try (StateDb db = StateDb.open(f)) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + f); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("PRAGMA journal_mode")) {
                rs.next();
                assertEquals("wal", rs.getString(1));
            }
            try (ResultSet rs = st.executeQuery("PRAGMA user_version")) {
                rs.next();
                assertEquals(StateDb.SCHEMA_VERSION, rs.getInt(1));
            }
        }
    }

    /**
     * Issue 15: a clean cycle's commit removes the rows of bodies fetched but never committed;
     * SQLite answers that from an index of those rows alone, not by reading every row of the
     * mailbox (which cost every poll about 0.1 s at 1,000,000 messages).
     */
    @Test
    void theCommitsPruneOfUncommittedRowsReadsOnlyThoseRows() throws Exception {
        Path f = tmp.resolve("state.db");
        try (StateDb db = StateDb.open(f)) {
            assertTrue(db != null);
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + f);
                java.sql.PreparedStatement ps = c.prepareStatement("EXPLAIN QUERY PLAN " + StateWrites.PRUNE_UNCOMMITTED)) {
            ps.setString(1, "m");
            ResultSet rs = ps.executeQuery();
            StringBuilder plan = new StringBuilder();
            while (rs.next()) {
                plan.append(rs.getString("detail")).append('\n');
            }
            assertTrue(plan.toString().contains("USING INDEX message_uncommitted"), plan.toString());
        }
    }

    /**
     * Issue 13: what the database dates (a cycle's success and attempt, a secret's update) is
     * read from its Ticker, so a test (and {@code status}) sees the clock it was given.
     */
    @Test
    void theDatesWrittenComeFromTheDatabasesClock() throws Exception {
        Path f = tmp.resolve("state.db");
        FakeTicker ticker = new FakeTicker(Instant.parse("2030-05-06T07:08:09Z"));
        try (StateDb db = StateDb.open(f, ticker)) {
            StateDb.CycleCommit c = new StateDb.CycleCommit();
            c.mailbox("m").finish("token", 0, false);
            c.failed("n", "broken");
            db.commit(c);
            ticker.advance(java.time.Duration.ofMinutes(1));
            db.putSecret("k", new byte[] {1});
        }
        try (StateDb db = StateDb.openReadOnly(f)) {
            assertEquals(Instant.parse("2030-05-06T07:08:09Z"), db.loadMailbox("m").lastSuccess());
            assertEquals(Instant.parse("2030-05-06T07:08:09Z"), db.loadMailbox("n").lastAttempt());
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + f); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT updated FROM secret WHERE key = 'k'")) {
            assertTrue(rs.next());
            assertEquals(Instant.parse("2030-05-06T07:09:09Z").toEpochMilli(), rs.getLong(1));
        }
    }

    @Test
    void aDatabaseFromANewerProgramIsRefusedWithAClearMessage() throws Exception {
        Path f = tmp.resolve("state.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + f); Statement st = c.createStatement()) {
            st.execute("PRAGMA user_version = 99");
        }
        IOException e = assertThrows(IOException.class, () -> StateDb.open(f));
        assertTrue(e.getMessage().contains("schema version 99"), e.getMessage());
        assertTrue(e.getMessage().contains("upgrade cloud-mdir-sync"), e.getMessage());
    }

    @Test
    void aCycleCommitIsReadBackAndDownloadsSurviveWithoutACommit() throws Exception {
        Path f = tmp.resolve("state.db");
        try (StateDb db = StateDb.open(f)) {
            db.recordContent("box", Map.of("id1", H1, "id2", H2));
            StateDb.CycleCommit c = new StateDb.CycleCommit();
            c.at(Instant.ofEpochMilli(1_000_000));
            StateDb.MailboxCommit m = c.mailbox("box");
            m.upsert("id1", H1, Flags.of(Flag.READ), Instant.ofEpochMilli(5000), "/mail/INBOX");
            m.finish("token-7", 1, false);
            c.statPut(42, new FileStat(42, 10, 20, 30), H1, "1700000000.M1P2Q3.host");
            db.commit(c);
        }
        try (StateDb db = StateDb.openReadOnly(f)) {
            List<StateDb.MessageRow> rows = db.loadMessages("box");
            assertEquals(2, rows.size());
            StateDb.MessageRow r1 = rows.stream().filter(r -> r.cloudId().equals("id1")).findFirst().orElseThrow();
            assertTrue(r1.inSnapshot());
            assertEquals(Flags.of(Flag.READ), r1.flags());
            assertEquals("/mail/INBOX", r1.target());
            StateDb.MessageRow r2 = rows.stream().filter(r -> r.cloudId().equals("id2")).findFirst().orElseThrow();
            assertTrue(!r2.inSnapshot(), "a downloaded body is remembered before any cycle commits it");
            StateDb.MailboxRow box = db.loadMailbox("box");
            assertEquals("token-7", box.syncToken());
            assertEquals(Instant.ofEpochMilli(1_000_000), box.lastSuccess());
            assertEquals(1, box.messageCount());
            assertEquals(H1, db.loadStatIndex().get(42L).hash());
        }
    }

    @Test
    void aFailedMailboxKeepsItsTokenAndRecordsTheError() throws Exception {
        try (StateDb db = StateDb.open(tmp.resolve("state.db"))) {
            StateDb.CycleCommit ok = new StateDb.CycleCommit();
            ok.mailbox("box").finish("t1", 0, true);
            db.commit(ok);
            StateDb.CycleCommit bad = new StateDb.CycleCommit();
            bad.failed("box", "HTTP 503");
            db.commit(bad);
            StateDb.MailboxRow box = db.loadMailbox("box");
            assertEquals("t1", box.syncToken());
            assertEquals("HTTP 503", box.lastError());
        }
    }

    @Test
    void secretsRoundTripAndTheReadOnlyOpenNeedsAnExistingFile() throws Exception {
        try (StateDb db = StateDb.open(tmp.resolve("state.db"))) {
            db.putSecret("gmail:a@b.c", new byte[] {1, 2, 3});
            assertArrayEquals(new byte[] {1, 2, 3}, db.secret("gmail:a@b.c"));
            assertEquals(List.of("gmail:a@b.c"), db.secretKeys());
            db.removeSecret("gmail:a@b.c");
            assertNull(db.secret("gmail:a@b.c"));
        }
        assertThrows(java.nio.file.NoSuchFileException.class, () -> StateDb.openReadOnly(tmp.resolve("none.db")));
    }
}
