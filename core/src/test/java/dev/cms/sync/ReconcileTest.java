package dev.cms.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.model.Flag;
import dev.cms.model.Flags;
import dev.cms.provider.memory.InMemoryMailbox;
import dev.cms.provider.memory.InMemoryMailbox.Op;
import dev.cms.time.FakeTicker;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A divergence between the cloud and the snapshot is repaired (issue 18, item 5): now and then
 * the engine compares the service's own counts with its listing and, when they disagree,
 * lists the mailbox fully; {@code --resync} forces a full listing at start.
 */
class ReconcileTest {
    static final Instant T0 = Instant.parse("2026-12-04T10:00:00Z");

    @TempDir
    java.nio.file.Path tmp;

    final FakeTicker clock = new FakeTicker(T0);
    final InMemoryMailbox cloud = InMemoryMailbox.likeGmail("gmail:a@b.c:INBOX");
    SyncFixture fx;

    @AfterEach
    void close() throws IOException {
        if (fx != null) {
            fx.close();
        }
    }

    /** (Re)starts the engine over the same state, on the test's clock. */
    private void start(boolean resync) throws IOException {
        if (fx == null) {
            fx = new SyncFixture(tmp, 1, List.of(cloud), Router.defaultOnly());
        }
        fx.start(false);
        fx.engine = new SyncEngine(fx.folders, fx.clouds, fx.router, fx.store, fx.db, false, clock, Progress.NONE);
        if (resync) {
            fx.engine.resync();
        }
    }

    private String[] threeMessages() {
        return new String[] {
            cloud.add(Messages.message("1"), Flags.NONE, T0),
            cloud.add(Messages.message("2"), Flags.of(Flag.READ), T0),
            cloud.add(Messages.message("3"), Flags.NONE, T0),
        };
    }

    @Test
    void aFlagChangeTheHistoryLostIsRepairedAfterTheCheck() throws Exception {
        String[] ids = threeMessages();
        start(false);
        fx.cycleOk();
        cloud.setFlagsUnrecorded(ids[0], Flags.of(Flag.READ, Flag.FLAGGED));
        fx.cycleOk();
        assertEquals(Flags.NONE, fx.local(0).get(SyncFixture.hash(Messages.message("1"))),
                "an incremental listing cannot see the change");

        clock.advance(CloudRefresh.CHECK_COUNTS_EVERY);
        long full = cloud.fullListings();
        fx.cycleOk(); // the check: 1 unread in the cloud, 2 here
        assertEquals(full, cloud.fullListings());
        fx.cycleOk();
        assertEquals(full + 1, cloud.fullListings(), "one full listing");
        assertEquals(Flags.of(Flag.READ, Flag.FLAGGED), fx.local(0).get(SyncFixture.hash(Messages.message("1"))));
        assertEquals(3, cloud.bodiesServed(), "no body downloaded again");
    }

    /** Three messages synced, then the second deleted in the cloud without a trace in its history, and the check run. */
    private void aDeletionTheHistoryLostRepaired() throws Exception {
        String[] ids = threeMessages();
        start(false);
        fx.cycleOk();
        cloud.removeUnrecorded(ids[1]);
        clock.advance(CloudRefresh.CHECK_COUNTS_EVERY.plusMinutes(1));
        fx.cycleOk();
        fx.cycleOk();
    }

    @Test
    void aDeletionTheHistoryLostIsRepairedAfterTheCheck() throws Exception {
        aDeletionTheHistoryLostRepaired();
        assertEquals(2, fx.local(0).size());
        assertFalse(fx.local(0).containsKey(SyncFixture.hash(Messages.message("2"))));
    }

    /** The repair is saved: a restart after it neither brings the message back nor fails. */
    @Test
    void aRepairedDeletionStaysRepairedAfterARestart() throws Exception {
        aDeletionTheHistoryLostRepaired();
        assertEquals(2, fx.local(0).size());

        start(false);
        fx.cycleOk();
        fx.cycleOk();
        assertEquals(2, fx.local(0).size());
        assertFalse(fx.local(0).containsKey(SyncFixture.hash(Messages.message("2"))));
        assertEquals(2, fx.db.loadMessages(cloud.key()).size(), "state.db no longer names it");
    }

