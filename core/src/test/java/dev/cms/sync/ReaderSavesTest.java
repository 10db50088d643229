package dev.cms.sync;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mail reader's save between Maildirs of one account is a cloud move (issue 16, item 3):
 * mutt and neomutt write the saved message again with {@code Content-Length:}, {@code Lines:}
 * and {@code Status:} added and LF line ends, then remove the original. The message is moved in
 * the cloud with the flags of the reader's file, nothing is archived, sent to lost+found or
 * downloaded again, and the reader's file is replaced by the message's own body. Anything that
 * does not match exactly one message that left is what it was before: lost+found and a deletion.
 * Two mailboxes: mailbox 1 is routed to Maildir 1, mailbox 0 to Maildir 0.
 */
class ReaderSavesTest {
    @TempDir
    Path tmp;

    private SyncFixture fx;
    private InMemoryMailbox inbox;
    private InMemoryMailbox work;
    private final byte[] body = Messages.message("saved");

    @AfterEach
    void close() throws Exception {
        if (fx != null) {
            fx.close();
        }
    }

    private void open(boolean shared) throws Exception {
        open(shared, true);
    }

    /** Two folders; {@code shared}: of one account ({@code copyKeepsId}: like Gmail labels). */
    private void open(boolean shared, boolean copyKeepsId) throws Exception {
        inbox = InMemoryMailbox.likeOffice365("acct:inbox");
        work = InMemoryMailbox.likeOffice365("acct:work");
        if (shared) {
            InMemoryMailbox.shareAccount("acct", copyKeepsId, inbox, work);
        }
        fx = new SyncFixture(tmp, 2, List.of(inbox, work), new Router(List.of(new Router.Rule(1, 1, null, null, null))));
        fx.start(false);
    }

    private String synced(byte[] message, Flags flags) throws Exception {
        String id = inbox.add(message, flags, null);
        fx.cycleOk();
        assertNotNull(fx.fileFor(0, message), "delivered to Maildir 0");
        return id;
    }

    /** The message as mutt writes it when saving: LF line ends, its own lines added to the header. */
    static byte[] asMuttSaves(byte[] message) {
        String text = new String(message, StandardCharsets.UTF_8).replace("\r\n", "\n");
        int split = text.indexOf("\n\n") + 1;
        String bodyPart = text.substring(split + 1);
        String added = "Status: RO\nContent-Length: " + bodyPart.length() + "\nLines: " + bodyPart.split("\n").length
                + "\n";
        return (text.substring(0, split) + added + "\n" + bodyPart).getBytes(StandardCharsets.UTF_8);
    }

    /** mutt's {@code s}: the rewritten message in Maildir 1 with {@code letters}, the original removed. */
    private Path save(byte[] original, String letters, UnaryOperator<byte[]> rewrite) throws Exception {
        MaildirFile f = fx.fileFor(0, original);
        Path saved = fx.maildirPaths.get(1).resolve("cur").resolve("1767225600.R1.mutt:2," + letters);
        Files.write(saved, rewrite.apply(Files.readAllBytes(f.path())));
        Files.delete(f.path());
        return saved;
    }

    private void assertNothingLostOrDeleted() throws Exception {
        assertEquals(List.of(), fx.lostAndFound(), "nothing goes to lost+found");
        assertEquals(Map.of(), inbox.deletions(), "nothing is archived or trashed");
        assertEquals(Map.of(), work.deletions());
    }

    private Object inode(Path p) throws Exception {
        return Files.readAttributes(p, BasicFileAttributes.class).fileKey();
    }

