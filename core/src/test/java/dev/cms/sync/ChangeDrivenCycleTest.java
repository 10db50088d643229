package dev.cms.sync;

import static dev.cms.sync.SyncFixture.hash;
import static dev.cms.sync.SyncFixture.setLetters;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.fs.FileOps;
import dev.cms.fs.ForwardingFileOps;
import dev.cms.maildir.MaildirFile;
import dev.cms.model.Flag;
import dev.cms.model.Flags;
import dev.cms.provider.memory.InMemoryMailbox;
import dev.cms.time.FakeTicker;
import java.io.IOException;
import java.nio.file.CopyOption;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cycles driven by the watcher's file events (issue 15, item 1): once a watcher feeds the
 * engine, a cycle looks only at the files it named, the cloud's changes, and what an earlier
 * cycle left unfinished; a list of names every safety-scan interval, or a report of lost events,
 * catches what the events missed. The watcher is played by the test, naming exactly the files it
 * changed, so what the engine sees is known.
 */
class ChangeDrivenCycleTest {
    private static final Duration SAFETY_SCAN = Duration.ofMinutes(10);

    @TempDir
    Path tmp;

    private final FakeTicker ticker = new FakeTicker();
    private final RacingFileOps racing = new RacingFileOps();
    private SyncFixture fx;
    private InMemoryMailbox cloud;

    @BeforeEach
    void start() throws Exception {
        cloud = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        for (int i = 0; i < 20; i++) {
            cloud.add(Messages.message("m" + i), Flags.NONE, null);
        }
        fx = new SyncFixture(tmp, 1, List.of(cloud), Router.defaultOnly());
        fx.ticker = ticker;
        fx.files = racing;
        fx.start(false);
        fx.engine.useFileEvents(SAFETY_SCAN);
        fx.cycleOk(); // the first cycle reads the Maildir whole
    }

    @AfterEach
    void close() throws Exception {
        fx.close();
    }

    /** The watcher reports {@code files} of Maildir 0 as changed by someone else. */
    private void events(Path... files) {
        fx.engine.journal(fx.maildirPaths.get(0), List.of(files));
    }

    private String idOf(String name) {
        for (String id : cloud.ids()) {
            if (java.util.Arrays.equals(cloud.body(id), Messages.message(name))) {
                return id;
            }
        }
        throw new AssertionError("no message " + name);
    }

    /**
     * A restart after a clean run plans only the files that differ from state.db's stat index and
     * the contents gone meanwhile (issue 15: restart near the floor), still under start-up rules
     * (the cloud is authoritative): the change made while stopped is undone, not pushed. After a
     * run whose last cycle left something to retry, a restart plans everything again.
     */
    @Test
    void aRestartAfterACleanRunPlansOnlyWhatChangedWhileStopped() throws Exception {
        assertTrue(fx.cycleOk().planned() == 0, "an unchanged cycle plans nothing");
        MaildirFile flagged = fx.fileFor(0, Messages.message("m1"));
        setLetters(flagged, "F"); // while stopped
        Files.delete(fx.fileFor(0, Messages.message("m2")).path());
        fx.start(false);

        CycleReport r = fx.cycleOk();

        assertEquals(2, r.planned(), "the changed file and the deleted one, of 20: " + r);
        assertEquals(0, r.pushedFlags() + r.pushedDeletes(), "start-up rules: the cloud is authoritative");
        assertEquals(1, r.renamed());
        assertEquals(1, r.delivered());
        assertEquals(Flags.NONE, fx.fileFor(0, Messages.message("m1")).flags());

        // A cycle that leaves something to retry: the next start cannot trust what it remembers.
        MaildirFile m3 = fx.fileFor(0, Messages.message("m3"));
        cloud.setFlags(idOf("m3"), Flags.of(Flag.READ));
        Files.createDirectories(fx.maildirPaths.get(0).resolve("cur").resolve(m3.name().base() + ":2,S").resolve("busy"));
        assertFalse(fx.engine.runCycle().ok(), "the rename of m3 fails");
        fx.start(false);
        assertTrue(fx.engine.runCycle().planned() >= 20, "everything is planned");
    }

