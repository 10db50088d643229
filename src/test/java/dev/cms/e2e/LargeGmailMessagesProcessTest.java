package dev.cms.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cms.fakecloud.FakeCloud;
import dev.cms.fakecloud.FakeGmail;
import dev.cms.fakecloud.MessageGenerator;
import dev.cms.model.ContentHash;
import dev.cms.store.MessageStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18 item 2: large Gmail messages under a small heap. The real daemon runs as a child JVM
 * with {@code -Xmx48m} against the embedded fake Gmail (in this JVM) serving four 20 MB
 * messages among small ones, one of the large ones failing for good. Every other message must
 * arrive byte-exact and the daemon must stay up: a download holds a bounded amount of memory,
 * not a whole batch answer (which here would be over 100 MB of base64).
 */
class LargeGmailMessagesProcessTest {
    static final String USER = "carol@gmail.example";
    static final int LARGE = 20 * 1024 * 1024;

    @TempDir
    Path tmp;

    FakeCloud cloud;
    FakeGmail gmail;
    Process daemon;

    @BeforeEach
    void start() throws Exception {
        assumeTrue(new File("/usr/bin/curl").canExecute(), "curl plays the browser");
        cloud = FakeCloud.start(0);
        gmail = cloud.gmail();
        gmail.addAccount(USER, "demo-client", "demo-secret");
    }

    @AfterEach
    void stop() {
        if (daemon != null) {
            daemon.destroyForcibly();
        }
        if (cloud != null) {
            cloud.close();
        }
    }

    /** A message of about {@code size} bytes: headers and a base64 attachment-like body (CRLF). */
    static byte[] largeMessage(int n, int size) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(size + 1024);
        out.writeBytes(("From: big@example.com\r\nTo: " + USER + "\r\nSubject: large " + n
                + "\r\nMessage-ID: <large-" + n + "@example.com>\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        Random random = new Random(n);
        byte[] chunk = new byte[57];
        Base64.Encoder enc = Base64.getEncoder();
        while (out.size() < size) {
            random.nextBytes(chunk);
            out.writeBytes(enc.encode(chunk));
            out.writeBytes(new byte[] {'\r', '\n'});
        }
        return out.toByteArray();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private Path writeConfig() throws IOException {
        String base = cloud.baseUri().toString();
        Path cfg = tmp.resolve("cms.cfg");
        Files.writeString(cfg, "inbox = MailDir(\"" + tmp.resolve("mail") + "\")\n"
                + "GMail(\"INBOX\", GMail_Account(user=\"" + USER + "\", client_id=\"demo-client\",\n"
                + "      client_secret=\"demo-secret\", auth_endpoint=\"" + base + "oauth2/auth\",\n"
                + "      token_endpoint=\"" + base + "oauth2/token\", api_endpoint=\"" + base + "\",\n"
                + "      quota_units_per_second=100000))\n"
                + "cfg.message_db_dir = \"" + tmp.resolve("state") + "\"\n"
                + "cfg.web_port = " + freePort() + "\n"
                + "cfg.poll_interval = 1\n"
                + "cfg.storage_key_file = \"" + tmp.resolve("storage.key") + "\"\n");
        return cfg;
    }

    private Set<ContentHash> delivered() throws IOException {
        Set<ContentHash> out = new HashSet<>();
        for (String sub : List.of("cur", "new")) {
            Path d = tmp.resolve("mail").resolve(sub);
            if (Files.isDirectory(d)) {
                try (Stream<Path> s = Files.list(d)) {
                    for (Path f : (Iterable<Path>) s::iterator) {
                        out.add(MessageStore.hashOf(f));
                    }
                }
            }
        }
        return out;
    }

    private String log() throws IOException {
        return Files.readString(tmp.resolve("daemon.log"));
    }

    @Test
    void largeMessagesArriveUnderASmallHeapAndOneFailingLeavesTheOthers() throws Exception {
        Set<ContentHash> expected = new HashSet<>();
        MessageGenerator gen = new MessageGenerator(5, USER);
        Instant date = Instant.parse("2026-11-01T10:00:00Z");
        String failing = null;
        for (int i = 0; i < 10; i++) {
            byte[] raw = i % 2 == 0 && i < 8 ? largeMessage(i, LARGE) : gen.text(2000).raw();
            String id = gmail.addMessage(USER, raw, date.plusSeconds(i), Set.of("INBOX"));
            if (i == 2) {
                failing = id; // refused for good: the others must still arrive
            } else {
                expected.add(MessageStore.hashOf(new ByteArrayInputStream(raw)));
            }
        }
        cloud.faults().failNext(".*/messages/" + failing, 1_000_000, 400, 0);

        Path browser = tmp.resolve("browser.sh");
        Files.writeString(browser, "#!/bin/sh\nexec curl -s -L -o /dev/null \"$1\"\n");
        Files.setPosixFilePermissions(browser, PosixFilePermissions.fromString("rwx------"));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx48m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), "dev.cms.cli.Main",
                "-c", writeConfig().toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("PATH", "/usr/bin:/bin");
        pb.environment().put("BROWSER", browser.toString());
        pb.redirectErrorStream(true);
        pb.redirectOutput(tmp.resolve("daemon.log").toFile());
        daemon = pb.start();

        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (!delivered().equals(expected)) {
            if (!daemon.isAlive()) {
                throw new AssertionError("the daemon exited (" + daemon.exitValue() + ") with "
                        + delivered().size() + " of " + expected.size() + " messages delivered:\n" + log());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(delivered().size() + " of " + expected.size() + " messages delivered:\n"
                        + log());
            }
            Thread.sleep(100);
        }
        assertTrue(daemon.isAlive(), log());
        daemon.destroy(); // SIGTERM
        assertTrue(daemon.waitFor(60, TimeUnit.SECONDS), "the daemon stops on SIGTERM");
        assertEquals(0, daemon.exitValue(), log());
        assertTrue(!log().contains("OutOfMemoryError"), log());
    }
}
