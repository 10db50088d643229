package dev.cms.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Smoke test: the whole-account benchmark runs the daemon end to end on a small account of both
 * clouds, every message is downloaded once (also those with several labels), and it prints
 * every figure.
 */
class AccountBenchmarkTest {
    @TempDir
    Path tmp;

    @Test
    void aSmallAccountOfBothCloudsSyncsAndPrintsEveryFigure() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int code;
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            code = AccountBenchmark.run(AccountBenchmark.Options.parse(new String[] {"--folders", "12", "--messages",
                "80", "--idle-minutes", "10", "--dir", tmp.resolve("work").toString()}), out, out);
        }
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, text);
        for (String line : new String[] {"Office365: 12 folders, 80 messages", "Gmail: 12 labels, 80 messages",
            "initial sync (start + 1st cycle)", "fake's ceiling (plain client)", "first poll after the sync",
            "unchanged polls, requests", "requests per 10 min at idle", "of Outlook's 10,000 / 10 min"}) {
            assertTrue(text.contains(line), () -> "no '" + line + "' in\n" + text);
        }
        assertEquals(2, text.lines().filter(l -> l.contains("bodies fetched / delivered") && l.contains(" 80 / "))
                .count(), text);
        assertTrue(text.lines().anyMatch(l -> l.startsWith("Gmail:") && !l.contains("(80 Maildir entries)")),
                "some Gmail messages carry several labels:\n" + text);
    }

    @Test
    void theSpreadGivesEveryMessageOnceLargestFolderFirstAndNoFolderEmpty() {
        int[] n = AccountFill.spread(300, 100_000);
        assertEquals(100_000, Arrays.stream(n).sum());
        for (int r = 1; r < n.length; r++) {
            assertTrue(n[r] >= 1 && n[r] <= n[r - 1], "folder " + r + ": " + n[r] + " after " + n[r - 1]);
        }
        assertTrue(n[0] + n[1] + n[2] + n[3] > 50_000, "most mail in the four largest: " + Arrays.toString(n));
        assertEquals(10, Arrays.stream(AccountFill.spread(20, 10)).sum(), "fewer messages than folders");
    }
}