    /**
     * A start whose first cycle stopped at the look (another Maildir found emptied, refused by
     * the wipe guard) still finds, in a later cycle, a content gone while the daemon was stopped
     * from a Maildir that look did read. The model found this (seed 20904): the Maildirs read
     * afresh were forgotten with the failed cycle, so the missing file was never planned, neither
     * delivered again nor deleted in the cloud.
     */
    @Test
    void aContentGoneWhileStoppedIsStillFoundWhenTheFirstLookAfterTheStartFailed() throws Exception {
        fx.close();
        InMemoryMailbox inbox = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        InMemoryMailbox lists = InMemoryMailbox.likeOffice365("o365:a@b.c:lists");
        for (int i = 0; i < 3; i++) {
            inbox.add(Messages.message("in" + i), Flags.NONE, null);
            lists.add(Messages.message("li" + i), Flags.NONE, null);
        }
        fx = new SyncFixture(tmp.resolve("two"), 2, List.of(inbox, lists),
                new Router(List.of(new Router.Rule(1, 1, null, null, null))));
        fx.ticker = ticker;
        fx.start(false);
        fx.cycleOk();
        fx.cycleOk(); // a clean run: the next start plans only what changed while stopped
        Files.delete(fx.fileFor(0, Messages.message("in1")).path());
        for (int i = 0; i < 3; i++) {
            Files.delete(fx.fileFor(1, Messages.message("li" + i)).path());
        }
        fx.start(true); // --offline: the wipe guard is on from the first cycle

        assertFalse(fx.engine.runCycle().ok(), "the emptied Maildir is refused");
        Files.writeString(fx.maildirPaths.get(1).resolve("new").resolve("own.local"), "Subject: mine\n\nhi\n");
        CycleReport r = fx.cycleOk();

        assertEquals(0, r.pushedDeletes(), "--offline: a file missing at the start is not a deletion");
        assertEquals(3, inbox.ids().size());
        assertTrue(fx.local(0).containsKey(hash(Messages.message("in1"))), "delivered again: " + r);
        for (int i = 0; i < 3; i++) {
            assertTrue(fx.local(1).containsKey(hash(Messages.message("li" + i))), "li" + i + " delivered again");
        }
    }

    @Test
    void aFlagChangeTheWatcherReportsIsPushedAtTheNextCycle() throws Exception {
        MaildirFile f = fx.fileFor(0, Messages.message("m3"));
        Path renamed = setLetters(f, "F");
        events(f.path(), renamed);

        CycleReport r = fx.cycleOk();

        assertEquals(1, r.pushedFlags());
        assertEquals(Flags.of(Flag.FLAGGED), cloud.flags(idOf("m3")));
        assertTrue(fx.cycleOk().idle(), "and nothing after");
    }

    @Test
    void aDeletionTheWatcherReportsIsPushed() throws Exception {
        MaildirFile f = fx.fileFor(0, Messages.message("m4"));
        String id = idOf("m4");
        Files.delete(f.path());
        events(f.path());

        assertEquals(1, fx.cycleOk().pushedDeletes());
        assertEquals("archive", cloud.deletions().get(id));
    }

    /**
     * Without an event a change is not looked for at each poll: a cycle stays proportional to
     * what the watcher named. The safety scan (names only) finds it once its interval has passed.
     */
    @Test
    void aChangeWithoutAnEventIsFoundByTheSafetyScan() throws Exception {
        setLetters(fx.fileFor(0, Messages.message("m5")), "S");

        assertTrue(fx.cycleOk().idle(), "no event, no listing: nothing seen yet");
        assertEquals(Flags.NONE, cloud.flags(idOf("m5")));

        ticker.advance(SAFETY_SCAN.plusSeconds(1));
        CycleReport r = fx.cycleOk();

        assertEquals(1, r.pushedFlags(), r.toString());
        assertEquals(Flags.of(Flag.READ), cloud.flags(idOf("m5")));
    }

    /** A file that came without an event (the watcher missed it) is found by the safety scan too. */
    @Test
    void aNewFileWithoutAnEventIsFoundByTheSafetyScan() throws Exception {
        Path mine = fx.maildirPaths.get(0).resolve("new").resolve("123.mine.host");
        Files.write(mine, Messages.message("not from the cloud"));

        assertTrue(fx.cycleOk().idle(), "no event, no listing: nothing seen yet");
        ticker.advance(SAFETY_SCAN.plusSeconds(1));
        CycleReport r = fx.cycleOk();

        assertEquals(1, r.lostFound(), r.toString());
        assertEquals(1, fx.lostAndFound().size());
        assertEquals(20, cloud.size(), "the cloud is left alone");
    }