    @Test
    void onAQuietMailboxTheCheckCostsOneRequestAndTriggersNothing() throws Exception {
        threeMessages();
        start(false);
        fx.cycleOk();
        assertEquals(1, cloud.countCalls(), "the full listing measures the service's counts once");
        fx.cycleOk();
        assertEquals(1, cloud.countCalls(), "not due yet");

        clock.advance(CloudRefresh.CHECK_COUNTS_EVERY);
        long lists = cloud.calls(Op.LIST);
        long full = cloud.fullListings();
        fx.cycleOk();
        fx.cycleOk();
        assertEquals(2, cloud.countCalls(), "one check");
        assertEquals(lists + 2, cloud.calls(Op.LIST));
        assertEquals(full, cloud.fullListings(), "nothing triggered");
    }

    /** Three messages synced; the third then read in the cloud with no record a listing shows; the check due. */
    private void aReadFlagNoListingShowsWithTheCheckDue() throws Exception {
        String[] ids = threeMessages();
        start(false);
        fx.cycleOk();
        cloud.setFlagsUnrecorded(ids[2], Flags.of(Flag.READ));
        clock.advance(CloudRefresh.CHECK_COUNTS_EVERY);
    }

    @Test
    void aFailedCheckFailsNothingAndIsTriedAgainNextCycle() throws Exception {
        aReadFlagNoListingShowsWithTheCheckDue();
        cloud.failNextCounts(1);
        fx.cycleOk();
        assertEquals(2, cloud.countCalls());
        fx.cycleOk(); // checked again: disagrees
        fx.cycleOk(); // full listing
        assertEquals(4, cloud.countCalls(), "checked again, then measured after the full listing");
        assertEquals(Flags.of(Flag.READ), fx.local(0).get(SyncFixture.hash(Messages.message("3"))));
    }

    /**
     * A mailbox with no counts to offer when its check is due (an Office365 folder of a whole
     * account in a poll that read no folder delta) is asked again next cycle, not half an hour
     * later, and the change its listing missed is found then.
     */
    @Test
    void aCheckTheMailboxCannotAnswerNowIsAskedAgainNextCycle() throws Exception {
        aReadFlagNoListingShowsWithTheCheckDue();
        cloud.noCountsNext(1);
        long full = cloud.fullListings();
        fx.cycleOk();
        assertEquals(2, cloud.countCalls(), "asked when due: nothing to check against");
        assertEquals(full, cloud.fullListings());
        clock.advance(java.time.Duration.ofSeconds(60));
        fx.cycleOk(); // asked again: disagrees
        assertEquals(3, cloud.countCalls(), "asked again at the next cycle");
        fx.cycleOk(); // full listing
        assertEquals(full + 1, cloud.fullListings());
        assertEquals(Flags.of(Flag.READ), fx.local(0).get(SyncFixture.hash(Messages.message("3"))));
    }

    @Test
    void aRestartChecksAtOnce() throws Exception {
        String[] ids = threeMessages();
        start(false);
        fx.cycleOk();
        cloud.setFlagsUnrecorded(ids[0], Flags.of(Flag.READ));
        start(false);
        fx.cycleOk();
        fx.cycleOk();
        assertEquals(Flags.of(Flag.READ), fx.local(0).get(SyncFixture.hash(Messages.message("1"))),
                "a divergence does not outlive a restart");
    }

    @Test
    void resyncListsEveryMailboxFullyOnceAndDownloadsNoBodyAgain() throws Exception {
        String[] ids = threeMessages();
        start(false);
        fx.cycleOk();
        cloud.setFlagsUnrecorded(ids[0], Flags.of(Flag.READ, Flag.FLAGGED));
        cloud.failNextCounts(1); // so only --resync can find the change at start
        long full = cloud.fullListings();
        start(true);
        CycleReport r = fx.cycleOk();
        assertEquals(full + 1, cloud.fullListings());
        assertEquals(0, r.fetched());
        assertEquals(3, cloud.bodiesServed(), "cached bodies are reused");
        assertEquals(Flags.of(Flag.READ, Flag.FLAGGED), fx.local(0).get(SyncFixture.hash(Messages.message("1"))));
        fx.cycleOk();
        assertEquals(full + 1, cloud.fullListings(), "only the first cycle");
        assertTrue(fx.local(0).size() == 3);
    }
}
