package dev.cms.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.model.Flag;
import dev.cms.model.Flags;
import dev.cms.provider.AuthenticationRequiredException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The small parts of a cycle a user sees: the report's words and verdicts, the backoff between
 * failed cycles, how log lines name messages, header reading for routing, and the routing rules.
 */
class SyncPartsTest {
    @TempDir
    Path tmp;

    @Test
    void aStopSummaryCountsWhatIsKept() {
        CycleReport none = new CycleReport();
        assertEquals("stopped at a safe point before the cycle's end: nothing had been downloaded yet", none.stopSummary());
        CycleReport one = new CycleReport();
        one.fetched = 1;
        assertEquals("stopped at a safe point before the cycle's end: 1 message body downloaded so far is kept, and"
                + " the next start goes on without downloading it again", one.stopSummary());
        CycleReport two = new CycleReport();
        two.fetched = 2;
        two.delivered = 1;
        assertEquals("stopped at a safe point before the cycle's end: 2 message bodies downloaded so far are kept, and"
                + " the next start goes on without downloading them again; 1 already in the Maildirs", two.stopSummary());
    }

    @Test
    void theReportSaysWhatFailedAndWhetherAnythingHappened() {
        CycleReport r = new CycleReport();
        assertTrue(r.ok() && r.idle() && !r.failedAsAWhole() && !r.aborted() && !r.loginNeeded());
        assertEquals("fetched 0, pushed 0 flag changes and 0 deletions, delivered 0, renamed 0, removed 0", r.toString());
        for (int i = 0; i < 7; i++) {
            CycleReport one = new CycleReport();
            switch (i) {
                case 0 -> one.fetched = 1;
                case 1 -> one.pushedFlags = 1;
                case 2 -> one.pushedDeletes = 1;
                case 3 -> one.delivered = 1;
                case 4 -> one.renamed = 1;
                case 5 -> one.removed = 1;
                default -> one.lostFound = 1;
            }
            assertFalse(one.idle(), "something happened: " + one);
            assertTrue(one.ok());
        }
        r.lostFound = 2;
        r.fail(Failure.ofItem(Failure.Phase.DELIVER, "a file"));
        assertFalse(r.ok(), "a skipped file is not ok");
        assertFalse(r.failedAsAWhole(), "nor a reason to back off");
        assertEquals(List.of("a file"), r.problems());
        r.mailboxFailed("box", Failure.Phase.LIST, "HTTP 500", new IOException("x"));
        assertEquals(Set.of("box"), r.failedMailboxes());
        assertFalse(r.loginNeeded());
        r.mailboxFailed("gmail", Failure.Phase.LIST, "login", new AuthenticationRequiredException("expired"));
        assertTrue(r.loginNeeded());
        assertEquals(Set.of("gmail"), r.waitingForLogin());
        assertEquals(List.of("box: HTTP 500", "gmail: login"), r.errors());
        assertFalse(r.failedAsAWhole());
        r.fail(Failure.ofCycle(Failure.Phase.LOOK, "the Maildir"));
        assertTrue(r.failedAsAWhole());
        assertEquals(List.of(Failure.Phase.DELIVER, Failure.Phase.LIST, Failure.Phase.LIST, Failure.Phase.LOOK),
                r.failures().stream().map(Failure::phase).toList(), "each failure keeps its phase");
        assertEquals(List.of("box", "gmail"), r.failures().stream().map(Failure::mailbox).filter(m -> m != null).toList());
        assertEquals("fetched 0, pushed 0 flag changes and 0 deletions, delivered 0, renamed 0, removed 0,"
                + " 2 to lost+found, 3 error(s), 1 file(s) skipped", r.toString());
        CycleReport stopped = new CycleReport();
        stopped.aborted = true;
        assertFalse(stopped.ok());
    }

