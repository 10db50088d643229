package dev.cms.send;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.config.ConfigLoader;
import dev.cms.config.SyncConfig;
import dev.cms.time.FakeTicker;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** cms-sendmail's command line: exit codes, one-line errors, nothing half-queued; the socket hand-over. */
class SendmailMainTest {
    @TempDir
    Path dir;

    Path cfg;
    String err;
    String out;

    @BeforeEach
    void config() throws Exception {
        cfg = dir.resolve("cms.cfg");
        Files.writeString(cfg, "a = GMail_Account(user=\"alice@example.com\", client_id=\"c\", client_secret=\"s\")\n"
                + "b = Office365_Account(user=\"bob@work.example\", client_id=\"c\")\n"
                + "Outbox(accounts=[a, b], path=\"" + dir.resolve("out.sock") + "\")\n"
                + "cfg.message_db_dir = \"" + dir.resolve("state") + "\"\n");
    }

    int run(InputStream in, String... args) {
        List<String> all = new ArrayList<>(List.of("-c", cfg.toString()));
        all.addAll(List.of(args));
        StringWriter e = new StringWriter();
        StringWriter o = new StringWriter();
        int code = SendmailMain.run(all.toArray(new String[0]), in, new PrintWriter(o), new PrintWriter(e), Map.of(),
                Clock.fixed(Instant.parse("2026-12-04T23:00:00Z"), ZoneOffset.UTC));
        err = e.toString();
        out = o.toString();
        return code;
    }

    int run(String message, String... args) {
        return run(new ByteArrayInputStream(message.getBytes(StandardCharsets.UTF_8)), args);
    }

    long queuedFiles() throws Exception {
        long n = 0;
        for (String sub : List.of("tmp", "new", "cur", "failed")) {
            Path d = dir.resolve("state/outbox").resolve(sub);
            if (Files.isDirectory(d)) {
                try (Stream<Path> s = Files.list(d)) {
                    n += s.count();
                }
            }
        }
        return n;
    }

    void assertRefused(int code, String message, String... args) throws Exception {
        assertEquals(code, run(message, args), err);
        assertTrue(err.startsWith("cms-sendmail: "), err);
        assertEquals(1, err.strip().lines().count(), "one line: " + err);
        assertEquals(0, queuedFiles(), "nothing queued, not even half");
    }

    @Test
    void badInputsGiveOneLineErrorsWithSendmailCodesAndQueueNothing() throws Exception {
        assertRefused(SysExits.USAGE, "From: alice@example.com\nSubject: none\n\nb\n", "-t");
        assertRefused(SysExits.USAGE, "From: alice@example.com\nSubject: none\n\nb\n");
        assertRefused(SysExits.DATAERR, "");
        assertRefused(SysExits.DATAERR, "\u0000\u0001binary blob \u00ff\u00fe\n", "carol@example.org");
        assertRefused(SysExits.DATAERR, "just a line of text\n", "carol@example.org");
        assertRefused(SysExits.DATAERR, "From: alice@example.com\nSubject: Gr\u00fc\u00dfe\nTo: c@example.org\n\nb\n",
                "-t");
        assertRefused(SysExits.NOUSER, "To: c@example.org\n\nb\n", "-t", "--account", "mallory@example.com");
        assertRefused(SysExits.NOUSER, "From: mallory@example.com\nTo: c@example.org\n\nb\n", "-t");
        assertRefused(SysExits.NOUSER, "From: alice@example.com\n\nb\n", "root");
        assertRefused(SysExits.USAGE, "From: alice@example.com\n\nb\n", "-Q", "c@example.org");
        assertRefused(SysExits.USAGE, "From: alice@example.com\n\nb\n", "-bp");
    }

    @Test
    void fortyMegabytesIsRefusedWhileReading() throws Exception {
        byte[] big = new byte[40 * 1024 * 1024];
        byte[] head = "From: alice@example.com\nTo: c@example.org\n\n".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(head, 0, big, 0, head.length);
        for (int i = head.length; i < big.length; i++) {
            big[i] = (byte) (i % 80 == 79 ? '\n' : 'x');
        }
        assertEquals(SysExits.DATAERR, run(new ByteArrayInputStream(big), "-t"), err);
        assertTrue(err.contains("larger than 35 MB"), err);
        assertEquals(0, queuedFiles());
    }

