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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Local moves become cloud moves (issue 16, item 3): a file the user moves or copies from one
 * synced Maildir into another of the same account is moved or copied in the cloud, keeps its
 * flags, is never deleted in the cloud nor sent to lost+found, and nothing is downloaded again.
 * Two mailboxes ("folders" of one account) each with its own Maildir: mailbox 1 is routed to
 * Maildir 1, mailbox 0 to Maildir 0.
 */
class LocalMovesTest {
    @TempDir
    Path tmp;

    private SyncFixture fx;
    private InMemoryMailbox inbox;
    private InMemoryMailbox work;
    private final byte[] body = Messages.message("moved");

    @AfterEach
    void close() throws Exception {
        if (fx != null) {
            fx.close();
        }
    }

    /** Two folders; {@code shared}: of one account ({@code copyKeepsId}: like Gmail labels). */
    private void open(boolean shared, boolean copyKeepsId, int maildirs) throws Exception {
        inbox = InMemoryMailbox.likeOffice365("acct:inbox");
        work = InMemoryMailbox.likeOffice365("acct:work");
        if (shared) {
            InMemoryMailbox.shareAccount("acct", copyKeepsId, inbox, work);
        }
        fx = new SyncFixture(tmp, maildirs, List.of(inbox, work),
                new Router(List.of(new Router.Rule(1, 1, null, null, null))));
        fx.start(false);
    }

    private String synced(Flags flags) throws Exception {
        String id = inbox.add(body, flags, null);
        fx.cycleOk();
        assertNotNull(fx.fileFor(0, body), "delivered to Maildir 0");
        return id;
    }

    /** {@code mv} of the message's file into Maildir {@code to}'s cur/, with {@code letters}. */
    private Path move(int to, String letters) throws Exception {
        MaildirFile f = fx.fileFor(0, body);
        return Files.move(f.path(), fx.maildirPaths.get(to).resolve("cur").resolve(f.name().base() + ":2," + letters));
    }

    private void assertNothingLostOrDeleted() throws Exception {
        assertEquals(List.of(), fx.lostAndFound(), "nothing goes to lost+found");
        assertEquals(Map.of(), inbox.deletions(), "nothing is archived or trashed");
        assertEquals(Map.of(), work.deletions());
    }

    @Test
    void fileMovedToAnotherFolderOfTheAccountIsMovedInTheCloud() throws Exception {
        open(true, true, 2);
        String id = synced(Flags.of(Flag.READ));
        long served = inbox.bodiesServed() + work.bodiesServed();
        move(1, "S");
        CycleReport r = fx.cycleOk();
        assertEquals(1, r.pushedMoves());
        assertEquals(List.of("move " + id + " -> acct:work"), inbox.transfers());
        assertEquals(Set.of(), inbox.ids());
        assertEquals(Set.of(id), work.ids(), "the message keeps its id");
        assertEquals(Flags.of(Flag.READ), work.flags(id));
        assertNothingLostOrDeleted();
        assertEquals(Map.of(), fx.local(0));
        assertEquals(Map.of(SyncFixture.hash(body), Flags.of(Flag.READ)), fx.local(1));
        assertEquals(served, inbox.bodiesServed() + work.bodiesServed(), "nothing downloaded again");
        CycleReport again = fx.cycleOk();
        assertTrue(again.idle(), "the next cycle has nothing to do: " + again);
        assertEquals(served, inbox.bodiesServed() + work.bodiesServed());
    }

    @Test
    void aFlagChangedWithTheMoveIsPushedWithIt() throws Exception {
        open(true, true, 2);
        String id = synced(Flags.of(Flag.READ));
        move(1, "FS");
        CycleReport r = fx.cycleOk();
        assertEquals(1, r.pushedMoves());
        assertEquals(Flags.of(Flag.READ, Flag.FLAGGED), work.flags(id), "moved with the flag set on the way");
        assertEquals(Map.of(SyncFixture.hash(body), Flags.of(Flag.READ, Flag.FLAGGED)), fx.local(1));
        assertNothingLostOrDeleted();
        assertTrue(fx.cycleOk().idle());
    }

