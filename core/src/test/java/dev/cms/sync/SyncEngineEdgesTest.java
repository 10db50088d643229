package dev.cms.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.maildir.MaildirFile;
import dev.cms.model.Flag;
import dev.cms.model.Flags;
import dev.cms.provider.memory.InMemoryMailbox;
import dev.cms.store.MessageStore;
import dev.cms.store.StateDb;
import dev.cms.time.Ticker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The engine's edges: what it refuses to be built with, how a watcher's names reach a cycle,
 * and a state database that cannot be read at the start of a cycle (nothing is looked at,
 * pushed or delivered).
 */
class SyncEngineEdgesTest extends EngineTestBase {
    @Test
    void cloudMailboxesNeedAMaildir() throws Exception {
        InMemoryMailbox cloud = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        MessageStore store = MessageStore.open(tmp.resolve("state"));
        try (StateDb db = StateDb.open(tmp.resolve("state/state.db"))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SyncEngine(List.of(),
                    List.of(cloud), Router.defaultOnly(), store, db, false, Ticker.SYSTEM, Progress.NONE));
            assertEquals("cloud mailboxes need at least one Maildir", e.getMessage());
            SyncEngine idle = new SyncEngine(List.of(), List.of(), Router.defaultOnly(), store, db, false,
                    Ticker.SYSTEM, Progress.NONE);
            assertTrue(idle.runCycle().ok(), "no Maildir and no mailbox: an empty cycle");
        }
    }

    /**
     * With file events on, a cycle looks only at the files a watcher named: a rename named
     * through {@link SyncEngine#filesChanged} is pushed; the index says which Maildir took it.
     */
    @Test
    void aRenameNamedByTheWatcherIsPushed() throws Exception {
        InMemoryMailbox cloud = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        String id = cloud.add(Messages.message("named"), Flags.NONE, null);
        single(cloud);
        fx.engine.useFileEvents(Duration.ofDays(1));
        fx.cycleOk();
        MaildirFile f = fx.fileFor(0, Messages.message("named"));
        Path renamed = SyncFixture.setLetters(f, "S");

        assertEquals(-1, fx.engine.filesChanged(tmp.resolve("elsewhere"), List.of(renamed)), "not one of its Maildirs");
        fx.cycleOk();
        assertEquals(Flags.NONE, cloud.flags(id), "not named: not looked at (the safety scan is a day away)");

        assertEquals(0, fx.engine.filesChanged(fx.maildirPaths.get(0), List.of(f.path(), renamed)));
        fx.cycleOk();
        assertEquals(Flags.of(Flag.READ), cloud.flags(id), "named: pushed");
    }

    /**
     * A stop requested during a long first download: the batch being delivered early is
     * finished, no later batch is delivered, and the next start delivers the rest without
     * downloading again what was stored.
     */
    @Test
    void aStopDuringALongDownloadDeliversNoFurtherBatch() throws Exception {
        InMemoryMailbox cloud = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        int n = 2 * Downloads.RECORD_BATCH + 1;
        for (int i = 0; i < n; i++) {
            cloud.add(Messages.message("bulk-" + i), Flags.NONE, null);
        }
        single(cloud);
        fx.engine.onOwnChanges(p -> fx.engine.requestStop());
        CycleReport r = fx.cycle();
        assertTrue(r.aborted());
        assertEquals(Downloads.RECORD_BATCH, fx.files(0).size(), "the first batch only");

        fx.start(false);
        fx.cycleOk();
        assertEquals(n, fx.files(0).size());
        assertEquals(n, cloud.bodiesServed(), "nothing downloaded twice");
    }

    @Test
    void aStateDatabaseThatCannotBeReadFailsTheCycleBeforeItLooks() throws Exception {
        InMemoryMailbox cloud = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        String id = cloud.add(Messages.message("kept"), Flags.NONE, null);
        single(cloud);
        fx.cycleOk();
        SyncFixture.setLetters(fx.fileFor(0, Messages.message("kept")), "S");
        cloud.add(Messages.message("later"), Flags.NONE, null);
        fx.db.close();

        CycleReport r = fx.engine.runCycle();
        assertFalse(r.ok());
        assertTrue(r.failedAsAWhole(), r.errors().toString());
        assertTrue(r.errors().toString().contains("journal"), r.errors().toString());
        assertEquals(Flags.NONE, cloud.flags(id), "nothing pushed");
        assertEquals(1, fx.files(0).size(), "nothing delivered");
        fx.db = null; // closed above
    }

    /**
     * A restart after which nothing changed: the first cycle has nothing to plan, but it
     * succeeded, so the start-up rules (the cloud is authoritative) end with it. A deletion
     * the user makes after it is the user's and is pushed, not undone by a new download.
     */
    @Test
    void anIdleFirstCycleAfterARestartEndsTheStartUpRules() throws Exception {
        InMemoryMailbox cloud = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        String id = cloud.add(Messages.message("kept"), Flags.NONE, null);
        single(cloud);
        fx.cycleOk();
        fx.start(false);
        assertTrue(fx.cycleOk().idle(), "nothing changed while stopped");

        Files.delete(fx.fileFor(0, Messages.message("kept")).path());
        assertEquals(1, fx.cycleOk().pushedDeletes());
        assertEquals("archive", cloud.deletions().get(id));
        assertEquals(0, fx.files(0).size(), "not delivered again");
    }

    /**
     * One file stands for identical messages in two mailboxes; the user flags it and one of
     * them is out for that cycle (its push fails, or its listing does). The other takes the
     * flag and the file keeps it; the next cycle brings the flag to the one that missed it,
     * although the file then shows what the other copy has.
     */
    @ParameterizedTest
    @EnumSource(value = InMemoryMailbox.Op.class, names = {"APPLY", "LIST"})
    void aFlagOneOfTwoIdenticalCopiesMissedReachesItNextCycle(InMemoryMailbox.Op failing) throws Exception {
        InMemoryMailbox a = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        InMemoryMailbox b = InMemoryMailbox.likeOffice365("o365:x@y.z:inbox");
        byte[] same = Messages.message("twice");
        String inA = a.add(same, Flags.NONE, null);
        String inB = b.add(same, Flags.NONE, null);
        single(a, b);
        fx.cycleOk();
        assertTrue(fx.cycleOk().idle());

        SyncFixture.setLetters(fx.fileFor(0, same), "F");
        a.failNext(failing, 1);
        assertFalse(fx.cycle().ok());
        assertEquals(Flags.NONE, a.flags(inA));
        assertEquals(Flags.of(Flag.FLAGGED), b.flags(inB));
        assertEquals(Map.of(SyncFixture.hash(same), Flags.of(Flag.FLAGGED)), fx.local(0), "the file keeps the flag");

        fx.cycleOk();
        assertEquals(Flags.of(Flag.FLAGGED), a.flags(inA), "the copy that missed the change");
        assertEquals(Flags.of(Flag.FLAGGED), b.flags(inB));
        assertEquals(Map.of(SyncFixture.hash(same), Flags.of(Flag.FLAGGED)), fx.local(0));
        fx.cycleOk();
        assertTrue(fx.cycleOk().idle());
        assertEquals(Flags.of(Flag.FLAGGED), a.flags(inA));
    }
}