    /**
     * Mailboxes that take a user's new messages: a save of a message into a label it already has
     * is a rewrite of that message, not a new one: nothing is uploaded (the file goes to
     * lost+found as before uploads existed), nothing is deleted, also in the cycles after.
     */
    @Test
    void aSaveIntoALabelTheMessageAlreadyHasIsNeverUploaded() throws Exception {
        open(true);
        inbox.takeUploads();
        work.takeUploads();
        String id = synced(body, Flags.NONE);
        inbox.apply(List.of(dev.cms.provider.Change.copy(id, Flags.NONE, work))); // a second label
        fx.cycleOk();
        assertNotNull(fx.fileFor(1, body), "in both labels' Maildirs");
        MaildirFile f = fx.fileFor(0, body);
        Files.write(fx.maildirPaths.get(1).resolve("cur").resolve("1767225600.R2.mutt:2,S"),
                asMuttSaves(Files.readAllBytes(f.path())));
        for (int i = 0; i < 3; i++) {
            fx.cycleOk();
        }
        assertEquals(List.of(), inbox.uploads(), "not uploaded");
        assertEquals(List.of(), work.uploads(), "not uploaded");
        assertEquals(Set.of(id), work.ids());
        assertEquals(Map.of(), inbox.deletions());
        assertEquals(Map.of(), work.deletions());
        assertEquals(1, fx.lostAndFound().size(), "the rewrite is kept in lost+found");
    }

    /** Two saves of one message in one cycle: which one is the move is a guess; neither is uploaded. */
    @Test
    void twoSavesOfOneMessageAreNeverUploaded() throws Exception {
        open(true);
        inbox.takeUploads();
        work.takeUploads();
        synced(body, Flags.NONE);
        MaildirFile f = fx.fileFor(0, body);
        byte[] rewritten = asMuttSaves(Files.readAllBytes(f.path()));
        Files.write(fx.maildirPaths.get(1).resolve("cur").resolve("1767225600.R3.mutt:2,S"), rewritten);
        byte[] again = new String(rewritten, StandardCharsets.UTF_8).replace("Status: RO\n", "Status: O\n")
                .getBytes(StandardCharsets.UTF_8);
        Files.write(fx.maildirPaths.get(1).resolve("cur").resolve("1767225600.R4.mutt:2,"), again);
        for (int i = 0; i < 3; i++) {
            fx.cycleOk();
        }
        assertEquals(List.of(), inbox.uploads());
        assertEquals(List.of(), work.uploads());
        assertEquals(Map.of(), inbox.deletions());
    }

    @Test
    void muttsSaveIntoAnotherFolderIsMovedInTheCloudAndTheFileBecomesTheCloudsCopy() throws Exception {
        open(true);
        String id = synced(body, Flags.NONE);
        long served = inbox.bodiesServed() + work.bodiesServed();
        Path saved = save(body, "S", ReaderSavesTest::asMuttSaves);

        CycleReport r = fx.cycleOk();

        assertEquals(1, r.pushedMoves(), r.toString());
        assertEquals(List.of("move " + id + " -> acct:work"), inbox.transfers());
        assertEquals(Set.of(), inbox.ids());
        assertEquals(Set.of(id), work.ids(), "the same message, moved");
        assertEquals(Flags.of(Flag.READ), work.flags(id), "the flags of the reader's file");
        assertNothingLostOrDeleted();
        assertFalse(Files.exists(saved), "the reader's file is replaced");
        List<MaildirFile> files = fx.files(1);
        assertEquals(1, files.size(), files.toString());
        Path stored = fx.store.path(SyncFixture.hash(body));
        assertArrayEquals(Files.readAllBytes(stored), Files.readAllBytes(files.get(0).path()), "the cloud's bytes");
        assertEquals(inode(stored), inode(files.get(0).path()), "a link of the store's body");
        assertEquals(Flags.of(Flag.READ), files.get(0).flags());
        assertEquals(List.of(), fx.files(0));
        assertEquals(served, inbox.bodiesServed() + work.bodiesServed(), "nothing downloaded again");
        assertEquals(true, fx.cycleOk().idle(), "the next cycle has nothing to do");
        assertEquals(served, inbox.bodiesServed() + work.bodiesServed());
    }

    @Test
    void aFlagSetOnTheSavedFileGoesWithTheMove() throws Exception {
        open(true);
        String id = synced(body, Flags.of(Flag.READ));
        save(body, "FS", ReaderSavesTest::asMuttSaves);
        CycleReport r = fx.cycleOk();
        assertEquals(1, r.pushedMoves());
        assertEquals(Flags.of(Flag.READ, Flag.FLAGGED), work.flags(id));
        assertEquals(Map.of(SyncFixture.hash(body), Flags.of(Flag.READ, Flag.FLAGGED)), fx.local(1));
        assertNothingLostOrDeleted();
    }

