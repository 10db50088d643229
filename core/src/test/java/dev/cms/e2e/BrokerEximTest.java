package dev.cms.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cms.broker.CredentialServer;
import dev.cms.config.AccountSpec;
import dev.cms.config.CredentialServerSpec;
import dev.cms.config.GmailAccountSpec;
import dev.cms.config.SourcePos;
import dev.cms.fakecloud.FakeCloud;
import dev.cms.fakecloud.FakeGmail;
import dev.cms.fakecloud.TokenInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's exim4 relaying a mail through a smart host with the XOAUTH2 authenticator of
 * docs/smtp.md, which reads its token from a running CredentialServer with {@code readsocket}.
 *
 * <p>exim runs once per mail, not as a daemon: {@code exim4 -C <conf> -odi -oi -f <sender>
 * <rcpt>} receives the message from stdin into a spool in the temp directory and delivers it
 * before exiting. The configuration is generated here (router and transport to the smart host,
 * spool and logs in the temp directory) with the doc's authenticator appended unchanged but for
 * the socket's path. The smart host is {@link EximSmarthost}, offering STARTTLS with a throwaway
 * certificate that exim is told to verify, so the doc's {@code client_condition} (TLS required)
 * stays as written.
 *
 * <p>Privileges: exim accepts {@code -C} with a configuration that is not in its
 * {@code TRUSTED_CONFIG_LIST} (/etc/exim4/trusted_configs). Called by root, it keeps root for
 * receiving and runs the delivery (and with it {@code readsocket}) as its own user,
 * {@code Debian-exim}, which also writes the log files; so the spool directory is handed to that
 * user and the socket is made reachable by it (mode 0666 in a 0711 directory, as the doc
 * describes with a group). Called by anyone else, exim gives up its privilege and does everything
 * as the caller, who owns the temp directory: the configuration then names the caller as
 * {@code exim_user}, else exim fails handing its spool files to Debian-exim, and exim logs to
 * stderr instead of its log files.
 */
class BrokerEximTest {
    private static final String USER = "alice@example.com";
    private static final String DOC_SOCKET = "/var/lib/cms-exim/cms.sock";
    private static final String EXIM_USER = "Debian-exim";
    private static final Duration EXIM_TIMEOUT = Duration.ofSeconds(90);
    private static final char[] STORE_PASSWORD = "exim-test".toCharArray();
    private static final Pattern XOAUTH2 = Pattern.compile("user=([^\\x01]+)\\x01auth=Bearer ([^\\x01]+)\\x01\\x01");

    @TempDir
    Path dir;

    private Path exim;
    private boolean root;
    private Path spool;
    private Path certificate;
    private Path keyStore;
    private FakeCloud fake;
    private CredentialServer broker;
    private EximSmarthost smarthost;

    @BeforeEach
    void start() throws Exception {
        exim = BrokerPrograms.find("exim4");
        assumeTrue(exim != null, "exim4 is not installed (apt-get install exim4-daemon-light)");
        assumeTrue(BrokerPrograms.find("openssl") != null, "openssl is not installed");
        root = "root".equals(System.getProperty("user.name"));
        // Debian-exim (the delivery process) must pass through the temp directory to the socket.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        spool = Files.createDirectories(dir.resolve("spool"));
        if (root) {
            giveToEximUser(spool);
        }
        probeExim();

        fake = FakeCloud.start(0);
        fake.gmail().addAccount(USER, "client-o", "secret-o");
        Path sockDir = Files.createDirectories(dir.resolve("cms"));
        Files.setPosixFilePermissions(sockDir, PosixFilePermissions.fromString("rwx--x--x"));
        broker = CredentialServer.start(new CredentialServerSpec(sockDir.resolve("cms.sock"), List.of(account()),
                0666, Set.of("SMTP"), new SourcePos(Path.of("cms.cfg"), 3, 1)), new FakeGmailIssuer(() -> fake));
        makeCertificate();
    }

