package dev.cms.e2e;

import dev.cms.fakecloud.FakeCloud;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The real daemon as child JVMs in a test's directory, against one account of the embedded
 * fake Gmail: its configuration, its processes (each logging to {@code daemon-N.log}), and
 * waiting for a condition while checking the process is still alive.
 */
final class ChildDaemon implements AutoCloseable {
    private final Path dir;
    private final List<Process> processes = new ArrayList<>();

    ChildDaemon(Path dir) {
        this.dir = dir;
    }

    /**
     * Writes {@code dir/cms.cfg}: the Maildir {@code dir/mail} synced with the fake Gmail's
     * INBOX of {@code user} (client "demo-client"/"demo-secret"), state in {@code dir/state},
     * a free login port, a one-second poll, and a storage key file so logins are saved.
     */
    Path gmailConfig(FakeCloud cloud, String user) throws IOException {
        String base = cloud.baseUri().toString();
        Path cfg = dir.resolve("cms.cfg");
        Files.writeString(cfg, "inbox = MailDir(\"" + dir.resolve("mail") + "\")\n"
                + "GMail(\"INBOX\", GMail_Account(user=\"" + user + "\", client_id=\"demo-client\",\n"
                + "      client_secret=\"demo-secret\", auth_endpoint=\"" + base + "oauth2/auth\",\n"
                + "      token_endpoint=\"" + base + "oauth2/token\", api_endpoint=\"" + base + "\",\n"
                + "      quota_units_per_second=100000))\n"
                + "cfg.message_db_dir = \"" + dir.resolve("state") + "\"\n"
                + "cfg.web_port = " + freePort() + "\n"
                + "cfg.poll_interval = 1\n"
                + "cfg.storage_key_file = \"" + dir.resolve("storage.key") + "\"\n");
        return cfg;
    }

    /**
     * Starts {@code dev.cms.cli.Main} with {@code jvmOptions} and {@code args}; with a browser,
     * {@code $BROWSER} is a script that follows the login page's redirects with curl (the
     * scripted approval of the fake identity service).
     */
    Process start(boolean withBrowser, List<String> jvmOptions, String... args) throws IOException {
        Path browser = dir.resolve("browser.sh");
        Files.writeString(browser, "#!/bin/sh\nexec curl -s -L -o /dev/null \"$1\"\n");
        Files.setPosixFilePermissions(browser, PosixFilePermissions.fromString("rwx------"));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.cms.cli.Main"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("BROWSER");
        pb.environment().put("PATH", "/usr/bin:/bin");
        if (withBrowser) {
            pb.environment().put("BROWSER", browser.toString());
        }
        pb.redirectErrorStream(true);
        pb.redirectOutput(dir.resolve("daemon-" + processes.size() + ".log").toFile());
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    Process start(boolean withBrowser, String... args) throws IOException {
        return start(withBrowser, List.of(), args);
    }

    /** How many daemons were started. */
    int started() {
        return processes.size();
    }

    /** What the i-th daemon (from 0) logged. */
    String log(int i) throws IOException {
        return Files.readString(dir.resolve("daemon-" + i + ".log"));
    }

    /** Waits up to a minute for {@code condition}; fails at once when {@code p} exits meanwhile. */
    static void await(BooleanSupplier condition, String what, Process p) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            if (!p.isAlive()) {
                throw new AssertionError("the daemon exited (" + p.exitValue() + ") while waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    interface IoCondition {
        boolean holds() throws IOException;
    }

    /** {@code c} as a plain condition; an I/O error fails the test. */
    static boolean unchecked(IoCondition c) {
        try {
            return c.holds();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Kills every daemon still running. */
    @Override
    public void close() {
        for (Process p : processes) {
            p.destroyForcibly();
        }
    }
}