    @Test
    void aCopyAddsTheMessageToTheOtherFolderKeepingItsIdLikeAGmailLabel() throws Exception {
        open(true, true, 2);
        String id = synced(Flags.NONE);
        long served = inbox.bodiesServed() + work.bodiesServed();
        MaildirFile f = fx.fileFor(0, body);
        Files.createLink(fx.maildirPaths.get(1).resolve("cur").resolve(f.name().base() + ":2,"), f.path());
        CycleReport r = fx.cycleOk();
        assertEquals(1, r.pushedCopies());
        assertEquals(List.of("copy " + id + " -> acct:work"), inbox.transfers());
        assertEquals(Set.of(id), inbox.ids());
        assertEquals(Set.of(id), work.ids());
        assertNothingLostOrDeleted();
        assertEquals(Map.of(SyncFixture.hash(body), Flags.NONE), fx.local(0));
        assertEquals(Map.of(SyncFixture.hash(body), Flags.NONE), fx.local(1));
        assertTrue(fx.cycleOk().idle());
        assertEquals(served, inbox.bodiesServed() + work.bodiesServed(), "nothing downloaded again");
    }

    @Test
    void aCopyIsANewMessageLikeAnOffice365CopyAndIsNotDownloaded() throws Exception {
        open(true, false, 2);
        String id = synced(Flags.of(Flag.FLAGGED));
        long served = inbox.bodiesServed() + work.bodiesServed();
        MaildirFile f = fx.fileFor(0, body);
        Files.copy(f.path(), fx.maildirPaths.get(1).resolve("cur").resolve("mine:2,F"));
        CycleReport r = fx.cycleOk();
        assertEquals(1, r.pushedCopies());
        assertEquals(1, work.ids().size());
        String copy = work.ids().iterator().next();
        assertFalse(copy.equals(id), "an Office365 copy is a new message");
        assertEquals(Flags.of(Flag.FLAGGED), work.flags(copy));
        assertEquals(Set.of(id), inbox.ids());
        assertNothingLostOrDeleted();
        for (int i = 0; i < 2; i++) {
            assertTrue(fx.cycleOk().idle());
        }
        assertEquals(served, inbox.bodiesServed() + work.bodiesServed(), "the copy's body is known by its new id");
        fx.start(false);
        work.expireTokens(); // a full listing of the folder after a restart: still known
        fx.cycleOk();
        assertEquals(served, inbox.bodiesServed() + work.bodiesServed());
    }

    /**
     * A flag the user set only on the saved copy (a reader writes the copy with the flags it
     * shows) is the copy's: on Office365 the copy is a new message and takes it alone; the
     * original keeps its own flags.
     */
    @Test
    void aFlagSetOnlyOnTheSavedCopyIsTheOffice365CopysAlone() throws Exception {
        open(true, false, 2);
        String id = synced(Flags.of(Flag.READ));
        MaildirFile f = fx.fileFor(0, body);
        Files.copy(f.path(), fx.maildirPaths.get(1).resolve("cur").resolve("saved:2,FS"));
        CycleReport r = fx.cycleOk();
        assertEquals(1, r.pushedCopies());
        String copy = work.ids().iterator().next();
        assertEquals(Flags.of(Flag.READ, Flag.FLAGGED), work.flags(copy), "the copy keeps the flag set on it");
        assertEquals(Flags.of(Flag.READ), inbox.flags(id), "the original is not flagged");
        assertNothingLostOrDeleted();
        assertEquals(Map.of(SyncFixture.hash(body), Flags.of(Flag.READ)), fx.local(0));
        assertEquals(Map.of(SyncFixture.hash(body), Flags.of(Flag.READ, Flag.FLAGGED)), fx.local(1));
        assertTrue(fx.cycleOk().idle());
    }

    /**
     * On Gmail the copy is the message under a second label: its flags are the message's, and a
     * flag set only on the saved copy is not pushed with the copy, since it would rename the
     * original's file, which a reader that has just saved it is about to remove (NeomuttSaveTest).
     * A flag changed on the original's file is pushed, as for any copy.
     */
    @Test
    void aGmailCopyKeepsTheMessagesFlagsAndLeavesTheOriginalsFileAlone() throws Exception {
        open(true, true, 2);
        String id = synced(Flags.of(Flag.READ, Flag.REPLIED));
        MaildirFile f = fx.fileFor(0, body);
        Files.copy(f.path(), fx.maildirPaths.get(1).resolve("cur").resolve("saved:2,FRS"));
        Path original = Files.move(f.path(), f.path().resolveSibling(f.name().base() + ":2,S"));
        CycleReport r = fx.cycleOk();
        assertEquals(1, r.pushedCopies());
        assertEquals(Set.of(id), work.ids());
        assertEquals(Flags.of(Flag.READ), inbox.flags(id), "R taken off the original's file; not F");
        assertEquals(Flags.of(Flag.READ), work.flags(id));
        assertTrue(Files.exists(original), "the original's file keeps its name");
        assertNothingLostOrDeleted();
    }