    @Test
    void backoffDoublesWithJitterUpToItsCap() {
        Backoff b = new Backoff(Duration.ofSeconds(10), Duration.ofSeconds(100), new Random(1));
        long[] lows = {8_000, 16_000, 32_000, 64_000, 80_000, 80_000};
        long[] highs = {12_000, 24_000, 48_000, 96_000, 100_000, 100_000};
        for (int i = 0; i < lows.length; i++) {
            long ms = b.next().toMillis();
            assertTrue(ms >= lows[i] && ms <= highs[i], "delay " + i + ": " + ms);
            assertEquals(i + 1, b.failures());
        }
        for (int i = 0; i < 40; i++) {
            assertTrue(b.next().toMillis() <= 100_000, "never beyond the cap, however many failures");
        }
        b.reset();
        assertEquals(0, b.failures());
        assertTrue(b.next().toMillis() <= 12_000, "after a success it starts again from the base");
        Backoff s = b.sibling();
        assertEquals(0, s.failures(), "a sibling starts without failures");
        assertTrue(s.next().toMillis() <= 12_000);
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ZERO, Duration.ofSeconds(1), new Random()));
        assertThrows(IllegalArgumentException.class,
                () -> new Backoff(Duration.ofSeconds(-1), Duration.ofSeconds(1), new Random()));
        assertThrows(IllegalArgumentException.class,
                () -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), new Random()));
        new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(1), new Random()); // base = cap is fine
    }

    @Test
    void backoffJitterSpreadsBothWays() {
        Random r = new Random(7);
        long min = Long.MAX_VALUE;
        long max = 0;
        for (int i = 0; i < 200; i++) {
            long ms = new Backoff(Duration.ofSeconds(10), Duration.ofSeconds(100), r).next().toMillis();
            min = Math.min(min, ms);
            max = Math.max(max, ms);
        }
        assertTrue(min < 9_000 && max > 11_000, "spread " + min + ".." + max);
    }

    @Test
    void logLinesNameFlagsAndSubjectsSafely() throws IOException {
        assertEquals("none", LogNames.letters(Flags.NONE));
        assertEquals("FS", LogNames.letters(Flags.of(Flag.READ, Flag.FLAGGED)));
        Path plain = write("a", "Subject: Hello\r\n\r\nbody\r\n");
        assertEquals("\"Hello\"", LogNames.subject(plain, "id1"));
        Path encoded = write("b", "Subject: =?UTF-8?B?w6l0w6k=?=\n\nbody\n");
        assertEquals("\"\u00e9t\u00e9\"", LogNames.subject(encoded, "id2"));
        Path forged = write("c", "Subject: a\u0007b\n\n");
        assertEquals("\"a?b\"", LogNames.subject(forged, "id3"));
        Path longOne = write("d", "Subject: " + "x".repeat(61) + "\n\n");
        assertEquals("\"" + "x".repeat(60) + "...\"", LogNames.subject(longOne, "id4"));
        Path exact = write("e", "Subject: " + "y".repeat(60) + "\n\n");
        assertEquals("\"" + "y".repeat(60) + "\"", LogNames.subject(exact, "id5"));
        assertEquals("(no subject, cloud id id6)", LogNames.subject(write("f", "From: a\n\n"), "id6"));
        assertEquals("(cloud id id7)", LogNames.subject(tmp.resolve("missing"), "id7"));
    }

    @Test
    void headersAreReadUnfoldedFromTheHeaderBlockOnly() throws IOException {
        String msg = "From: a\r\nX-List:  first\r\n\tsecond \r\nSubject: s\r\nx-list: later\r\n\r\nX-Body: no\r\n";
        assertEquals("first second", HeaderReader.read(in(msg), "X-LIST"));
        assertEquals("s", HeaderReader.read(in(msg), "subject"));
        assertNull(HeaderReader.read(in(msg), "X-Body"), "not from the body");
        assertEquals("last", HeaderReader.read(in("A: 1\nB: last"), "b"), "a header block without an empty line");
        assertEquals("folded end", HeaderReader.read(in("A: folded\n end"), "a"));
        assertNull(HeaderReader.read(in(" continuation first\nA: 1\n\n"), "continuation first"));
        assertEquals("caf\u00e9", HeaderReader.read(in("S: caf\u00e9\n\n"), "s"), "8-bit UTF-8 is decoded");
        byte[] latin1 = "S: caf\u00e9\n\n".getBytes(StandardCharsets.ISO_8859_1);
        assertEquals("caf\u00e9", HeaderReader.read(new ByteArrayInputStream(latin1), "s"), "other bytes kept as Latin-1");
        StringBuilder big = new StringBuilder();
        while (big.length() < HeaderReader.MAX_HEADER_BYTES + 10) {
            big.append("X-Pad: ").append("p".repeat(70)).append('\n');
        }
        big.append("Late: yes\n\n");
        assertNull(HeaderReader.read(in(big.toString()), "late"), "only the first 256 KiB are read");
        assertEquals("1", HeaderReader.read(in(":bad\nA: 1\n\n"), "a"), "a line without a name is skipped");
    }

    @Test
    void routingRulesApplyInOrderByMailboxAndHeader() throws IOException {
        Router r = new Router(List.of(
                new Router.Rule(2, 1, null, null, null),
                new Router.Rule(1, -1, "List-Id", "dev.example.com", null),
                new Router.Rule(3, 0, "Subject", null, Pattern.compile("^\\[ci\\]"))));
        assertEquals(2, r.route(1, name -> "dev.example.com"), "the first matching rule wins");
        assertEquals(1, r.route(0, name -> name.equals("List-Id") ? "dev.example.com" : null));
        assertEquals(3, r.route(0, name -> name.equals("Subject") ? "[ci] green" : null));
        assertEquals(0, r.route(0, name -> name.equals("Subject") ? "re: [ci] green" : null), "default: the first Maildir");
        assertEquals(0, r.route(0, name -> null), "a rule on a missing header does not match");
        assertEquals(0, r.route(4, name -> "x"));
        assertEquals(0, Router.defaultOnly().route(1, name -> "x"));

        List<String> maildirs = List.of("/m/0", "/m/1", "/m/2", "/m/3");
        List<String> boxes = List.of("a", "b");
        String f = r.fingerprint(maildirs, boxes);
        assertEquals(f, new Router(List.of(
                new Router.Rule(2, 1, null, null, null),
                new Router.Rule(1, -1, "list-id", "dev.example.com", null),
                new Router.Rule(3, 0, "Subject", null, Pattern.compile("^\\[ci\\]")))).fingerprint(maildirs, boxes),
                "header names are case-insensitive");
        assertNotEquals(f, Router.defaultOnly().fingerprint(maildirs, boxes));
        assertNotEquals(f, r.fingerprint(List.of("/m/0", "/m/x", "/m/2", "/m/3"), boxes), "a Maildir path changed");
        assertNotEquals(f, r.fingerprint(maildirs, List.of("a", "c")), "a mailbox changed");
        assertNotEquals(Router.defaultOnly().fingerprint(maildirs, boxes),
                Router.defaultOnly().fingerprint(List.of("/m/x"), boxes), "the default Maildir changed");
    }

    private static ByteArrayInputStream in(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }

    private Path write(String name, String content) throws IOException {
        return Files.writeString(tmp.resolve(name), content);
    }
}
