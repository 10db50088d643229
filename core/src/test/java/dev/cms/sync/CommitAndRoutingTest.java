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
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a cycle leaves behind when saving state.db fails, and routing rules that change between
 * runs while a cycle fails part-way (both found by {@code IndependentModelTest}).
 */
class CommitAndRoutingTest extends EngineTestBase {
    private List<Path> lostAndFound() throws IOException {
        return Files.isDirectory(fx.stateDir.resolve("lost+found")) ? fx.lostAndFound() : List.of();
    }

    /** Makes every commit of the cycle's state fail (as a full disk does), or work again. */
    static void failCommits(Path stateDir, boolean fail) throws IOException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + stateDir.resolve("state.db"));
                Statement st = c.createStatement()) {
            for (String op : new String[] {"INSERT", "UPDATE"}) {
                st.execute(fail
                        ? "CREATE TRIGGER test_full_" + op + " BEFORE " + op + " ON mailbox"
                                + " BEGIN SELECT RAISE(ABORT, 'database or disk is full (simulated)'); END"
                        : "DROP TRIGGER IF EXISTS test_full_" + op);
            }
        } catch (SQLException e) {
            throw new IOException(e);
        }
    }

    /**
     * A file delivered in a cycle whose commit failed, then changed by the user while the
     * daemon ran (journaled by the watcher), then the daemon died: the next start pushes the
     * change. The stat index entries of the failed commit used to be dropped, so the journal
     * could not find the file's content and the start undid the user's change.
     */
    @Test
    void aJournaledChangeToAFileDeliveredWhenTheCommitFailedIsPushedAfterACrash() throws Exception {
        InMemoryMailbox cloud = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        byte[] body = Messages.message("journaled");
        String id = cloud.add(body, Flags.NONE, null);
        single(cloud);
        fx.cycleOk(); // state.db exists from here on
        String other = cloud.add(Messages.message("other"), Flags.NONE, null);
        failCommits(fx.stateDir, true);
        CycleReport failed = fx.cycle();
        failCommits(fx.stateDir, false);
        assertFalse(failed.ok(), "a failed commit fails the cycle");
        fx.cycleOk();

        MaildirFile f = fx.fileFor(0, Messages.message("other"));
        assertNotNull(f, "delivered in the cycle whose commit failed");
        Path renamed = SyncFixture.setLetters(f, "S");
        fx.engine.journal(fx.maildirPaths.get(0), List.of(renamed));
        fx.start(false); // the daemon died before a cycle pushed the change
        fx.cycleOk();

        assertEquals(Flags.of(Flag.READ), cloud.flags(other), "the journaled change is pushed, not undone");
        assertEquals(Flags.NONE, cloud.flags(id));
        assertEquals(Flags.of(Flag.READ), fx.fileFor(0, Messages.message("other")).flags());
    }

    /**
     * A failed commit saves nothing: the next start still applies start-up rules (a change
     * made while stopped is undone, not pushed), and the Maildir keeps what the cycle did.
     */
    @Test
    void aCycleWhoseCommitFailedLeavesStartUpRulesInForce() throws Exception {
        InMemoryMailbox cloud = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        byte[] body = Messages.message("first");
        String id = cloud.add(body, Flags.NONE, null);
        single(cloud);
        fx.cycleOk();
        SyncFixture.setLetters(fx.fileFor(0, body), "F");
        fx.start(false);
        failCommits(fx.stateDir, true);
        CycleReport failed = fx.cycle();
        failCommits(fx.stateDir, false);
        assertFalse(failed.ok());
        assertTrue(failed.errors().toString().contains("disk is full"), failed.errors().toString());
        assertEquals(Flags.NONE, cloud.flags(id), "start-up: the cloud is authoritative");
        assertEquals(Flags.NONE, fx.fileFor(0, body).flags(), "the Maildir was forced nevertheless");

        SyncFixture.setLetters(fx.fileFor(0, body), "S");
        fx.start(false); // nothing of the failed cycle was saved: this is still a start-up
        fx.cycleOk();
        assertEquals(Flags.NONE, cloud.flags(id), "a change made while stopped is undone at start-up");
        assertEquals(Flags.NONE, fx.fileFor(0, body).flags());
    }

    /**
     * Routing rules changed while stopped; the first cycle after the start cannot list the
     * mailbox the new rule moves. Its messages must still move once it can: the rules used to
     * be marked as applied by that first (partly failed) cycle, so they never moved.
     */
    @Test
    void newRoutesReachAMailboxWhoseFirstListingFailed() throws Exception {
        InMemoryMailbox inbox = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        InMemoryMailbox lists = InMemoryMailbox.likeGmail("gmail:a@gmail.com:lists");
        byte[] a = Messages.message("inbox mail");
        byte[] b = Messages.message("list mail");
        inbox.add(a, Flags.NONE, null);
        lists.add(b, Flags.NONE, null);
        fx = new SyncFixture(tmp, 2, List.of(inbox, lists), Router.defaultOnly()).start(false);
        fx.cycleOk();
        assertNotNull(fx.fileFor(0, b), "the default rule: everything to the first Maildir");

        fx.router = new Router(List.of(new Router.Rule(1, 1, null, null, null)));
        fx.start(false);
        lists.failNext(Op.LIST, 1);
        assertFalse(fx.cycle().ok());
        fx.cycleOk();

        assertNull(fx.fileFor(0, b), "moved out of the first Maildir");
        assertNotNull(fx.fileFor(1, b), "the new rule sends it to the second Maildir");
        assertNotNull(fx.fileFor(0, a));
        assertEquals(0, inbox.deletions().size() + lists.deletions().size(), "a new route deletes nothing in the cloud");
        fx.start(false);
        fx.cycleOk();
        assertNotNull(fx.fileFor(1, b), "and it stays there after a restart");
        assertNull(fx.fileFor(0, b));
    }

    /**
     * New rules applied to one mailbox only (the other could not be listed), then the daemon is
     * started with the previous rules again: the messages the new rules moved go back. The
     * previous rules' fingerprint used to stay saved, so that start took them as still applied.
     */
    @Test
    void rulesChangedBackAfterAPartlyAppliedChangeRouteEverythingAgain() throws Exception {
        InMemoryMailbox inbox = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        InMemoryMailbox lists = InMemoryMailbox.likeGmail("gmail:a@gmail.com:lists");
        byte[] a = Messages.message("inbox mail");
        byte[] b = Messages.message("list mail");
        inbox.add(a, Flags.NONE, null);
        lists.add(b, Flags.NONE, null);
        Router split = new Router(List.of(new Router.Rule(1, 1, null, null, null)));
        fx = new SyncFixture(tmp, 2, List.of(inbox, lists), split).start(false);
        fx.cycleOk();
        assertNotNull(fx.fileFor(1, b));

        fx.router = Router.defaultOnly();
        fx.start(false);
        inbox.failNext(Op.LIST, 1);
        assertFalse(fx.cycle().ok());
        assertNotNull(fx.fileFor(0, b), "the new rules moved the listed mailbox's message");

        fx.router = split;
        fx.start(false);
        fx.cycleOk();
        assertNotNull(fx.fileFor(1, b), "the previous rules again: back in the second Maildir");
        assertNull(fx.fileFor(0, b));
        assertNotNull(fx.fileFor(0, a));
    }

    /** What state.db says of the rules: the applied rules' fingerprint, or "pending" while being applied. */
    @Test
    void stateDbNamesTheAppliedRulesOrPending() throws Exception {
        InMemoryMailbox inbox = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        InMemoryMailbox lists = InMemoryMailbox.likeGmail("gmail:a@gmail.com:lists");
        inbox.add(Messages.message("i"), Flags.NONE, null);
        lists.add(Messages.message("l"), Flags.NONE, null);
        fx = new SyncFixture(tmp, 2, List.of(inbox, lists), Router.defaultOnly()).start(false);
        List<String> maildirs = fx.maildirPaths.stream().map(p -> p.toAbsolutePath().normalize().toString()).toList();
        List<String> boxes = List.of(inbox.key(), lists.key());
        fx.cycleOk();
        assertEquals(Router.defaultOnly().fingerprint(maildirs, boxes), fx.db.meta("routes_fingerprint"));

        Router split = new Router(List.of(new Router.Rule(1, 1, null, null, null)));
        fx.router = split;
        fx.start(false);
        lists.failNext(Op.LIST, 1);
        assertFalse(fx.cycle().ok());
        assertEquals("pending", fx.db.meta("routes_fingerprint"), "one mailbox not routed yet");
        fx.cycleOk();
        assertEquals(split.fingerprint(maildirs, boxes), fx.db.meta("routes_fingerprint"));
        fx.start(false);
        assertTrue(fx.cycleOk().idle(), "the same rules at the next start: nothing moves");
    }

    /**
     * Routing rules changed; in the first cycle the file the message leaves cannot be removed
     * (for that cycle). The message keeps its previous entry, with the old Maildir, and must
     * still end up where the new rules send it, once.
     */
    @Test
    void aMessageWhoseOldFileCouldNotBeRemovedStillMovesToItsNewMaildir() throws Exception {
        InMemoryMailbox inbox = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        byte[] b = Messages.message("to move");
        inbox.add(b, Flags.NONE, null);
        fx = new SyncFixture(tmp, 2, List.of(inbox), Router.defaultOnly()).start(false);
        fx.cycleOk();
        Path old = fx.fileFor(0, b).path();

        fx.router = new Router(List.of(new Router.Rule(1, 0, null, null, null)));
        fx.start(false);
        Path aside = tmp.resolve("aside");
        fx.engine.onOwnChanges(p -> {
            if (p.equals(old) && !Files.exists(aside)) {
                try { // in the way for this cycle: a directory cannot be removed as a file
                    Files.move(old, aside);
                    Files.createDirectories(old.resolve("busy"));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        });
        CycleReport r = fx.cycle();
        fx.engine.onOwnChanges(p -> { });
        assertFalse(r.ok(), "the failed removal is reported");
        IndependentModelTest.deleteTree(old);
        Files.move(aside, old);

        fx.cycleOk();
        fx.cycleOk();
        assertNull(fx.fileFor(0, b), "removed from the old Maildir once it can be");
        assertNotNull(fx.fileFor(1, b), "in the Maildir the new rules choose");
        assertTrue(lostAndFound().isEmpty(), "nothing went to lost+found");
        assertEquals(0, inbox.deletions().size());
    }
}