    @AfterEach
    void stop() throws IOException {
        if (smarthost != null) {
            smarthost.close();
        }
        if (broker != null) {
            broker.close();
        }
        if (fake != null) {
            fake.close();
        }
    }

    private static AccountSpec account() {
        return new GmailAccountSpec(USER, "id", "secret", GmailAccountSpec.DEFAULT_AUTH_ENDPOINT,
                GmailAccountSpec.DEFAULT_TOKEN_ENDPOINT, GmailAccountSpec.DEFAULT_API_ENDPOINT,
                new SourcePos(Path.of("cms.cfg"), 1, 1));
    }

    private static void giveToEximUser(Path path) throws IOException {
        UserPrincipalLookupService users = path.getFileSystem().getUserPrincipalLookupService();
        try {
            PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
            view.setOwner(users.lookupPrincipalByName(EXIM_USER));
            GroupPrincipal group = users.lookupPrincipalByGroupName(EXIM_USER);
            view.setGroup(group);
        } catch (UserPrincipalNotFoundException e) {
            assumeTrue(false, "exim4 is installed but there is no " + EXIM_USER + " user");
        }
    }

    /** Skips the test when exim cannot run a configuration of ours here at all. */
    private void probeExim() throws Exception {
        Path conf = dir.resolve("probe.conf");
        Files.writeString(conf, mainSection());
        BrokerPrograms.Result r = BrokerPrograms.run(dir, Map.of(), null, EXIM_TIMEOUT, exim.toString(), "-C",
                conf.toString(), "-bV");
        assumeTrue(r.exit() == 0, "exim4 -C does not run here (as " + (root ? "root" : "a user") + "): "
                + r.output());
    }

    /** A certificate for 127.0.0.1 (PEM, for exim to verify against) and the sink's PKCS#12 store. */
    private void makeCertificate() throws Exception {
        Path tls = Files.createDirectories(dir.resolve("tls"));
        Files.setPosixFilePermissions(tls, PosixFilePermissions.fromString("rwxr-xr-x"));
        certificate = tls.resolve("cert.pem");
        Path key = tls.resolve("key.pem");
        keyStore = tls.resolve("smarthost.p12");
        BrokerPrograms.run(tls, Duration.ofSeconds(60), "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                "-keyout", key.toString(), "-out", certificate.toString(), "-days", "2", "-subj", "/CN=127.0.0.1",
                "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost");
        BrokerPrograms.run(tls, Duration.ofSeconds(60), "openssl", "pkcs12", "-export", "-in", certificate.toString(),
                "-inkey", key.toString(), "-out", keyStore.toString(), "-passout",
                "pass:" + new String(STORE_PASSWORD));
        Files.setPosixFilePermissions(certificate, PosixFilePermissions.fromString("rw-r--r--"));
    }

    private String mainSection() throws IOException {
        // Without privilege exim cannot hand its spool files to Debian-exim: it is told to be the caller.
        String self = root ? "" : "exim_user = " + System.getProperty("user.name") + "\nexim_group = "
                + Files.readAttributes(dir, PosixFileAttributes.class).group().getName() + "\n";
        return self + "spool_directory = " + spool + "\n"
                + "log_file_path = " + spool + "/%slog\n"
                + "primary_hostname = exim.test\n"
                + "keep_environment =\n"
                // a caller who is not root may still name the envelope sender
                + "untrusted_set_sender = *\n";
    }

    /** The test configuration: everything to the smart host, with the doc's authenticator. */
    private Path writeConfig(boolean requireTls) throws IOException {
        String authenticator = BrokerDocs.snippet("smtp.md", "exim-authenticator");
        assertTrue(authenticator.contains(DOC_SOCKET), "the snippet no longer reads " + DOC_SOCKET + ":\n"
                + authenticator);
        authenticator = authenticator.replace(DOC_SOCKET, broker.path().toString());
        String conf = mainSection()
                + "\nbegin routers\n\n"
                + "smarthost:\n"
                + "  driver = manualroute\n"
                + "  route_list = * 127.0.0.1 byname\n"
                + "  self = send\n"
                + "  transport = smarthost_smtp\n"
                + "\nbegin transports\n\n"
                + "smarthost_smtp:\n"
                + "  driver = smtp\n"
                + "  port = " + smarthost.port() + "\n"
                + "  allow_localhost = true\n"
                + (requireTls ? "  hosts_require_tls = *\n" : "")
                + "  hosts_require_auth = *\n"
                + "  tls_verify_certificates = " + certificate + "\n"
                + "  tls_verify_hosts = *\n"
                + "\n" + authenticator;
        Path file = dir.resolve("exim.conf");
        Files.writeString(file, conf);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        return file;
    }

