package dev.cms.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Smoke tests: the benchmark runs to its end on a small mailbox. Figures are not checked. */
class CoreBenchmarkTest {
    @TempDir
    Path tmp;

    @Test
    void smallRunCompletesAndPrintsEveryHeading() throws Exception {
        Path dir = tmp.resolve("bench");
        Path json = tmp.resolve("figures.json");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream log = new ByteArrayOutputStream();

        int code = CoreBenchmark.run(new String[] {"--messages", "300", "--size", "1000", "--polls", "3", "--dir", dir.toString(),
                "--json", json.toString()}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(log, true, StandardCharsets.UTF_8));

        String table = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, () -> table + log.toString(StandardCharsets.UTF_8));
        for (String heading : new String[] {Results.TITLE_TARGETS, Results.HEADING_POLL, Results.HEADING_FLAG,
                Results.HEADING_RESTART, Results.HEADING_HEAP, Results.HEADING_RSS, Results.HEADING_FIRST,
                Results.HEADING_SHARE, Results.HEADING_INITIAL}) {
            assertTrue(table.contains(heading), () -> "no '" + heading + "' in\n" + table);
        }
        assertTrue(table.matches("(?s).*delivered / cycle ok +300 / true\n.*"), table);
        assertTrue(table.matches("(?s).*files re-hashed / bytes read +0 / .*"), table);
        assertTrue(table.contains("state.db rows"), table);
        String figures = Files.readString(json);
        assertTrue(figures.contains("\"messages\": 300,"), figures);
        assertTrue(figures.contains("\"restart_idle\": true,"), figures);
        assertTrue(figures.matches("(?s).*\"rss_idle_bytes\": [1-9][0-9]*,.*"), figures);
        assertTrue(figures.matches("(?s).*\"poll_cpu_millis\": \\[[0-9.]+(, [0-9.]+){2}\\],.*"), figures);
    }

    @Test
    void givenDirectoryIsKeptAndHoldsTheMaildir() throws Exception {
        Path dir = tmp.resolve("kept");
        int code = CoreBenchmark.run(new String[] {"--messages", "30", "--size", "900", "--dir", dir.toString()},
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));

        assertEquals(0, code);
        try (var files = Files.list(dir.resolve("Maildir").resolve("new"))) {
            try (var cur = Files.list(dir.resolve("Maildir").resolve("cur"))) {
                assertEquals(30, files.count() + cur.count());
            }
        }
    }

    @Test
    void nonEmptyDirectoryIsRefused() throws Exception {
        Files.writeString(tmp.resolve("something"), "x");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CoreBenchmark.run(
                new String[] {"--messages", "10", "--dir", tmp.toString()}, System.out, System.err));
        assertTrue(e.getMessage().contains("not empty"), e.getMessage());
    }

    @Test
    void badOptionsNameTheOptionAndValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BenchOptions.parse(new String[] {"--messages", "many"}));
        assertTrue(e.getMessage().contains("--messages") && e.getMessage().contains("many"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse(new String[] {"--size", "10"}));
        assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse(new String[] {"--colour", "red"}));
        assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse(new String[] {"--seed"}));
        assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse(new String[] {"--fetch-threads", "0"}));
    }

    @Test
    void generatedMailIsDeterministicCrlfAndUnique() throws Exception {
        MailGenerator a = new MailGenerator(7, 2000);
        MailGenerator b = new MailGenerator(7, 2000);
        byte[] first = a.body(3);
        assertEquals(new String(first, StandardCharsets.US_ASCII), new String(b.body(3), StandardCharsets.US_ASCII));
        assertEquals(a.flags(3), b.flags(3));
        String text = new String(first, StandardCharsets.US_ASCII);
        assertFalse(text.replace("\r\n", "").contains("\n"), "a bare LF in\n" + text);
        assertTrue(text.contains("\r\nMessage-ID: <"), text);
        assertTrue(first.length >= 1500 && first.length <= 2600, "size " + first.length);
        assertFalse(text.equals(new String(a.body(4), StandardCharsets.US_ASCII)));
        assertEquals(3, MailGenerator.indexOfStub(new java.io.ByteArrayInputStream(MailGenerator.stub(3))));
    }
}