    @Test
    void aSaveWithADifferentBodyIsNoMoveTheOriginalIsDeletedAndTheFileKeptAsBefore() throws Exception {
        open(true);
        String id = synced(body, Flags.NONE);
        save(body, "S", b -> new String(asMuttSaves(b), StandardCharsets.UTF_8).replace("Line 1 ", "Line one ")
                .getBytes(StandardCharsets.UTF_8));
        CycleReport r = fx.cycleOk();
        assertEquals(0, r.pushedMoves() + r.pushedCopies());
        assertEquals(Map.of(id, "archive"), inbox.deletions());
        assertEquals(1, fx.lostAndFound().size(), "the file is kept in lost+found");
        assertEquals(Set.of(), work.ids());
    }

    @Test
    void aSaveWithADifferentSubjectIsNoMove() throws Exception {
        open(true);
        String id = synced(body, Flags.NONE);
        save(body, "S", b -> new String(asMuttSaves(b), StandardCharsets.UTF_8)
                .replace("Subject: test message", "Subject: Re: test message").getBytes(StandardCharsets.UTF_8));
        CycleReport r = fx.cycleOk();
        assertEquals(0, r.pushedMoves());
        assertEquals(Map.of(id, "archive"), inbox.deletions());
        assertEquals(1, fx.lostAndFound().size());
    }

