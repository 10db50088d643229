package dev.cms.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.maildir.MaildirFile;
import dev.cms.model.ContentHash;
import dev.cms.model.Flag;
import dev.cms.model.Flags;
import dev.cms.provider.memory.InMemoryMailbox;
import dev.cms.provider.memory.InMemoryMailbox.Op;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user's own new messages reach the cloud (issue 16, item 4): a file whose content the cloud
 * never had, put into a synced Maildir, is created in the mailbox that fills that Maildir (Gmail
 * imports it, Office365 makes a draft of it in Drafts) with its flags, and the file becomes that
 * message: never a second copy, never uploaded twice, never at start-up.
 */
class LocalUploadsTest {
    @TempDir
    Path tmp;

    private SyncFixture fx;
    private final byte[] mine = Messages.message("mine", "X-Mailer: mutt\r\n", 400);

    @AfterEach
    void close() throws Exception {
        if (fx != null) {
            fx.close();
        }
    }

    /** One mailbox into one Maildir, past its first cycle (start-up rules over). */
    private InMemoryMailbox open(InMemoryMailbox box) throws Exception {
        box.takeUploads();
        fx = new SyncFixture(tmp, 1, List.of(box), new Router(List.of()));
        fx.start(false);
        fx.cycleOk();
        return box;
    }

    /** The user's file, written into Maildir {@code i}'s cur/ with {@code letters}. */
    private Path write(int i, byte[] body, String letters) throws IOException {
        Path p = fx.maildirPaths.get(i).resolve("cur").resolve("1764900000.mine.host:2," + letters);
        return Files.write(p, body);
    }

    @Test
    void aNewFileIsImportedWithItsFlagsAndBecomesThatMessage() throws Exception {
        InMemoryMailbox box = open(InMemoryMailbox.likeGmail("gmail:me:INBOX"));
        write(0, mine, "FS");
        CycleReport r = fx.cycleOk();
        assertEquals(1, r.uploaded());
        assertEquals(1, box.uploads().size());
        String id = box.uploads().get(0);
        assertEquals(SyncFixture.hash(mine), SyncFixture.hash(box.body(id)), "the file's message");
        assertEquals(Flags.of(Flag.READ, Flag.FLAGGED), box.flags(id), "its flags: S is read, F starred");
        assertEquals(Map.of(SyncFixture.hash(mine), Flags.of(Flag.READ, Flag.FLAGGED)), fx.local(0));
        assertEquals(List.of(), fx.lostAndFound());
        CycleReport again = fx.cycleOk();
        assertTrue(again.idle(), "the listing brings the message back as the file: " + again);
        assertEquals(1, fx.files(0).size());
        assertEquals(1, box.size());
        // The message is the file: a flag changed on it reaches the cloud.
        SyncFixture.setLetters(fx.files(0).get(0), "S");
        assertEquals(1, fx.cycleOk().pushedFlags());
        assertEquals(Flags.of(Flag.READ), box.flags(id));
    }

    @Test
    void noSecondCopyAfterARestart() throws Exception {
        InMemoryMailbox box = open(InMemoryMailbox.likeGmail("gmail:me:INBOX"));
        write(0, mine, "");
        assertEquals(1, fx.cycleOk().uploaded());
        fx.start(false);
        CycleReport r = fx.cycleOk();
        assertEquals(0, r.uploaded());
        assertEquals(0, r.delivered(), "nothing delivered again: " + r);
        assertEquals(Map.of(SyncFixture.hash(mine), Flags.NONE), fx.local(0));
        assertEquals(1, box.size());
        assertEquals(List.of(), fx.lostAndFound());
    }