    @Test
    void lostEventsMakeTheNextCycleReadTheMaildirWhole() throws Exception {
        MaildirFile f = fx.fileFor(0, Messages.message("m6"));
        Files.delete(f.path());
        setLetters(fx.fileFor(0, Messages.message("m7")), "FS");

        fx.engine.eventsLost(fx.maildirPaths.get(0));
        CycleReport r = fx.cycleOk();

        assertEquals(1, r.pushedDeletes());
        assertEquals(1, r.pushedFlags());
        assertEquals(Flags.of(Flag.FLAGGED, Flag.READ), cloud.flags(idOf("m7")));
    }

    /** A file added behind the engine's back (a user's own) still goes to lost+found when reported. */
    @Test
    void aForeignFileTheWatcherReportsGoesToLostAndFound() throws Exception {
        Path mine = fx.maildirPaths.get(0).resolve("cur").resolve("123.mine.host:2,S");
        Files.write(mine, Messages.message("not from the cloud"));
        events(mine);

        CycleReport r = fx.cycleOk();

        assertEquals(1, r.lostFound());
        assertEquals(1, fx.lostAndFound().size());
        assertEquals(20, cloud.size(), "the cloud is left alone");
    }

    /** The cloud's changes are applied without any file event: they are planned from the delta. */
    @Test
    void cloudChangesNeedNoLocalEvent() throws Exception {
        String a = idOf("m8");
        cloud.setFlags(a, Flags.of(Flag.READ));
        cloud.remove(idOf("m9"));
        String added = cloud.add(Messages.message("new"), Flags.of(Flag.FLAGGED), null);

        CycleReport r = fx.cycleOk();

        assertEquals(1, r.renamed());
        assertEquals(1, r.removed());
        assertEquals(1, r.delivered());
        Map<dev.cms.model.ContentHash, Flags> local = fx.local(0);
        assertEquals(Flags.of(Flag.READ), local.get(hash(Messages.message("m8"))));
        assertEquals(Flags.of(Flag.FLAGGED), local.get(hash(Messages.message("new"))));
        assertEquals(20, local.size());
        assertTrue(cloud.ids().contains(added));
    }

    /**
     * A local change made while its mailbox's push fails is kept for a later cycle, though the
     * watcher names it only once.
     */
    @Test
    void aChangeWhosePushFailedIsPushedByALaterCycleWithoutANewEvent() throws Exception {
        MaildirFile f = fx.fileFor(0, Messages.message("m10"));
        Path renamed = setLetters(f, "F");
        events(f.path(), renamed);
        cloud.failNext(InMemoryMailbox.Op.APPLY, 1);
        fx.cycle();
        assertEquals(Flags.NONE, cloud.flags(idOf("m10")));

        CycleReport r = fx.cycleOk();

        assertEquals(1, r.pushedFlags());
        assertEquals(Flags.of(Flag.FLAGGED), cloud.flags(idOf("m10")));
    }

    /** The engine's own renames keep its view right: a later change to the renamed file is pushed. */
    @Test
    void aFileTheEngineRenamedIsFollowedUnderItsNewName() throws Exception {
        String id = idOf("m11");
        cloud.setFlags(id, Flags.of(Flag.READ));
        fx.cycleOk(); // the engine renames the file to :2,S (its own change: no event)
        MaildirFile f = fx.fileFor(0, Messages.message("m11"));
        assertEquals(Flags.of(Flag.READ), f.flags());
        Path renamed = setLetters(f, "FS");
        events(f.path(), renamed);

        fx.cycleOk();

        assertEquals(Flags.of(Flag.READ, Flag.FLAGGED), cloud.flags(id));
        assertEquals(1, fx.files(0).stream().filter(x -> x.name().base().equals(f.name().base())).count());
    }

    /**
     * A mailbox that is left out of cycles (its listing fails) misses the local changes those
     * cycles saw; when it is back it is planned in full, so they reach it.
     */
    @Test
    void aChangeMadeWhileItsMailboxWasFailingReachesItWhenItIsBack() throws Exception {
        InMemoryMailbox gmail = InMemoryMailbox.likeGmail("gmail:a@gmail.com:INBOX");
        String g = gmail.add(Messages.message("from gmail"), Flags.NONE, null);
        fx.close();
        fx = new SyncFixture(tmp.resolve("two"), 1, List.of(cloud, gmail), Router.defaultOnly());
        fx.ticker = ticker;
        fx.start(false);
        fx.engine.useFileEvents(SAFETY_SCAN);
        fx.cycleOk();

        gmail.failNext(InMemoryMailbox.Op.LIST, 1);
        MaildirFile f = fx.fileFor(0, Messages.message("from gmail"));
        Path renamed = setLetters(f, "F");
        events(f.path(), renamed);
        fx.cycle();
        assertEquals(Flags.NONE, gmail.flags(g), "its mailbox was down");
        assertTrue(fx.cycleOk().pushedFlags() == 1, "pushed once it is back");

        assertEquals(Flags.of(Flag.FLAGGED), gmail.flags(g));
    }

