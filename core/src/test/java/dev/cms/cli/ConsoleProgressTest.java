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
}