    /**
     * The file's body is durably in the store (its name in {@code hashes/} synced) before the
     * upload: a power cut after it cannot make the restart take the file for a new one again.
     */
    @Test
    void theStoresCopyIsDurableBeforeTheUpload() throws Exception {
        List<Path> dirSyncs = new java.util.concurrent.CopyOnWriteArrayList<>();
        InMemoryMailbox box = InMemoryMailbox.likeGmail("gmail:me:INBOX");
        box.takeUploads();
        fx = new SyncFixture(tmp, 1, List.of(box), new Router(List.of()));
        fx.files = new dev.cms.fs.ForwardingFileOps(dev.cms.fs.FileOps.SYSTEM) {
            @Override
            public void fsyncDirectory(Path dir) throws IOException {
                dirSyncs.add(dir);
                super.fsyncDirectory(dir);
            }
        };
        fx.start(false);
        fx.cycleOk();
        write(0, mine, "S");
        Path named = fx.store.path(SyncFixture.hash(mine));
        boolean[] durable = {false};
        box.afterUpload(() -> durable[0] = Files.exists(named) && dirSyncs.contains(named.getParent()));
        dirSyncs.clear();
        assertEquals(1, fx.cycleOk().uploaded());
        assertTrue(durable[0], "stored and its directory synced before the upload: " + dirSyncs);
    }

    /**
     * More than 20 new files in one Maildir in one cycle (a backup restored into it, a disk
     * mounted in the wrong place) are neither uploaded nor sent to lost+found until
     * {@code .cms-confirm-upload} confirms them; 20 go at once.
     */
    @Test
    void manyNewFilesAtOnceWaitForAConfirmation() throws Exception {
        InMemoryMailbox box = open(InMemoryMailbox.likeGmail("gmail:me:INBOX"));
        Path cur = fx.maildirPaths.get(0).resolve("cur");
        for (int i = 0; i < LocalUploads.MASS_UPLOAD + 1; i++) {
            Files.write(cur.resolve("1764900000.many" + i + ".host:2,S"), Messages.message("restored " + i));
        }
        for (int i = 0; i < 2; i++) {
            assertEquals(0, fx.cycleOk().uploaded());
        }
        assertEquals(List.of(), box.uploads(), "not uploaded without a confirmation");
        assertEquals(List.of(), fx.lostAndFound(), "nor sent to lost+found: they wait");
        assertEquals(LocalUploads.MASS_UPLOAD + 1, fx.files(0).size());

        Path confirm = fx.maildirPaths.get(0).resolve(LocalUploads.CONFIRM_UPLOAD);
        Files.createFile(confirm);
        assertEquals(LocalUploads.MASS_UPLOAD + 1, fx.cycleOk().uploaded());
        assertFalse(Files.exists(confirm), "a confirmation is used once");
        assertEquals(LocalUploads.MASS_UPLOAD + 1, box.uploads().size());
        assertTrue(fx.cycleOk().idle(), "the listing brings them back as the files");
        assertEquals(LocalUploads.MASS_UPLOAD + 1, fx.files(0).size(), "one file each, no second copy");
        assertEquals(LocalUploads.MASS_UPLOAD + 1, box.size());

        for (int i = 0; i < LocalUploads.MASS_UPLOAD; i++) {
            Files.write(cur.resolve("1764900001.more" + i + ".host:2,S"), Messages.message("more " + i));
        }
        assertEquals(LocalUploads.MASS_UPLOAD, fx.cycleOk().uploaded(), "20 need no confirmation");
        assertEquals(List.of(), fx.lostAndFound());
    }

    @Test
    void aCrashBetweenTheUploadAndTheCommitNeverUploadsTwice() throws Exception {
        InMemoryMailbox box = open(InMemoryMailbox.likeGmail("gmail:me:INBOX"));
        write(0, mine, "S");
        box.afterUpload(() -> fx.engine.requestStop()); // the cycle stops before its commit: as a crash there
        CycleReport stopped = fx.cycle();
        assertTrue(stopped.aborted());
        assertEquals(1, box.uploads().size(), "uploaded before the stop");
        box.afterUpload(() -> { });
        fx.start(false);
        CycleReport r = fx.cycleOk();
        assertEquals(0, r.uploaded(), "not uploaded again: " + r);
        assertEquals(1, box.size());
        assertEquals(Map.of(SyncFixture.hash(mine), Flags.of(Flag.READ)), fx.local(0), "the file is that message");
        assertEquals(List.of(), fx.lostAndFound());
        assertTrue(fx.cycleOk().idle());
    }

