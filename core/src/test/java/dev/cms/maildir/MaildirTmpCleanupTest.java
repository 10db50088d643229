package dev.cms.maildir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.time.FakeTicker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18 item 7: a daemon killed while delivering leaves hard links in a Maildir's
 * {@code tmp/} that keep the space of bodies long gone. Start-up removes our own leftovers and,
 * by Maildir's 36-hour rule, anyone's file untouched that long; real files throughout.
 */
class MaildirTmpCleanupTest {
    static final String HOST = "box.example";
    static final Instant NOW = Instant.parse("2026-12-04T12:00:00Z");
    static final long DEAD = 111;
    static final long LIVE = 222;
    static final Instant LIVE_STARTED = NOW.minus(Duration.ofHours(1));

    @TempDir
    Path temp;

    private static Optional<Instant> started(long pid) {
        return pid == LIVE ? Optional.of(LIVE_STARTED) : Optional.empty();
    }

    private static String name(Instant made, long pid, int q, String host) {
        return made.getEpochSecond() + ".M5P" + pid + "Q" + q + "." + host;
    }

    private static Path file(Path dir, String name, Duration age) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, "x");
        FileTime t = FileTime.from(NOW.minus(age));
        Files.setAttribute(f, "lastModifiedTime", t);
        Files.setAttribute(f, "lastAccessTime", t);
        return f;
    }

    @Test
    void ownLeftoversAndFilesUntouchedFor36HoursGoTheRestStays() throws Exception {
        Path root = temp.resolve("mail");
        MaildirFolder.open(root);
        Path tmp = root.resolve("tmp");
        MaildirFolder folder = new MaildirFolder(root, new UniqueNames(new FakeTicker(NOW), 999, HOST));

        // A hard link left by a killed delivery: the body elsewhere keeps only its own name.
        Path body = Files.writeString(temp.resolve("body"), "From: a@example.com\n\nhello\n");
        Path leftover = tmp.resolve(name(NOW.minusSeconds(60), DEAD, 1, HOST));
        Files.createLink(leftover, body);
        assertEquals(2, Files.getAttribute(body, "unix:nlink"));
        Path reusedPid = file(tmp, name(LIVE_STARTED.minusSeconds(5), LIVE, 2, HOST), Duration.ofMinutes(61));
        Path inFlight = file(tmp, name(NOW.minusSeconds(1), LIVE, 3, HOST), Duration.ZERO);
        Path otherHost = file(tmp, name(NOW.minusSeconds(60), DEAD, 4, "other.example"), Duration.ofHours(1));
        Path oldForeign = file(tmp, "1234.foreign.other", Duration.ofHours(37));
        Path recentlyRead = file(tmp, "recently-read", Duration.ofHours(37));
        Files.setAttribute(recentlyRead, "lastAccessTime", FileTime.from(NOW.minus(Duration.ofHours(2))));
        Path recentlyWritten = file(tmp, "recently-written", Duration.ofHours(37));
        Files.setAttribute(recentlyWritten, "lastModifiedTime", FileTime.from(NOW.minus(Duration.ofHours(2))));
        Path dir = Files.createDirectory(tmp.resolve(name(NOW.minusSeconds(60), DEAD, 5, HOST)));

        int removed = folder.cleanTmp(new FakeTicker(NOW), MaildirTmpCleanupTest::started);

        assertEquals(3, removed);
        assertFalse(Files.exists(leftover));
        assertEquals(1, Files.getAttribute(body, "unix:nlink"), "the body's space is no longer held by tmp/");
        assertFalse(Files.exists(reusedPid), "made before the live process of that id started");
        assertFalse(Files.exists(oldForeign));
        for (Path kept : new Path[] {inFlight, otherHost, recentlyRead, recentlyWritten, dir}) {
            assertTrue(Files.exists(kept), kept.toString());
        }
    }

    @Test
    void openingTheMaildirAtStartUpRemovesALeftoverOfADeadDaemon() throws Exception {
        Path root = temp.resolve("mail");
        MaildirFolder.open(root);
        // A name this host's daemon makes, from a process id above Linux's maximum (none alive).
        String ours = UniqueNames.system().next().replaceFirst("P\\d+Q", "P4194399Q");
        Path leftover = Files.writeString(root.resolve("tmp").resolve(ours), "x");
        Path fresh = Files.writeString(root.resolve("tmp").resolve("someone-else"), "x");

        MaildirFolder.open(root);

        assertFalse(Files.exists(leftover));
        assertTrue(Files.exists(fresh));
    }
}
