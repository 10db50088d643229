package dev.cms.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The snippets of {@code docs/*.md} the tests run: the fenced block after a
 * {@code <!-- tested: NAME -->} comment, so that the documentation and the test cannot drift apart.
 */
final class BrokerDocs {
    private BrokerDocs() {}

    static String snippet(String doc, String name) throws IOException {
        Path file = Path.of("docs").resolve(doc);
        List<String> lines = Files.readAllLines(file);
        String marker = "<!-- tested: " + name + " -->";
        int i = lines.indexOf(marker);
        if (i < 0) {
            throw new AssertionError(file + " has no " + marker);
        }
        while (++i < lines.size() && !lines.get(i).startsWith("```")) {
            if (!lines.get(i).isBlank()) {
                throw new AssertionError(file + ": the fenced block must follow " + marker);
            }
        }
        StringBuilder b = new StringBuilder();
        while (++i < lines.size() && !lines.get(i).startsWith("```")) {
            b.append(lines.get(i)).append('\n');
        }
        return b.toString();
    }
}
