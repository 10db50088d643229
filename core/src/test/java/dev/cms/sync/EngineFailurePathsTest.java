package dev.cms.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.model.Flag;
import dev.cms.model.Flags;
import dev.cms.provider.memory.InMemoryMailbox;
import dev.cms.provider.memory.InMemoryMailbox.Op;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The engine's failure paths seen from outside: a store body that vanished, a download or push
 * that fails, a stop request, and what a restart reads back (sync tokens, deletions, the
 * snapshot). None of them may turn into a change in the cloud that no user made.
 */
class EngineFailurePathsTest extends EngineTestBase {
    /**
     * The store body of a message vanishes just before its delivery (a notmuch user's rm): the
     * cycle reports it, deletes nothing in the cloud, and the next cycle downloads the body
     * again and delivers it.
     */
    @Test
    void aBodyMissingFromTheStoreIsDownloadedAgainNotDeleted() throws Exception {
        InMemoryMailbox cloud = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        single(cloud);
        fx.cycleOk();
        byte[] body = Messages.message("vanishing");
        String id = cloud.add(body, Flags.of(Flag.FLAGGED), null);
        Path stored = fx.store.path(SyncFixture.hash(body));
        fx.engine.onOwnChanges(p -> {
            try {
                Files.deleteIfExists(stored);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        CycleReport r = fx.cycle();
        fx.engine.onOwnChanges(p -> { });
        assertFalse(r.ok());
        assertTrue(r.problems().toString().contains("missing from the store"), r.problems().toString());
        assertNull(fx.fileFor(0, body));
        assertEquals(1, r.fetched());

        CycleReport again = fx.cycleOk();
        assertEquals(1, again.fetched(), "downloaded again");
        assertEquals(1, again.delivered());
        assertEquals(Flags.of(Flag.FLAGGED), fx.fileFor(0, body).flags());
        assertTrue(cloud.deletions().isEmpty(), "never a deletion");
        assertEquals(Flags.of(Flag.FLAGGED), cloud.flags(id));
        assertEquals(0, cloud.changesApplied());
        fx.start(false);
        fx.cycleOk();
        assertEquals(1, fx.files(0).size(), "and after a restart still one file");
        assertTrue(cloud.deletions().isEmpty());
    }

    /**
     * A store body removed while the daemon was stopped is linked back from the Maildir, not
     * downloaded. Start-up takes state.db's word that it is stored (issue 15: hashes/ is not read
     * then); `--resync` lists the store and finds it missing, the next cycle relinks it.
     */
    @Test
    void aStoreBodyRemovedWhileStoppedIsRelinkedFromTheMaildir() throws Exception {
        InMemoryMailbox cloud = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        byte[] body = Messages.message("relinked");
        cloud.add(body, Flags.NONE, null);
        single(cloud);
        fx.cycleOk();
        Path stored = fx.store.path(SyncFixture.hash(body));
        fx.close();
        Files.delete(stored);
        fx.start(false);
        fx.engine.resync();
        CycleReport r = fx.cycleOk();
        assertEquals(0, r.fetched() + fx.cycleOk().fetched(), "linked from the Maildir's copy");
        assertTrue(Files.exists(stored), "back in the store");
        assertEquals(1, cloud.bodiesServed());
        assertEquals(1, fx.files(0).size());
    }

    /**
     * A failed download keeps the sync token, so the next cycle (or the next start) lists
     * again from where the last complete cycle left off and gets the message.
     */
    @Test
    void aFailedDownloadKeepsTheTokenAcrossARestart() throws Exception {
        InMemoryMailbox cloud = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        cloud.add(Messages.message("first"), Flags.NONE, null);
        single(cloud);
        fx.cycleOk();
        assertEquals(1, cloud.fullListings());
        byte[] late = Messages.message("late");
        cloud.add(late, Flags.of(Flag.READ), null);
        cloud.failNext(Op.FETCH, 1);
        CycleReport failed = fx.cycle();
        assertFalse(failed.ok());
        assertEquals(java.util.Set.of("o365:a@b.c:inbox"), failed.failedMailboxes());
        assertNull(fx.fileFor(0, late));

        fx.start(false);
        fx.cycleOk();
        assertEquals(1, cloud.fullListings(), "the saved token is used: no full listing");
        assertEquals(Flags.of(Flag.READ), fx.fileFor(0, late).flags(), "the message of the failed cycle arrives");
        assertEquals(2, fx.files(0).size());
    }

    /** A failed push changes nothing in the snapshot: the next cycle pushes the same change. */
    @Test
    void aFailedPushIsPushedAgainAndDeletesByTheDeleteAction() throws Exception {
        InMemoryMailbox cloud = new InMemoryMailbox("gmail:a@gmail.com:INBOX", java.util.EnumSet.of(Flag.READ,
                Flag.FLAGGED), "trash");
        byte[] keep = Messages.message("keep");
        byte[] gone = Messages.message("gone");
        String keepId = cloud.add(keep, Flags.NONE, null);
        String goneId = cloud.add(gone, Flags.NONE, null);
        single(cloud);
        fx.cycleOk();
        SyncFixture.setLetters(fx.fileFor(0, keep), "S");
        Files.delete(fx.fileFor(0, gone).path());
        cloud.failNext(Op.APPLY, 1);
        CycleReport failed = fx.cycle();
        assertFalse(failed.ok());
        assertEquals(Flags.NONE, cloud.flags(keepId));
        assertTrue(cloud.ids().contains(goneId));
        assertNotNull(fx.fileFor(0, keep), "a failed mailbox's files are left alone");
        assertNull(fx.fileFor(0, gone), "and the deleted one is not brought back");

        fx.cycleOk();
        assertEquals(Flags.of(Flag.READ), cloud.flags(keepId));
        assertEquals(Map.of(goneId, "trash"), cloud.deletions(), "deleted once, by the mailbox's delete_action");
        fx.start(false);
        fx.cycleOk();
        assertEquals(Map.of(goneId, "trash"), cloud.deletions());
        assertEquals(1, fx.files(0).size());
    }

    /** A stop request in the middle of a cycle commits nothing; the next start converges. */
    @Test
    void aStopRequestMidCycleCommitsNothing() throws Exception {
        InMemoryMailbox cloud = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        byte[] a = Messages.message("a");
        String id = cloud.add(a, Flags.NONE, null);
        single(cloud);
        fx.cycleOk();
        SyncFixture.setLetters(fx.fileFor(0, a), "F");
        byte[] b = Messages.message("b");
        cloud.add(b, Flags.NONE, null);
        int[] seen = {0};
        fx.engine.onOwnChanges(p -> {
            if (++seen[0] == 1) {
                fx.engine.requestStop();
            }
        });
        CycleReport r = fx.cycle();
        assertTrue(r.aborted());
        assertFalse(r.ok());
        assertTrue(fx.engine.stopRequested());
        assertEquals(Flags.of(Flag.FLAGGED), cloud.flags(id), "pushed before the stop");

        fx.start(false);
        fx.cycleOk();
        assertEquals(Flags.of(Flag.FLAGGED), cloud.flags(id), "kept: the cloud has it");
        assertEquals(Flags.of(Flag.FLAGGED), fx.fileFor(0, a).flags());
        assertNotNull(fx.fileFor(0, b));
        assertEquals(2, fx.files(0).size());
        assertEquals(Map.of("o365:a@b.c:inbox", 2), fx.engine.snapshotCounts());
        assertEquals(List.of("o365:a@b.c:inbox"), fx.engine.mailboxKeys());
    }

    /**
     * The rename that would show another client's change fails for one cycle: the message keeps
     * its previous snapshot entry, so the next cycle still sees the change as the cloud's and
     * shows it, instead of taking the stale file for a local change and undoing it in the cloud.
     */
    @Test
    void aFailedRenameNeverUndoesTheCloudsChange() throws Exception {
        InMemoryMailbox cloud = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        byte[] m = Messages.message("renamed later");
        String id = cloud.add(m, Flags.of(Flag.READ), null);
        single(cloud);
        fx.cycleOk();
        cloud.setFlags(id, Flags.of(Flag.FLAGGED));
        Path[] blocked = new Path[1];
        fx.engine.onOwnChanges(p -> {
            if (blocked[0] == null && !Files.exists(p) && p.getParent().getFileName().toString().equals("cur")) {
                try {
                    Files.createDirectories(p.resolve("busy")); // the new name is taken for this cycle
                    blocked[0] = p;
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        });
        CycleReport r = fx.cycle();
        fx.engine.onOwnChanges(p -> { });
        assertNotNull(blocked[0], "the rename was tried");
        IndependentModelTest.deleteTree(blocked[0]);
        assertFalse(r.ok());
        assertEquals(1, r.problems().size(), r.problems().toString());
        assertEquals(Flags.of(Flag.READ), fx.fileFor(0, m).flags(), "not renamed");

        fx.cycleOk();
        assertEquals(Flags.of(Flag.FLAGGED), cloud.flags(id), "the other client's change stays");
        assertEquals(Flags.of(Flag.FLAGGED), fx.fileFor(0, m).flags());
        assertEquals(0, cloud.changesApplied());
    }

    /** Recording downloads in state.db fails: the mailbox's cycle fails, and the next one completes. */
    @Test
    void aFailedRecordOfDownloadsFailsTheMailboxForOneCycle() throws Exception {
        InMemoryMailbox cloud = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        cloud.add(Messages.message("first"), Flags.NONE, null);
        single(cloud);
        fx.cycleOk();
        byte[] late = Messages.message("late");
        cloud.add(late, Flags.NONE, null);
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + fx.stateDir.resolve("state.db"));
                java.sql.Statement st = c.createStatement()) {
            st.execute("CREATE TRIGGER full BEFORE INSERT ON message BEGIN SELECT RAISE(ABORT, 'disk full'); END");
        }
        CycleReport r = fx.cycle();
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + fx.stateDir.resolve("state.db"));
                java.sql.Statement st = c.createStatement()) {
            st.execute("DROP TRIGGER full");
        }
        assertFalse(r.ok());
        assertEquals(java.util.Set.of("o365:a@b.c:inbox"), r.failedMailboxes(), r.errors().toString());
        assertTrue(r.errors().toString().contains("record downloaded bodies"), r.errors().toString());
        fx.cycleOk();
        assertNotNull(fx.fileFor(0, late));
        assertEquals(2, fx.files(0).size());
    }

    /** A Maildir that cannot be read fails the cycle as a whole and pushes nothing. */
    @Test
    void anUnreadableMaildirFailsTheCycleAndPushesNothing() throws Exception {
        InMemoryMailbox cloud = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        byte[] a = Messages.message("a");
        String id = cloud.add(a, Flags.NONE, null);
        cloud.add(Messages.message("b"), Flags.NONE, null);
        single(cloud);
        fx.cycleOk();
        SyncFixture.setLetters(fx.fileFor(0, a), "S");
        Path cur = fx.maildirPaths.get(0).resolve("cur");
        Path aside = tmp.resolve("cur-aside");
        Files.move(cur, aside);
        Files.writeString(cur, "not a directory");
        long lists = cloud.calls(Op.LIST);
        CycleReport r = fx.cycle();
        Files.delete(cur);
        Files.move(aside, cur);
        assertFalse(r.ok());
        assertTrue(r.failedAsAWhole(), r.errors().toString());
        assertEquals(Flags.NONE, cloud.flags(id));
        assertEquals(lists, cloud.calls(Op.LIST), "nothing is asked of the cloud without a local view");
        fx.cycleOk();
        assertEquals(Flags.of(Flag.READ), cloud.flags(id));
    }

}
