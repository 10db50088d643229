package dev.cms.e2e;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Debian's Dovecot run from a generated configuration in a temporary directory, on loopback
 * ports: IMAP over TLS and SMTP submission (STARTTLS, relaying to a sink), checking XOAUTH2 and
 * OAUTHBEARER tokens with its {@code oauth2} passdb against an issuer's token-info URL.
 */
final class BrokerDovecot implements AutoCloseable {
    static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    final Path dir;
    final int imapsPort;
    final int submissionPort;
    final Path certificate;
    private final Process process;

    private BrokerDovecot(Path dir, int imapsPort, int submissionPort, Path certificate, Process process) {
        this.dir = dir;
        this.imapsPort = imapsPort;
        this.submissionPort = submissionPort;
        this.certificate = certificate;
        this.process = process;
    }

    /** Skips the test when Dovecot (or openssl, for its certificate) is not installed. */
    static void assumeInstalled() {
        assumeTrue(BrokerPrograms.find("dovecot") != null, "dovecot is not installed (apt-get install dovecot-imapd"
                + " dovecot-submissiond)");
        assumeTrue(Files.isExecutable(Path.of("/usr/lib/dovecot/submission")), "dovecot-submissiond is not installed");
        assumeTrue(BrokerPrograms.find("openssl") != null, "openssl is not installed");
    }

    /**
     * Starts Dovecot with mailboxes under {@code dir/mail/<user>}.
     *
     * @param tokenInfoUrl the issuer's token-info URL, to which Dovecot appends the token
     * @param relayPort where submission relays accepted mail (an SMTP sink on loopback)
     */
    static BrokerDovecot start(Path dir, String tokenInfoUrl, String scope, int relayPort, List<String> users)
            throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        if (dir.getParent() != null && Files.isWritable(dir.getParent())) {
            // The test's temporary directory is private; Dovecot's mail processes (run as "dovecot" when the
            // test runs as root) must pass through it to reach the mailboxes.
            Files.setPosixFilePermissions(dir.getParent(), PosixFilePermissions.fromString("rwx--x--x"));
        }
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        BrokerPrograms.run(dir, Duration.ofSeconds(60), "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                "-keyout", key.toString(), "-out", cert.toString(), "-days", "2", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1");
        boolean root = "root".equals(System.getProperty("user.name"));
        String mailUser = root ? "dovecot" : System.getProperty("user.name");
        long uid = Long.parseLong(BrokerPrograms.run(dir, Duration.ofSeconds(10), "id", "-u", mailUser).strip());
        long gid = Long.parseLong(BrokerPrograms.run(dir, Duration.ofSeconds(10), "id", "-g", mailUser).strip());
        for (String user : users) {
            for (String sub : List.of("new", "cur", "tmp")) {
                Files.createDirectories(dir.resolve("mail").resolve(user).resolve(sub));
            }
        }
        Files.createDirectories(dir.resolve("home"));
        if (root) {
            chownTree(dir.resolve("mail"), mailUser);
            chownTree(dir.resolve("home"), mailUser);
        }
        int imaps = freePort();
        int submission = freePort();
        Files.writeString(dir.resolve("oauth2.conf"), "tokeninfo_url = " + tokenInfoUrl + "\n"
                + "username_attribute = email\n"
                + "scope = " + scope + "\n"
                + "timeout_msecs = 10000\n");
        String internal = root ? "" : "default_login_user = " + mailUser + "\ndefault_internal_user = " + mailUser
                + "\ndefault_internal_group = " + mailUser + "\n";
        String conf = "base_dir = " + dir.resolve("run") + "\n"
                + "state_dir = " + dir.resolve("state") + "\n"
                + "log_path = " + dir.resolve("dovecot.log") + "\n"
                + internal
                + "protocols = imap submission\n"
                + "listen = 127.0.0.1\n"
                + "hostname = localhost\n"
                + "ssl = yes\n"
                + "ssl_cert = <" + cert + "\n"
                + "ssl_key = <" + key + "\n"
                + "disable_plaintext_auth = no\n"
                + "auth_mechanisms = xoauth2 oauthbearer\n"
                + "first_valid_uid = " + uid + "\n"
                + "first_valid_gid = " + gid + "\n"
                + "passdb {\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n  args = " + dir.resolve("oauth2.conf")
                + "\n}\n"
                + "userdb {\n  driver = static\n  args = uid=" + uid + " gid=" + gid + " home=" + dir.resolve("home")
                + "/%u\n}\n"
                + "mail_location = maildir:" + dir.resolve("mail") + "/%u\n"
                + "service imap-login {\n"
                + "  inet_listener imap {\n    port = 0\n  }\n"
                + "  inet_listener imaps {\n    address = 127.0.0.1\n    port = " + imaps + "\n  }\n}\n"
                + "service submission-login {\n"
                + "  inet_listener submission {\n    address = 127.0.0.1\n    port = " + submission + "\n  }\n}\n"
                + "submission_relay_host = 127.0.0.1\n"
                + "submission_relay_port = " + relayPort + "\n";
        Path confFile = dir.resolve("dovecot.conf");
        Files.writeString(confFile, conf);
        Process p = new ProcessBuilder(BrokerPrograms.find("dovecot").toString(), "-F", "-c", confFile.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("dovecot.out").toFile()).start();
        BrokerDovecot d = new BrokerDovecot(dir, imaps, submission, cert, p);
        try {
            d.awaitListening(imaps);
            d.awaitListening(submission);
        } catch (Exception e) {
            d.close();
            throw e;
        }
        return d;
    }

    /** Dovecot's log, for assertions and failure messages. */
    String log() throws IOException {
        Path log = dir.resolve("dovecot.log");
        String out = Files.exists(dir.resolve("dovecot.out")) ? Files.readString(dir.resolve("dovecot.out")) : "";
        return (Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "") + out;
    }

    /** Puts a message into a user's INBOX (as a new Maildir message). */
    void deliver(String user, String name, String message) throws IOException {
        Path file = dir.resolve("mail").resolve(user).resolve("new").resolve(name);
        Files.writeString(file, message);
        if ("root".equals(System.getProperty("user.name"))) {
            chownTree(file, "dovecot");
        }
    }

    private void awaitListening(int port) throws Exception {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new IOException("dovecot exited with " + process.exitValue() + ": " + log());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("dovecot does not listen on " + port + " after " + START_TIMEOUT + ": "
                            + log(), e);
                }
                Thread.sleep(50);
            }
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void chownTree(Path root, String owner) throws IOException {
        UserPrincipalLookupService lookup = root.getFileSystem().getUserPrincipalLookupService();
        UserPrincipal user = lookup.lookupPrincipalByName(owner);
        GroupPrincipal group = lookup.lookupPrincipalByGroupName(owner);
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                PosixFileAttributeView v = Files.getFileAttributeView(p, PosixFileAttributeView.class);
                v.setOwner(user);
                v.setGroup(group);
            }
        }
    }

    /** Stops Dovecot and every process it started. */
    @Override
    public void close() {
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (ProcessHandle h : children) {
            h.destroyForcibly();
        }
    }
}