    /**
     * The other way round: a message moved in the cloud (the web interface) between two synced
     * folders of the account keeps its id; its file moves to the other Maildir and its body,
     * known under that id, is not downloaded again, also when the destination is listed only
     * a cycle later.
     */
    @Test
    void aMessageMovedInTheCloudIsLinkedIntoItsNewMaildirNotDownloaded() throws Exception {
        open(true, true, 2);
        String id = synced(Flags.of(Flag.READ));
        long served = inbox.bodiesServed() + work.bodiesServed();
        inbox.apply(List.of(dev.cms.provider.Change.move(id, Flags.of(Flag.READ), Flags.of(Flag.READ), work)));
        fx.cycleOk();
        assertEquals(Map.of(), fx.local(0));
        assertEquals(Map.of(SyncFixture.hash(body), Flags.of(Flag.READ)), fx.local(1));
        assertEquals(served, inbox.bodiesServed() + work.bodiesServed(), "nothing downloaded again");
        assertNothingLostOrDeleted();

        // Back again, the destination's listing failing once: the body is still not downloaded.
        work.apply(List.of(dev.cms.provider.Change.move(id, Flags.of(Flag.READ), Flags.of(Flag.READ), inbox)));
        inbox.failNext(Op.LIST, 1);
        fx.cycle();
        fx.cycleOk();
        assertEquals(Map.of(SyncFixture.hash(body), Flags.of(Flag.READ)), fx.local(0));
        assertEquals(Map.of(), fx.local(1));
        assertEquals(served, inbox.bodiesServed() + work.bodiesServed(), "nothing downloaded again");
        assertEquals(List.of(), fx.lostAndFound());
        assertTrue(fx.cycleOk().idle());
    }

    /**
     * An Office365 copy's new id is written to the store's id record with its body: should
     * state.db be lost, the full listings that follow link the copy's body, not download it.
     */
    @Test
    void aCopysNewIdIsRecordedSoALostStateDbDoesNotDownloadIt() throws Exception {
        open(true, false, 2);
        synced(Flags.NONE);
        MaildirFile f = fx.fileFor(0, body);
        Files.copy(f.path(), fx.maildirPaths.get(1).resolve("cur").resolve("mine:2,"));
        assertEquals(1, fx.cycleOk().pushedCopies());
        assertTrue(fx.cycleOk().idle());
        long served = inbox.bodiesServed() + work.bodiesServed();
        fx.close();
        for (String name : List.of("state.db", "state.db-wal", "state.db-shm")) {
            Files.deleteIfExists(fx.stateDir.resolve(name));
        }
        fx.start(false);
        fx.cycleOk();
        assertEquals(served, inbox.bodiesServed() + work.bodiesServed(), "both ids' bodies come from the store");
        assertEquals(Map.of(SyncFixture.hash(body), Flags.NONE), fx.local(0));
        assertEquals(Map.of(SyncFixture.hash(body), Flags.NONE), fx.local(1));
        assertNothingLostOrDeleted();
    }

    @Test
    void acrossAccountsAMoveStaysADeletionAndTheCopyGoesToLostAndFound() throws Exception {
        open(false, true, 2);
        String id = synced(Flags.NONE);
        move(1, "");
        CycleReport r = fx.cycleOk();
        assertEquals(0, r.pushedMoves() + r.pushedCopies());
        assertEquals(1, r.pushedDeletes());
        assertEquals(Map.of(id, "archive"), inbox.deletions());
        assertEquals(1, fx.lostAndFound().size());
        assertEquals(Set.of(), work.ids());
    }

    @Test
    void intoAMaildirNoFolderFillsAMoveStaysADeletion() throws Exception {
        open(true, true, 3);
        String id = synced(Flags.NONE);
        move(2, "");
        CycleReport r = fx.cycleOk();
        assertEquals(0, r.pushedMoves() + r.pushedCopies());
        assertEquals(Map.of(id, "archive"), inbox.deletions());
        assertEquals(1, fx.lostAndFound().size());
    }

    @Test
    void aFileMarkedTrashedOnTheWayIsDeletedLikeInItsOwnMaildir() throws Exception {
        open(true, true, 2);
        String id = synced(Flags.NONE);
        move(1, "T");
        CycleReport r = fx.cycleOk();
        assertEquals(0, r.pushedMoves());
        assertEquals(Map.of(id, "archive"), inbox.deletions());
        assertEquals(Map.of(), fx.local(1), "no move waits for it: the file is not kept in Maildir 1");
        assertEquals(1, fx.lostAndFound().size(), "it is kept in lost+found, as any file");
    }