    /**
     * The crash journal finds a file's content by the name the stat index keeps for its inode,
     * and the store's hard links give one inode several names: when the other file of a
     * content goes, the one left is named in the index again, so a deletion of it that the
     * watcher journaled just before a crash is pushed after the restart, not undone.
     */
    @Test
    void aJournaledDeletionOfAFileWhoseTwinWentEarlierIsPushedAfterACrash() throws Exception {
        InMemoryMailbox other = InMemoryMailbox.likeGmail("gmail:a@gmail.com:INBOX");
        byte[] body = Messages.message("twin");
        String mine = cloud.add(body, Flags.NONE, null);
        String theirs = other.add(body, Flags.NONE, null);
        fx.close();
        fx = new SyncFixture(tmp.resolve("twins"), 2, List.of(cloud, other),
                new Router(List.of(new Router.Rule(1, 1, null, null, null))));
        fx.ticker = ticker;
        fx.start(false);
        fx.engine.useFileEvents(SAFETY_SCAN);
        fx.cycleOk();
        // The twin in Maildir 1 is deleted (pushed); then the one in Maildir 0, journaled, and the daemon dies.
        MaildirFile inOne = fx.fileFor(1, body);
        Files.delete(inOne.path());
        fx.engine.journal(fx.maildirPaths.get(1), List.of(inOne.path()));
        fx.cycleOk();
        assertTrue(other.deletions().containsKey(theirs));
        MaildirFile inZero = fx.fileFor(0, body);
        Files.delete(inZero.path());
        fx.engine.journal(fx.maildirPaths.get(0), List.of(inZero.path()));

        fx.start(false);
        fx.cycleOk();

        assertTrue(cloud.deletions().containsKey(mine), "the journaled deletion is pushed");
        assertEquals(null, fx.fileFor(0, body), "not delivered again");
    }

    /**
     * A change the watcher journaled before the daemon died is pushed after the restart even
     * when the first cycle after it fails (its mailbox cannot be listed): the journal is kept
     * until a cycle in which every mailbox took the change, and with it the exception to the
     * start-up rule that would undo the change (issue 14, close to its first defect).
     */
    @Test
    void aJournaledChangeOutlivesAFailedFirstCycleAfterACrash() throws Exception {
        MaildirFile f = fx.fileFor(0, Messages.message("m4"));
        Path flagged = setLetters(f, "F");
        events(f.path(), flagged);

        fx.start(false); // the daemon died before a cycle pushed the flag
        cloud.failNext(InMemoryMailbox.Op.LIST, 1);
        assertFalse(fx.engine.runCycle().ok(), "the first listing fails");
        CycleReport r = fx.cycleOk();

        assertEquals(Flags.of(Flag.FLAGGED), cloud.flags(idOf("m4")), "pushed, not undone: " + r);
        assertEquals(Flags.of(Flag.FLAGGED), fx.fileFor(0, Messages.message("m4")).flags());
        fx.start(false);
        assertEquals(0, fx.cycleOk().pushedFlags(), "the journal was emptied once the change was pushed");
        assertEquals(Flags.of(Flag.FLAGGED), fx.fileFor(0, Messages.message("m4")).flags());
    }

