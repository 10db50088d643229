package dev.cms.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.maildir.MaildirFile;
import dev.cms.model.Flag;
import dev.cms.model.Flags;
import dev.cms.provider.memory.InMemoryMailbox;
import dev.cms.provider.memory.InMemoryMailbox.Op;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What the engine keeps between cycles: the store's bodies (kept while any mailbox refers to
 * them, dropped after), a paused mailbox left alone, a mail reader racing a rename, and the
 * local journal's edges.
 */
class EngineBookkeepingTest extends EngineTestBase {
    /** A body stays in the store while any mailbox has a message with it, and goes after the last. */
    @Test
    void aStoreBodyGoesWithTheLastMessageThatHasIt() throws Exception {
        InMemoryMailbox a = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        InMemoryMailbox b = InMemoryMailbox.likeGmail("gmail:a@gmail.com:INBOX");
        byte[] same = Messages.message("in both");
        byte[] own = Messages.message("only a");
        String inA = a.add(same, Flags.NONE, null);
        String ownId = a.add(own, Flags.NONE, null);
        String inB = b.add(same, Flags.NONE, null);
        single(a, b);
        fx.cycleOk();
        Path sameBody = fx.store.path(SyncFixture.hash(same));
        Path ownBody = fx.store.path(SyncFixture.hash(own));
        assertTrue(Files.exists(sameBody) && Files.exists(ownBody));

        a.remove(inA);
        a.remove(ownId);
        fx.cycleOk();
        assertTrue(Files.exists(sameBody), "still the body of mailbox b's message");
        assertFalse(Files.exists(ownBody), "nothing refers to it any more");
        assertNotNull(fx.fileFor(0, same));
        assertNull(fx.fileFor(0, own));

        b.remove(inB);
        fx.cycleOk();
        assertFalse(Files.exists(sameBody));
        assertTrue(fx.files(0).isEmpty());
        assertTrue(a.deletions().isEmpty() && b.deletions().isEmpty(), "removals in the cloud delete nothing there");
    }

    /**
     * After a restart the store is cleaned of bodies that a crash left without a message: by
     * the first cycle that downloads or deletes mail (a start after a clean cycle does not list
     * the store, issue 15).
     */
    /**
     * Once the store was listed in this run, each later cycle that deletes mail still removes
     * the bodies nothing refers to any more, and only those.
     */
    @Test
    void everyCloudDeletionOfARunRemovesItsBodyFromTheStore() throws Exception {
        InMemoryMailbox a = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        String one = a.add(Messages.message("one"), Flags.NONE, null);
        String two = a.add(Messages.message("two"), Flags.NONE, null);
        a.add(Messages.message("kept"), Flags.NONE, null);
        single(a);
        fx.cycleOk(); // the first sync downloads, and its collection lists the store
        assertTrue(fx.store.listedSinceOpen());
        for (String[] gone : new String[][] {{one, "one"}, {two, "two"}}) {
            a.remove(gone[0]);
            fx.cycleOk();
            assertFalse(Files.exists(fx.store.path(SyncFixture.hash(Messages.message(gone[1])))),
                    "the body of " + gone[1] + " goes with it");
        }
        assertTrue(Files.isRegularFile(fx.store.path(SyncFixture.hash(Messages.message("kept")))));
        assertEquals(1, fx.files(0).size());
    }

    /**
     * A body leaves the store only once its dropping is recorded (so a restored file of that
     * message is never taken for the user's own new one): while the record cannot be written,
     * the body stays.
     */
    @Test
    void aBodyStaysInTheStoreUntilItsDroppingIsRecorded() throws Exception {
        InMemoryMailbox a = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        String one = a.add(Messages.message("one"), Flags.NONE, null);
        a.add(Messages.message("kept"), Flags.NONE, null);
        single(a);
        fx.cycleOk();
        Path log = fx.stateDir.resolve("dropped.log");
        Files.deleteIfExists(log);
        Files.createDirectory(log); // cannot be appended to
        Path body = fx.store.path(SyncFixture.hash(Messages.message("one")));
        a.remove(one);
        fx.cycleOk();
        assertTrue(Files.exists(body), "kept while its dropping cannot be recorded");

        Files.delete(log);
        a.add(Messages.message("new"), Flags.NONE, null); // a download: the next collection
        fx.cycleOk();
        assertFalse(Files.exists(body), "dropped once it can be recorded");
        assertTrue(Files.readString(log).contains(SyncFixture.hash(Messages.message("one")).hex()));
    }

