package dev.cms.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Smoke test: the polling benchmark runs end to end on a small account and prints both tables. */
class PollingBenchmarkTest {
    @Test
    void aSmallAccountRunsAndPrintsBothServices() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            PollingBenchmark.run(new String[] {"--folders", "12", "--polls", "2"}, out);
        }
        String text = bytes.toString(StandardCharsets.UTF_8);
        for (String line : new String[] {"Office365, 12 folders", "Gmail, 12 folders", "unchanged poll, mean",
            "10 minutes at idle (60 s)", "of Outlook's 10,000 / 10 min"}) {
            assertTrue(text.contains(line), () -> "no '" + line + "' in\n" + text);
        }
    }
}
