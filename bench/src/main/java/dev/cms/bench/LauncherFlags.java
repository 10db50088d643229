package dev.cms.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The daemon launcher's JVM options, read from the file the launcher reads
 * ({@code cloud-mdir-sync.jvm-options} at the repository's root) with the launcher's rule for
 * {@code CMS_MAX_HEAP}, so that a benchmark's idle daemon runs under the same flags as a user's.
 */
final class LauncherFlags {
    static final String FILE = "cloud-mdir-sync.jvm-options";

    private LauncherFlags() {}

    /** The repository's root: {@code -Dcms.root} (set by the bench scripts), else the nearest parent holding {@link #FILE}. */
    static Path root() throws IOException {
        String given = System.getProperty("cms.root");
        if (given != null) {
            return Path.of(given);
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve(FILE))) {
                return p;
            }
        }
        throw new IOException("no " + FILE + " in the working directory or a parent; set -Dcms.root");
    }

    /** The options as the launcher passes them (without JAVA_OPTS). */
    static List<String> read() throws IOException {
        return parse(Files.readString(root().resolve(FILE), StandardCharsets.UTF_8), System.getenv("CMS_MAX_HEAP"));
    }

    static List<String> parse(String text, String maxHeap) {
        List<String> out = new ArrayList<>();
        for (String line : text.split("\n", -1)) {
            int hash = line.indexOf('#');
            String opt = (hash < 0 ? line : line.substring(0, hash)).replaceAll("\\s", "");
            if (!opt.isEmpty()) {
                out.add(opt);
            }
        }
        if (maxHeap != null && !maxHeap.isEmpty()) {
            if (!maxHeap.matches("[1-9][0-9]*[kKmMgG]?")) {
                throw new IllegalArgumentException("CMS_MAX_HEAP must be a size such as 512m or 2g, not '" + maxHeap + "'");
            }
            out.add("-Xmx" + maxHeap);
        }
        return out;
    }
}
