package dev.cms.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cms.broker.CredentialServer;
import dev.cms.config.AccountSpec;
import dev.cms.config.CredentialServerSpec;
import dev.cms.config.GmailAccountSpec;
import dev.cms.config.SourcePos;
import dev.cms.fakecloud.FakeCloud;
import dev.cms.fakecloud.FakeGmail;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real mail clients from Debian (msmtp, mutt) configured from the snippets in docs/smtp.md and
 * docs/imap.md, getting their tokens from a running CredentialServer through {@code cms-oauth},
 * and logging into Debian's Dovecot, which checks each token against the embedded fake's
 * token-info endpoint. The snippets are taken unchanged but for the server's address (loopback
 * instead of the cloud's) and the test certificate to trust.
 */
class BrokerMailClientsTest {
    private static final String O365_USER = "alice@example.com";
    private static final String GMAIL_USER = "alice@gmail.com";
    private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private Path home;
    private Path bin;
    private FakeCloud fake;
    private CredentialServer broker;
    private BrokerSmtpSink sink;
    private BrokerDovecot dovecot;

    @BeforeEach
    void start() throws Exception {
        BrokerDovecot.assumeInstalled();
        fake = FakeCloud.start(0);
        fake.gmail().addAccount(O365_USER, "client-o", "secret-o");
        fake.gmail().addAccount(GMAIL_USER, "client-g", "secret-g");
        home = Files.createDirectories(dir.resolve("home"));
        bin = Files.createDirectories(dir.resolve("bin"));
        writeCmsOauthShim();
        broker = CredentialServer.start(new CredentialServerSpec(home.resolve("mail/.cms/cms.sock"),
                List.of(account(O365_USER), account(GMAIL_USER)), 0600, Set.of("SMTP", "IMAP"),
                new SourcePos(Path.of("cms.cfg"), 4, 1)), new FakeGmailIssuer(() -> fake));
        sink = new BrokerSmtpSink();
        dovecot = BrokerDovecot.start(Files.createDirectories(dir.resolve("dovecot")),
                fake.baseUri() + "oauth2/tokeninfo?access_token=", FakeGmail.FULL_SCOPE, sink.port(),
                List.of(O365_USER, GMAIL_USER));
    }

    @AfterEach
    void stop() throws IOException {
        if (dovecot != null) {
            dovecot.close();
        }
        if (sink != null) {
            sink.close();
        }
        if (broker != null) {
            broker.close();
        }
        if (fake != null) {
            fake.close();
        }
    }

    private static AccountSpec account(String user) {
        return new GmailAccountSpec(user, "id", "secret", GmailAccountSpec.DEFAULT_AUTH_ENDPOINT,
                GmailAccountSpec.DEFAULT_TOKEN_ENDPOINT, GmailAccountSpec.DEFAULT_API_ENDPOINT,
                new SourcePos(Path.of("cms.cfg"), 1, 1));
    }