    @Test
    void theCloudsRewrittenVersionReplacesTheFileKeepingItsFlags() throws Exception {
        InMemoryMailbox box = open(InMemoryMailbox.likeOffice365("o365:me:drafts"));
        box.rewriteUploads();
        write(0, mine, "FS");
        assertEquals(1, fx.cycleOk().uploaded());
        String id = box.uploads().get(0);
        ContentHash cloud = SyncFixture.hash(box.body(id));
        assertFalse(cloud.equals(SyncFixture.hash(mine)));
        assertEquals(Map.of(cloud, Flags.of(Flag.READ, Flag.FLAGGED)), fx.local(0), "one file: the cloud's version");
        assertEquals(List.of(), fx.lostAndFound());
        assertTrue(fx.cycleOk().idle());
        assertEquals(1, box.size());
        assertEquals(1, box.uploads().size());
    }

    @Test
    void aFileWhoseContentTheStoreKnowsIsNeverUploaded() throws Exception {
        InMemoryMailbox a = InMemoryMailbox.likeGmail("gmail:a:INBOX").takeUploads();
        InMemoryMailbox b = InMemoryMailbox.likeGmail("gmail:b:INBOX").takeUploads();
        fx = new SyncFixture(tmp, 2, List.of(a, b), new Router(List.of(new Router.Rule(1, 1, null, null, null))));
        fx.start(false);
        a.add(mine, Flags.NONE, null);
        fx.cycleOk();
        MaildirFile delivered = fx.fileFor(0, mine);
        Files.copy(delivered.path(), fx.maildirPaths.get(1).resolve("cur").resolve("copied:2,"));
        CycleReport r = fx.cycleOk();
        assertEquals(0, r.uploaded());
        assertEquals(List.of(), b.uploads(), "a body the engine delivered is not the user's own");
        assertEquals(1, fx.lostAndFound().size(), "it goes to lost+found as before");
    }

    @Test
    void aFileOfAMessageDeletedInTheCloudPutBackIsNeverUploaded() throws Exception {
        InMemoryMailbox box = open(InMemoryMailbox.likeGmail("gmail:me:INBOX"));
        String id = box.add(mine, Flags.NONE, null);
        fx.cycleOk();
        byte[] saved = Files.readAllBytes(fx.fileFor(0, mine).path());
        box.remove(id);
        assertEquals(1, fx.cycleOk().removed(), "deleted in the cloud: the file goes, and so does its body");
        assertFalse(fx.store.contains(SyncFixture.hash(mine)));
        write(0, saved, "S"); // put back from a backup
        fx.start(false);
        fx.cycleOk();
        write(0, saved, "");
        CycleReport r = fx.cycleOk();
        assertEquals(0, r.uploaded());
        assertEquals(List.of(), box.uploads(), "a message the cloud had is not the user's own");
    }

    @Test
    void nothingIsUploadedAtAStart() throws Exception {
        InMemoryMailbox box = open(InMemoryMailbox.likeGmail("gmail:me:INBOX"));
        fx.close();
        write(0, mine, "");
        fx.start(true); // --offline
        CycleReport offline = fx.cycleOk();
        assertEquals(0, offline.uploaded());
        assertEquals(List.of(), box.uploads());
        assertEquals(1, fx.lostAndFound().size(), "not seen arriving: lost+found, as before");

        byte[] other = Messages.message("other");
        write(0, other, "");
        fx.start(false); // a normal start: the cloud is authoritative until a cycle succeeded
        assertEquals(0, fx.cycleOk().uploaded());
        assertEquals(List.of(), box.uploads());
        assertEquals(2, fx.lostAndFound().size());
    }

