package dev.cms.e2e;

import static dev.cms.testing.TextAssert.assertThatText;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cms.testing.FakeGmailCloud;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18, item 4 (logins): one account that needs a new login does not stop the others. The
 * real daemon as a child process with two Gmail accounts in the embedded fake; the first account's
 * refresh token is revoked and its login is left waiting (a scripted browser held at a gate): the
 * second account's new mail arrives and its local change is pushed meanwhile. When the browser
 * completes the login, the first account is synced at once, its backoff ended by the login.
 */
class LoginIsolationProcessTest {
    static final String ANN = "ann@gmail.example";
    static final String BEN = "ben@gmail.example";
    /** Each wait's bound: generous for a loaded machine, far below the 30 min a login used to hold a cycle. */
    static final Duration WAIT = Duration.ofSeconds(45);

    @TempDir
    Path tmp;

    @RegisterExtension
    final FakeGmailCloud fake = FakeGmailCloud.withAccount(ANN, "ann-client", "ann-secret")
            .andAccount(BEN, "ben-client", "ben-secret");
    final List<Process> processes = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        assumeTrue(new File("/usr/bin/curl").canExecute(), "curl plays the browser");
    }

    @AfterEach
    void stop() {
        for (Process p : processes) {
            p.destroyForcibly();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private String account(String var, String user, String client) {
        String base = fake.cloud().baseUri().toString();
        return var + " = GMail(\"INBOX\", GMail_Account(user=\"" + user + "\", client_id=\"" + client + "-client\",\n"
                + "    client_secret=\"" + client + "-secret\", auth_endpoint=\"" + base + "oauth2/auth\",\n"
                + "    token_endpoint=\"" + base + "oauth2/token\", api_endpoint=\"" + base + "\",\n"
                + "    quota_units_per_second=100000))\n";
    }

    private Path writeConfig() throws IOException {
        Path cfg = tmp.resolve("cms.cfg");
        Files.writeString(cfg, "ann_md = MailDir(\"" + tmp.resolve("ann") + "\")\n"
                + "ben_md = MailDir(\"" + tmp.resolve("ben") + "\")\n"
                + account("ann", ANN, "ann") + account("ben", BEN, "ben")
                + "Route(ann_md, mailbox=ann)\n"
                + "Route(ben_md, mailbox=ben)\n"
                + "cfg.message_db_dir = \"" + tmp.resolve("state") + "\"\n"
                + "cfg.web_port = " + freePort() + "\n"
                + "cfg.poll_interval = 1\n"
                + "cfg.storage_key_file = \"" + tmp.resolve("storage.key") + "\"\n");
        return cfg;
    }

    /**
     * A {@code $BROWSER} that records each start and follows the login page with curl; when
     * {@code gated}, only once the file {@code browser-gate} exists.
     */
    private Path browser(boolean gated) throws IOException {
        Path script = tmp.resolve(gated ? "gated-browser.sh" : "browser.sh");
        String wait = gated ? "while [ ! -f '" + tmp.resolve("browser-gate") + "' ]; do sleep 0.05; done\n" : "";
        Files.writeString(script, "#!/bin/sh\necho run >> '" + tmp.resolve("browser-runs.log") + "'\n" + wait
                + "exec curl -s -L --max-redirs 20 -o /dev/null \"$1\"\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return script;
    }

    private Process daemon(Path browser, Path cfg) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.cms.cli.Main", "-c", cfg.toString());
        pb.environment().put("PATH", "/usr/bin:/bin");
        pb.environment().put("BROWSER", browser.toString());
        pb.redirectErrorStream(true);
        pb.redirectOutput(tmp.resolve("daemon-" + processes.size() + ".log").toFile());
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    private String log(int i) {
        try {
            return Files.readString(tmp.resolve("daemon-" + i + ".log"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private int browserRuns() {
        Path runs = tmp.resolve("browser-runs.log");
        try {
            return Files.exists(runs) ? Files.readAllLines(runs).size() : 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<Path> files(String maildir) {
        List<Path> out = new ArrayList<>();
        for (String sub : List.of("cur", "new")) {
            Path d = tmp.resolve(maildir).resolve(sub);
            if (Files.isDirectory(d)) {
                try (Stream<Path> s = Files.list(d)) {
                    s.forEach(out::add);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return out;
    }

    private boolean hasMessage(String maildir, String subject) {
        return files(maildir).stream().anyMatch(f -> hasSubject(f, subject));
    }

    private static boolean hasSubject(Path file, String subject) {
        try {
            return Files.readString(file, java.nio.charset.StandardCharsets.ISO_8859_1)
                    .contains("Subject: " + subject + "\n");
        } catch (IOException e) {
            return false; // renamed meanwhile: the next look finds it
        }
    }

    private String mail(String user, String subject) {
        String raw = "From: someone@example.org\r\nTo: " + user + "\r\nSubject: " + subject
                + "\r\nMessage-ID: <" + subject + "@example.org>\r\nDate: Fri, 04 Dec 2026 12:00:00 +0000\r\n\r\n"
                + "Body of " + subject + ".\r\n";
        return fake.gmail().addMessage(user, raw.getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                java.time.Instant.parse("2026-12-04T12:00:00Z"), Set.of("INBOX", "UNREAD"));
    }

    /** Waits for {@code condition}; returns how long it took in milliseconds. */
    private static long await(BooleanSupplier condition, String what, Process p, int logIndex,
            LoginIsolationProcessTest t) throws Exception {
        long start = System.nanoTime();
        long deadline = start + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + "; log:\n" + t.log(logIndex));
            }
            if (!p.isAlive()) {
                throw new AssertionError("the daemon exited (" + p.exitValue() + ") while waiting for " + what
                        + "; log:\n" + t.log(logIndex));
            }
            Thread.sleep(20);
        }
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    @Test
    void anAccountWaitingForALoginLeavesTheOthersSyncingAndIsSyncedRightAfterItsLogin() throws Exception {
        Path cfg = writeConfig();
        mail(ANN, "ann-first");
        mail(BEN, "ben-first");

        // First start, no saved login: the login page opens and both accounts' mail arrives after it.
        Process first = daemon(browser(false), cfg);
        await(() -> hasMessage("ann", "ann-first") && hasMessage("ben", "ben-first"), "mail after the first logins",
                first, 0, this);
        first.destroy();
        assertTrue(first.waitFor(60, TimeUnit.SECONDS), "the daemon stops on SIGTERM");
        assertEquals(0, first.exitValue(), log(0));

        // Ann's login is revoked; nobody completes her new login until the gate opens.
        fake.gmail().revokeRefreshTokens(ANN);
        mail(ANN, "ann-second");
        mail(BEN, "ben-second");
        int runsBefore = browserRuns();
        Process p = daemon(browser(true), cfg);
        await(() -> hasMessage("ben", "ben-second"), "Ben's mail while Ann's login waits", p, 1, this);
        await(() -> browserRuns() == runsBefore + 1 && log(1).contains("login needed for " + ANN),
                "the login page to open for Ann", p, 1, this);

        // Ben's new mail arrives and his local change is pushed, while Ann's login waits.
        String third = mail(BEN, "ben-third");
        long arrival = await(() -> hasMessage("ben", "ben-third"), "Ben's new mail", p, 1, this);
        Path file = files("ben").stream().filter(f -> hasSubject(f, "ben-third")).findFirst().orElseThrow();
        Files.move(file, tmp.resolve("ben").resolve("cur").resolve(file.getFileName().toString().replace(":2,", "")
                + ":2,S"));
        long push = await(() -> !fake.gmail().labelsOf(BEN, third).contains("UNREAD"), "Ben's S flag to reach the fake",
                p, 1, this);
        System.out.println("login isolation: while " + ANN + " waits for a login, " + BEN + "'s new mail arrived in "
                + arrival + " ms and his local change reached the cloud in " + push + " ms (poll interval 1 s)");
        assertFalse(hasMessage("ann", "ann-second"), "Ann's mailbox waits for her login");
        assertEquals(runsBefore + 1, browserRuns(), "one login page for Ann, however many cycles asked");

        // Ann's mailbox backs off (10 s, then 20 s...); the login completes: her mailbox is tried at
        // once, its backoff ended by the login rather than run out.
        String retrying = "gmail:" + ANN + ":INBOX: retrying this mailbox in ";
        assertThatText(log(1)).contains(retrying);
        Files.writeString(tmp.resolve("browser-gate"), "go");
        await(() -> hasMessage("ann", "ann-second"), "Ann's mail after her login", p, 1, this);
        String after = log(1);
        int loggedIn = after.indexOf("gmail:" + ANN + " is logged in: syncing its mailbox(es) now");
        assertTrue(loggedIn >= 0, after);
        int tryingNow = after.indexOf("gmail:" + ANN + ":INBOX: trying again now", loggedIn);
        assertTrue(tryingNow > loggedIn, "the login ended the backoff of Ann's mailbox:\n" + after);
        assertEquals(-1, after.indexOf(retrying, tryingNow), "no more backoff for Ann:\n" + after);
        assertThatText(after, "the log").doesNotContain("ann-secret", "ben-secret");

        p.destroy();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the daemon stops on SIGTERM");
        assertEquals(0, p.exitValue(), log(1));
    }
}