    @Test
    void aMoveMadeWhileStoppedIsUndoneAtStartLikeADeletion() throws Exception {
        open(true, true, 2);
        String id = synced(Flags.NONE);
        move(1, "S");
        fx.start(false);
        CycleReport r = fx.cycleOk();
        assertEquals(0, r.pushedMoves() + r.pushedDeletes(), "start-up rules: the cloud is authoritative");
        assertEquals(Set.of(id), inbox.ids());
        assertNotNull(fx.fileFor(0, body), "the message is back where the cloud has it");
        assertEquals(1, fx.lostAndFound().size(), "the moved file is kept in lost+found");
    }

    @Test
    void anOfflineStartPushesNoMoveMadeWhileStopped() throws Exception {
        open(true, true, 2);
        String id = synced(Flags.NONE);
        move(1, "S");
        fx.start(true);
        CycleReport r = fx.cycleOk();
        assertEquals(0, r.pushedMoves() + r.pushedDeletes(), "--offline ignores a file missing at the start");
        assertEquals(Set.of(id), inbox.ids());
        assertEquals(Set.of(), work.ids());
        assertNotNull(fx.fileFor(0, body));
        assertEquals(1, fx.lostAndFound().size());
    }

    @Test
    void aCopyMadeWhileStoppedGoesToLostAndFoundAtStart() throws Exception {
        open(true, true, 2);
        String id = synced(Flags.NONE);
        fx.cycleOk();
        MaildirFile f = fx.fileFor(0, body);
        Files.copy(f.path(), fx.maildirPaths.get(1).resolve("cur").resolve("saved-copy:2,"));
        fx.start(false);
        CycleReport r = fx.cycleOk();
        assertEquals(0, r.pushedCopies(), "start-up rules: the cloud is authoritative");
        assertEquals(Set.of(), work.ids());
        assertEquals(Set.of(id), inbox.ids());
        assertEquals(1, fx.lostAndFound().size(), "the copy is kept in lost+found");
        assertNull(fx.fileFor(1, body));
    }

    /**
     * The same with a hard link (ln, or a reader that links): the new name shares the inode of
     * the original, whose stat (its ctime) changed with the link; a start that plans only what
     * changed while stopped must see the name in the other Maildir as changed too.
     */
    @Test
    void aHardLinkMadeWhileStoppedIsSeenAtStart() throws Exception {
        open(true, true, 2);
        String id = synced(Flags.NONE);
        fx.cycleOk();
        MaildirFile f = fx.fileFor(0, body);
        Files.createLink(fx.maildirPaths.get(1).resolve("cur").resolve(f.name().base() + ":2,"), f.path());
        fx.start(false);
        CycleReport r = fx.cycleOk();
        assertEquals(0, r.pushedCopies(), "start-up rules: the cloud is authoritative");
        assertEquals(Set.of(id), inbox.ids());
        assertEquals(1, fx.lostAndFound().size(), "the link is kept in lost+found: " + r);
        assertNull(fx.fileFor(1, body));
        assertNotNull(fx.fileFor(0, body));
    }

    /**
     * Moving every message out of a Maildir empties it, which the wipe guard would take for a
     * wiped or unmounted Maildir; when each of them arrived in another Maildir of the account it
     * is a move of them all, pushed without a confirmation.
     */
    @Test
    void movingEveryMessageOutOfAMaildirIsNotTakenForAWipe() throws Exception {
        open(true, true, 2);
        String first = synced(Flags.NONE);
        byte[] other = Messages.message("also-moved");
        String second = inbox.add(other, Flags.NONE, null);
        fx.cycleOk();
        for (MaildirFile f : fx.files(0)) {
            Files.move(f.path(), fx.maildirPaths.get(1).resolve("cur").resolve(f.name().base() + ":2,S"));
        }

        CycleReport r = fx.cycleOk();

        assertEquals(2, r.pushedMoves(), r.toString());
        assertEquals(Set.of(), inbox.ids());
        assertEquals(2, work.ids().size(), "both moved: " + first + ", " + second);
        assertNothingLostOrDeleted();
    }

