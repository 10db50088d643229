package dev.cms.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.model.Flag;
import dev.cms.model.Flags;
import dev.cms.provider.CloudMailbox;
import dev.cms.provider.memory.InMemoryMailbox;
import dev.cms.provider.memory.InMemoryMailbox.Op;
import dev.cms.time.FakeTicker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon on a fake clock: the tick, the poll timer, the backoff and the watcher's debounce
 * move only when the test advances {@link #ticker}; a test waits for the daemon's thread to act
 * (up to a real timeout) but never for real time to pass.
 */
class DaemonTest {
    /** How far the fake clock moves per step while a test waits for something time brings. */
    private static final Duration STEP = Duration.ofMillis(100);

    @TempDir
    Path tmp;

    final FakeTicker ticker = new FakeTicker();
    SyncFixture fx;
    Daemon daemon;
    Thread thread;
    final AtomicReference<Throwable> crashed = new AtomicReference<>();
    final AtomicInteger cycles = new AtomicInteger();
    /** The engine and Maildirs a reconfiguration gave the daemon, if one did. */
    SyncFixture rebuilt;

    @AfterEach
    void stop() throws Exception {
        if (daemon != null) {
            daemon.stop();
            assertTrue(daemon.awaitFinished(Duration.ofSeconds(30)), "the daemon stops when asked");
            thread.join(10_000);
        }
        if (fx != null) {
            fx.close();
        }
        if (rebuilt != null) {
            rebuilt.close();
        }
        assertEquals(null, crashed.get());
    }

    private static Daemon.Options options(Duration poll, Duration debounce, Duration maxDebounce, Duration backoff) {
        return new Daemon.Options(poll, debounce, maxDebounce, Duration.ofMillis(100),
                new Backoff(backoff, backoff.multipliedBy(4), new Random(1)));
    }

    private void start(CloudMailbox cloud, Duration poll) throws Exception {
        startWith(List.of(cloud), options(poll, Duration.ofMillis(100), Duration.ofMillis(500), Duration.ofMillis(50)));
    }

    /** Two mailboxes into one Maildir; a failure backs off for an hour, polls are every 100 ms. */
    private void startTwo(CloudMailbox a, CloudMailbox b) throws Exception {
        startWith(List.of(a, b), options(Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofMillis(500),
                Duration.ofHours(1)));
    }

    private void startWith(List<CloudMailbox> clouds, Daemon.Options o) throws Exception {
        fx = new SyncFixture(tmp, 1, List.copyOf(clouds), Router.defaultOnly());
        fx.ticker = ticker;
        fx.start(false);
        daemon = new Daemon(fx.engine, fx.maildirPaths, o, ticker).afterEachCycle(r -> cycles.incrementAndGet());
        runInThread();
    }

    /** Issue 18, item 4: one mailbox's failures and backoff never slow the other. */
    @Test
    void aFailingMailboxBacksOffAloneWhileTheOtherKeepsItsPace() throws Exception {
        InMemoryMailbox sick = InMemoryMailbox.likeGmail("gmail:a@b.c:INBOX");
        InMemoryMailbox healthy = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        sick.failNext(Op.LIST, 1_000);
        String first = healthy.add(Messages.message("first"), Flags.NONE, null);
        startTwo(sick, healthy);
        await(() -> fx.maildirPaths.get(0).resolve("new").toFile().list().length == 1, "the healthy mailbox's mail");

        healthy.add(Messages.message("second"), Flags.NONE, null);
        awaitAsTimePasses(() -> fx.maildirPaths.get(0).resolve("new").toFile().list().length == 2, "new mail, polled, not backed off");
        SyncFixture.setLetters(fx.fileFor(0, Messages.message("first")), "S");
        awaitAsTimePasses(() -> Flags.of(Flag.READ).equals(healthy.flags(first)), "a local change pushed at once");
        assertEquals(1, sick.calls(Op.LIST), "the failing mailbox waits out its own backoff");
    }

    /**
     * Issue 18, item 4 (logins): {@link Daemon#retryNow} (an account's login just completed) ends
     * the hour-long backoff of its mailbox and runs a cycle at once that syncs it.
     */
    @Test
    void retryNowEndsAMailboxsBackoffAndSyncsItAtOnce() throws Exception {
        InMemoryMailbox waiting = InMemoryMailbox.likeGmail("gmail:a@b.c:INBOX");
        InMemoryMailbox healthy = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        waiting.failNext(Op.LIST, 1);
        waiting.add(Messages.message("after-login"), Flags.NONE, null);
        startTwo(waiting, healthy);
        await(() -> daemon.backingOff().contains(waiting.key()), "the failed mailbox to back off");
        assertEquals(java.util.Set.of(waiting.key()), daemon.backingOff());
        long listsBefore = healthy.calls(Op.LIST);

        daemon.retryNow(List.of(waiting.key()));

        await(() -> fx.maildirPaths.get(0).resolve("new").toFile().list().length == 1, "its mail, long before an hour");
        await(() -> daemon.backingOff().isEmpty(), "the backoff to be forgotten");
        assertEquals(2L, waiting.calls(Op.LIST), "failed once, then tried again at once");
        assertTrue(healthy.calls(Op.LIST) > listsBefore, "the other mailbox goes on as before");
    }

    /**
     * A failing mailbox's retry wakes the daemon by itself when the poll is far away: its mail
     * comes when its backoff (a minute, ±20 %) ends, not at the next poll a day later; and once
     * it works it is no longer reported as backing off (what `status` and the first-sync message
     * read).
     */
    @Test
    void aFailedMailboxIsTriedWhenItsBackoffEndsAndThenNoLongerReportedAsBackingOff() throws Exception {
        InMemoryMailbox sick = InMemoryMailbox.likeGmail("gmail:a@b.c:INBOX");
        sick.failNext(Op.LIST, 1);
        sick.add(Messages.message("late"), Flags.NONE, null);
        ticker.advance(Duration.ofDays(5)); // a monotonic clock reads as uptime does, not from 0
        startWith(List.of(sick), options(Duration.ofDays(1), Duration.ofMillis(100), Duration.ofMillis(500),
                Duration.ofMinutes(1)));
        await(() -> cycles.get() == 1, "the first cycle");
        ticker.awaitWaiting(2, Duration.ofSeconds(30)); // the daemon and the watcher's timer
        assertEquals(java.util.Set.of(sick.key()), daemon.backingOff());

        settle(Duration.ofSeconds(40));
        assertEquals(1, cycles.get(), "not before its backoff ends");
        settle(Duration.ofSeconds(40)); // past the backoff's longest (72 s)

        await(() -> fx.maildirPaths.get(0).resolve("new").toFile().list().length == 1, "its mail, long before a day");
        await(() -> cycles.get() == 2, "the retry's cycle to end");
        assertEquals(java.util.Set.of(), daemon.backingOff(), "working again");
    }

    /**
     * The folders of a whole account changed (issue 16): after the cycle that noticed it, the
     * daemon takes the new engine and Maildirs, runs a cycle at once with them (no poll is due
     * for a day), then waits again, and its watcher follows the new Maildirs.
     */
    @Test
    void aReconfigurationSwapsTheEngineRunsACycleAtOnceAndWatchesTheNewMaildirs() throws Exception {
        InMemoryMailbox before = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        InMemoryMailbox after = InMemoryMailbox.likeOffice365("o365:a@b.c:lists");
        String id = after.add(Messages.message("in-the-new-folder"), Flags.NONE, null);
        java.util.concurrent.atomic.AtomicBoolean due = new java.util.concurrent.atomic.AtomicBoolean();
        startReconfigurable(before, after, due);
        await(() -> cycles.get() == 1, "the first cycle");
        ticker.awaitWaiting(2, Duration.ofSeconds(30));

        due.set(true);
        daemon.wake();
        await(() -> cycles.get() == 3, "the cycle that noticed, then the new engine's at once");
        ticker.awaitWaiting(2, Duration.ofSeconds(30)); // waiting again, not cycling on
        assertEquals(3, cycles.get());
        assertEquals(1, rebuilt.files(0).size(), "the new engine's mail");

        SyncFixture.setLetters(rebuilt.files(0).get(0), "S");
        awaitAsTimePasses(() -> Flags.of(Flag.READ).equals(after.flags(id)), "a change in the new Maildir pushed");
    }

    /**
     * A daemon syncing {@code first} (a poll a day away) whose reconfiguration, when {@code due}
     * is set, builds an engine for {@code then} into {@link #rebuilt}.
     */
    private void startReconfigurable(CloudMailbox first, CloudMailbox then,
            java.util.concurrent.atomic.AtomicBoolean due) throws Exception {
        startWithReconfigure(first, new Daemon.Reconfigure() {
            @Override
            public boolean due() {
                return due.getAndSet(false);
            }

            @Override
            public Daemon.Reconfigured build() {
                try {
                    rebuilt = new SyncFixture(tmp.resolve("two"), 1, List.of(then), Router.defaultOnly());
                    rebuilt.ticker = ticker;
                    rebuilt.start(false);
                    return new Daemon.Reconfigured(rebuilt.engine, rebuilt.maildirPaths);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        });
    }

    /** A daemon syncing {@code first} into one Maildir (a poll a day away), reconfigured by {@code r}. */
    private void startWithReconfigure(CloudMailbox first, Daemon.Reconfigure r) throws Exception {
        fx = new SyncFixture(tmp.resolve("one"), 1, List.of(first), Router.defaultOnly());
        fx.ticker = ticker;
        fx.start(false);
        daemon = new Daemon(fx.engine, fx.maildirPaths, options(Duration.ofDays(1), Duration.ofMillis(100),
                Duration.ofMillis(500), Duration.ofMillis(50)), ticker)
                .afterEachCycle(rep -> cycles.incrementAndGet())
                .reconfigureWith(r);
        runInThread();
    }

    /** A mailbox whose account needs a login that nobody completes. */
    private static final class NeedsLogin implements dev.cms.provider.CloudMailbox {
        @Override
        public String key() {
            return "gmail:ann@b.c:INBOX";
        }

        @Override
        public java.util.Set<Flag> supportedFlags() {
            return java.util.EnumSet.of(Flag.READ, Flag.FLAGGED);
        }

        @Override
        public dev.cms.provider.Listing list(String token) throws java.io.IOException {
            throw new dev.cms.provider.AuthenticationRequiredException("a login is needed for ann@b.c");
        }

        @Override
        public void fetchBodies(java.util.Collection<String> ids, dev.cms.provider.BodySink sink) {
            throw new AssertionError("never listed, never fetched");
        }

        @Override
        public java.util.Map<dev.cms.provider.Change, String> apply(List<dev.cms.provider.Change> changes) {
            throw new AssertionError("never listed, never pushed");
        }
    }

    /** A mailbox waiting for its account's login is logged as a warning, not as an error. */
    @Test
    void aMailboxWaitingForALoginIsAWarningNotAnError() throws Exception {
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        java.io.PrintStream saved = System.err;
        System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            startWith(List.of(new NeedsLogin()), options(Duration.ofHours(1), Duration.ofMillis(100),
                    Duration.ofMillis(500), Duration.ofHours(1)));
            await(() -> cycles.get() == 1, "the first cycle, logged");
            assertEquals(java.util.Set.of("gmail:ann@b.c:INBOX"), daemon.backingOff());
        } finally {
            System.setErr(saved);
        }
        String log = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
        // The log line's layout depends on which test set the logger up first; its level and text do not.
        assertTrue(log.lines().anyMatch(l -> l.contains("WARN")
                && l.contains("gmail:ann@b.c:INBOX: a login is needed for ann@b.c")), log);
        assertTrue(!log.contains("ERROR"), log);
    }

    /**
     * Issue 18, item 6: the watcher journals a change as it happens, so a daemon that dies
     * before its (here: hour-long) debounce ends still pushes it after the restart.
     */
    @Test
    void aChangeSeenButNotYetPushedSurvivesTheDaemonsDeath() throws Exception {
        InMemoryMailbox cloud = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        String id = cloud.add(Messages.message("a"), Flags.NONE, null);
        startWith(List.of(cloud), options(Duration.ofHours(1), Duration.ofHours(1), Duration.ofHours(1),
                Duration.ofMillis(50)));
        await(() -> fx.maildirPaths.get(0).resolve("new").toFile().list().length == 1, "the first delivery");
        await(() -> cloud.calls(Op.LIST) == 1 && daemon.lastReport() != null, "the first cycle's end");

        SyncFixture.setLetters(fx.files(0).get(0), "FS");
        await(() -> {
            try {
                return fx.db.journalHead() > 0;
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, "the change to be journaled");
        daemon.stop();
        assertTrue(daemon.awaitFinished(Duration.ofSeconds(30)));
        daemon = null;
        assertEquals(Flags.NONE, cloud.flags(id), "not pushed before the daemon ended");

        fx.start(false);
        fx.cycleOk();
        assertEquals(Flags.of(Flag.READ, Flag.FLAGGED), cloud.flags(id));
    }

    /**
     * Issue 12, item 19: the daemon's own deliveries and renames are neither journaled nor a
     * reason for another cycle. Foreign files dropped in after a cycle are markers: the watcher
     * handles events in order, so when a marker is journaled the events of everything the
     * daemon did before were handled. (The journal's ids only grow.)
     */
    @Test
    void theDaemonsOwnDeliveriesAndRenamesTriggerNoFurtherCycle() throws Exception {
        InMemoryMailbox cloud = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        int n = Integer.getInteger("cms.test.deliveries", 300);
        for (int i = 0; i < n; i++) {
            cloud.add(Messages.message("m" + i), i % 2 == 0 ? Flags.of(Flag.READ) : Flags.NONE, null);
        }
        start(cloud, Duration.ofHours(1));
        await(() -> daemon.lastReport() != null, "the first cycle");
        assertEquals(n, daemon.lastReport().delivered());

        assertEquals(1, dropMarker("marker1"), "only the marker is a foreign change, not the daemon's deliveries");
        awaitAsTimePasses(() -> cloud.calls(Op.LIST) >= 2, "the marker's cycle");
        awaitAsTimePasses(() -> !java.nio.file.Files.exists(fx.maildirPaths.get(0).resolve("new/marker1")),
                "the marker's cycle to move it to lost+found");
        settle(Duration.ofSeconds(1)); // debounce 100 ms, at most 500 ms: any further report is due
        assertEquals(2, cloud.calls(Op.LIST), "one cycle for the deliveries, one for the marker");

        for (String id : cloud.ids()) {
            cloud.setFlags(id, Flags.of(Flag.FLAGGED));
        }
        dropMarker("marker2");
        awaitAsTimePasses(() -> {
            try {
                return fx.files(0).stream().filter(f -> f.flags().equals(Flags.of(Flag.FLAGGED))).count() == n;
            } catch (java.io.IOException e) {
                return false; // the daemon is renaming meanwhile: look again
            }
        }, "the cloud's flags renamed in");
        assertEquals(3, dropMarker("marker3"), "the daemon's " + n + " renames are not foreign changes");
    }

    /** Moves a foreign file into new/ (one event) and returns the journal's head once it is journaled. */
    private long dropMarker(String name) throws Exception {
        long before = journalHead();
        Path marker = java.nio.file.Files.writeString(fx.maildirPaths.get(0).resolve("tmp/" + name), "not a message");
        java.nio.file.Files.move(marker, fx.maildirPaths.get(0).resolve("new/" + name));
        long[] seen = new long[1];
        await(() -> (seen[0] = journalHead()) > before, name + " to be journaled");
        return seen[0];
    }

    private long journalHead() {
        try {
            return fx.db.journalHead();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Runs {@link #daemon} on its own thread; what it throws fails the test in {@link #stop()}. */
    private void runInThread() {
        thread = new Thread(() -> {
            try {
                daemon.run();
            } catch (Throwable t) {
                crashed.set(t);
            }
        }, "daemon-under-test");
        thread.start();
    }

    /** Waits for the daemon's threads to make {@code condition} true with no time passing. */
    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        awaitStepping(condition, what, null);
    }

    /** Waits for {@code condition}, moving the fake clock on by {@link #STEP} while it is false. */
    private void awaitAsTimePasses(BooleanSupplier condition, String what) throws InterruptedException {
        awaitStepping(condition, what, ticker);
    }

    private static void awaitStepping(BooleanSupplier condition, String what, FakeTicker clock)
            throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            if (clock != null) {
                clock.advance(STEP);
            }
            // Polls the other threads' progress; what the test checks never depends on this pause.
            Thread.sleep(5);
        }
    }

    /**
     * Moves the fake clock on by {@code d} and waits until the daemon's loop and the watcher's
     * timer have both woken and gone back to waiting: what became due has been acted on.
     */
    private void settle(Duration d) throws InterruptedException {
        ticker.advance(d);
        ticker.awaitWaiting(2, Duration.ofSeconds(30));
    }

    @Test
    void aLocalRenameIsPushedWithoutWaitingForThePoll() throws Exception {
        InMemoryMailbox cloud = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        String id = cloud.add(Messages.message("a"), Flags.NONE, null);
        start(cloud, Duration.ofHours(1));
        await(() -> fx.maildirPaths.get(0).resolve("new").toFile().list().length == 1, "the first delivery");
        // The daemon is idle (its first cycle over, the loop and the watcher waiting): a rename made
        // during that cycle may be taken for the cycle's own and wait for the full scan of a poll.
        await(() -> daemon.lastReport() != null, "the first cycle's end");
        ticker.awaitWaiting(2, Duration.ofSeconds(30));

        SyncFixture.setLetters(fx.files(0).get(0), "S");
        awaitAsTimePasses(() -> Flags.of(Flag.READ).equals(cloud.flags(id)), "the flag to reach the cloud");
    }

    /** Starts the daemon over {@code cloud}, polling every 200 ms; counts its collections, mailboxes of 3+ messages. */
    private AtomicInteger startCounting(CloudMailbox cloud) throws Exception {
        AtomicInteger collections = new AtomicInteger();
        fx = new SyncFixture(tmp, 1, List.of(cloud), Router.defaultOnly());
        fx.ticker = ticker;
        fx.start(false);
        daemon = new Daemon(fx.engine, fx.maildirPaths,
                options(Duration.ofMillis(200), Duration.ofMillis(100), Duration.ofMillis(500), Duration.ofMillis(50)),
                ticker).afterEachCycle(r -> cycles.incrementAndGet()).collectWith(collections::incrementAndGet, 3);
        runInThread();
        return collections;
    }

    /**
     * Issue 15, item 5: the heap is given back (one full collection) before the wait that follows
     * the first cycle and one that fetched a large batch, for a large mailbox only; never between
     * idle polls, where it would cost CPU for nothing.
     */
    @Test
    void theHeapIsGivenBackAfterTheFirstCycleAndALargeBatchOnly() throws Exception {
        InMemoryMailbox cloud = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        for (int i = 0; i < 3; i++) {
            cloud.add(Messages.message("m" + i), Flags.NONE, null);
        }
        AtomicInteger collections = startCounting(cloud);
        await(() -> cycles.get() >= 1, "the first cycle");
        awaitAsTimePasses(() -> cycles.get() >= 4, "three idle polls");
        assertEquals(1, collections.get(), "after the first cycle only");
        for (int i = 3; i < 6; i++) {
            cloud.add(Messages.message("m" + i), Flags.NONE, null);
        }
        int before = cycles.get();
        awaitAsTimePasses(() -> fx.maildirPaths.get(0).resolve("new").toFile().list().length == 6, "a batch of 3");
        awaitAsTimePasses(() -> cycles.get() >= before + 3, "more idle polls");
        assertEquals(2, collections.get(), "once more after the batch");
    }

    /**
     * A first cycle that fails is followed by a short backoff, not a wait: the collection waits
     * for the daemon to go idle after a cycle that succeeded.
     */
    @Test
    void theCollectionAfterAStartWaitsForTheDaemonToGoIdle() throws Exception {
        InMemoryMailbox cloud = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        for (int i = 0; i < 3; i++) {
            cloud.add(Messages.message("m" + i), Flags.NONE, null);
        }
        fx = new SyncFixture(tmp, 1, List.of(cloud), Router.defaultOnly());
        fx.ticker = ticker;
        fx.start(false);
        fx.cycleOk(); // synced before this daemon's start: its cycles fetch nothing
        fx.close();
        cloud.failNext(Op.LIST, 1);
        AtomicInteger collections = startCounting(cloud);
        awaitAsTimePasses(() -> cycles.get() >= 4, "a failed cycle, then idle polls");
        assertEquals(1, collections.get(), "once, when idle after the failed start");
    }

    /** A small mailbox never asks for a collection: its heap is small anyway. */
    @Test
    void aSmallMailboxNeverAsksForACollection() throws Exception {
        InMemoryMailbox cloud = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        cloud.add(Messages.message("only"), Flags.NONE, null);
        AtomicInteger collections = startCounting(cloud);
        awaitAsTimePasses(() -> cycles.get() >= 3, "the first cycle and two polls");
        assertEquals(0, collections.get());
    }

    @Test
    void thePollTimerBringsCloudChanges() throws Exception {
        InMemoryMailbox cloud = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        start(cloud, Duration.ofMillis(200));
        cloud.add(Messages.message("later"), Flags.NONE, null);
        awaitAsTimePasses(() -> fx.maildirPaths.get(0).resolve("new").toFile().list().length == 1, "a polled delivery");
    }

    @Test
    void aFailedCycleIsRetriedWithBackoff() throws Exception {
        InMemoryMailbox cloud = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        cloud.add(Messages.message("a"), Flags.NONE, null);
        cloud.failNext(Op.LIST, 3);
        start(cloud, Duration.ofHours(1));
        awaitAsTimePasses(() -> fx.maildirPaths.get(0).resolve("new").toFile().list().length == 1, "delivery after retries");
        assertTrue(cloud.calls(Op.LIST) >= 4, "three failures, then success");
    }

    /**
     * The wall clock runs an hour ahead of the monotonic clock after the first cycle, as after a
     * laptop resumes; the poll interval is a day, so only the jump can wake the daemon, at its
     * next tick (5 s of monotonic time).
     */
    @Test
    void aJumpOfTheWallClockPollsAtOnce() throws Exception {
        InMemoryMailbox cloud = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        start(cloud, Duration.ofDays(1));
        await(() -> cycles.get() == 1, "the first cycle");
        ticker.awaitWaiting(2, Duration.ofSeconds(30)); // the daemon and the watcher's timer
        cloud.add(Messages.message("after-resume"), Flags.NONE, null);

        settle(Duration.ofSeconds(5));
        assertEquals(1, cycles.get(), "no jump, no cycle: the poll interval is a day");

        ticker.setWallClock(ticker.now().plus(Duration.ofHours(1)));
        settle(Duration.ofSeconds(5));
        assertEquals(2, cycles.get(), "a poll after the clock jump");
        assertEquals(1, fx.maildirPaths.get(0).resolve("new").toFile().list().length, "it brought the new mail");
    }

    /**
     * The wall clock's lead is measured against the monotonic time that passed in the same
     * wait: after ten minutes of uptime, a lead of exactly {@code CLOCK_JUMP} (30 s) is not a
     * jump, one of 31 s is.
     */
    @Test
    void aWallClockLeadOfThirtySecondsIsNotAJumpOneOfThirtyOneIs() throws Exception {
        InMemoryMailbox cloud = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        start(cloud, Duration.ofDays(1));
        await(() -> cycles.get() == 1, "the first cycle");
        ticker.awaitWaiting(2, Duration.ofSeconds(30));
        for (int i = 0; i < 120; i++) {
            settle(Duration.ofSeconds(5)); // ten minutes of ticks, the clocks in step
        }
        assertEquals(1, cycles.get(), "clocks in step: no poll before the day is over");

        ticker.setWallClock(ticker.now().plusSeconds(30));
        settle(Duration.ofSeconds(5));
        assertEquals(1, cycles.get(), "a lead of exactly 30 s is not a jump");

        ticker.setWallClock(ticker.now().plusSeconds(31));
        settle(Duration.ofSeconds(5));
        assertEquals(2, cycles.get(), "a lead of 31 s is");
    }

    /**
     * A poll interval shorter than the wall-clock check's 5 s tick: the poll comes when its
     * interval is over, not at the next tick.
     */
    @Test
    void aPollIntervalShorterThanTheTickIsKept() throws Exception {
        InMemoryMailbox cloud = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        startWith(List.of(cloud), options(Duration.ofSeconds(1), Duration.ofMillis(100), Duration.ofMillis(500),
                Duration.ofMillis(50)));
        await(() -> cycles.get() == 1, "the first cycle");
        ticker.awaitWaiting(2, Duration.ofSeconds(30));
        settle(Duration.ofMillis(999));
        assertEquals(1, cycles.get(), "not before the interval is over");
        settle(Duration.ofMillis(1));
        assertEquals(2, cycles.get(), "the poll after 1 s");
    }

    /** A reconfiguration that is due but builds nothing goes on as before: no extra cycle. */
    @Test
    void aReconfigurationThatBuildsNothingRunsNoExtraCycle() throws Exception {
        InMemoryMailbox cloud = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        java.util.concurrent.atomic.AtomicInteger built = new java.util.concurrent.atomic.AtomicInteger();
        startWithReconfigure(cloud, new Daemon.Reconfigure() {
            @Override
            public boolean due() {
                return true;
            }

            @Override
            public Daemon.Reconfigured build() {
                built.incrementAndGet();
                return null;
            }
        });
        await(() -> cycles.get() == 1 && built.get() == 1, "the first cycle and its look for a new engine");
        ticker.awaitWaiting(2, Duration.ofSeconds(30));
        settle(Duration.ofSeconds(5));
        assertEquals(1, cycles.get(), "nothing new to run with: the daemon waits for the poll, a day away");
        assertEquals(1, built.get());
    }

    /**
     * The daemon's watchers are all stopped when it returns: the first one, replaced by a
     * reconfiguration, and the last one.
     */
    @Test
    void noWatcherOutlivesTheDaemonAlsoAfterAReconfiguration() throws Exception {
        java.util.Set<Thread> before = watcherThreads();
        InMemoryMailbox one = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        InMemoryMailbox two = InMemoryMailbox.likeOffice365("o365:a@b.c:lists");
        java.util.concurrent.atomic.AtomicBoolean due = new java.util.concurrent.atomic.AtomicBoolean();
        startReconfigurable(one, two, due);
        await(() -> cycles.get() == 1, "the first cycle");
        ticker.awaitWaiting(2, Duration.ofSeconds(30));
        due.set(true);
        daemon.wake();
        await(() -> cycles.get() == 3, "the new engine's first cycle");
        assertEquals(2, watcherThreads().size() - before.size(), "one watcher runs: its thread and its timer");

        daemon.stop();
        assertTrue(daemon.awaitFinished(Duration.ofSeconds(30)));
        thread.join(10_000);
        daemon = null;
        java.util.Set<Thread> left = watcherThreads();
        left.removeAll(before);
        assertEquals(java.util.Set.of(), left, "watcher threads left running");
    }

    private static java.util.Set<Thread> watcherThreads() {
        java.util.Set<Thread> out = new java.util.HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && t.getName().startsWith("maildir-watcher")) {
                out.add(t);
            }
        }
        return out;
    }

    /** A cycle that fails as a whole (its Maildir cannot be read) backs off; one that works resets it. */
    @Test
    void aCycleThatWorksAfterFailedOnesResetsTheirBackoff() throws Exception {
        InMemoryMailbox cloud = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        Backoff backoff = new Backoff(Duration.ofMillis(50), Duration.ofMillis(200), new Random(1));
        fx = new SyncFixture(tmp, 1, List.of(cloud), Router.defaultOnly());
        fx.ticker = ticker;
        fx.start(false);
        daemon = new Daemon(fx.engine, fx.maildirPaths, new Daemon.Options(Duration.ofDays(1), Duration.ofMillis(100),
                Duration.ofMillis(500), Duration.ofMillis(100), backoff), ticker)
                .afterEachCycle(r -> cycles.incrementAndGet());
        runInThread();
        await(() -> cycles.get() == 1, "the first cycle");
        ticker.awaitWaiting(2, Duration.ofSeconds(30));
        Path cur = fx.maildirPaths.get(0).resolve("cur");
        java.nio.file.Files.delete(cur);
        java.nio.file.Files.writeString(cur, "not a directory");
        daemon.wake();
        awaitAsTimePasses(() -> backoff.failures() >= 3, "three failed cycles");
        assertTrue(daemon.lastReport().failedAsAWhole(), "an unreadable Maildir fails the cycle: " + daemon.lastReport());

        java.nio.file.Files.delete(cur);
        java.nio.file.Files.createDirectory(cur);
        int failed = cycles.get();
        awaitAsTimePasses(() -> cycles.get() > failed && !daemon.lastReport().failedAsAWhole(), "a cycle that works");
        assertEquals(0, backoff.failures(), "the backoff starts again from its base");
    }

    /**
     * Issue 14, item 4: a cycle that reports {@code rerunSoon} (here a mail reader renamed a
     * file while the cycle was about to rename it) is run again after the short rerun delay,
     * not after the poll interval (a day), and no debounced event hides it (the debounce is a
     * day too).
     */
    @Test
    void aCycleThatAsksToRerunSoonIsRunAgainAfterTheRerunDelay() throws Exception {
        InMemoryMailbox inner = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        String id = inner.add(Messages.message("a"), Flags.NONE, null);
        Hooked cloud = new Hooked(inner);
        startWith(List.of(cloud), options(Duration.ofDays(1), Duration.ofDays(1), Duration.ofDays(1),
                Duration.ofMillis(50)));
        await(() -> cycles.get() == 1, "the first delivery");
        ticker.awaitWaiting(2, Duration.ofSeconds(30));

        inner.setFlags(id, Flags.of(Flag.FLAGGED));
        cloud.beforeList = () -> {
            try {
                SyncFixture.setLetters(fx.files(0).get(0), "S"); // the user reads it meanwhile
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        daemon.wake();
        await(() -> cycles.get() == 2, "the cycle that finds its file renamed");
        assertTrue(daemon.lastReport().rerunSoon(), "the cycle asks to run again soon: " + daemon.lastReport());

        settle(Duration.ofMillis(100)); // the rerun delay
        assertEquals(3, cycles.get(), "run again after the rerun delay");
        assertEquals(Flags.of(Flag.READ, Flag.FLAGGED), inner.flags(id), "the user's read flag reached the cloud");
        assertEquals(Flags.of(Flag.READ, Flag.FLAGGED), fx.files(0).get(0).flags(), "the cloud's flag reached the file");
    }

    /**
     * Issue 14, item 4: {@link Daemon#stop()} during a cycle's download stops that cycle at its
     * next safe point (nothing delivered, nothing committed, nothing pushed) and the daemon
     * returns; the next start brings everything in and leaves the cloud as it was.
     */
    @Test
    void aStopDuringACycleStopsAtASafePointAndTheNextStartConverges() throws Exception {
        InMemoryMailbox inner = InMemoryMailbox.likeGmail("gmail:a@b.c:INBOX");
        List<String> ids = List.of(inner.add(Messages.message("1"), Flags.NONE, null),
                inner.add(Messages.message("2"), Flags.of(Flag.READ), null),
                inner.add(Messages.message("3"), Flags.of(Flag.FLAGGED), null));
        Hooked cloud = new Hooked(inner);
        java.util.concurrent.CountDownLatch fetching = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        cloud.beforeFetch = () -> {
            fetching.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        start(cloud, Duration.ofDays(1));
        assertTrue(fetching.await(30, java.util.concurrent.TimeUnit.SECONDS), "the first cycle downloads");

        daemon.stop();
        release.countDown();
        assertTrue(daemon.awaitFinished(Duration.ofSeconds(30)), "the daemon returns");
        thread.join(10_000);
        assertTrue(daemon.lastReport().aborted(), "the cycle stopped early: " + daemon.lastReport());
        assertEquals(0, cycles.get(), "the stopped cycle is the last");
        assertEquals(0, fx.files(0).size(), "nothing delivered after the stop");
        assertEquals(0L, inner.changesApplied());
        daemon = null;

        cloud.beforeFetch = () -> { };
        fx.start(false);
        fx.cycleOk();
        assertEquals(3, fx.files(0).size());
        assertEquals(Flags.of(Flag.READ), fx.fileFor(0, Messages.message("2")).flags());
        assertEquals(Flags.of(Flag.FLAGGED), fx.fileFor(0, Messages.message("3")).flags());
        assertEquals(java.util.Set.copyOf(ids), inner.ids(), "the cloud keeps every message");
        assertEquals(0L, inner.changesApplied(), "and is not changed");
        assertTrue(fx.cycleOk().idle(), "in step");
    }

    /** A cloud mailbox that runs a hook before listing or fetching, like a user acting meanwhile. */
    private static final class Hooked implements CloudMailbox {
        final InMemoryMailbox inner;
        volatile Runnable beforeList = () -> { };
        volatile Runnable beforeFetch = () -> { };

        Hooked(InMemoryMailbox inner) {
            this.inner = inner;
        }

        @Override
        public String key() {
            return inner.key();
        }

        @Override
        public java.util.Set<Flag> supportedFlags() {
            return inner.supportedFlags();
        }

        @Override
        public dev.cms.provider.Listing list(String token) throws java.io.IOException {
            Runnable r = beforeList;
            beforeList = () -> { };
            r.run();
            return inner.list(token);
        }

        @Override
        public void fetchBodies(java.util.Collection<String> ids, dev.cms.provider.BodySink sink)
                throws java.io.IOException {
            beforeFetch.run();
            inner.fetchBodies(ids, sink);
        }

        @Override
        public java.util.Map<dev.cms.provider.Change, String> apply(List<dev.cms.provider.Change> changes)
                throws java.io.IOException {
            return inner.apply(changes);
        }
    }

    @Test
    void backoffGrowsToItsCapAndResets() {
        Backoff b = new Backoff(Duration.ofSeconds(10), Duration.ofMinutes(5), new Random(7));
        Duration first = b.next();
        assertTrue(first.toMillis() >= 8_000 && first.toMillis() <= 12_000, first.toString());
        Duration d = first;
        for (int i = 0; i < 10; i++) {
            d = b.next();
        }
        assertTrue(d.toMillis() >= 240_000 && d.toMillis() <= 300_000, d.toString());
        b.reset();
        assertTrue(b.next().toMillis() <= 12_000);
    }
}
