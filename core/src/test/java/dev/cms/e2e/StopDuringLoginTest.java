package dev.cms.e2e;

import static dev.cms.testing.TextAssert.assertThatText;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.testing.FakeGmailCloud;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, item 2: SIGINT (Ctrl-C) or SIGTERM while the daemon waits for a login ends it
 * promptly with exit 0 and removes the broker's socket; the login wait honours the stop instead of
 * holding it up for the shutdown hook's 30 s (after which the JVM used to exit 130).
 */
class StopDuringLoginTest {
    static final String USER = "judy@gmail.example";

    @TempDir
    Path tmp;

    @RegisterExtension
    final FakeGmailCloud fake = FakeGmailCloud.withAccount(USER, "judy-client", "judy-secret");
    Process daemon;


    @AfterEach
    void stop() {
        if (daemon != null) {
            daemon.destroyForcibly();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private String log() throws IOException {
        Path p = tmp.resolve("daemon.log");
        return Files.exists(p) ? Files.readString(p) : "";
    }

    @ParameterizedTest
    @ValueSource(strings = {"INT", "TERM"})
    void aStopDuringALoginWaitExitsZeroPromptlyAndRemovesTheSocket(String signal) throws Exception {
        String base = fake.cloud().baseUri().toString();
        Path sock = tmp.resolve("cms.sock");
        Path cfg = tmp.resolve("cms.cfg");
        Files.writeString(cfg, "account = GMail_Account(user=\"" + USER + "\", client_id=\"judy-client\",\n"
                + "    client_secret=\"judy-secret\", auth_endpoint=\"" + base + "oauth2/auth\",\n"
                + "    token_endpoint=\"" + base + "oauth2/token\", api_endpoint=\"" + base + "\")\n"
                + "MailDir(\"" + tmp.resolve("mail") + "\")\n"
                + "GMail(\"INBOX\", account)\n"
                + "CredentialServer(\"" + sock + "\", accounts=[account])\n"
                + "cfg.message_db_dir = \"" + tmp.resolve("state") + "\"\n"
                + "cfg.storage_key_file = \"" + tmp.resolve("key") + "\"\n"
                + "cfg.web_port = " + freePort() + "\n");
        // Through env --default-signal: a test run started in the background of a shell has
        // SIGINT ignored, which the daemon's JVM would inherit and keep (as under nohup).
        ProcessBuilder pb = new ProcessBuilder("/usr/bin/env", "--default-signal=INT,TERM",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.cms.cli.Main", "-c", cfg.toString());
        pb.environment().remove("BROWSER");
        Files.createDirectories(tmp.resolve("empty-path"));
        pb.environment().put("PATH", tmp.resolve("empty-path").toString()); // no browser: the URL is printed
        pb.redirectErrorStream(true);
        pb.redirectOutput(tmp.resolve("daemon.log").toFile());
        daemon = pb.start();

        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!(Files.exists(sock) && log().contains("login needed for " + USER))) {
            assertTrue(daemon.isAlive(), "the daemon exited: " + log());
            assertTrue(System.nanoTime() < deadline, "the daemon never waited for a login: " + log());
            Thread.sleep(50);
        }

        Process kill = new ProcessBuilder("/bin/kill", "-" + signal, Long.toString(daemon.pid())).inheritIO().start();
        assertEquals(0, kill.waitFor());
        // Generous for a loaded machine, and well below the old 30 s hook wait.
        assertTrue(daemon.waitFor(15, TimeUnit.SECONDS), "the daemon did not stop: " + log());
        assertEquals(0, daemon.exitValue(), log());
        assertFalse(Files.exists(sock), "the socket is removed");
        assertThatText(log()).contains("stopped cleanly");
    }
}
