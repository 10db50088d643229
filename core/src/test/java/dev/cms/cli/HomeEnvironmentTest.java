package dev.cms.cli;

import static dev.cms.testing.TextAssert.assertThatText;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, item 8: {@code HOME=$(mktemp -d) cloud-mdir-sync} reads and writes under that
 * home, not under the account's home from the password database ({@code user.home}).
 */
class HomeEnvironmentTest {
    @TempDir
    Path tmp;

    record Result(int code, String out, String err) {}

    private Result run(Path cwd, Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.cms.cli.Main"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile());
        pb.environment().remove("XDG_CONFIG_HOME");
        pb.environment().putAll(env);
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        try {
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the program exits by itself");
        } finally {
            p.destroyForcibly();
        }
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    @Test
    void homeFromTheEnvironmentExpandsTildeAndLocatesTheDefaultConfiguration() throws Exception {
        Path home = Files.createDirectories(tmp.resolve("home"));
        Path cwd = Files.createDirectories(tmp.resolve("elsewhere"));
        Path cfg = Files.createDirectories(home.resolve(".config/cloud-mdir-sync")).resolve("cms.cfg");
        Files.writeString(cfg, "MailDir(\"~/mail/INBOX\")\n"
                + "GMail(\"INBOX\", GMail_Account(user=\"a@gmail.com\", client_id=\"id\", client_secret=\"s\"))\n");
        Result r = run(cwd, Map.of("HOME", home.toString()), "check");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith(cfg + ": OK"), r.out());
        assertThatText(r.out()).contains("  " + home.resolve("mail/INBOX") + "\n");
    }

    @Test
    void theDefaultStateDirectoryIsUnderHome() throws Exception {
        Path home = Files.createDirectories(tmp.resolve("home"));
        Path cfg = tmp.resolve("cms.cfg");
        Files.writeString(cfg, "MailDir(\"~/mail/INBOX\")\n"
                + "GMail(\"INBOX\", GMail_Account(user=\"a@gmail.com\", client_id=\"id\", client_secret=\"s\"))\n");
        Result r = run(tmp, Map.of("HOME", home.toString()), "status", "-c", cfg.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("State directory: " + home.resolve("mail/.cms")), r.out());
    }
}
