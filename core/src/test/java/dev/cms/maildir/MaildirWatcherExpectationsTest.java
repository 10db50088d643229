package dev.cms.maildir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.cms.time.FakeTicker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine's expected own changes on the watcher's fake clock, read through the file events
 * the daemon journals: an expectation past its lifetime never hides a user's change, even
 * between two sweeps, and the sweep that drops stale ones runs a few times per lifetime, not
 * on every event. Fences (dot files) order the test after the events it cares about.
 */
class MaildirWatcherExpectationsTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir Path temp;
    Path a;
    final FakeTicker ticker = new FakeTicker();
    final Set<Path> reported = ConcurrentHashMap.newKeySet();
    final Set<Path> handled = ConcurrentHashMap.newKeySet();
    MaildirWatcher watcher;
    int fences;

    @BeforeEach
    void setUp() throws IOException {
        a = MaildirFolder.open(temp.resolve("a")).root();
        watcher = MaildirWatcher.start(List.of(a), Duration.ofMillis(50), Duration.ofSeconds(5), ticker, roots -> { });
        watcher.onFileEvents((root, files) -> reported.addAll(files));
        watcher.onEventHandled(handled::add);
    }

    @AfterEach
    void tearDown() {
        watcher.close();
    }

    private void fence() throws Exception {
        Path name = Path.of(".fence-" + fences++);
        Files.writeString(a.resolve("new").resolve(name), "x");
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!handled.contains(name)) {
            if (System.nanoTime() - deadline > 0) {
                fail("the event of " + name + " was not handled within " + WAIT);
            }
            TimeUnit.MILLISECONDS.sleep(2); // polls the watcher's thread; no timing depends on it
        }
    }

    /** A mail program's delivery: written in tmp/, then moved in, so new/ sees one event for it. */
    private Path userWrites(String name) throws IOException {
        Path t = Files.writeString(a.resolve("tmp").resolve(name), "user's mail");
        return Files.move(t, a.resolve("new").resolve(name));
    }

    @Test
    void anExpiredExpectationHidesNothingEvenBeforeTheNextSweep() throws Exception {
        Path m = a.resolve("new/m");
        Path q = a.resolve("new/q");
        watcher.expectOwnChange(m); // lifetime ends at 60 s
        watcher.expectOwnChange(q); // its event never comes

        ticker.advance(Duration.ofSeconds(50));
        Path other = userWrites("other"); // at 50 s: a sweep, nothing stale yet; the next one is due at 65 s
        fence();
        assertTrue(reported.contains(other));
        assertEquals(2, watcher.expectations());

        ticker.advance(Duration.ofSeconds(11));
        userWrites("m"); // at 61 s: m's expectation has expired, and no sweep is due
        fence();
        assertTrue(reported.contains(m), "a user's file, after the engine's expectation expired");
        assertEquals(1, watcher.expectations(), "no sweep between two due times: q is still held");

        ticker.advance(Duration.ofSeconds(61));
        Path late = userWrites("late"); // at 122 s: a sweep is due and drops q
        fence();
        assertTrue(reported.contains(late));
        assertEquals(0, watcher.expectations(), "a stale expectation is dropped by the next sweep");
        assertFalse(reported.contains(q));
    }
}
