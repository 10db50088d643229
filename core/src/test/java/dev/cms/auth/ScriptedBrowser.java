package dev.cms.auth;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * A {@code $BROWSER} for tests: a shell script that records each run and lets curl follow the
 * login page's redirects. When gated, it waits for {@link #open()} before it starts.
 */
final class ScriptedBrowser {
    static final Duration WAIT = Duration.ofSeconds(60);

    private final Path runs;
    private final Path gate;
    private final Path script;

    private ScriptedBrowser(Path dir, boolean gated) throws IOException {
        Path curl = BrowserLauncher.onPath("curl", System.getenv("PATH")).orElse(null);
        assumeTrue(curl != null, "curl is not installed");
        this.runs = dir.resolve("browser-runs.log");
        this.gate = dir.resolve("browser-gate");
        this.script = dir.resolve("browser.sh");
        String wait = gated ? "while [ ! -f '" + gate + "' ]; do sleep 0.05; done\n" : "";
        Files.writeString(script, "#!/bin/sh\necho run >> '" + runs + "'\n" + wait
                + "exec '" + curl + "' -s -L --max-redirs 20 -o /dev/null \"$1\"\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    }

    /** A browser that starts following the login page at once. */
    static ScriptedBrowser following(Path dir) throws IOException {
        return new ScriptedBrowser(dir, false);
    }

    /** A browser that waits for {@link #open()} before following the login page. */
    static ScriptedBrowser gated(Path dir) throws IOException {
        return new ScriptedBrowser(dir, true);
    }

    /** The environment a {@link LoginCoordinator} should start this browser from. */
    Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("BROWSER", script.toString());
        env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        return env;
    }

    void open() throws IOException {
        Files.writeString(gate, "go");
    }

    /** How many times the browser was started. */
    int runs() throws IOException {
        return Files.exists(runs) ? Files.readAllLines(runs).size() : 0;
    }

    interface Check {
        boolean holds() throws Exception;
    }

    static void waitFor(String what, Check check) throws Exception {
        Instant deadline = Instant.now().plus(WAIT);
        while (!check.holds()) {
            assertTrue(Instant.now().isBefore(deadline), "timed out waiting for " + what);
            Thread.sleep(20);
        }
    }
}