    @Test
    void twoMessagesThatMatchTheSaveEquallyAreNotGuessedBetween() throws Exception {
        open(true);
        // The same mail but for a reader's line: a second message of the cloud.
        byte[] other = new String(body, StandardCharsets.UTF_8).replace("\r\n\r\n", "\r\nStatus: O\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8);
        String first = synced(body, Flags.NONE);
        String second = synced(other, Flags.NONE);
        synced(Messages.message("stays"), Flags.NONE); // so that Maildir 0 is not emptied
        save(body, "S", ReaderSavesTest::asMuttSaves);
        Files.delete(fx.fileFor(0, other).path());
        CycleReport r = fx.cycleOk();
        assertEquals(0, r.pushedMoves(), "two candidates: no move");
        assertEquals(Map.of(first, "archive", second, "archive"), inbox.deletions(), "both deleted, as before");
        assertEquals(1, fx.lostAndFound().size(), "the saved file kept in lost+found");
    }

    /** mutt's save seen before mutt removes the original (the daemon's cycle runs in between). */
    private Path saveKeepingTheOriginal(byte[] original, String letters) throws Exception {
        MaildirFile f = fx.fileFor(0, original);
        Path saved = fx.maildirPaths.get(1).resolve("cur").resolve("1767225600.R2.mutt:2," + letters);
        Files.write(saved, asMuttSaves(Files.readAllBytes(f.path())));
        return saved;
    }

    @Test
    void aSaveSeenWhileTheOriginalIsStillThereIsACopyAndTheLaterRemovalLeavesItInTheOtherFolder()
            throws Exception {
        open(true, true);
        String id = synced(body, Flags.NONE);
        long served = inbox.bodiesServed() + work.bodiesServed();
        Path saved = saveKeepingTheOriginal(body, "");

        CycleReport r = fx.cycleOk();

        assertEquals(1, r.pushedCopies(), r.toString());
        assertEquals(List.of("copy " + id + " -> acct:work"), inbox.transfers());
        assertEquals(Set.of(id), inbox.ids());
        assertEquals(Set.of(id), work.ids(), "the same message in both folders, like a Gmail label added");
        assertFalse(Files.exists(saved), "the reader's file is replaced");
        assertEquals(Map.of(SyncFixture.hash(body), Flags.NONE), fx.local(1));
        assertNothingLostOrDeleted();

        Files.delete(fx.fileFor(0, body).path()); // the reader removes the original
        fx.cycleOk();
        assertEquals(Set.of(), inbox.ids());
        assertEquals(Set.of(id), work.ids(), "left in the folder it was saved to");
        assertEquals(Map.of(SyncFixture.hash(body), Flags.NONE), fx.local(1));
        assertEquals(List.of(), fx.lostAndFound());
        assertEquals(served, inbox.bodiesServed() + work.bodiesServed(), "nothing downloaded again");
        assertTrue(fx.cycleOk().idle());
    }

    @Test
    void aSaveSeenWhileTheOriginalIsStillThereIsACopyLikeOffice365s() throws Exception {
        open(true, false);
        String id = synced(body, Flags.NONE);
        long served = inbox.bodiesServed() + work.bodiesServed();
        saveKeepingTheOriginal(body, "S"); // read in the reader, then saved
        CycleReport r = fx.cycleOk();
        assertEquals(1, r.pushedCopies(), r.toString());
        assertEquals(1, work.ids().size());
        String copy = work.ids().iterator().next();
        assertFalse(copy.equals(id), "an Office365 copy is a new message");
        // The saved file's flags, on the copy alone: the original is not touched (the reader is
        // about to remove its file, which must still be there under the name it knows).
        assertEquals(Flags.of(Flag.READ), work.flags(copy), "read, as the reader saved it");
        assertEquals(Flags.NONE, inbox.flags(id));
        assertEquals(Map.of(SyncFixture.hash(body), Flags.of(Flag.READ)), fx.local(1));
        assertEquals(Map.of(SyncFixture.hash(body), Flags.NONE), fx.local(0));
        assertNothingLostOrDeleted();
        assertTrue(fx.cycleOk().idle());
        assertEquals(served, inbox.bodiesServed() + work.bodiesServed(), "the copy's body is known by its new id");
    }

    /** Comparing a save with every message of its size would cost what a big mailbox holds: a few only. */
    @Test
    void aSaveWithTooManyMessagesOfItsSizeIsNoCopy() throws Exception {
        open(true, true);
        for (int i = 0; i <= ReaderCopies.MAX_CANDIDATES; i++) {
            inbox.add(Messages.message(String.format("same-size-%02d", i)), Flags.NONE, null);
        }
        fx.cycleOk();
        byte[] one = Messages.message("same-size-07");
        assertEquals(ReaderCopies.MAX_CANDIDATES + 1, fx.files(0).size());
        saveKeepingTheOriginal(one, "S");
        CycleReport r = fx.cycleOk();
        assertEquals(0, r.pushedCopies() + r.pushedMoves());
        assertEquals(Set.of(), work.ids());
        assertEquals(1, fx.lostAndFound().size(), "kept in lost+found, as before");
    }

    /** Exactly as many messages of the save's size as are compared: the copy is found among them. */
    @Test
    void aSaveWithAsManyMessagesOfItsSizeAsAreComparedIsACopy() throws Exception {
        open(true, true);
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < ReaderCopies.MAX_CANDIDATES; i++) {
            ids.add(inbox.add(Messages.message(String.format("same-size-%02d", i)), Flags.NONE, null));
        }
        fx.cycleOk();
        assertEquals(ReaderCopies.MAX_CANDIDATES, fx.files(0).size());
        saveKeepingTheOriginal(Messages.message("same-size-07"), "S");
        CycleReport r = fx.cycleOk();
        assertEquals(1, r.pushedCopies(), r.toString());
        assertEquals(List.of("copy " + ids.get(7) + " -> acct:work"), inbox.transfers());
        assertEquals(Set.of(ids.get(7)), work.ids());
        assertNothingLostOrDeleted();
    }

    /** Too many to compare: perhaps a copy, so never taken for the user's new message either. */
    @Test
    void aSaveWithTooManyMessagesOfItsSizeIsNeverUploaded() throws Exception {
        open(true, true);
        inbox.takeUploads();
        work.takeUploads();
        for (int i = 0; i <= ReaderCopies.MAX_CANDIDATES; i++) {
            inbox.add(Messages.message(String.format("same-size-%02d", i)), Flags.NONE, null);
        }
        fx.cycleOk();
        saveKeepingTheOriginal(Messages.message("same-size-07"), "S");
        for (int i = 0; i < 2; i++) {
            fx.cycleOk();
        }
        assertEquals(List.of(), work.uploads(), "not uploaded");
        assertEquals(List.of(), inbox.uploads());
        assertEquals(Set.of(), work.ids());
        assertEquals(1, fx.lostAndFound().size(), "kept in lost+found");
    }