    /**
     * A mail reader's rename from new/ to cur/ comes as two events from two directories; a
     * cycle that has seen only the removal must not take it for a deletion (it would delete the
     * message in the cloud): a content whose last file went is checked with a full listing.
     */
    @Test
    void aRenameSeenHalfWayIsNotADeletion() throws Exception {
        MaildirFile f = fx.fileFor(0, Messages.message("m12"));
        assertTrue(f.inNew(), "a delivered message without flags is in new/");
        Path renamed = setLetters(f, "S"); // to cur/
        events(f.path()); // only the removal from new/ has come

        CycleReport r = fx.cycleOk();

        assertEquals(0, r.pushedDeletes());
        assertTrue(cloud.deletions().isEmpty());
        assertEquals(Flags.of(Flag.READ), cloud.flags(idOf("m12")), "the rename's S is pushed");
        assertTrue(Files.exists(renamed));
        events(renamed); // the other event, late
        assertTrue(fx.cycleOk().idle());
    }
    /**
     * A rename the engine makes can find its file gone: a mail reader renamed it just before,
     * and the watcher's report of that may come late (its removal can even pass for the engine's
     * own change). The next cycle looks at the file again by itself, finds the reader's name and
     * carries both changes, rather than retrying the stale name until the safety scan.
     */
    @Test
    void aFileAReaderRenamedUnderTheEnginesRenameIsLookedAtAgainWithoutAnEvent() throws Exception {
        String id = idOf("m6");
        MaildirFile f = fx.fileFor(0, Messages.message("m6"));
        Path readers = f.path().getParent().getParent().resolve("cur").resolve(f.name().base() + ":2,F");
        racing.renameFirst(f.path(), readers);
        cloud.setFlags(id, Flags.of(Flag.READ));

        fx.cycle(); // the engine's rename to :2,S finds the file gone
        CycleReport r = fx.cycleOk();

        assertEquals(Flags.of(Flag.READ, Flag.FLAGGED), cloud.flags(id), "the reader's flag is pushed: " + r);
        assertEquals(Flags.of(Flag.READ, Flag.FLAGGED), fx.fileFor(0, Messages.message("m6")).flags());
    }

    /**
     * A deletion makes the cycle list the Maildir whole (see {@link #aRenameSeenHalfWayIsNotADeletion});
     * a change that listing shows is acted on at once, even if its own event never comes: the
     * view now holds the new name, so the safety scan would not find it later.
     */
    @Test
    void aChangeTheListingAfterADeletionShowsIsPushedWithoutItsOwnEvent() throws Exception {
        MaildirFile gone = fx.fileFor(0, Messages.message("m3"));
        Files.delete(gone.path());
        setLetters(fx.fileFor(0, Messages.message("m5")), "F"); // its event is lost
        events(gone.path());

        CycleReport r = fx.cycleOk();

        assertEquals(1, r.pushedDeletes(), r.toString());
        assertEquals(Flags.of(Flag.FLAGGED), cloud.flags(idOf("m5")), "found by the listing: " + r);
    }

    /**
     * A Maildir emptied while the daemon ran, journaled, and the daemon killed before a cycle:
     * the journal makes the emptying a user's action to push at the start, so the wipe guard
     * must stand in its way there as it would have in the running daemon.
     */
    @Test
    void aMaildirEmptiedAndJournaledBeforeACrashIsStoppedByTheWipeGuardAtTheStart() throws Exception {
        List<Path> all = fx.files(0).stream().map(MaildirFile::path).toList();
        for (Path p : all) {
            Files.delete(p);
        }
        events(all.toArray(Path[]::new));
        fx.start(false);

        CycleReport r = fx.engine.runCycle();

        assertFalse(r.ok(), "refused: " + r);
        assertEquals(0, r.pushedDeletes());
        assertTrue(cloud.deletions().isEmpty());
        assertEquals(20, cloud.size());
    }

    /**
     * Journaled changes make the start plan every message (they may have been made at any time
     * before the crash); once they are pushed, cycles go back to planning only what changed.
     */
    @Test
    void afterTheJournalIsPushedCyclesPlanOnlyWhatChanged() throws Exception {
        MaildirFile f = fx.fileFor(0, Messages.message("m7"));
        events(f.path(), setLetters(f, "S"));
        fx.start(false); // killed before a cycle pushed it
        fx.engine.useFileEvents(SAFETY_SCAN);

        assertEquals(1, fx.cycleOk().pushedFlags());
        fx.cycleOk(); // the cloud's delta names the message the push changed
        CycleReport r = fx.cycleOk();

        assertEquals(0, r.planned(), "an unchanged cycle plans nothing: " + r);
    }

    /** The real file system, where one rename can be made to lose a race with a mail reader. */
    private static final class RacingFileOps extends ForwardingFileOps {
        private Path raced;
        private Path readersName;

        RacingFileOps() {
            super(FileOps.SYSTEM);
        }

        /** The next rename of {@code file} finds it renamed to {@code to} by someone else. */
        void renameFirst(Path file, Path to) {
            raced = file;
            readersName = to;
        }

        @Override
        public void move(Path source, Path target, CopyOption... options) throws IOException {
            if (source.equals(raced)) {
                raced = null;
                real.move(source, readersName);
                throw new NoSuchFileException(source.toString());
            }
            real.move(source, target, options);
        }
    }
}