    @Test
    void bodiesLeftByACrashAreDroppedByTheFirstCollectionAfterTheStart() throws Exception {
        InMemoryMailbox a = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        a.add(Messages.message("kept"), Flags.NONE, null);
        single(a);
        fx.cycleOk();
        fx.close();
        // As if a download finished and the process died before any cycle used it.
        Path orphan;
        try (var in = new java.io.ByteArrayInputStream(Messages.message("orphan"))) {
            orphan = fx.store.path(fx.store.ingest(in));
        }
        assertTrue(Files.exists(orphan));
        fx.start(false);
        fx.cycleOk();
        a.add(Messages.message("new"), Flags.NONE, null);
        fx.cycleOk();
        assertFalse(Files.exists(orphan), "an unreferenced body is removed");
        assertEquals(2, fx.files(0).size());
    }

    /**
     * The stat index in state.db loses the row of a file that went once a cycle has seen every
     * file, so it does not grow with every message ever deleted; a file still there keeps its row.
     */
    @Test
    void theStatIndexForgetsAFileThatWent() throws Exception {
        InMemoryMailbox a = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        a.add(Messages.message("stays"), Flags.NONE, null);
        a.add(Messages.message("goes"), Flags.NONE, null);
        single(a);
        fx.cycleOk();
        MaildirFile goes = fx.fileFor(0, Messages.message("goes"));
        MaildirFile stays = fx.fileFor(0, Messages.message("stays"));
        assertNotNull(fx.db.statEntry(goes.stat().inode()), "recorded when delivered");
        Files.delete(goes.path());

        fx.cycleOk(); // pushes the deletion; the look saw every file

        assertNull(fx.db.statEntry(goes.stat().inode()), "the row of the deleted file is gone");
        assertNotNull(fx.db.statEntry(stays.stat().inode()));
    }

    /** A paused mailbox (waiting for a login) is neither listed nor pushed to, and its files stay. */
    @Test
    void aPausedMailboxIsLeftAlone() throws Exception {
        InMemoryMailbox a = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        InMemoryMailbox b = InMemoryMailbox.likeGmail("gmail:a@gmail.com:INBOX");
        byte[] ma = Messages.message("a");
        byte[] mb = Messages.message("b");
        a.add(ma, Flags.NONE, null);
        String idB = b.add(mb, Flags.NONE, null);
        fx = new SyncFixture(tmp, 2, List.of(a, b), new Router(List.of(new Router.Rule(1, 1, null, null, null))))
                .start(false);
        fx.cycleOk();
        SyncFixture.setLetters(fx.fileFor(1, mb), "F");
        b.add(Messages.message("b2"), Flags.NONE, null);
        long lists = b.calls(Op.LIST);
        CycleReport r = fx.engine.runCycle(Set.of("gmail:a@gmail.com:INBOX"));
        assertTrue(r.ok(), "pausing is not a failure: " + r.errors());
        assertEquals(lists, b.calls(Op.LIST), "not listed");
        assertEquals(Flags.NONE, b.flags(idB), "not pushed");
        assertEquals(Flags.of(Flag.FLAGGED), fx.fileFor(1, mb).flags(), "its file untouched");
        assertEquals(1, fx.files(1).size());

        fx.cycleOk();
        assertEquals(Flags.of(Flag.FLAGGED), b.flags(idB), "pushed once it is not paused");
        assertEquals(2, fx.files(1).size());
    }

