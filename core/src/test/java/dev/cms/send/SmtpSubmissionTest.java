package dev.cms.send;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cms.config.ConfigLoader;
import dev.cms.config.SyncConfig;
import dev.cms.time.FakeTicker;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loopback SMTP submission into the outbox: msmtp as the client, and the protocol's refusals. */
class SmtpSubmissionTest {
    @TempDir
    Path dir;

    Outbox outbox;
    OutboxWorker worker;
    SmtpSubmission smtp;
    String password;

    @BeforeEach
    void start() throws Exception {
        Path cfg = dir.resolve("cms.cfg");
        Files.writeString(cfg, "a = GMail_Account(user='alice@example.com', client_id='c', client_secret='s')\n"
                + "b = Office365_Account(user='bob@work.example', client_id='c')\n"
                + "Outbox()\nSmtpSubmission(port=1587, accounts=[a])\ncfg.message_db_dir = '" + dir.resolve("state")
                + "'\n");
        SyncConfig config = ConfigLoader.load(cfg);
        assertEquals(1587, config.smtpSubmission().port());
        Files.createDirectories(dir.resolve("state"));
        outbox = Outbox.open(dir.resolve("state"));
        FakeTicker ticker = new FakeTicker();
        worker = new OutboxWorker(outbox, Map.of(), ticker, new Random(1), a -> { });
        // Port 0: any free port (the configured 1587 may be taken on a shared machine).
        smtp = SmtpSubmission.start(new dev.cms.config.SmtpSubmissionSpec(0, config.smtpSubmission().accounts(), null),
                dir.resolve("state"), outbox, worker, ticker);
        Path pwFile = dir.resolve("state/smtp-password");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(pwFile)));
        password = Files.readString(pwFile).strip();
        assertTrue(password.length() >= 20, "a random password was made");
    }

    @AfterEach
    void stop() {
        smtp.close();
        worker.close();
    }

    @Test
    void msmtpSubmitsWithAuthPlainAndTheMessageIsQueuedWithItsBcc() throws Exception {
        assumeTrue(new File("/usr/bin/msmtp").canExecute(), "msmtp is installed");
        Path rc = dir.resolve("msmtprc");
        Files.writeString(rc, "account default\nhost 127.0.0.1\nport " + smtp.port() + "\nauth plain\n"
                + "user alice@example.com\npasswordeval cat " + dir.resolve("state/smtp-password") + "\ntls off\n"
                + "from alice@example.com\n");
        Files.setPosixFilePermissions(rc, PosixFilePermissions.fromString("rw-------"));
        String msg = "From: Alice <alice@example.com>\nTo: carol@example.org\nBcc: erin@example.net\n"
                + "Subject: by msmtp\n\n.leading dot\nbody\n";
        ProcessBuilder pb = new ProcessBuilder("/usr/bin/msmtp", "-C", rc.toString(), "-t").redirectErrorStream(true);
        Process p = pb.start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(msg.getBytes(StandardCharsets.US_ASCII));
        }
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), output);
        List<Outbox.Entry> pending = outbox.pending();
        assertEquals(1, pending.size());
        Outbox.Queued q = Outbox.read(pending.get(0).file());
        assertEquals("gmail:alice@example.com", q.accountKey());
        String sent = new String(q.message(), StandardCharsets.US_ASCII);
        assertTrue(sent.contains("\r\nBcc: erin@example.net\r\n"), sent);
        assertTrue(sent.contains("\r\nMessage-ID: <"), sent);
        assertTrue(sent.endsWith("\r\n\r\n.leading dot\r\nbody\r\n"), sent);
    }

    @Test
    void wrongPasswordsAndUnservedAccountsAreRefusedAndNothingIsQueued() throws Exception {
        String[] r = talk(auth("alice@example.com", "wrong"), "MAIL FROM:<alice@example.com>");
        assertTrue(r[2].startsWith("535 "), r[2]);
        assertTrue(r[3].startsWith("530 "), r[3]);
        r = talk(auth("bob@work.example", password));
        assertTrue(r[2].startsWith("535 "), "an account SmtpSubmission does not serve: " + r[2]);
        r = talk(auth("alice@example.com", password), "MAIL FROM:<alice@example.com>", "RCPT TO:<root>",
                "RCPT TO:<carol@example.org>", "DATA");
        assertTrue(r[2].startsWith("235 "), r[2]);
        assertTrue(r[4].startsWith("553 "), r[4]);
        assertTrue(r[6].startsWith("354 "), r[6]);
        assertTrue(outbox.pending().isEmpty());
    }

    @Test
    void aMessageNotRfc5322IsRefusedWithItsReason() throws Exception {
        String[] r = talk(auth("alice@example.com", password), "MAIL FROM:<alice@example.com>",
                "RCPT TO:<carol@example.org>", "DATA", "this is not a message\r\n.");
        assertTrue(r[6].startsWith("554 5.6.0 not an RFC 5322 message"), r[6]);
        assertTrue(outbox.pending().isEmpty());
    }

    static String auth(String user, String pw) {
        return "AUTH PLAIN " + Base64.getEncoder().encodeToString(("\0" + user + "\0" + pw)
                .getBytes(StandardCharsets.UTF_8));
    }

    /** Sends EHLO then each command; returns the greeting, the EHLO's last line, then one reply line per command. */
    String[] talk(String... commands) throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), smtp.port())) {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            OutputStream out = s.getOutputStream();
            String[] replies = new String[commands.length + 2];
            replies[0] = in.readLine();
            out.write("EHLO test\r\n".getBytes(StandardCharsets.US_ASCII));
            String line;
            while ((line = in.readLine()).startsWith("250-")) {
                // multi-line EHLO answer
            }
            replies[1] = line;
            for (int i = 0; i < commands.length; i++) {
                out.write((commands[i] + "\r\n").getBytes(StandardCharsets.UTF_8));
                replies[i + 2] = in.readLine();
                if (commands[i].equals("DATA") && replies[i + 2].startsWith("354") && i == commands.length - 1) {
                    out.write(".\r\n".getBytes(StandardCharsets.US_ASCII)); // an empty message ends the session's DATA
                    in.readLine();
                }
            }
            assertFalse(replies[0].isEmpty());
            return replies;
        }
    }
}
