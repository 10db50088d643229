package dev.cms.maildir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.cms.model.Flag;
import dev.cms.model.Flags;
import dev.cms.time.FakeTicker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watcher on a fake clock: its debounce moves only when a test advances {@link #ticker}.
 * Before it does, a test waits for a fence: a dot file (ignored as a change) made after the
 * events it cares about. Events come in order, so once the fence's event is handled every
 * earlier one has been handed to the debounce; after an advance, {@link #settle} waits until
 * the watcher's timer has acted on the new time and waits again. No real time needs to pass.
 */
class MaildirWatcherTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir Path temp;
    Path a;
    Path b;
    final FakeTicker ticker = new FakeTicker();
    final List<Set<Path>> reports = new CopyOnWriteArrayList<>();
    final Set<Path> handled = ConcurrentHashMap.newKeySet();
    MaildirWatcher watcher;
    int fences;

    @BeforeEach
    void setUp() throws IOException {
        a = MaildirFolder.open(temp.resolve("a")).root();
        b = MaildirFolder.open(temp.resolve("b")).root();
    }

    @AfterEach
    void tearDown() {
        if (watcher != null) {
            watcher.close();
        }
    }

    private void startWatching(Duration quiet, Duration maxDelay) throws IOException {
        startWatching(quiet, maxDelay, MaildirWatcher.REWATCH, reports::add);
    }

    private void startWatching(Duration quiet, Duration maxDelay, Duration rewatch,
            java.util.function.Consumer<Set<Path>> onChange) throws IOException {
        watcher = MaildirWatcher.start(List.of(a, b), quiet, maxDelay, rewatch, ticker, onChange);
        watcher.onEventHandled(handled::add);
    }

    /** Makes a dot file in {@code dir} and waits until its event is handled: all before it are. */
    private void fence(Path dir) throws Exception {
        Path name = Path.of(".fence-" + fences++);
        touch(dir.resolve(name));
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!handled.contains(name)) {
            if (System.nanoTime() - deadline > 0) {
                fail("the event of " + dir.resolve(name) + " was not handled within " + WAIT);
            }
            TimeUnit.MILLISECONDS.sleep(2); // polls the watcher's thread; no timing depends on it
        }
    }

    /** Moves the fake clock on and waits until the watcher's timer has acted on it. */
    private void settle(Duration d) throws InterruptedException {
        ticker.advance(d);
        ticker.awaitWaiting(1, WAIT);
    }

    /** Fences both Maildirs, lets {@code d} pass, and returns the reports made meanwhile. */
    private List<Set<Path>> after(Duration d) throws Exception {
        for (Path root : List.of(a, b)) {
            if (Files.isDirectory(root.resolve("new"))) {
                fence(root.resolve("new"));
            }
        }
        settle(d);
        return List.copyOf(reports);
    }

    private static void touch(Path file) throws IOException {
        Files.writeString(file, "x");
    }

    private int reportsNaming(Path root) {
        return (int) reports.stream().filter(r -> r.contains(root)).count();
    }

    /** A burst of renames is one report, once the quiet time has passed after the last. */
    @Test
    void aBurstOfRenamesIsReportedOnce() throws Exception {
        startWatching(Duration.ofMillis(300), Duration.ofSeconds(5));
        Path file = a.resolve("cur/m:2,");
        touch(file);
        for (int i = 0; i < 50; i++) {
            Path next = a.resolve(i % 2 == 0 ? "cur/m:2,S" : "cur/m:2,");
            Files.move(file, next, StandardCopyOption.ATOMIC_MOVE);
            file = next;
        }
        assertEquals(List.of(), after(Duration.ofMillis(299)), "not before the quiet time has passed");
        settle(Duration.ofMillis(1));
        assertEquals(List.of(Set.of(a)), reports);
    }

    @Test
    void changesInTwoMaildirsAreReportedTogether() throws Exception {
        startWatching(Duration.ofSeconds(2), Duration.ofSeconds(8));
        touch(a.resolve("new/one"));
        touch(b.resolve("cur/two:2,S"));
        assertEquals(List.of(Set.of(a, b)), after(Duration.ofSeconds(2)));
    }

    @Test
    void dotFilesAreIgnored() throws Exception {
        startWatching(Duration.ofMillis(200), Duration.ofSeconds(5));
        touch(a.resolve("cur/.lock"));
        touch(a.resolve("new/.tmp-write"));
        Files.move(a.resolve("cur/.lock"), a.resolve("cur/.lock2"));
        Files.delete(a.resolve("new/.tmp-write"));
        assertEquals(List.of(), after(Duration.ofSeconds(10)));
    }

    @Test
    void editingAMessageCountsAsAChange() throws Exception {
        startWatching(Duration.ofMillis(200), Duration.ofSeconds(5));
        Path file = a.resolve("cur/m:2,S");
        touch(file);
        assertEquals(List.of(Set.of(a)), after(Duration.ofMillis(200)));
        reports.clear();
        Files.writeString(file, "edited");
        assertEquals(List.of(Set.of(a)), after(Duration.ofMillis(200)));
    }

    @Test
    void expectedOwnChangesAreIgnoredOnce() throws Exception {
        startWatching(Duration.ofMillis(200), Duration.ofSeconds(5));
        MaildirFolder folder = MaildirFolder.open(a);
        touch(a.resolve("new/m"));
        assertEquals(List.of(Set.of(a)), after(Duration.ofMillis(200)));
        reports.clear();
        MaildirFile m = folder.scan().get(0);
        watcher.expectOwnChange(m.path());
        watcher.expectOwnChange(a.resolve("cur/m:2,S"));
        folder.setFlags(m, Flags.of(Flag.READ));
        assertEquals(List.of(), after(Duration.ofSeconds(10)));
        // Seen once: the same name changing again is the user's change.
        Files.move(a.resolve("cur/m:2,S"), a.resolve("cur/m:2,FS"));
        assertEquals(List.of(Set.of(a)), after(Duration.ofMillis(200)));
    }

    @Test
    void anExpectationWhoseEventNeverCameDoesNotHideALaterChange() throws Exception {
        startWatching(Duration.ofMillis(50), Duration.ofSeconds(5));
        watcher.expectOwnChange(a.resolve("new/m"));
        watcher.expectOwnChange(a.resolve("new/n"));
        // Made in tmp/ and moved in (one event), as a delivery does.
        touch(a.resolve("tmp/n"));
        Files.move(a.resolve("tmp/n"), a.resolve("new/n"));
        assertEquals(List.of(), after(Duration.ofMillis(50)));

        settle(MaildirWatcher.EXPECTATION_LIFETIME.plusSeconds(1));
        touch(a.resolve("new/m"));
        assertEquals(List.of(Set.of(a)), after(Duration.ofMillis(50)), "a user's file, long after the expectation");
    }

    /**
     * Issue 14: under a steady stream of events (faster than the quiet time) the change is still
     * reported once the maximum delay since the first event has passed. Each event comes 3 s
     * after the last, the quiet time is an hour, the cap 10 s: the report is due 10 s after the
     * first event, between the fourth (9 s) and the fifth. A cap that restarted with every event
     * would never report.
     */
    @Test
    void aSteadyStreamOfEventsIsReportedOnceTheMaximumDelayHasPassed() throws Exception {
        startWatching(Duration.ofHours(1), Duration.ofSeconds(10));
        for (int i = 0; i < 4; i++) {
            touch(a.resolve("new/m" + i));
            assertEquals(List.of(), after(i < 3 ? Duration.ofSeconds(3) : Duration.ofMillis(999)), "not yet, after event " + i);
        }
        settle(Duration.ofMillis(1));
        assertEquals(List.of(Set.of(a)), reports, "10 s after the first event");
    }

    /** A delivery's tmp/ name makes no event in a watched directory: expecting it must not pile up. */
    @Test
    void onlyFilesOfWatchedDirectoriesAreExpected() throws Exception {
        startWatching(Duration.ofMillis(200), Duration.ofSeconds(5));
        watcher.expectOwnChange(a.resolve("tmp/1.M1P1Q1.host"));
        watcher.expectOwnChange(temp.resolve("elsewhere/x"));
        assertEquals(0, watcher.expectations());
        watcher.expectOwnChange(a.resolve("new/1.M1P1Q1.host"));
        watcher.expectOwnChange(b.resolve("x/../cur/2.M1P1Q1.host:2,S"));
        assertEquals(2, watcher.expectations());
    }

    private void removeMaildir(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** Waits (advancing the fake clock) for a report naming {@code root}; clears the reports. */
    private void awaitReportOf(Path root) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (reportsNaming(root) == 0) {
            if (System.nanoTime() - deadline > 0) {
                fail("no report naming " + root + " within " + WAIT + "; reports: " + reports);
            }
            settle(Duration.ofMillis(50));
            TimeUnit.MILLISECONDS.sleep(2); // polls the watcher's event thread
        }
        reports.clear();
    }

    @Test
    void aVanishedMaildirDoesNotStopTheOthers() throws Exception {
        startWatching(Duration.ofMillis(200), Duration.ofSeconds(5));
        removeMaildir(a);
        awaitReportOf(a);
        touch(b.resolve("new/still-watched"));
        assertEquals(List.of(Set.of(b)), after(Duration.ofMillis(200)));
    }

    /** Issue 18 item 8: a Maildir removed and made again is watched again without a restart. */
    @Test
    void aMaildirThatDisappearsAndComesBackIsWatchedAgain() throws Exception {
        startWatching(Duration.ofMillis(50), Duration.ofSeconds(5), Duration.ofMillis(50), reports::add);
        removeMaildir(a);
        awaitReportOf(a);

        MaildirFolder.open(a); // makes cur/, new/ and tmp/ again
        awaitReportOf(a); // watched again (at the next look, 50 ms on): counted as a change, for the scan
        touch(a.resolve("cur/back"));
        assertEquals(List.of(Set.of(a)), after(Duration.ofMillis(50)));

        // Only cur/ removed and made again, with a file in it at once.
        reports.clear();
        Files.delete(a.resolve("cur/back"));
        Files.delete(a.resolve("cur"));
        awaitReportOf(a);
        Files.createDirectory(a.resolve("cur"));
        awaitReportOf(a);
        touch(a.resolve("cur/again"));
        assertEquals(List.of(Set.of(a)), after(Duration.ofMillis(50)));
    }

    /**
     * A directory that stopped being watched, and the same one watched again, are reported as
     * lost events of their Maildir: what happened in between is not in any event, so the
     * daemon's next cycle reads that Maildir whole (issue 15).
     */
    @Test
    void aDirectoryWatchedAgainIsReportedAsLostEvents() throws Exception {
        startWatching(Duration.ofMillis(50), Duration.ofSeconds(5), Duration.ofMillis(50), reports::add);
        List<Path> lost = new CopyOnWriteArrayList<>();
        watcher.onEventsLost(lost::add);
        Files.delete(a.resolve("cur"));
        awaitReportOf(a);
        assertTrue(lost.contains(a), "the watch ended: " + lost);

        lost.clear();
        Files.createDirectory(a.resolve("cur"));
        touch(a.resolve("cur/made-before-the-watch")); // may come before the directory is watched again
        awaitReportOf(a);
        assertTrue(lost.contains(a), "watched again: events in between were lost: " + lost);
        assertFalse(lost.contains(b), "the other Maildir lost nothing");
    }

    /**
     * A directory watched again leaves the set of lost ones: later rewatch ticks neither report
     * its Maildir as changed nor as having lost events (else every tick would make the daemon
     * read that Maildir whole).
     */
    @Test
    void aDirectoryWatchedAgainIsReportedOnce() throws Exception {
        startWatching(Duration.ofMillis(50), Duration.ofSeconds(5), Duration.ofMillis(50), reports::add);
        List<Path> lost = new CopyOnWriteArrayList<>();
        watcher.onEventsLost(lost::add);
        Files.delete(a.resolve("cur"));
        awaitReportOf(a);
        Files.createDirectory(a.resolve("cur"));
        awaitReportOf(a);
        assertTrue(lost.contains(a), "watched again: " + lost);

        lost.clear();
        for (int tick = 0; tick < 4; tick++) {
            assertEquals(List.of(), after(Duration.ofMillis(50)), "tick " + tick);
        }
        assertEquals(List.of(), lost, "no second report of lost events");
        touch(a.resolve("cur/still-watched"));
        assertEquals(List.of(Set.of(a)), after(Duration.ofMillis(50)));
    }

    @Test
    void aFailingHandlerDoesNotStopTheWatcher() throws Exception {
        startWatching(Duration.ofMillis(200), Duration.ofSeconds(5), MaildirWatcher.REWATCH, changed -> {
            reports.add(changed);
            if (changed.contains(a)) {
                throw new IllegalStateException("handler failure for the test");
            }
        });
        touch(a.resolve("new/one"));
        assertEquals(List.of(Set.of(a)), after(Duration.ofMillis(200)));
        touch(b.resolve("new/two"));
        assertEquals(List.of(Set.of(a), Set.of(b)), after(Duration.ofMillis(200)));
    }

    @Test
    void noCallbackAfterClose() throws Exception {
        startWatching(Duration.ofMillis(200), Duration.ofSeconds(5));
        touch(a.resolve("new/early"));
        fence(a.resolve("new"));
        watcher.close();
        touch(a.resolve("new/late"));
        // close() joined the threads: nothing can report any more, however much time passes.
        ticker.advance(Duration.ofHours(1));
        assertTrue(reports.isEmpty(), "reports: " + reports);
    }

    @Test
    void refusesAMissingMaildir() {
        assertThrows(IOException.class, () -> MaildirWatcher.start(List.of(temp.resolve("none")),
                Duration.ofMillis(200), Duration.ofSeconds(5), ticker, reports::add));
        assertFalse(Files.exists(temp.resolve("none")));
    }
}
