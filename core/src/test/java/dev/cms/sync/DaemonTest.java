package dev.cms.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.model.Flag;
import dev.cms.model.Flags;
import dev.cms.provider.memory.InMemoryMailbox;
import dev.cms.provider.memory.InMemoryMailbox.Op;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DaemonTest {
    @TempDir
    Path tmp;

    SyncFixture fx;
    Daemon daemon;
    Thread thread;
    final AtomicReference<Throwable> crashed = new AtomicReference<>();

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
        assertEquals(null, crashed.get());
    }

    private void start(InMemoryMailbox cloud, Duration poll) throws Exception {
        start(cloud, poll, Clock.systemUTC());
    }

    private void start(InMemoryMailbox cloud, Duration poll, Clock clock) throws Exception {
        fx = new SyncFixture(tmp, 1, List.of(cloud), Router.defaultOnly()).start(false);
        Daemon.Options o = new Daemon.Options(poll, Duration.ofMillis(100), Duration.ofMillis(500),
                Duration.ofMillis(100), new Backoff(Duration.ofMillis(50), Duration.ofMillis(200), new Random(1)));
        daemon = new Daemon(fx.engine, fx.maildirPaths, o, clock);
        runInThread();
    }

    /** Two mailboxes into one Maildir; a failure backs off for an hour, polls are every 100 ms. */
    private void startTwo(InMemoryMailbox a, InMemoryMailbox b) throws Exception {
        startWith(List.of(a, b), new Daemon.Options(Duration.ofMillis(100), Duration.ofMillis(100),
                Duration.ofMillis(500), Duration.ofMillis(100),
                new Backoff(Duration.ofHours(1), Duration.ofHours(2), new Random(1))));
    }

    private void startWith(List<InMemoryMailbox> clouds, Daemon.Options o) throws Exception {
        fx = new SyncFixture(tmp, 1, List.copyOf(clouds), Router.defaultOnly()).start(false);
        daemon = new Daemon(fx.engine, fx.maildirPaths, o, Clock.systemUTC());
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
        await(() -> fx.maildirPaths.get(0).resolve("new").toFile().list().length == 2, "new mail, polled, not backed off");
        SyncFixture.setLetters(fx.fileFor(0, Messages.message("first")), "S");
        await(() -> Flags.of(Flag.READ).equals(healthy.flags(first)), "a local change pushed at once");
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
        public void apply(List<dev.cms.provider.Change> changes) {
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
            fx = new SyncFixture(tmp, 1, List.of(new NeedsLogin()), Router.defaultOnly()).start(false);
            daemon = new Daemon(fx.engine, fx.maildirPaths, new Daemon.Options(Duration.ofHours(1),
                    Duration.ofMillis(100), Duration.ofMillis(500), Duration.ofMillis(100),
                    new Backoff(Duration.ofHours(1), Duration.ofHours(2), new Random(1))), Clock.systemUTC());
            runInThread();
            await(() -> daemon.backingOff().contains("gmail:ann@b.c:INBOX"), "the mailbox to back off");
        } finally {
            System.setErr(saved);
        }
        String log = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(log.contains("WARN dev.cms.sync.Daemon - gmail:ann@b.c:INBOX: a login is needed for ann@b.c"), log);
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
        startWith(List.of(cloud), new Daemon.Options(Duration.ofHours(1), Duration.ofHours(1), Duration.ofHours(1),
                Duration.ofMillis(100), new Backoff(Duration.ofMillis(50), Duration.ofMillis(200), new Random(1))));
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
        await(() -> cloud.calls(Op.LIST) >= 2, "the marker's cycle");
        await(() -> !java.nio.file.Files.exists(fx.maildirPaths.get(0).resolve("new/marker1")),
                "the marker's cycle to move it to lost+found");
        Thread.sleep(800); // debounce 100 ms, at most 500 ms: any further report would be in by now
        assertEquals(2, cloud.calls(Op.LIST), "one cycle for the deliveries, one for the marker");

        for (String id : cloud.ids()) {
            cloud.setFlags(id, Flags.of(Flag.FLAGGED));
        }
        dropMarker("marker2");
        await(() -> {
            try {
                return fx.files(0).stream().filter(f -> f.flags().equals(Flags.of(Flag.FLAGGED))).count() == n;
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
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

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    @Test
    void aLocalRenameIsPushedWithoutWaitingForThePoll() throws Exception {
        InMemoryMailbox cloud = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        String id = cloud.add(Messages.message("a"), Flags.NONE, null);
        start(cloud, Duration.ofHours(1));
        await(() -> fx.maildirPaths.get(0).resolve("new").toFile().list().length == 1, "the first delivery");

        SyncFixture.setLetters(fx.files(0).get(0), "S");
        await(() -> Flags.of(Flag.READ).equals(cloud.flags(id)), "the flag to reach the cloud");
    }

    @Test
    void thePollTimerBringsCloudChanges() throws Exception {
        InMemoryMailbox cloud = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        start(cloud, Duration.ofMillis(200));
        cloud.add(Messages.message("later"), Flags.NONE, null);
        await(() -> fx.maildirPaths.get(0).resolve("new").toFile().list().length == 1, "a polled delivery");
    }

    @Test
    void aFailedCycleIsRetriedWithBackoff() throws Exception {
        InMemoryMailbox cloud = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        cloud.add(Messages.message("a"), Flags.NONE, null);
        cloud.failNext(Op.LIST, 3);
        start(cloud, Duration.ofHours(1));
        await(() -> fx.maildirPaths.get(0).resolve("new").toFile().list().length == 1, "delivery after retries");
        assertTrue(cloud.calls(Op.LIST) >= 4, "three failures, then success");
    }

    @Test
    void aJumpOfTheWallClockPollsAtOnce() throws Exception {
        // The wall clock runs an hour ahead of the monotonic clock after the first cycle, as
        // after a laptop resumes; the poll interval is a day, so only the jump can wake it.
        java.util.concurrent.atomic.AtomicLong skew = new java.util.concurrent.atomic.AtomicLong();
        Clock jumping = new Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return java.time.ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public java.time.Instant instant() {
                return java.time.Instant.now().plusMillis(skew.getAndAdd(3_600_000));
            }
        };
        InMemoryMailbox cloud = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        start(cloud, Duration.ofDays(1), jumping);
        await(() -> cloud.calls(Op.LIST) >= 1, "the first cycle");
        cloud.add(Messages.message("after-resume"), Flags.NONE, null);
        await(() -> fx.maildirPaths.get(0).resolve("new").toFile().list().length == 1, "a poll after the clock jump");
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
