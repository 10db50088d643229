package dev.cms.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.model.ContentHash;
import dev.cms.model.FileStat;
import dev.cms.model.Flag;
import dev.cms.model.Flags;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * state.db under failure and across restarts: a commit or a write that fails leaves nothing
 * half-written and the database usable; what a cycle saves (snapshot rows, removals, the
 * token, the stat index, the journal, settings) is what a new process reads back.
 */
class StateDbFailureTest {
    static final ContentHash H1 = new ContentHash("1".repeat(64));
    static final ContentHash H2 = new ContentHash("2".repeat(64));
    static final ContentHash H3 = new ContentHash("3".repeat(64));

    @TempDir
    Path tmp;

    Path file() {
        return tmp.resolve("state.db");
    }

    /** Another connection's trigger makes writes to {@code table} fail, as a full disk would. */
    void failWrites(String table, boolean fail) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file());
                Statement st = c.createStatement()) {
            for (String op : new String[] {"INSERT", "UPDATE", "DELETE"}) {
                st.execute(fail
                        ? "CREATE TRIGGER full_" + table + "_" + op + " BEFORE " + op + " ON " + table
                                + " BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
                        : "DROP TRIGGER IF EXISTS full_" + table + "_" + op);
            }
        }
    }

    /** A trigger that makes inserting the journal entry {@code name} fail (the ones before it in a batch work). */
    void failJournalOf(String name, boolean fail) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file());
                Statement st = c.createStatement()) {
            st.execute(fail
                    ? "CREATE TRIGGER full_journal BEFORE INSERT ON local_journal WHEN NEW.name = '" + name + "'"
                            + " BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
                    : "DROP TRIGGER IF EXISTS full_journal");
        }
    }

    @Test
    void aJournalBatchThatFailsHalfWayLeavesNoneOfItAndLaterWritesAreSaved() throws Exception {
        try (StateDb db = StateDb.open(file())) {
            failJournalOf("second", true);
            assertThrows(IOException.class, () -> db.journalLocalChanges("/mail", List.of("first", "second")));
            failJournalOf("second", false);
            db.setMeta("after", "failure");
            db.journalLocalChanges("/mail", List.of("third"));
            db.setMeta("after", "success"); // not held in a transaction left open by the journal
        }
        try (StateDb db = StateDb.open(file())) {
            assertEquals(1, db.journalHead(), "only the later entry: the failed batch wrote nothing");
            assertEquals("success", db.meta("after"));
        }
    }

    @Test
    void aRecordOfDownloadsFailingHalfWayRecordsNoneOfThem() throws Exception {
        try (StateDb db = StateDb.open(file())) {
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file());
                    Statement st = c.createStatement()) {
                st.execute("CREATE TRIGGER full_second BEFORE INSERT ON message WHEN NEW.cloud_id = 'second'"
                        + " BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END");
            }
            Map<String, ContentHash> batch = new java.util.LinkedHashMap<>();
            batch.put("first", H1);
            batch.put("second", H2);
            assertThrows(IOException.class, () -> db.recordContent("box", batch));
            db.setMeta("after", "x"); // auto-commit again: this must not commit half of the batch
        }
        try (StateDb db = StateDb.open(file())) {
            assertTrue(db.loadMessages("box").isEmpty(), "none of the failed batch");
            assertEquals("x", db.meta("after"));
        }
    }

    @Test
    void rowsOfOneCommitKeepTheirOwnValues() throws Exception {
        try (StateDb db = StateDb.open(file())) {
            StateDb.CycleCommit c = cycle(4242);
            StateDb.MailboxCommit m = c.mailbox("box");
            m.upsert("dated", H1, Flags.NONE, Instant.ofEpochMilli(77), "/a");
            m.upsert("undated", H2, Flags.of(Flag.READ), null, "/b");
            m.finish("t", 2, false);
            db.commit(c);
        }
        try (StateDb db = StateDb.openReadOnly(file())) {
            Map<String, StateDb.MessageRow> rows = new java.util.HashMap<>();
            db.loadMessages("box").forEach(r -> rows.put(r.cloudId(), r));
            assertEquals(Instant.ofEpochMilli(77), rows.get("dated").received());
            assertNull(rows.get("undated").received(), "no date is no date, not the previous row's");
            assertEquals("/b", rows.get("undated").target());
            assertEquals(Instant.ofEpochMilli(4242), db.loadMailbox("box").lastAttempt());
            assertEquals(Instant.ofEpochMilli(4242), db.loadMailbox("box").lastSuccess());
            assertEquals(file(), db.file());
        }
    }

    static StateDb.CycleCommit cycle(long at) {
        StateDb.CycleCommit c = new StateDb.CycleCommit();
        c.at(Instant.ofEpochMilli(at));
        return c;
    }

    @Test
    void aFailedCommitWritesNothingAndTheNextOneWorks() throws Exception {
        try (StateDb db = StateDb.open(file())) {
            StateDb.CycleCommit first = cycle(1000);
            StateDb.MailboxCommit m = first.mailbox("box");
            m.upsert("a", H1, Flags.of(Flag.READ), null, "/mail");
            m.finish("t1", 1, true);
            first.statPut(7, new FileStat(7, 1, 2, 3), H1, "a-name");
            db.commit(first);
            db.journalLocalChanges("/mail", List.of("a-name"));
            long mark = db.journalHead();

            failWrites("mailbox", true);
            StateDb.CycleCommit second = cycle(2000);
            StateDb.MailboxCommit m2 = second.mailbox("box");
            m2.upsert("b", H2, Flags.NONE, Instant.ofEpochMilli(5), "/mail");
            m2.remove("a");
            m2.finish("t2", 1, true);
            second.statPut(8, new FileStat(8, 1, 2, 3), H2, "b-name");
            second.statRemove(7);
            second.clearJournalUpTo(mark);
            IOException e = assertThrows(IOException.class, () -> db.commit(second));
            assertTrue(e.getMessage().contains("save the cycle's state") && e.getMessage().contains(file().toString()),
                    e.getMessage());

            // Nothing of the failed commit is visible, to this connection or after a restart.
            assertEquals(List.of("a"), db.loadMessages("box").stream().map(StateDb.MessageRow::cloudId).toList());
            assertEquals("t1", db.loadMailbox("box").syncToken());
            assertEquals(Set.of(7L), db.loadStatIndex().inodes());
            assertEquals(mark, db.journalHead(), "the journal is kept");

            failWrites("mailbox", false);
            db.commit(second); // the connection is back in auto-commit order: the same commit now works
            assertEquals("t2", db.loadMailbox("box").syncToken());
            db.setMeta("k", "v"); // and plain writes are not left inside an open transaction
        }
        try (StateDb db = StateDb.open(file())) {
            List<StateDb.MessageRow> rows = db.loadMessages("box");
            assertEquals(List.of("b"), rows.stream().map(StateDb.MessageRow::cloudId).toList(), "a was removed");
            assertEquals(Instant.ofEpochMilli(5), rows.get(0).received());
            assertEquals("t2", db.loadMailbox("box").syncToken());
            assertEquals(Instant.ofEpochMilli(2000), db.loadMailbox("box").lastSuccess());
            assertEquals(Set.of(8L), db.loadStatIndex().inodes());
            assertEquals(0, db.journalHead(), "cleared up to the mark");
            assertEquals("v", db.meta("k"));
        }
    }

    @Test
    void aFailedRecordOfDownloadsOrJournalRollsBack() throws Exception {
        try (StateDb db = StateDb.open(file())) {
            db.recordContent("box", Map.of("x", H1));
            failWrites("message", true);
            IOException e = assertThrows(IOException.class, () -> db.recordContent("box", Map.of("y", H2, "z", H3)));
            assertTrue(e.getMessage().contains("record downloaded bodies of box"), e.getMessage());
            failWrites("message", false);
            assertEquals(List.of("x"), db.loadMessages("box").stream().map(StateDb.MessageRow::cloudId).toList(),
                    "none of the failed batch");
            db.recordContent("box", Map.of("y", H2));
            assertEquals(2, db.loadMessages("box").size());

            failWrites("local_journal", true);
            IOException j = assertThrows(IOException.class, () -> db.journalLocalChanges("/mail", List.of("n1", "n2")));
            assertTrue(j.getMessage().contains("journal local changes in /mail"), j.getMessage());
            failWrites("local_journal", false);
            assertEquals(0, db.journalHead());
            db.journalLocalChanges("/mail", List.of("n1"));
            assertEquals(1, db.journalHead());
        }
    }

    @Test
    void settingsAndTheJournalSurviveARestart() throws Exception {
        try (StateDb db = StateDb.open(file())) {
            assertNull(db.meta("routes"));
            db.setMeta("routes", "old");
            db.setMeta("routes", "new");
            db.journalLocalChanges("/mail", List.of());
            assertEquals(0, db.journalHead(), "an empty batch journals nothing");
            StateDb.CycleCommit c = cycle(10);
            c.statPut(1, new FileStat(1, 1, 1, 1), H1, "one");
            c.statPut(2, new FileStat(2, 1, 1, 1), H2, "two");
            c.mailbox("box").finish("t", 0, false);
            db.commit(c);
            db.journalLocalChanges("/mail", List.of("one", "unknown"));
            db.journalLocalChanges("/other", List.of("two"));
            db.journalLocalChanges("/mail", List.of("one")); // again: moves to the end
        }
        try (StateDb db = StateDb.open(file())) {
            assertEquals("new", db.meta("routes"));
            StateDb.Journal j = db.loadJournal();
            assertEquals(db.journalHead(), j.head());
            assertTrue(j.head() >= 4, "ids grow: " + j.head());
            assertEquals(Map.of("/mail", Set.of(H1), "/other", Set.of(H2)), j.hashes(),
                    "names resolve through the stat index; unknown names are left out");
            StateDb.CycleCommit c = cycle(20);
            c.clearJournalUpTo(j.head() - 1);
            c.mailbox("box").finish("t", 0, false);
            db.commit(c);
            StateDb.Journal left = db.loadJournal();
            assertEquals(j.head(), left.head(), "the newest entry stays");
            assertEquals(Map.of("/mail", Set.of(H1)), left.hashes());
        }
    }

    @Test
    void removalsAndPruningConcernOnlyTheirMailbox() throws Exception {
        try (StateDb db = StateDb.open(file())) {
            db.recordContent("box", Map.of("pending", H1));
            db.recordContent("other", Map.of("pending", H2));
            StateDb.CycleCommit c = cycle(1);
            StateDb.MailboxCommit m = c.mailbox("box");
            m.upsert("kept", H3, Flags.of(Flag.FLAGGED, Flag.REPLIED), null, null);
            m.finish("t", 1, false);
            db.commit(c);
            assertEquals(2, db.loadMessages("box").size(), "not pruned without the request");

            StateDb.CycleCommit d = cycle(2);
            d.mailbox("box").finish("t2", 1, true);
            db.commit(d);
            List<StateDb.MessageRow> rows = db.loadMessages("box");
            assertEquals(1, rows.size());
            StateDb.MessageRow kept = rows.get(0);
            assertEquals("kept", kept.cloudId());
            assertEquals(Flags.of(Flag.FLAGGED, Flag.REPLIED), kept.flags());
            assertNull(kept.target());
            assertNull(kept.received());
            assertEquals(1, db.loadMessages("other").size(), "another mailbox's downloads stay");

            db.recordContent("box", Map.of("kept", H3));
            assertTrue(db.loadMessages("box").get(0).inSnapshot(), "a recorded download keeps the snapshot columns");
            assertEquals(Flags.of(Flag.FLAGGED, Flag.REPLIED), db.loadMessages("box").get(0).flags());

            StateDb.CycleCommit e = cycle(3);
            e.mailbox("box").remove("kept");
            e.mailbox("box").finish("t3", 0, false);
            e.failed("other", "HTTP 500");
            db.commit(e);
            assertTrue(db.loadMessages("box").isEmpty());
            List<StateDb.MailboxRow> boxes = db.loadMailboxes();
            assertEquals(List.of("box", "other"), boxes.stream().map(StateDb.MailboxRow::key).toList());
            assertEquals(0, boxes.get(0).messageCount());
            assertNull(boxes.get(0).lastError());
            assertEquals("HTTP 500", boxes.get(1).lastError());
            assertNull(boxes.get(1).lastSuccess(), "a mailbox that never succeeded");
            assertEquals(Instant.ofEpochMilli(3), boxes.get(1).lastAttempt());
            assertFalse(boxes.get(1).syncToken() != null);
        }
    }
}
