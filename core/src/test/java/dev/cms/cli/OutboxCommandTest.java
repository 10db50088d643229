package dev.cms.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.config.ConfigLoader;
import dev.cms.send.Outbox;
import dev.cms.send.OutboxServer;
import dev.cms.send.OutboxWorker;
import dev.cms.send.SendAccount;
import dev.cms.send.Submission;
import dev.cms.time.FakeTicker;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code outbox} and the outbox in {@code status}: what waits, what was refused and why. */
class OutboxCommandTest {
    @TempDir
    Path dir;

    Path cfg;
    Outbox outbox;
    String waitingId;
    String failedId;
    String out;
    String err;

    @BeforeEach
    void outbox() throws Exception {
        cfg = dir.resolve("cms.cfg");
        Files.writeString(cfg, "a = GMail_Account(user='alice@example.com', client_id='c', client_secret='s')\n"
                + "Outbox(path='" + dir.resolve("o.sock") + "')\ncfg.message_db_dir = '" + dir.resolve("state") + "'\n");
        Files.createDirectories(dir.resolve("state"));
        outbox = Outbox.open(dir.resolve("state"));
        SendAccount a = new SendAccount("gmail:alice@example.com", "alice@example.com", true);
        waitingId = outbox.queue(submission(a, "Waiting one", "<w@example.com>"), Instant.parse("2026-12-04T10:00:00Z"));
        failedId = outbox.queue(submission(a, "Refused one", "<r@example.com>"), Instant.parse("2026-12-04T10:00:01Z"));
        Outbox.Entry refused = outbox.pending().get(1);
        outbox.fail(refused, "Gmail messages.send: HTTP 400 invalidArgument Invalid To header: x@invalid");
    }

    static Submission submission(SendAccount a, String subject, String id) throws Exception {
        String m = "From: alice@example.com\nTo: c@example.org\nSubject: " + subject + "\nMessage-ID: " + id + "\n\nb\n";
        return Submission.prepare(m.getBytes(StandardCharsets.US_ASCII),
                new Submission.Options(true, List.of(), null, null, null, false), List.of(a), Instant.now(),
                ZoneOffset.UTC);
    }

    int run(String... args) {
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        int code = Main.run(new PrintWriter(o), new PrintWriter(e), args);
        out = o.toString();
        err = e.toString();
        return code;
    }

    @Test
    void outboxAndSendmailAreSubcommandsAfterGlobalOptionsAndInTheHelp() {
        assertEquals(0, run("-c", cfg.toString(), "outbox"), err);
        assertTrue(out.contains(waitingId) && out.contains(failedId), out);
        assertEquals(0, run("-c", cfg.toString(), "sendmail", "--help"), err);
        assertTrue(out.startsWith("usage: cms-sendmail "), out);
        assertEquals(0, run("--help"), err);
        assertTrue(out.contains("\n  sendmail ") && out.contains("\n  outbox "), out);
    }

    @Test
    void statusShowsTheRefusedMessageWithSubjectMessageIdAndReason() {
        assertEquals(0, run("status", "-c", cfg.toString()), err);
        assertTrue(out.contains("Outbox: 1 waiting, 1 refused (in " + dir.resolve("state/outbox/failed")), out);
        assertTrue(out.contains("  " + failedId + " <r@example.com> \"Refused one\": Gmail messages.send: HTTP 400"
                + " invalidArgument Invalid To header: x@invalid\n"), out);
    }

    @Test
    void outboxListsWaitingAndRefusedAndDropRemovesByPrefix() throws Exception {
        assertEquals(0, run("outbox", "-c", cfg.toString()), err);
        assertTrue(out.contains(waitingId) && out.contains("waiting") && out.contains("<w@example.com> \"Waiting one\""
                + " (gmail:alice@example.com)"), out);
        assertTrue(out.contains(failedId) && out.contains("refused") && out.contains("Invalid To header"), out);
        assertEquals(0, run("outbox", "-c", cfg.toString(), "--drop", failedId.substring(0, 16)), err);
        assertTrue(outbox.failed().isEmpty());
        assertEquals(0, Files.list(dir.resolve("state/outbox/failed")).count(), "the reason went too");
        assertEquals(1, outbox.pending().size());
        assertEquals(1, run("outbox", "-c", cfg.toString(), "--drop", "nosuchid"));
        assertTrue(err.startsWith("cloud-mdir-sync: no message \"nosuchid\" in the outbox"), err);
    }

    @Test
    void flushNeedsTheRunningDaemon() throws Exception {
        assertEquals(1, run("outbox", "-c", cfg.toString(), "--flush"));
        assertTrue(err.contains("no daemon is running on " + dir.resolve("o.sock")), err);
        FakeTicker ticker = new FakeTicker();
        try (OutboxWorker worker = new OutboxWorker(outbox, Map.of(), ticker, new Random(1), a -> { });
                OutboxServer server = OutboxServer.start(ConfigLoader.load(cfg).outbox(), outbox,
                        Set.of("gmail:alice@example.com"), worker, ticker)) {
            assertEquals(0, run("outbox", "-c", cfg.toString(), "--flush"), err);
            assertTrue(out.contains("sending the outbox now"), out);
            // A message being sent (perhaps sent) cannot be dropped while the daemon runs.
            outbox.startSending(outbox.pending().get(0), Instant.now());
            assertEquals(1, run("outbox", "-c", cfg.toString(), "--drop", waitingId));
            assertTrue(err.contains("stop the daemon to drop it"), err);
        }
    }
}