    @Test
    void aFailedUploadLeavesTheFileAndIsTriedAgain() throws Exception {
        InMemoryMailbox box = open(InMemoryMailbox.likeGmail("gmail:me:INBOX"));
        write(0, mine, "");
        box.failNext(Op.UPLOAD, 1);
        CycleReport failed = fx.cycle();
        assertFalse(failed.ok());
        assertEquals(List.of(), box.uploads());
        assertEquals(Map.of(SyncFixture.hash(mine), Flags.NONE), fx.local(0), "the file stays");
        assertEquals(List.of(), fx.lostAndFound());
        CycleReport r = fx.cycleOk();
        assertEquals(1, r.uploaded());
        assertEquals(1, box.size());
        assertEquals(Map.of(SyncFixture.hash(mine), Flags.NONE), fx.local(0));
        assertTrue(fx.cycleOk().idle());
        assertEquals(1, box.uploads().size());
    }

    @Test
    void anUploadWhoseAnswerWasLostIsNeverSentAgain() throws Exception {
        InMemoryMailbox box = open(InMemoryMailbox.likeGmail("gmail:me:INBOX"));
        write(0, mine, "S");
        box.loseNextUploadAnswer(true); // the service took it; the answer never came
        assertFalse(fx.cycle().ok());
        assertEquals(1, box.size());
        CycleReport r = fx.cycleOk();
        assertEquals(0, r.uploaded(), "not sent again: " + r);
        assertEquals(1, box.size(), "no second copy");
        assertEquals(Map.of(SyncFixture.hash(mine), Flags.of(Flag.READ)), fx.local(0), "the file is that message");
        assertEquals(List.of(), fx.lostAndFound());

        byte[] other = Messages.message("other");
        write(0, other, "");
        box.loseNextUploadAnswer(false); // lost before the service took it
        assertFalse(fx.cycle().ok());
        fx.cycleOk();
        assertEquals(1, box.size(), "at most once: not sent again");
        assertEquals(1, fx.lostAndFound().size(), "the file is kept in lost+found");
    }

    @Test
    void aRefusedUploadGoesToLostFoundWithOneWarningNamingTheFile() throws Exception {
        InMemoryMailbox box = open(InMemoryMailbox.likeGmail("gmail:me:INBOX"));
        Path file = write(0, mine, "");
        box.refuseNextUpload("HTTP 400 (Invalid message)");
        String log = logOf(() -> fx.cycleOk());
        assertEquals(List.of(), box.uploads());
        assertEquals(Map.of(), fx.local(0));
        assertEquals(1, fx.lostAndFound().size());
        assertEquals(1, warnings(log, file.getFileName().toString()), log);
        assertTrue(log.contains("Invalid message"), log);
        assertTrue(fx.cycleOk().idle());
    }

    @Test
    void onOffice365OutsideDraftsAFileGoesToLostFoundWithOneWarningSayingWhy() throws Exception {
        InMemoryMailbox box = open(InMemoryMailbox.likeOffice365("o365:me:inbox"));
        box.refuseUploads("Office365 creates messages from files only as drafts");
        Path file = write(0, mine, "S");
        String log = logOf(() -> fx.cycleOk());
        assertEquals(List.of(), box.uploads());
        assertEquals(1, fx.lostAndFound().size());
        assertEquals(1, warnings(log, file.getFileName().toString()), log);
        assertTrue(log.contains("only as drafts"), log);
    }

    @Test
    void aMailboxThatFailedKeepsItsNewFileUntilItIsBack() throws Exception {
        InMemoryMailbox box = open(InMemoryMailbox.likeGmail("gmail:me:INBOX"));
        write(0, mine, "");
        box.failNext(Op.LIST, 1);
        assertFalse(fx.cycle().ok());
        assertEquals(List.of(), fx.lostAndFound(), "kept while its mailbox fails");
        assertEquals(1, fx.local(0).size());
        assertEquals(1, fx.cycleOk().uploaded());
        assertEquals(1, box.size());
    }