    /**
     * {@code cms-oauth} on the PATH: the launcher script at the top of the tree needs the packaged
     * jar, which does not exist yet while Maven runs the tests, so this runs the same main class
     * from the test class path.
     */
    private void writeCmsOauthShim() throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path shim = bin.resolve("cms-oauth");
        Files.writeString(shim, "#!/bin/sh\nexec '" + java + "' -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp '"
                + System.getProperty("java.class.path") + "' dev.cms.broker.OAuthMain \"$@\"\n");
        Files.setPosixFilePermissions(shim, PosixFilePermissions.fromString("rwx------"));
    }

    private Map<String, String> env() {
        return Map.of("HOME", home.toString(), "PATH", bin + ":" + System.getenv().getOrDefault("PATH", "/usr/bin:/bin"),
                "TERM", "xterm");
    }

    private static String replace(String text, String from, String to) {
        assertTrue(text.contains(from), "the snippet no longer contains " + from + ":\n" + text);
        return text.replace(from, to);
    }

    // ---- msmtp --------------------------------------------------------------------------------

    private void writeMsmtprc() throws IOException {
        String rc = BrokerDocs.snippet("smtp.md", "msmtprc");
        rc = replace(rc, "host smtp.office365.com", "host localhost");
        rc = replace(rc, "host smtp.gmail.com", "host localhost");
        rc = replace(rc, "port 587", "port " + dovecot.submissionPort);
        rc = replace(rc, "tls_starttls on\n", "tls_starttls on\ntls_trust_file " + dovecot.certificate + "\n");
        Path file = home.resolve(".msmtprc");
        Files.writeString(file, rc);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void msmtpWithXoauth2FromTheDocsSendsThroughDovecot() throws Exception {
        assumeTrue(BrokerPrograms.find("msmtp") != null, "msmtp is not installed");
        writeMsmtprc();
        String send = BrokerDocs.snippet("smtp.md", "msmtp-send");
        assertTrue(send.contains("msmtp -a office365 " + O365_USER), send);

        BrokerPrograms.Result r = BrokerPrograms.run(home, env(), null, CLIENT_TIMEOUT, "sh", "-c", send);

        assertEquals(0, r.exit(), r.output() + "\n" + dovecot.log());
        assertEquals(1, sink.mails.size(), dovecot.log());
        BrokerSmtpSink.Mail mail = sink.mails.get(0);
        assertEquals("<" + O365_USER + ">", mail.from());
        assertEquals(List.of("<" + O365_USER + ">"), mail.to());
        assertTrue(mail.data().contains("Subject: test\n\nhello\n"), mail.data());
        assertTrue(dovecot.log().contains("user=<" + O365_USER + ">, method=XOAUTH2"), dovecot.log());
    }

    @Test
    void msmtpWithOauthbearerFromTheDocsSendsThroughDovecot() throws Exception {
        assumeTrue(BrokerPrograms.find("msmtp") != null, "msmtp is not installed");
        writeMsmtprc();

        BrokerPrograms.Result r = BrokerPrograms.run(home, env(), "Subject: via gmail\n\nhi\n", CLIENT_TIMEOUT,
                "msmtp", "-a", "gmail", GMAIL_USER);

        assertEquals(0, r.exit(), r.output() + "\n" + dovecot.log());
        assertEquals(1, sink.mails.size(), dovecot.log());
        assertTrue(sink.mails.get(0).data().contains("Subject: via gmail"), sink.mails.get(0).data());
        assertTrue(dovecot.log().contains("user=<" + GMAIL_USER + ">, method=OAUTHBEARER"), dovecot.log());
    }

    @Test
    void dovecotRefusesATokenTheIssuerDoesNotKnow() throws Exception {
        assumeTrue(BrokerPrograms.find("msmtp") != null, "msmtp is not installed");
        Path rc = home.resolve("bogus.msmtprc");
        Files.writeString(rc, "account bogus\nhost localhost\nport " + dovecot.submissionPort + "\ntls on\n"
                + "tls_starttls on\ntls_trust_file " + dovecot.certificate + "\nauth xoauth2\nuser " + O365_USER
                + "\nfrom " + O365_USER + "\npasswordeval echo ya29.not-issued-by-the-fake\n");
        Files.setPosixFilePermissions(rc, PosixFilePermissions.fromString("rw-------"));

        BrokerPrograms.Result r = BrokerPrograms.run(home, env(), "Subject: x\n\nx\n", CLIENT_TIMEOUT,
                "msmtp", "-C", rc.toString(), "-a", "bogus", O365_USER);

        assertNotEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("authentication failed"), r.output());
        assertTrue(sink.mails.isEmpty());
    }

    @Test
    void msmtpFailsWithoutSendingWhenTheBrokerDoesNotServeTheUser() throws Exception {
        assumeTrue(BrokerPrograms.find("msmtp") != null, "msmtp is not installed");
        writeMsmtprc();
        broker.close(); // nobody answers on the socket any more
        broker = null;

        BrokerPrograms.Result r = BrokerPrograms.run(home, env(), "Subject: x\n\nx\n", CLIENT_TIMEOUT,
                "msmtp", "-a", "office365", O365_USER);

        assertNotEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("no cloud-mdir-sync is listening on"), r.output());
        assertTrue(sink.mails.isEmpty());
    }

    // ---- mutt ---------------------------------------------------------------------------------

    /**
     * Runs mutt on a pseudo-terminal ({@code script}) with the muttrc from the docs, opening INBOX
     * and piping its first message to a file; returns that file's content.
     */
    private String muttFirstMessage(String snippet, String server) throws Exception {
        assumeTrue(BrokerPrograms.find("mutt") != null, "mutt is not installed");
        assumeTrue(BrokerPrograms.find("script") != null, "script (util-linux) is not installed");
        String rc = BrokerDocs.snippet("imap.md", snippet);
        rc = replace(rc, "imaps://" + server + "/", "imaps://localhost:" + dovecot.imapsPort + "/");
        Path muttrc = home.resolve(".muttrc");
        Files.writeString(muttrc, rc);
        Path piped = dir.resolve("piped.txt");
        // Test-only settings: trust the test certificate, and no "press a key" after the pipe.
        String mutt = "mutt -n -F " + muttrc + " -e 'set certificate_file=" + dovecot.certificate
                + " wait_key=no' -e 'push \"<pipe-message>cat > " + piped + "<enter><exit>\"'";
        BrokerPrograms.Result r = BrokerPrograms.run(home, env(), null, CLIENT_TIMEOUT, "script", "-qec", mutt,
                "/dev/null");
        assertEquals(0, r.exit(), r.output() + "\n" + dovecot.log());
        assertTrue(Files.exists(piped), "mutt did not open INBOX:\n" + dovecot.log());
        return Files.readString(piped);
    }

    @Test
    void muttWithXoauth2FromTheDocsReadsInbox() throws Exception {
        dovecot.deliver(O365_USER, "1700000000.M1P1.test", "From: bob@example.org\nTo: " + O365_USER
                + "\nSubject: Hello over XOAUTH2\n\nbody line\n");

        String message = muttFirstMessage("muttrc-office365", "outlook.office365.com");

        assertTrue(message.contains("Subject: Hello over XOAUTH2"), message);
        assertTrue(dovecot.log().contains("user=<" + O365_USER + ">, method=XOAUTH2"), dovecot.log());
    }

    @Test
    void muttWithOauthbearerFromTheDocsReadsInbox() throws Exception {
        dovecot.deliver(GMAIL_USER, "1700000000.M1P1.test", "From: bob@example.org\nTo: " + GMAIL_USER
                + "\nSubject: Hello over OAUTHBEARER\n\nbody line\n");

        String message = muttFirstMessage("muttrc-gmail", "imap.gmail.com");

        assertTrue(message.contains("Subject: Hello over OAUTHBEARER"), message);
        assertTrue(dovecot.log().contains("user=<" + GMAIL_USER + ">, method=OAUTHBEARER"), dovecot.log());
    }
}