    /** Two messages the save could be: a guess either way, and not the user's new message. */
    @Test
    void aSaveMatchingTwoMessagesIsNeverUploaded() throws Exception {
        open(true);
        inbox.takeUploads();
        work.takeUploads();
        byte[] other = new String(body, StandardCharsets.UTF_8).replace("\r\n\r\n", "\r\nStatus: O\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8);
        synced(body, Flags.NONE);
        synced(other, Flags.NONE);
        synced(Messages.message("stays"), Flags.NONE);
        save(body, "S", ReaderSavesTest::asMuttSaves);
        Files.delete(fx.fileFor(0, other).path());
        for (int i = 0; i < 2; i++) {
            fx.cycleOk();
        }
        assertEquals(List.of(), work.uploads(), "not uploaded");
        assertEquals(Set.of(), work.ids());
        assertEquals(1, fx.lostAndFound().size(), "kept in lost+found");
    }

    /** A message edited in the reader and saved elsewhere is no longer the original: the user's new message. */
    @Test
    void anEditedSaveIsUploadedAsANewMessage() throws Exception {
        open(true);
        inbox.takeUploads();
        work.takeUploads();
        String id = synced(body, Flags.NONE);
        synced(Messages.message("stays"), Flags.NONE);
        save(body, "S", b -> new String(asMuttSaves(b), StandardCharsets.UTF_8).replace("Line 1 ", "Line one ")
                .getBytes(StandardCharsets.UTF_8));
        CycleReport r = fx.cycleOk();
        assertEquals(0, r.pushedMoves() + r.pushedCopies(), r.toString());
        assertEquals(1, work.uploads().size(), "uploaded: " + r);
        assertEquals(Set.of(work.uploads().get(0)), work.ids());
        assertEquals(Map.of(id, "archive"), inbox.deletions(), "the original's removal is a deletion");
        assertEquals(List.of(), fx.lostAndFound());
    }

    @Test
    void aSaveOfAnEditedMessageWhileTheOriginalStaysIsNoCopy() throws Exception {
        open(true, true);
        String id = synced(body, Flags.NONE);
        Path saved = saveKeepingTheOriginal(body, "S");
        Files.writeString(saved, Files.readString(saved).replace("Line 2 ", "Line two "));
        CycleReport r = fx.cycleOk();
        assertEquals(0, r.pushedCopies() + r.pushedMoves());
        assertEquals(Set.of(id), inbox.ids());
        assertEquals(Set.of(), work.ids());
        assertEquals(1, fx.lostAndFound().size());
    }

    @Test
    void acrossAccountsASaveStaysADeletionAndTheFileGoesToLostAndFound() throws Exception {
        open(false);
        String id = synced(body, Flags.NONE);
        save(body, "S", ReaderSavesTest::asMuttSaves);
        CycleReport r = fx.cycleOk();
        assertEquals(0, r.pushedMoves());
        assertEquals(Map.of(id, "archive"), inbox.deletions());
        assertEquals(1, fx.lostAndFound().size());
        assertEquals(Set.of(), work.ids());
    }

    @Test
    void aSaveWhoseFolderCannotBeListedWaitsWithoutLosingTheFile() throws Exception {
        open(true);
        String id = synced(body, Flags.NONE);
        Path saved = save(body, "S", ReaderSavesTest::asMuttSaves);
        inbox.failNext(Op.APPLY, 1);
        assertFalse(fx.cycle().ok());
        assertEquals(List.of(), fx.lostAndFound(), "the saved file waits in its new Maildir");
        assertTrue(Files.exists(saved));
        assertNull(fx.fileFor(0, body), "and the message is not delivered back");
        CycleReport r = fx.cycleOk();
        assertEquals(1, r.pushedMoves());
        assertEquals(Set.of(id), work.ids());
        assertNothingLostOrDeleted();
        assertEquals(Map.of(SyncFixture.hash(body), Flags.of(Flag.READ)), fx.local(1));
    }

    @Test
    void aSaveMadeWhileStoppedIsUndoneAtStartLikeADeletion() throws Exception {
        open(true);
        String id = synced(body, Flags.NONE);
        save(body, "S", ReaderSavesTest::asMuttSaves);
        fx.start(false);
        CycleReport r = fx.cycleOk();
        assertEquals(0, r.pushedMoves() + r.pushedCopies() + r.pushedDeletes(), "start-up rules: the cloud decides");
        assertEquals(Set.of(id), inbox.ids());
        assertNotNull(fx.fileFor(0, body), "the message is back where the cloud has it");
        assertEquals(1, fx.lostAndFound().size(), "the saved file is kept in lost+found");
    }

    /** mutt's edit of a message in its own Maildir: the file rewritten with {@code letters}, the original removed. */
    private Path rewriteInPlace(int maildir, byte[] original, String letters) throws Exception {
        MaildirFile f = fx.fileFor(maildir, original);
        Path rewritten = fx.maildirPaths.get(maildir).resolve("cur").resolve("1767225600.E1.mutt:2," + letters);
        Files.write(rewritten, asMuttSaves(Files.readAllBytes(f.path())));
        Files.delete(f.path());
        return rewritten;
    }

    /**
     * A message rewritten in its own Maildir (mutt's {@code e}dit, an {@code X-Label} edit) is
     * not deleted: the cloud keeps it, with the flags of the rewritten file; its own body is
     * delivered again, and the rewritten file is kept in lost+found, never uploaded.
     */
    @Test
    void aRewriteInItsOwnMaildirKeepsTheMessageAndKeepsTheRewriteInLostAndFound() throws Exception {
        open(true);
        String id = synced(body, Flags.of(Flag.READ));
        rewriteInPlace(0, body, "FS");
        CycleReport r = fx.cycleOk();
        assertEquals(0, r.pushedDeletes() + r.pushedMoves() + r.pushedCopies(), r.toString());
        assertEquals(Map.of(), inbox.deletions(), "nothing is archived or trashed");
        assertEquals(Set.of(id), inbox.ids());
        assertEquals(Flags.of(Flag.READ, Flag.FLAGGED), inbox.flags(id), "the rewritten file's flags");
        assertEquals(Map.of(SyncFixture.hash(body), Flags.of(Flag.READ, Flag.FLAGGED)), fx.local(0),
                "the message's own body is back, with those flags");
        assertEquals(1, fx.lostAndFound().size(), "the rewrite is kept");
        assertTrue(fx.cycleOk().idle());
        assertEquals(Set.of(id), inbox.ids());
    }

    /**
     * The same in a mailbox synced on its own (one Gmail label, one Maildir): the rewrite was
     * imported as a new message and the original archived; now neither.
     */
    @Test
    void inAMailboxSyncedOnItsOwnARewriteIsNeitherImportedNorADeletion() throws Exception {
        InMemoryMailbox label = InMemoryMailbox.likeGmail("gmail:me:INBOX").takeUploads();
        fx = new SyncFixture(tmp, 1, List.of(label), new Router(List.of()));
        fx.start(false);
        String id = label.add(body, Flags.NONE, null);
        fx.cycleOk();
        rewriteInPlace(0, body, "S");
        CycleReport r = fx.cycleOk();
        assertEquals(0, r.uploaded(), r.toString());
        assertEquals(List.of(), label.uploads());
        assertEquals(Map.of(), label.deletions());
        assertEquals(Set.of(id), label.ids());
        assertEquals(Flags.of(Flag.READ), label.flags(id));
        assertEquals(Map.of(SyncFixture.hash(body), Flags.of(Flag.READ)), fx.local(0));
        assertEquals(1, fx.lostAndFound().size());
    }
}
