package dev.cms.cli;

import static dev.cms.testing.TextAssert.assertThatText;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.time.FakeTicker;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, item 15: what the terminal shows after the progress bar was drawn, shortened,
 * erased, and interrupted by log lines. A tiny terminal model interprets {@code \r},
 * {@code \n} and {@code ESC[K} as a terminal does and gives the lines on the screen.
 */
class ConsoleProgressTest {
    /** The screen after {@code output}: finished lines plus the unfinished last one. */
    static List<String> screen(String output) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        int col = 0;
        for (int i = 0; i < output.length(); i++) {
            char c = output.charAt(i);
            if (c == '\r') {
                col = 0;
            } else if (c == '\n') {
                lines.add(line.toString());
                line.setLength(0);
                col = 0;
            } else if (output.startsWith(ConsoleProgress.ERASE_LINE, i)) {
                line.setLength(Math.min(line.length(), col));
                i += ConsoleProgress.ERASE_LINE.length() - 1;
            } else {
                if (col < line.length()) {
                    line.setCharAt(col, c);
                } else {
                    line.append(c);
                }
                col++;
            }
        }
        lines.add(line.toString());
        return lines;
    }

    private final ByteArrayOutputStream terminal = new ByteArrayOutputStream();
    private final PrintStream raw = new PrintStream(terminal, true, StandardCharsets.UTF_8);
    private final FakeTicker ticker = new FakeTicker();
    private final ConsoleProgress progress = new ConsoleProgress(raw, true, 80, ticker);
    private final PrintStream log = progress.logStream(raw);

    private List<String> shown() {
        return screen(terminal.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aLogLineAfterADownloadLeavesNothingOfTheBar() {
        String longName = "office365:someone.with.a.long.name@contoso.example:Inbox/Lists/kernel";
        progress.fetchStarted(longName, 1000);
        progress.fetched(longName, 1000, 123_456_789L);
        assertThatText(shown().get(0), shown().toString()).contains("1000/1000");
        progress.fetchFinished(longName);
        log.println("12-04 21:00:00 INFO gmail:a@gmail.com:INBOX: downloading 1000 new message(s)");
        assertEquals(List.of("12-04 21:00:00 INFO gmail:a@gmail.com:INBOX: downloading 1000 new message(s)", ""),
                shown());
    }

    @Test
    void aLogLineDuringADownloadGoesOnItsOwnLineAndTheBarComesBack() throws Exception {
        progress.fetchStarted("gmail:a@gmail.com:INBOX", 100);
        progress.fetched("gmail:a@gmail.com:INBOX", 10, 10_000);
        log.println("12-04 21:00:00 INFO stopping");
        assertEquals(List.of("12-04 21:00:00 INFO stopping", ""), shown());
        ticker.advance(Duration.ofMillis(250)); // the bar is redrawn at most five times a second
        progress.fetched("gmail:a@gmail.com:INBOX", 20, 20_000);
        List<String> now = shown();
        assertEquals("12-04 21:00:00 INFO stopping", now.get(0));
        assertTrue(now.get(1).startsWith("gmail:a@gmail.com:INBOX [####"), now.toString());
    }

    @Test
    void aShorterRedrawErasesTheRestOfTheLongerOne() throws Exception {
        progress.fetchStarted("gmail:a@gmail.com:INBOX", 100_000);
        progress.fetched("gmail:a@gmail.com:INBOX", 99_999, 9_000_000_000L);
        String first = shown().get(0);
        progress.fetchStarted("g:b", 60);
        progress.fetched("g:b", 60, 1);
        List<String> now = shown();
        assertEquals(1, now.size(), now.toString());
        assertTrue(now.get(0).startsWith("g:b [####################] 60/60 "), now.toString());
        assertTrue(now.get(0).length() < first.length(), now + " vs " + first);
        assertTrue(now.get(0).endsWith(" left"), "nothing of the longer line after the shorter one: " + now);
    }

    @Test
    void theBarNeverFillsTheTerminalWidth() {
        String name = "x".repeat(200);
        progress.fetchStarted(name, 1_000_000);
        progress.fetched(name, 1, 1);
        for (String l : shown()) {
            assertTrue(l.length() < 80, l.length() + ": " + l);
        }
    }

    // ---- issue 15, item 4: count, rate and time left, quota waits included

    private final List<String> logged = new ArrayList<>();
    private final ConsoleProgress daemonLog = new ConsoleProgress(raw, false, 80, ticker, logged::add, false);
    private int done;

    /** {@code n} more bodies of {@code size} bytes, one every {@code every}, told to {@code p}. */
    private void arrive(ConsoleProgress p, String mailbox, int n, Duration every, long size) {
        for (int i = 0; i < n; i++) {
            ticker.advance(every);
            done++;
            p.fetched(mailbox, done, done * size);
        }
    }

    @Test
    void theLogShowsCountRateAndTimeLeftEveryTenth() {
        daemonLog.fetchStarted("gmail:a@gmail.com:INBOX", 1000);
        arrive(daemonLog, "gmail:a@gmail.com:INBOX", 200, Duration.ofMillis(100), 10_000);
        assertEquals(List.of(
                "gmail:a@gmail.com:INBOX: 100/1000 10 msg/s 100 kB/s, 1m30s left",
                "gmail:a@gmail.com:INBOX: 200/1000 10 msg/s 100 kB/s, 1m20s left"), logged);
    }

    @Test
    void aQuotaPauseLengthensTheEstimate() {
        String box = "o365:b@contoso.example:Inbox";
        daemonLog.fetchStarted(box, 1000);
        arrive(daemonLog, box, 200, Duration.ofMillis(100), 10_000);
        // Office365 asks to wait a minute (Retry-After: 60): the mailbox holds back, nothing arrives.
        arrive(daemonLog, box, 1, Duration.ofSeconds(60).plusMillis(100), 10_000);
        // 201 bodies in 80.1 s: 2.5 a second, so the 799 left take 319 s, not the 80 s of before.
        assertEquals(box + ": 201/1000 2.5 msg/s 25 kB/s, 5m19s left", logged.get(logged.size() - 1));
        arrive(daemonLog, box, 99, Duration.ofMillis(100), 10_000);
        // The pause stays in the estimate: 300 in 90 s.
        assertEquals(box + ": 300/1000 3.3 msg/s 33 kB/s, 3m30s left", logged.get(logged.size() - 1));
    }

    @Test
    void atTheGmailQuotaTheEstimateIsTheQuotaRateOnceTheBurstIsPast() {
        // 200 units a second, 5 a body: the bucket's first second lets 40 through at once, then one every 25 ms.
        String box = "gmail:a@gmail.com:INBOX";
        daemonLog.fetchStarted(box, 10_000);
        arrive(daemonLog, box, 40, Duration.ofMillis(1), 20_000);
        arrive(daemonLog, box, 960, Duration.ofMillis(25), 20_000);
        // 1000 in 24.04 s: 41.6 a second, within 4 % of the quota's 40 after 24 s; 9000 left take 217 s.
        assertEquals(box + ": 1000/10000 42 msg/s 832 kB/s, 3m37s left", logged.get(0));
    }

    @Test
    void aSlowDownloadIsLoggedEveryHalfMinute() {
        String box = "gmail:a@gmail.com:INBOX";
        daemonLog.fetchStarted(box, 100_000);
        arrive(daemonLog, box, 95, Duration.ofSeconds(1), 1000);
        assertEquals(List.of(
                box + ": 30/100000 1.0 msg/s 1 kB/s, 27h46m left",
                box + ": 60/100000 1.0 msg/s 1 kB/s, 27h45m left",
                box + ": 90/100000 1.0 msg/s 1 kB/s, 27h45m left"), logged);
    }

    @Test
    void theTimeLeftIsUnknownUntilTheDownloadHasRunFiveSeconds() {
        progress.fetchStarted("g:b", 1000);
        arrive(progress, "g:b", 4, Duration.ofMillis(250), 1000);
        assertTrue(shown().get(0).endsWith("] 4/1000 4.0 msg/s 4 kB/s, ? left"), shown().toString());
        arrive(progress, "g:b", 40, Duration.ofMillis(250), 1000);
        assertTrue(shown().get(0).endsWith("] 44/1000 4.0 msg/s 4 kB/s, 3m59s left"), shown().toString());
    }

    @Test
    void theTerminalLineShowsTheSameFiguresAndNarrowsTheBarToKeepThem() {
        progress.fetchStarted("o365:b@contoso.example:Inbox", 1000);
        arrive(progress, "o365:b@contoso.example:Inbox", 200, Duration.ofMillis(250), 1_000_000);
        assertEquals(List.of("…b@contoso.example:Inbox [##          ] 200/1000 4.0 msg/s 4.0 MB/s, 3m20s left"),
                shown());
    }

    /** Lets {@code seconds} pass a second at a time, each time until the ticking thread has seen it. */
    private void pause(int seconds) throws InterruptedException {
        for (int i = 0; i < seconds; i++) {
            ticker.advance(Duration.ofSeconds(1));
            ticker.awaitWaiting(1, Duration.ofSeconds(10));
        }
    }

    @Test
    void duringAPauseTheLogShowsTheTimeLeftGrowing() throws Exception {
        ConsoleProgress ticking = new ConsoleProgress(raw, false, 80, ticker, logged::add, true);
        String box = "o365:b@contoso.example:Inbox";
        ticking.fetchStarted(box, 1000);
        try {
            arrive(ticking, box, 200, Duration.ofMillis(100), 10_000);
            ticker.awaitWaiting(1, Duration.ofSeconds(10));
            pause(60); // Retry-After: 60, nothing arrives
            assertEquals(List.of(
                    box + ": 100/1000 10 msg/s 100 kB/s, 1m30s left",
                    box + ": 200/1000 10 msg/s 100 kB/s, 1m20s left",
                    box + ": 200/1000 4.0 msg/s 40 kB/s, 3m20s left",
                    box + ": 200/1000 2.5 msg/s 25 kB/s, 5m20s left"), logged);
        } finally {
            ticking.fetchFinished(box);
        }
    }

    @Test
    void duringAPauseTheTerminalLineKeepsCountingAndComesBackAfterALogLine() throws Exception {
        ConsoleProgress ticking = new ConsoleProgress(raw, true, 80, ticker, logged::add, true);
        PrintStream err = ticking.logStream(raw);
        String box = "o365:b@contoso.example:Inbox";
        ticking.fetchStarted(box, 1000);
        try {
            arrive(ticking, box, 200, Duration.ofMillis(250), 1_000_000);
            ticker.awaitWaiting(1, Duration.ofSeconds(10));
            err.println("12-05 02:00:00 INFO Office365 messages.$value failed (HTTP 429); retrying in 50000 ms");
            pause(50);
            assertEquals(List.of("12-05 02:00:00 INFO Office365 messages.$value failed (HTTP 429); retrying in 50000 ms",
                    "…b@contoso.example:Inbox [##          ] 200/1000 2.0 msg/s 2.0 MB/s, 6m40s left"), shown());
        } finally {
            ticking.fetchFinished(box);
        }
        assertEquals("", shown().get(1), "the line is gone when the download ends");
    }
}