    @Test
    void aConfigurationWithoutOutboxIsAConfigurationError() throws Exception {
        Files.writeString(cfg, "GMail(\"INBOX\", GMail_Account(user=\"alice@example.com\", client_id=\"c\","
                + " client_secret=\"s\"))\nMailDir(\"" + dir.resolve("m") + "\")\n");
        assertEquals(SysExits.CONFIG, run("To: c@example.org\n\nb\n", "-t"), err);
        assertTrue(err.contains("declares no Outbox(...)"), err);
    }

    @Test
    void withoutADaemonTheMessageIsQueuedDurablyAndNoQueueRefuses() throws Exception {
        assertEquals(SysExits.TEMPFAIL, run("From: alice@example.com\nTo: c@example.org\n\nb\n", "-t", "--no-queue"));
        assertEquals(0, queuedFiles());
        assertEquals(SysExits.OK, run("From: alice@example.com\nTo: c@example.org\nSubject: q\n\nb\n", "-t"), err);
        assertTrue(err.contains("queued"), err);
        Outbox outbox = Outbox.open(dir.resolve("state"));
        List<Outbox.Entry> pending = outbox.pending();
        assertEquals(1, pending.size());
        assertEquals("gmail:alice@example.com", Outbox.read(pending.get(0).file()).accountKey());
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(pending.get(0).file())));
        assertEquals(1, queuedFiles(), "nothing left in tmp/");
    }

    @Test
    void theRunningDaemonTakesTheMessageOnItsSocket() throws Exception {
        SyncConfig config = ConfigLoader.load(cfg);
        Outbox outbox = Outbox.open(dir.resolve("state"));
        FakeTicker ticker = new FakeTicker();
        List<String> woken = new ArrayList<>();
        try (OutboxWorker worker = new OutboxWorker(outbox, Map.of(), ticker, new Random(1), woken::add);
                OutboxServer server = OutboxServer.start(config.outbox(), outbox,
                        Set.of("gmail:alice@example.com", "o365:bob@work.example"), worker, ticker)) {
            assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(server.path())));
            assertEquals(SysExits.OK, run("From: bob@work.example\nTo: c@example.org\nSubject: s\n\nb\n", "-t", "-oi"),
                    err);
            assertEquals("", err);
            List<Outbox.Entry> pending = outbox.pending();
            assertEquals(1, pending.size());
            assertEquals("o365:bob@work.example", Outbox.read(pending.get(0).file()).accountKey());
            // Only the socket is known: the accounts come from the daemon.
            Files.delete(cfg);
            StringWriter e = new StringWriter();
            int code = SendmailMain.run(new String[] {"--cms_sock", server.path().toString(), "-t"},
                    new ByteArrayInputStream("From: alice@example.com\nTo: c@example.org\n\nb\n"
                            .getBytes(StandardCharsets.US_ASCII)), new PrintWriter(new StringWriter()),
                    new PrintWriter(e), Map.of(), Clock.systemUTC());
            assertEquals(SysExits.OK, code, e.toString());
            assertEquals(2, outbox.pending().size());
            // An account the daemon does not send for is refused by the daemon too.
            assertFalse(new String(Files.readAllBytes(outbox.pending().get(1).file()), StandardCharsets.US_ASCII)
                    .contains("\nX-CMS-Account"));
            SendmailException refused = org.junit.jupiter.api.Assertions.assertThrows(SendmailException.class,
                    () -> OutboxClient.send(server.path(), "gmail:mallory@example.com", "To: x@y.example\r\n\r\nb\r\n"
                            .getBytes(StandardCharsets.US_ASCII)));
            assertEquals(SysExits.NOUSER, refused.exitCode());
            assertEquals(2, outbox.pending().size());
        }
    }
}