    /**
     * The id of an uploaded message is in the store's id record: should state.db be lost, the
     * full listing that follows links its body from the store, it is not downloaded.
     */
    @Test
    void anUploadsIdIsRecordedSoALostStateDbDownloadsNothing() throws Exception {
        InMemoryMailbox box = open(InMemoryMailbox.likeGmail("gmail:me:INBOX"));
        write(0, mine, "S");
        assertEquals(1, fx.cycleOk().uploaded());
        assertTrue(fx.cycleOk().idle());
        long served = box.bodiesServed();
        fx.close();
        for (String name : List.of("state.db", "state.db-wal", "state.db-shm")) {
            Files.deleteIfExists(fx.stateDir.resolve(name));
        }
        fx.start(false);
        CycleReport r = fx.cycleOk();
        assertEquals(served, box.bodiesServed(), "its body comes from the store: " + r);
        assertEquals(0, r.uploaded());
        assertEquals(1, box.size());
        assertEquals(Map.of(SyncFixture.hash(mine), Flags.of(Flag.READ)), fx.local(0));
        assertEquals(List.of(), fx.lostAndFound());
    }

    /**
     * An upload whose mailbox fails later in the same cycle (the next upload fails) is not
     * committed; the next cycle's listing brings the new message, whose body is known: it is not
     * downloaded.
     */
    @Test
    void anUploadOfACycleWhoseMailboxFailedAfterItIsNotDownloadedByTheNextCycle() throws Exception {
        InMemoryMailbox box = open(InMemoryMailbox.likeGmail("gmail:me:INBOX"));
        byte[] other = Messages.message("other");
        write(0, mine, "S");
        Files.write(fx.maildirPaths.get(0).resolve("cur").resolve("1764900001.other.host:2,"), other);
        box.afterUpload(() -> box.failNext(Op.UPLOAD, 1)); // the upload after a successful one fails
        assertFalse(fx.cycle().ok());
        assertEquals(1, box.uploads().size());
        String first = box.uploads().get(0);
        assertEquals(List.of(), fx.lostAndFound(), "both files stay while their mailbox fails, the uploaded one too");
        box.afterUpload(() -> { });
        long served = box.bodiesServed();
        CycleReport r = fx.cycleOk();
        assertEquals(1, r.uploaded(), "the failed one is tried again: " + r);
        String second = box.uploads().get(1);
        assertEquals(served + 1, box.bodiesServed(), "only the new upload is read back, " + first + " is known");
        assertEquals(2, box.size());
        assertEquals(Map.of(SyncFixture.hash(mine), Flags.of(Flag.READ), SyncFixture.hash(other), Flags.NONE),
                fx.local(0), "one file each: " + first + ", " + second);
        assertEquals(List.of(), fx.lostAndFound());
        assertTrue(fx.cycleOk().idle());
    }

    /**
     * An Office365 draft made from a file is stored rewritten; when the message is then deleted
     * in the cloud, neither the user's version nor the cloud's, put back from a backup, is
     * uploaded again: both bodies are remembered as dropped.
     */
    @Test
    void aRewrittenUploadDeletedInTheCloudIsNotUploadedAgainFromABackup() throws Exception {
        InMemoryMailbox box = open(InMemoryMailbox.likeOffice365("o365:me:drafts"));
        box.rewriteUploads();
        write(0, mine, "S");
        assertEquals(1, fx.cycleOk().uploaded());
        String id = box.uploads().get(0);
        byte[] cloudVersion = box.body(id);
        assertTrue(fx.cycleOk().idle());
        box.remove(id);
        assertEquals(1, fx.cycleOk().removed());
        assertEquals(Map.of(), fx.local(0));
        write(0, mine, "S"); // both versions back from a backup
        Files.write(fx.maildirPaths.get(0).resolve("cur").resolve("1764900001.cloud.host:2,S"), cloudVersion);
        fx.cycleOk();
        fx.cycleOk();
        assertEquals(List.of(id), box.uploads(), "neither is uploaded again");
        assertEquals(0, box.size());
        assertEquals(2, fx.lostAndFound().size(), "both are kept in lost+found");
    }

