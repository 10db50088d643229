package dev.cms.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Smoke test only: the provider benchmark runs end to end with tiny N; its figures are not judged. */
class ProviderBenchmarkTest {
    @TempDir
    Path tmp;

    @Test
    void tinyRunOfBothProvidersCompletesAndPrintsTheTableAndSaysWhatDidNotFitItsBudget() throws Exception {
        ByteArrayOutputStream table = new ByteArrayOutputStream();
        Path json = tmp.resolve("results.json");
        int code;
        try (PrintStream out = new PrintStream(table, true, StandardCharsets.UTF_8)) {
            code = ProviderBenchmark.run(new String[] {"--n", "200,100000", "--size", "2048", "--quota-n", "0",
                "--limit-n", "60", "--limit", "25/2", "--budget-minutes", "2",
                "--dir", tmp.resolve("work").toString(),
                "--json", json.toString()}, out, System.err);
        }
        String text = table.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, text);
        for (String heading : new String[] {ProviderBenchmark.TITLE, "Gmail 200", "Office365 200", "Office365 60",
            ProviderBenchmark.HEADING_SYNC, ProviderBenchmark.HEADING_CALLS, ProviderBenchmark.HEADING_CEILING,
            ProviderBenchmark.HEADING_RESTART, ProviderBenchmark.HEADING_POLL, ProviderBenchmark.HEADING_FLAG,
            ProviderBenchmark.HEADING_RSS, ProviderBenchmark.HEADING_CPU, ProviderBenchmark.HEADING_LIMIT,
            ProviderBenchmark.HEADING_IDLE_RSS, "floor, ratio", "CPU of the poll"}) {
            assertTrue(text.contains(heading), () -> "no '" + heading + "' in\n" + text);
        }
        // Each full case restarts three times beside the floor and gives the medians and each.
        assertTrue(text.matches("(?s).*restart to idle +median [0-9.]+ s \\([0-9.]+, [0-9.]+, [0-9.]+ s; 0 fetched.*"),
                text);
        // 100,000 messages, estimated from the 200-message cases, cannot fit in 2 minutes: not run, and said so.
        assertTrue(text.contains("Gmail 100,000") && text.contains("Office365 100,000"), text);
        assertEquals(2, text.split("not run: estimated", -1).length - 1, text);
        String written = Files.readString(json);
        assertTrue(written.matches("(?s).*\"idle_rss_bytes\": [1-9][0-9]*.*"), written);
        assertTrue(written.contains("\"provider\": \"gmail\"") && written.contains("\"provider\": \"office365\""),
                written);
    }

    @Test
    void anUnknownProviderIsRefusedBeforeAnythingStarts() {
        PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> ProviderBenchmark.run(new String[] {"--providers", "imap"}, sink, sink));
        assertTrue(e.getMessage().contains("imap"), e.getMessage());
    }
}