    /**
     * A mail reader renames a file the engine is about to rename: the cycle asks to run again
     * soon instead of failing, and the next cycle settles it without touching the cloud.
     */
    @Test
    void aReaderRenamingAFileFirstMakesTheCycleRunAgainSoon() throws Exception {
        InMemoryMailbox a = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        byte[] m = Messages.message("raced");
        String id = a.add(m, Flags.NONE, null);
        single(a);
        fx.cycleOk();
        a.setFlags(id, Flags.of(Flag.READ));
        MaildirFile f = fx.fileFor(0, m);
        Path readerName = fx.maildirPaths.get(0).resolve("cur").resolve(f.name().base() + ":2,F");
        fx.engine.onOwnChanges(p -> {
            if (p.equals(f.path()) && Files.exists(f.path())) {
                try {
                    Files.move(f.path(), readerName); // the reader was first
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        });
        CycleReport r = fx.cycle();
        fx.engine.onOwnChanges(p -> { });
        assertTrue(r.rerunSoon(), "run again soon");
        assertTrue(r.errors().isEmpty(), "not an error: " + r.errors());

        fx.cycleOk();
        assertEquals(Flags.of(Flag.READ, Flag.FLAGGED), a.flags(id), "the reader's F is pushed, the cloud's S kept");
        assertEquals(Flags.of(Flag.READ, Flag.FLAGGED), fx.fileFor(0, m).flags());
        assertEquals(1, fx.files(0).size());
    }

    /** A download is reported to the progress display: its size, each body with the bytes so far, its end. */
    @Test
    void aDownloadIsReportedToTheProgressDisplay() throws Exception {
        InMemoryMailbox a = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        byte[] m1 = Messages.message("one", null, 1000);
        byte[] m2 = Messages.message("two", null, 2000);
        a.add(m1, Flags.NONE, null);
        a.add(m2, Flags.NONE, null);
        fx = new SyncFixture(tmp, 1, List.of(a), Router.defaultOnly());
        List<String> events = new java.util.ArrayList<>();
        long[] bytes = {0};
        Progress p = new Progress() {
            @Override
            public void fetchStarted(String mailbox, int total) {
                events.add("start " + mailbox + " " + total);
            }

            @Override
            public void fetched(String mailbox, int done, long soFar) {
                events.add("got " + done);
                bytes[0] = soFar;
            }

            @Override
            public void fetchFinished(String mailbox) {
                events.add("end " + mailbox);
            }
        };
        fx.start(false);
        SyncEngine engine = new SyncEngine(fx.folders, fx.clouds, fx.router, fx.store, fx.db, false,
                dev.cms.time.Ticker.SYSTEM, p);
        CycleReport r = engine.runCycle();
        assertTrue(r.ok(), r.errors().toString());
        assertEquals(List.of("start o365:a@b.c:inbox 2", "got 1", "got 2", "end o365:a@b.c:inbox"), events);
        assertEquals(m1.length + m2.length, bytes[0], "the bytes of both bodies");
        assertTrue(engine.runCycle().idle());
        assertEquals(4, events.size(), "nothing to download: nothing reported");
    }

    /** Journaling a Maildir the engine does not sync does nothing; an empty journal start deletes nothing. */
    @Test
    void theJournalIgnoresOtherMaildirsAndAStartWithoutItUndoesDeletions() throws Exception {
        InMemoryMailbox a = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        byte[] m1 = Messages.message("one");
        byte[] m2 = Messages.message("two");
        String id1 = a.add(m1, Flags.NONE, null);
        a.add(m2, Flags.NONE, null);
        single(a);
        fx.cycleOk();
        Path gone = fx.fileFor(0, m1).path();
        Files.delete(gone);
        fx.engine.journal(tmp.resolve("elsewhere"), List.of(gone));
        fx.start(false);
        fx.cycleOk();
        assertTrue(a.ids().contains(id1), "not journaled for this Maildir: a deletion while stopped is undone");
        assertNotNull(fx.fileFor(0, m1));
        assertTrue(a.deletions().isEmpty());

        Path again = fx.fileFor(0, m1).path();
        Files.delete(again);
        fx.engine.journal(fx.maildirPaths.get(0), List.of(again));
        fx.start(false);
        fx.cycleOk();
        assertEquals(java.util.Map.of(id1, "archive"), a.deletions(), "journaled: pushed after the restart");
        assertNull(fx.fileFor(0, m1));
        fx.start(false);
        fx.cycleOk();
        assertEquals(1, a.deletions().size(), "the journal was cleared: nothing more");
    }
}