    /**
     * A Maildir found empty whose messages all have files elsewhere because they were there
     * already (a message in two mailboxes) is still refused: that is how a wiped Maildir looks.
     */
    @Test
    void anEmptiedMaildirWhoseMessagesAreAlsoElsewhereIsStillRefused() throws Exception {
        open(true, true, 2);
        synced(Flags.NONE);
        inbox.add(Messages.message("second"), Flags.NONE, null);
        fx.cycleOk();
        for (MaildirFile f : fx.files(0)) {
            Files.createLink(fx.maildirPaths.get(1).resolve("cur").resolve(f.name().base() + ":2,"), f.path());
        }
        fx.cycleOk(); // copied: the messages are in both mailboxes now
        for (MaildirFile f : fx.files(0)) {
            Files.delete(f.path());
        }

        CycleReport r = fx.cycle();

        assertEquals(false, r.ok(), "refused: " + r);
        assertEquals(2, inbox.ids().size(), "nothing deleted");
    }

    @Test
    void aJournaledMoveIsPushedAtTheNextStart() throws Exception {
        open(true, true, 2);
        String id = synced(Flags.NONE);
        Path was = fx.fileFor(0, body).path();
        Path now = move(1, "S");
        fx.engine.journal(fx.maildirPaths.get(0), List.of(was));
        fx.engine.journal(fx.maildirPaths.get(1), List.of(now));
        fx.start(false); // the daemon died before a cycle pushed it
        CycleReport r = fx.cycleOk();
        assertEquals(1, r.pushedMoves());
        assertEquals(Set.of(id), work.ids());
        assertEquals(Flags.of(Flag.READ), work.flags(id));
        assertNothingLostOrDeleted();
    }

    @Test
    void aMoveWhoseFolderCannotBeListedWaitsWithoutLosingTheFile() throws Exception {
        open(true, true, 2);
        String id = synced(Flags.NONE);
        move(1, "S");
        inbox.failNext(Op.LIST, 1);
        assertFalse(fx.cycle().ok());
        assertEquals(List.of(), fx.lostAndFound(), "the moved file waits in its new Maildir");
        assertNotNull(fx.fileFor(1, body));
        inbox.failNext(Op.APPLY, 1);
        assertFalse(fx.cycle().ok());
        assertEquals(List.of(), fx.lostAndFound(), "a failed push keeps it waiting too");
        assertNull(fx.fileFor(0, body), "and it is not delivered back");
        CycleReport r = fx.cycleOk();
        assertEquals(1, r.pushedMoves());
        assertEquals(Set.of(id), work.ids());
        assertNothingLostOrDeleted();
        assertEquals(Map.of(SyncFixture.hash(body), Flags.of(Flag.READ)), fx.local(1));
    }

    @Test
    void aMoveIntoAFolderThatCannotBeListedIsPushedAndTheFileWaits() throws Exception {
        open(true, true, 2);
        String id = synced(Flags.NONE);
        long served = inbox.bodiesServed() + work.bodiesServed();
        move(1, "S");
        work.failNext(Op.LIST, 1);
        assertFalse(fx.cycle().ok());
        assertEquals(Set.of(id), work.ids(), "moved: the source folder was listed");
        assertEquals(List.of(), fx.lostAndFound());
        fx.cycleOk();
        assertEquals(Map.of(SyncFixture.hash(body), Flags.of(Flag.READ)), fx.local(1));
        assertEquals(Map.of(), fx.local(0));
        assertNothingLostOrDeleted();
        assertEquals(served, inbox.bodiesServed() + work.bodiesServed(), "nothing downloaded again");
    }

    /**
     * Under the daemon's file events, the two halves of an {@code mv} may reach the engine in two
     * cycles (the source's removal in one, the destination's arrival in the next: a debounce
     * boundary between them). The removal alone must not be pushed as a deletion.
     */
    @Test
    void aMoveWhoseHalvesArriveInTwoCyclesIsAMoveNotADeletion() throws Exception {
        open(true, true, 2);
        fx.engine.useFileEvents(java.time.Duration.ofHours(1));
        String id = synced(Flags.NONE);
        Path was = fx.fileFor(0, body).path();
        Path now = move(1, "S");
        fx.engine.journal(fx.maildirPaths.get(0), List.of(was));
        fx.cycleOk();
        fx.engine.journal(fx.maildirPaths.get(1), List.of(now));
        fx.cycleOk();
        fx.cycleOk();
        assertEquals(Set.of(id), work.ids(), "moved in the cloud");
        assertEquals(Set.of(), inbox.ids());
        assertNothingLostOrDeleted();
    }
}