    private BrokerPrograms.Result send(Path conf, String message) throws Exception {
        return BrokerPrograms.run(dir, Map.of(), message, EXIM_TIMEOUT, exim.toString(), "-C", conf.toString(),
                "-odi", "-oi", "-f", "sender@example.com", "rcpt@example.com");
    }

    private String eximLog() throws IOException {
        Path log = spool.resolve("mainlog");
        String main = Files.isReadable(log) ? Files.readString(log) : "(no mainlog)";
        Path panic = spool.resolve("paniclog");
        return "exim mainlog:\n" + main + (Files.isReadable(panic) ? "\nexim paniclog:\n" + Files.readString(panic) : "")
                + "\nsmart host problems: " + smarthost.problems;
    }

    /** The access token in an XOAUTH2 string for {@link #USER}, checked against the fake issuer. */
    private Optional<TokenInfo> validToken(String xoauth2) {
        Matcher m = XOAUTH2.matcher(xoauth2);
        if (!m.matches() || !m.group(1).equals(USER)) {
            return Optional.empty();
        }
        return fake.gmail().tokenInfo(m.group(2)).filter(info -> info.email().equals(USER));
    }

    @Test
    void eximRelaysWithTheBrokersXoauth2TokenOverStarttls() throws Exception {
        smarthost = new EximSmarthost(keyStore, STORE_PASSWORD, true, s -> validToken(s).isPresent());
        Path conf = writeConfig(true);

        BrokerPrograms.Result r = send(conf, "Subject: via exim\n\nhello from exim\n");

        assertEquals(0, r.exit(), r.output() + "\n" + eximLog());
        assertEquals(1, smarthost.mails.size(), r.output() + "\n" + eximLog());
        EximSmarthost.Mail mail = smarthost.mails.get(0);
        assertEquals("<sender@example.com>", mail.from());
        assertEquals(List.of("<rcpt@example.com>"), mail.to());
        assertTrue(mail.data().contains("Subject: via exim\n"), mail.data());
        assertTrue(mail.data().contains("\nhello from exim\n"), mail.data());
        assertEquals(1, smarthost.xoauth2.size(), eximLog());
        TokenInfo info = validToken(smarthost.xoauth2.get(0)).orElseThrow(() -> new AssertionError(
                "not user=" + USER + "^Aauth=Bearer <issued token>^A^A: " + smarthost.xoauth2.get(0)));
        assertTrue(info.scopes().contains(FakeGmail.FULL_SCOPE), info.toString());
        assertTrue(smarthost.problems.isEmpty(), smarthost.problems.toString());
    }

    @Test
    void eximKeepsTheTokenOffAConnectionWithoutTls() throws Exception {
        // The smart host offers AUTH XOAUTH2 in the clear and the transport does not insist on TLS:
        // only the snippet's client_condition stands between the token and the wire.
        smarthost = new EximSmarthost(keyStore, STORE_PASSWORD, false, s -> true);
        Path conf = writeConfig(false);

        BrokerPrograms.Result r = send(conf, "Subject: in the clear\n\nsecret\n");

        // exim logs to stderr instead of the log files when it runs without privilege
        String log = r.output() + "\n" + eximLog();
        assertEquals(List.of(), smarthost.xoauth2, log);
        assertTrue(smarthost.mails.isEmpty(), log);
        // exim did try the smart host, and gave the mail up rather than send it without authentication
        assertTrue(log.contains("** rcpt@example.com"), log);
    }
}