    /** Two mailboxes fill one Maildir: a new file there has no one place; lost+found, with a warning saying why. */
    @Test
    void aNewFileInAMaildirTwoMailboxesFillGoesToLostFoundSayingWhy() throws Exception {
        InMemoryMailbox a = InMemoryMailbox.likeGmail("gmail:me:INBOX").takeUploads();
        InMemoryMailbox b = InMemoryMailbox.likeGmail("gmail:me:Work").takeUploads();
        fx = new SyncFixture(tmp, 1, List.of(a, b), new Router(List.of()));
        fx.start(false);
        fx.cycleOk();
        Path file = write(0, mine, "S");
        String log = logOf(() -> fx.cycleOk());
        assertEquals(List.of(), a.uploads());
        assertEquals(List.of(), b.uploads());
        assertEquals(Map.of(), fx.local(0));
        assertEquals(1, fx.lostAndFound().size());
        assertEquals(1, warnings(log, file.getFileName().toString()), log);
        assertTrue(log.contains("several cloud mailboxes fill its Maildir"), log);
    }

    /**
     * A file the daemon saw arrive (journaled) and kept while its mailbox failed, before it
     * stopped, is uploaded at the next start.
     */
    @Test
    void aNewFileJournaledBeforeAStopIsUploadedAtTheNextStart() throws Exception {
        InMemoryMailbox box = open(InMemoryMailbox.likeGmail("gmail:me:INBOX"));
        Path file = write(0, mine, "S");
        box.failNext(Op.LIST, 1);
        assertFalse(fx.cycle().ok(), "seen by a cycle, kept while its mailbox fails");
        fx.engine.journal(fx.maildirPaths.get(0), List.of(file));
        fx.start(false); // the daemon died before a cycle uploaded it
        CycleReport r = fx.cycleOk();
        assertEquals(1, r.uploaded(), r.toString());
        assertEquals(1, box.uploads().size());
        assertEquals(Map.of(SyncFixture.hash(mine), Flags.of(Flag.READ)), fx.local(0));
        assertEquals(List.of(), fx.lostAndFound());
    }

    /**
     * A mailbox that cannot say whether it takes new messages fails for the cycle (the report
     * says so) and its new file stays where it is, neither uploaded nor sent to lost+found; the
     * next cycle uploads it.
     */
    @Test
    void aMailboxThatCannotSayWhetherItTakesNewMessagesFailsAndKeepsTheFile() throws Exception {
        InMemoryMailbox box = open(InMemoryMailbox.likeGmail("gmail:me:INBOX"));
        write(0, mine, "S");
        box.failNextUploadsQuestion(1);
        CycleReport failed = fx.cycle();
        assertFalse(failed.ok(), "its mailbox failed: " + failed);
        assertTrue(failed.errors().toString().contains("takes new messages"), failed.errors().toString());
        assertEquals(List.of(), box.uploads());
        assertEquals(Map.of(SyncFixture.hash(mine), Flags.of(Flag.READ)), fx.local(0), "the file stays");
        assertEquals(List.of(), fx.lostAndFound());
        assertEquals(1, fx.cycleOk().uploaded());
        assertEquals(1, box.size());
        assertEquals(Map.of(SyncFixture.hash(mine), Flags.of(Flag.READ)), fx.local(0));
        assertEquals(List.of(), fx.lostAndFound());
    }

