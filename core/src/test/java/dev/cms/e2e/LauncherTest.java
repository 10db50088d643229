package dev.cms.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's first step from a fresh clone: {@code ./cloud-mdir-sync} builds the program
 * with Maven on its first run and then works. Only committed files are in the clone. One
 * Maven build (up to 10 minutes); skipped without git or mvn on the PATH.
 */
class LauncherTest {
    @TempDir
    Path tmp;

    record Result(int code, String out) {}

    private static boolean onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    private Result run(Path dir, long timeoutMinutes, String... cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        pb.environment().remove("MAVEN_PROJECTBASEDIR");
        pb.environment().remove("MAVEN_CMD_LINE_ARGS");
        pb.environment().remove("JAVA_OPTS");
        pb.redirectErrorStream(true);
        Path out = Files.createTempFile(tmp, "out", ".txt");
        pb.redirectOutput(out.toFile());
        Process p = pb.start();
        try {
            assertTrue(p.waitFor(timeoutMinutes, TimeUnit.MINUTES), String.join(" ", cmd) + " finishes; output:\n"
                    + Files.readString(out));
        } finally {
            p.destroyForcibly();
        }
        return new Result(p.exitValue(), Files.readString(out));
    }

    @Test
    void theLauncherBuildsAFreshCloneAndRuns() throws Exception {
        assumeTrue(onPath("git"), "git is on the PATH");
        assumeTrue(onPath("mvn"), "mvn is on the PATH");
        Path repo = Path.of("").toAbsolutePath();
        assumeTrue(Files.exists(repo.resolve(".git")), "the tests run in a git checkout");

        Path clone = tmp.resolve("clone");
        Result cloned = run(tmp, 2, "git", "clone", "--quiet", repo.toString(), clone.toString());
        assertEquals(0, cloned.code(), cloned.out());
        assertTrue(Files.isExecutable(clone.resolve("cloud-mdir-sync")), "the launcher is committed executable");
        assertFalse(Files.exists(clone.resolve("core").resolve("target")), "nothing built yet");

        Result help = run(clone, 10, clone.resolve("cloud-mdir-sync").toString(), "--help");
        assertEquals(0, help.code(), help.out());
        assertTrue(help.out().contains("cloud-mdir-sync: building (first run or sources changed)..."), help.out());
        // Issue 12, item 14: the first build says what it is doing, a line per Maven step.
        assertTrue(help.out().contains("cloud-mdir-sync: build step: compile (compiler)"), help.out());
        assertTrue(help.out().contains("cloud-mdir-sync: build step: shade (shade)"), help.out());
        assertTrue(help.out().matches("(?s).*cloud-mdir-sync: built \\S+cloud-mdir-sync\\.jar in \\d+ s\\n.*"), help.out());
        assertTrue(help.out().contains("Usage: cloud-mdir-sync [-hqvV]"), help.out());
        for (String sub : List.of("demo", "check", "status", "oauth")) {
            assertTrue(help.out().contains("  " + sub + " "), sub + " listed:\n" + help.out());
        }
        assertTrue(Files.isRegularFile(clone.resolve("core").resolve("target").resolve("cloud-mdir-sync.jar")),
                "the jar was built");

        // The second run uses the jar: no build, and the example configuration is valid.
        Result check = run(clone, 2, clone.resolve("cloud-mdir-sync").toString(), "check", "-c", "cms.cfg.example");
        assertEquals(0, check.code(), check.out());
        assertTrue(check.out().startsWith("cms.cfg.example: OK"), check.out());
        assertFalse(check.out().contains("building"), "no second build:\n" + check.out());
    }
}
