package dev.cms.maildir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.cms.model.Flag;
import dev.cms.model.Flags;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each test ends with a change in a second Maildir and waits for its report: inotify delivers
 * events in order, so every earlier event has been handled by then, without relying on timing.
 */
class MaildirWatcherTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir Path temp;
    Path a;
    Path b;
    final List<Set<Path>> reports = new CopyOnWriteArrayList<>();
    MaildirWatcher watcher;

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
        watcher = MaildirWatcher.start(List.of(a, b), quiet, maxDelay, reports::add);
    }

    private Set<Path> awaitReport(Predicate<Set<Path>> wanted) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() - deadline < 0) {
            for (Set<Path> r : reports) {
                if (wanted.test(r)) {
                    return r;
                }
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
        return fail("no report matching the expectation within " + WAIT + "; reports: " + reports);
    }

    private static void touch(Path file) throws IOException {
        Files.writeString(file, "x");
    }

    private int reportsNaming(Path root) {
        return (int) reports.stream().filter(r -> r.contains(root)).count();
    }

    @Test
    void aBurstOfRenamesIsReportedOnceOrAFewTimes() throws Exception {
        startWatching(Duration.ofMillis(300), Duration.ofSeconds(5));
        Path file = a.resolve("cur/m:2,");
        touch(file);
        for (int i = 0; i < 50; i++) {
            Path next = a.resolve(i % 2 == 0 ? "cur/m:2,S" : "cur/m:2,");
            Files.move(file, next, StandardCopyOption.ATOMIC_MOVE);
            file = next;
        }
        assertEquals(Set.of(a), awaitReport(r -> r.contains(a)));
        touch(b.resolve("new/marker"));
        awaitReport(r -> r.contains(b));
        int forA = reportsNaming(a);
        assertTrue(forA >= 1 && forA <= 3, "reports for the burst: " + reports);
    }

    @Test
    void changesInTwoMaildirsAreReportedTogether() throws Exception {
        startWatching(Duration.ofSeconds(2), Duration.ofSeconds(8));
        touch(a.resolve("new/one"));
        touch(b.resolve("cur/two:2,S"));
        assertEquals(Set.of(a, b), awaitReport(r -> r.contains(a) || r.contains(b)));
    }

    @Test
    void dotFilesAreIgnored() throws Exception {
        startWatching(Duration.ofMillis(200), Duration.ofSeconds(5));
        touch(a.resolve("cur/.lock"));
        touch(a.resolve("new/.tmp-write"));
        Files.move(a.resolve("cur/.lock"), a.resolve("cur/.lock2"));
        Files.delete(a.resolve("new/.tmp-write"));
        touch(b.resolve("new/real"));
        awaitReport(r -> r.contains(b));
        assertEquals(0, reportsNaming(a), "reports: " + reports);
    }

    @Test
    void editingAMessageCountsAsAChange() throws Exception {
        startWatching(Duration.ofMillis(200), Duration.ofSeconds(5));
        Path file = a.resolve("cur/m:2,S");
        touch(file);
        awaitReport(r -> r.contains(a));
        reports.clear();
        Files.writeString(file, "edited");
        assertEquals(Set.of(a), awaitReport(r -> r.contains(a)));
    }

    @Test
    void expectedOwnChangesAreIgnoredOnce() throws Exception {
        startWatching(Duration.ofMillis(200), Duration.ofSeconds(5));
        MaildirFolder folder = MaildirFolder.open(a);
        touch(a.resolve("new/m"));
        awaitReport(r -> r.contains(a));
        reports.clear();
        MaildirFile m = folder.scan().get(0);
        watcher.expectOwnChange(m.path());
        watcher.expectOwnChange(a.resolve("cur/m:2,S"));
        folder.setFlags(m, Flags.of(Flag.READ));
        touch(b.resolve("new/marker"));
        awaitReport(r -> r.contains(b));
        assertEquals(0, reportsNaming(a), "reports: " + reports);
        // Seen once: the same name changing again is the user's change.
        Files.move(a.resolve("cur/m:2,S"), a.resolve("cur/m:2,FS"));
        awaitReport(r -> r.contains(a));
    }

    @Test
    void anExpectationWhoseEventNeverCameDoesNotHideALaterChange() throws Exception {
        java.util.concurrent.atomic.AtomicLong skew = new java.util.concurrent.atomic.AtomicLong();
        watcher = MaildirWatcher.start(List.of(a, b), Duration.ofMillis(50), Duration.ofSeconds(5),
                MaildirWatcher.REWATCH, reports::add, () -> System.nanoTime() + skew.get());
        watcher.expectOwnChange(a.resolve("new/m"));
        watcher.expectOwnChange(a.resolve("new/n"));
        // Made in tmp/ and moved in (one event), as a delivery does.
        touch(a.resolve("tmp/n"));
        Files.move(a.resolve("tmp/n"), a.resolve("new/n"));
        touch(b.resolve("new/marker"));
        awaitReport(r -> r.contains(b));
        assertEquals(0, reportsNaming(a));
        reports.clear();

        skew.addAndGet(MaildirWatcher.EXPECTATION_LIFETIME.plusSeconds(1).toNanos());
        touch(a.resolve("new/m"));
        assertEquals(Set.of(a), awaitReport(r -> r.contains(a)), "a user's file, long after the expectation");
    }

    /**
     * Issue 14: under a steady stream of events (faster than the quiet time) the change is still
     * reported once the maximum delay since the first event has passed. On a fake clock: each
     * event comes 3 s (fake) after the last, the quiet time is an hour, the cap 10 s; a cap that
     * restarted with every event would never report.
     */
    @Test
    void aSteadyStreamOfEventsIsReportedOnceTheMaximumDelayHasPassed() throws Exception {
        java.util.concurrent.atomic.AtomicLong fake = new java.util.concurrent.atomic.AtomicLong();
        watcher = MaildirWatcher.start(List.of(a, b), Duration.ofHours(1), Duration.ofSeconds(10),
                MaildirWatcher.REWATCH, reports::add, fake::get);
        int events = 0;
        while (reports.isEmpty() && events < 20) {
            touch(a.resolve("new/m" + events));
            events++;
            TimeUnit.MILLISECONDS.sleep(50); // let the watcher take the event at this fake time
            fake.addAndGet(Duration.ofSeconds(3).toNanos());
        }
        assertEquals(Set.of(a), awaitReport(r -> r.contains(a)));
        assertTrue(events <= 6, "reported after " + events + " events, about 10 s of fake time after the first");
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

    @Test
    void aVanishedMaildirDoesNotStopTheOthers() throws Exception {
        startWatching(Duration.ofMillis(200), Duration.ofSeconds(5));
        try (Stream<Path> s = Files.walk(a)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
        awaitReport(r -> r.contains(a));
        reports.clear();
        touch(b.resolve("new/still-watched"));
        assertEquals(Set.of(b), awaitReport(r -> r.contains(b)));
    }

    /** Issue 18 item 8: a Maildir removed and made again is watched again without a restart. */
    @Test
    void aMaildirThatDisappearsAndComesBackIsWatchedAgain() throws Exception {
        watcher = MaildirWatcher.start(List.of(a, b), Duration.ofMillis(50), Duration.ofSeconds(5),
                Duration.ofMillis(50), reports::add, System::nanoTime);
        try (Stream<Path> s = Files.walk(a)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
        awaitReport(r -> r.contains(a));
        reports.clear();

        MaildirFolder.open(a); // makes cur/, new/ and tmp/ again
        awaitReport(r -> r.contains(a)); // watched again: counted as a change, for the scan
        reports.clear();
        touch(a.resolve("cur/back"));
        assertEquals(Set.of(a), awaitReport(r -> r.contains(a)));

        // Only cur/ removed and made again, with a file in it at once.
        reports.clear();
        Files.delete(a.resolve("cur/back"));
        Files.delete(a.resolve("cur"));
        awaitReport(r -> r.contains(a));
        reports.clear();
        Files.createDirectory(a.resolve("cur"));
        awaitReport(r -> r.contains(a));
        reports.clear();
        touch(a.resolve("cur/again"));
        assertEquals(Set.of(a), awaitReport(r -> r.contains(a)));
    }

    @Test
    void aFailingHandlerDoesNotStopTheWatcher() throws Exception {
        watcher = MaildirWatcher.start(List.of(a, b), Duration.ofMillis(200), Duration.ofSeconds(5), changed -> {
            reports.add(changed);
            if (changed.contains(a)) {
                throw new IllegalStateException("handler failure for the test");
            }
        });
        touch(a.resolve("new/one"));
        awaitReport(r -> r.contains(a));
        touch(b.resolve("new/two"));
        awaitReport(r -> r.contains(b));
    }

    @Test
    void noCallbackAfterClose() throws Exception {
        startWatching(Duration.ofMillis(200), Duration.ofSeconds(5));
        watcher.close();
        touch(a.resolve("new/late"));
        // close() joined the thread: nothing can report any more.
        TimeUnit.MILLISECONDS.sleep(500);
        assertTrue(reports.isEmpty(), "reports: " + reports);
    }

    @Test
    void refusesAMissingMaildir() {
        assertThrows(IOException.class, () -> MaildirWatcher.start(List.of(temp.resolve("none")),
                Duration.ofMillis(200), Duration.ofSeconds(5), reports::add));
        assertFalse(Files.exists(temp.resolve("none")));
    }
}