    /** One Gmail label into one Maildir on the engine clock {@code clock}, started (not cycled). */
    private InMemoryMailbox openOn(dev.cms.time.FakeTicker clock) throws Exception {
        InMemoryMailbox box = InMemoryMailbox.likeGmail("gmail:me:INBOX");
        box.takeUploads();
        fx = new SyncFixture(tmp, 1, List.of(box), new Router(List.of()));
        fx.ticker = clock;
        fx.start(false);
        return box;
    }

    /**
     * A file copied straight into {@code cur/} is seen while its writer still writes: one
     * modified less than two seconds ago waits (neither uploaded nor sent to lost+found, the
     * cycle asks to run again soon) and is uploaded whole once it has been left alone that long,
     * also when no file event names it again (the daemon's file-event mode).
     */
    @Test
    void aFileStillBeingWrittenWaitsAndIsUploadedWholeOnceSettled() throws Exception {
        dev.cms.time.FakeTicker clock = new dev.cms.time.FakeTicker(java.time.Instant.now());
        InMemoryMailbox box = openOn(clock);
        fx.engine.useFileEvents(java.time.Duration.ofMinutes(10));
        fx.cycleOk();
        byte[] firstHalf = java.util.Arrays.copyOf(mine, mine.length / 2);
        Path p = write(0, firstHalf, "S");
        Files.setLastModifiedTime(p, java.nio.file.attribute.FileTime.from(clock.now().minusMillis(500)));
        fx.engine.journal(fx.maildirPaths.get(0), List.of(p));
        CycleReport r = fx.cycleOk();
        assertEquals(0, r.uploaded(), "half a message is not uploaded: " + r);
        assertTrue(r.rerunSoon(), "the cycle asks to look again soon");
        assertEquals(List.of(), box.uploads());
        assertEquals(List.of(), fx.lostAndFound());
        // The writer goes on: the file is modified again, and again too young.
        Files.write(p, mine);
        Files.setLastModifiedTime(p, java.nio.file.attribute.FileTime.from(clock.now()));
        fx.engine.journal(fx.maildirPaths.get(0), List.of(p));
        clock.advance(java.time.Duration.ofSeconds(1));
        assertEquals(0, fx.cycleOk().uploaded());
        assertEquals(List.of(), box.uploads());
        // Left alone for two seconds: uploaded whole, with no file event naming it.
        clock.advance(java.time.Duration.ofSeconds(1));
        r = fx.cycleOk();
        assertEquals(1, r.uploaded(), r.toString());
        assertFalse(r.rerunSoon());
        assertEquals(1, box.uploads().size());
        assertEquals(SyncFixture.hash(mine), SyncFixture.hash(box.body(box.uploads().get(0))), "the whole file");
        assertEquals(Map.of(SyncFixture.hash(mine), Flags.of(Flag.READ)), fx.local(0));
        assertEquals(List.of(), fx.lostAndFound());
    }

    /**
     * A modification time well after the clock's now is a skewed clock (a network file system),
     * not a writer at work: the file is uploaded at once.
     */
    @Test
    void aFileFromTheFutureIsTakenForClockSkewNotForAWriter() throws Exception {
        dev.cms.time.FakeTicker clock = new dev.cms.time.FakeTicker(java.time.Instant.now());
        InMemoryMailbox box = openOn(clock);
        fx.cycleOk();
        Path p = write(0, mine, "");
        Files.setLastModifiedTime(p, java.nio.file.attribute.FileTime.from(clock.now().plusSeconds(30)));
        assertEquals(1, fx.cycleOk().uploaded());
        assertEquals(1, box.uploads().size());
    }

    /** How many WARN lines name {@code name}. */
    private static long warnings(String log, String name) {
        return log.lines().filter(l -> l.contains("WARN") && l.contains(name)).count();
    }

    @FunctionalInterface
    private interface Action {
        void run() throws Exception;
    }

    private static String logOf(Action a) throws Exception {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream saved = System.err;
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            a.run();
        } finally {
            System.setErr(saved);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }
}
