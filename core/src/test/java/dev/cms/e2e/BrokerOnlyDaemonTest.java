package dev.cms.e2e;

import static dev.cms.testing.TextAssert.assertThatText;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cms.fakecloud.FakeGmail;
import dev.cms.fakecloud.TokenInfo;
import dev.cms.testing.FakeGmailCloud;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Authentication-only mode: a configuration with an account and a CredentialServer but no
 * Maildir runs the daemon as a token broker only. The first request finds no login: it is
 * answered at once and the login runs in the background; then the oauth client gets a token
 * that the issuer accepts.
 */
class BrokerOnlyDaemonTest {
    static final String USER = "dave@gmail.example";

    @TempDir
    Path tmp;

    @RegisterExtension
    final FakeGmailCloud fake = FakeGmailCloud.withAccount(USER, "broker-client", "broker-secret");
    final List<Process> processes = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        assumeTrue(new File("/usr/bin/curl").canExecute(), "curl plays the browser");
    }

    @AfterEach
    void stop() {
        processes.forEach(Process::destroyForcibly);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private Process java(String mainClass, Path log, boolean withBrowser, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("BROWSER");
        if (withBrowser) {
            Path browser = tmp.resolve("browser.sh");
            Files.writeString(browser, "#!/bin/sh\nexec curl -s -L -o /dev/null \"$1\"\n");
            Files.setPosixFilePermissions(browser, PosixFilePermissions.fromString("rwx------"));
            pb.environment().put("BROWSER", browser.toString());
        }
        pb.redirectErrorStream(true);
        pb.redirectOutput(log.toFile());
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    @Test
    void anAccountWithOnlyACredentialServerIsServedTokens() throws Exception {
        String base = fake.cloud().baseUri().toString();
        Path sock = tmp.resolve("run").resolve("cms.sock");
        Path cfg = tmp.resolve("cms.cfg");
        Files.writeString(cfg, "account = GMail_Account(user=\"" + USER + "\", client_id=\"broker-client\",\n"
                + "    client_secret=\"broker-secret\", auth_endpoint=\"" + base + "oauth2/auth\",\n"
                + "    token_endpoint=\"" + base + "oauth2/token\", api_endpoint=\"" + base + "\")\n"
                + "CredentialServer(\"" + sock + "\", accounts=[account], protocols=[\"SMTP\", \"IMAP\"])\n"
                + "cfg.message_db_dir = \"" + tmp.resolve("state") + "\"\n"
                + "cfg.storage_key_file = \"" + tmp.resolve("key") + "\"\n"
                + "cfg.web_port = " + freePort() + "\n");
        Process daemon = java("dev.cms.cli.Main", tmp.resolve("daemon.log"), true, "-c", cfg.toString());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(sock)) {
            if (!daemon.isAlive()) {
                throw new AssertionError("the daemon exited: " + read(tmp.resolve("daemon.log")));
            }
            assertTrue(System.nanoTime() < deadline, "the broker socket never appeared");
            Thread.sleep(50);
        }

        // No login yet: the first request is answered at once and starts the login in the
        // background (the scripted browser completes it); a later request is served.
        Path out = tmp.resolve("oauth.out");
        Process client = java("dev.cms.broker.OAuthMain", out, false, "--cms_sock=" + sock, "--user=" + USER,
                "--proto=IMAP", "--output=token", "--no_newline");
        assertTrue(client.waitFor(60, TimeUnit.SECONDS));
        assertEquals(1, client.exitValue(), read(out));
        assertThatText(read(out)).contains("needs a login");
        while (true) {
            client = java("dev.cms.broker.OAuthMain", out, false, "--cms_sock=" + sock, "--user=" + USER,
                    "--proto=IMAP", "--output=token", "--no_newline");
            assertTrue(client.waitFor(60, TimeUnit.SECONDS));
            if (client.exitValue() == 0) {
                break;
            }
            assertTrue(System.nanoTime() < deadline, "never served after the login: " + read(out) + "\n"
                    + read(tmp.resolve("daemon.log")));
            Thread.sleep(200);
        }
        String token = read(out);
        Optional<TokenInfo> info = fake.gmail().tokenInfo(token);
        assertTrue(info.isPresent(), "the issuer accepts the token the broker handed out");
        assertEquals(USER, info.get().email());
        assertTrue(info.get().scopes().contains(FakeGmail.FULL_SCOPE), info.get().scopes().toString());
        assertThatText(read(tmp.resolve("daemon.log")), "the token never reaches the log").doesNotContain(token);

        daemon.destroy();
        assertTrue(daemon.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, daemon.exitValue());
        assertTrue(!Files.exists(sock), "the socket is removed on exit");
    }

    private static String read(Path p) throws IOException {
        return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
    }
}
