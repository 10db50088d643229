package dev.cms.e2e;

import static dev.cms.testing.MaildirAssert.assertThatMaildir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.fakecloud.FakeCloud;
import dev.cms.fakecloud.FakeGmail;
import dev.cms.fakecloud.FakeOutgoing;
import dev.cms.send.OutboxWorker;
import dev.cms.send.SendmailMain;
import dev.cms.send.SysExits;
import dev.cms.testing.FakeGmailCloud;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Sending with the real daemon (a child JVM) against the embedded fake Gmail: cms-sendmail's
 * hand-over, the queue while the daemon is stopped, a SIGKILL while a send is in flight, and the
 * sent message arriving in the synced Sent Maildir once.
 */
class SendEndToEndTest extends ChildDaemonTestBase {
    static final String USER = "alice@gmail.example";

    @RegisterExtension
    final FakeGmailCloud fake = FakeGmailCloud.withAccount(USER, "demo-client", "demo-secret");
    FakeGmail gmail;
    Path cfg;

    @BeforeEach
    void start() throws Exception {
        gmail = fake.gmail();
        cfg = config(tmp, fake.cloud());
    }

    /** INBOX and SENT synced into two Maildirs, and an Outbox sending for the account. */
    static Path config(Path dir, FakeCloud cloud) throws IOException {
        String base = cloud.baseUri().toString();
        Path cfg = dir.resolve("cms.cfg");
        Files.writeString(cfg, "inbox = MailDir(\"" + dir.resolve("mail") + "\")\n"
                + "sent = MailDir(\"" + dir.resolve("sent") + "\")\n"
                + "acct = GMail_Account(user=\"" + USER + "\", client_id=\"demo-client\",\n"
                + "      client_secret=\"demo-secret\", auth_endpoint=\"" + base + "oauth2/auth\",\n"
                + "      token_endpoint=\"" + base + "oauth2/token\", api_endpoint=\"" + base + "\",\n"
                + "      quota_units_per_second=100000)\n"
                + "GMail(\"INBOX\", acct)\n"
                + "sent_label = GMail(\"SENT\", acct)\n"
                + "Route(sent, mailbox=sent_label)\n"
                + "Outbox()\n"
                + "cfg.message_db_dir = \"" + dir.resolve("state") + "\"\n"
                + "cfg.web_port = " + ChildDaemon.freePort() + "\n"
                + "cfg.poll_interval = 1\n"
                + "cfg.storage_key_file = \"" + dir.resolve("storage.key") + "\"\n");
        return cfg;
    }

    record Run(int code, String err) {}

    Run sendmail(String message, String... args) {
        List<String> all = new ArrayList<>(List.of("-c", cfg.toString()));
        all.addAll(List.of(args));
        StringWriter err = new StringWriter();
        int code = SendmailMain.run(all.toArray(new String[0]),
                new ByteArrayInputStream(message.getBytes(StandardCharsets.UTF_8)), new PrintWriter(new StringWriter()),
                new PrintWriter(err), Map.of(), Clock.systemDefaultZone());
        return new Run(code, err.toString());
    }

    /**
     * A daemon whose perhaps-sent messages wait one second, not 30, before the search of Sent
     * (the outbox's test seam): the restarts after a kill then take seconds. The fake lists a
     * sent message at once, so the shorter wait changes nothing else.
     */
    Process daemon(boolean browser) throws IOException {
        return daemons.start(browser, List.of("-D" + OutboxWorker.UNKNOWN_MIN_WAIT_PROPERTY + "=PT1S"),
                "-c", cfg.toString());
    }

    void awaitSocket(Process p) throws InterruptedException {
        ChildDaemon.await(() -> Files.exists(tmp.resolve("state/outbox.sock")), "the outbox socket", p);
    }

    List<Path> files(String maildir) throws IOException {
        List<Path> out = new ArrayList<>();
        for (String sub : List.of("cur", "new")) {
            Path d = tmp.resolve(maildir).resolve(sub);
            if (Files.isDirectory(d)) {
                try (Stream<Path> s = Files.list(d)) {
                    s.forEach(out::add);
                }
            }
        }
        return out;
    }

    long withMessageId(String maildir, String messageId) throws IOException {
        long n = 0;
        for (Path f : files(maildir)) {
            if (Files.readString(f, StandardCharsets.ISO_8859_1).contains("Message-ID: " + messageId)) {
                n++;
            }
        }
        return n;
    }

    long outboxFiles() throws IOException {
        long n = 0;
        for (String sub : List.of("new", "cur", "tmp")) {
            Path d = tmp.resolve("state/outbox").resolve(sub);
            if (Files.isDirectory(d)) {
                try (Stream<Path> s = Files.list(d)) {
                    n += s.count();
                }
            }
        }
        return n;
    }

    static String message(String subject, String messageId) {
        return "From: Alice <" + USER + ">\nTo: Carol <carol@example.org>\nCc: dave@example.org\n"
                + "Bcc: erin@example.net\nSubject: " + subject + "\nMessage-ID: " + messageId + "\n\nHello.\n";
    }

    @Test
    void handedOverSentWithCcAndBccAndSyncedIntoTheSentMaildirOnce() throws Exception {
        Process p = daemon(true);
        awaitSocket(p);
        Run r = sendmail(message("hand-over", "<e2e-1@gmail.example>"), "-t", "-oi");
        assertEquals(SysExits.OK, r.code(), r.err());
        assertEquals("", r.err(), "a hand-over to the daemon prints nothing");
        ChildDaemon.await(() -> gmail.outgoing().count("<e2e-1@gmail.example>") == 1, "the delivery", p);
        FakeOutgoing.Delivery d = gmail.outgoing().deliveries().get(0);
        assertEquals(List.of("carol@example.org", "dave@example.org", "erin@example.net"), d.recipients());
        assertFalse(d.deliveredText().contains("erin@example.net"), "Bcc is not shown to the recipients");
        ChildDaemon.await(() -> ChildDaemon.unchecked(() -> withMessageId("sent", "<e2e-1@gmail.example>") == 1),
                "the sent message in the Sent Maildir", p);
        Thread.sleep(2500); // two more polls: still one copy, none elsewhere
        assertThatMaildir(tmp.resolve("sent")).hasMessageWithId("<e2e-1@gmail.example>"); // no local duplicate
        assertThatMaildir(tmp.resolve("mail")).hasNoMessageWithId("<e2e-1@gmail.example>");
        assertEquals(0, outboxFiles());
        assertEquals(1, gmail.outgoing().count("<e2e-1@gmail.example>"));
    }

    @Test
    void stoppedDaemonQueuesThenSendsOnceWhenStarted() throws Exception {
        Process p = daemon(true);
        awaitSocket(p);
        ChildDaemon.await(() -> ChildDaemon.unchecked(() -> daemons.log(0).contains("is logged in")), "the login", p);
        p.destroy(); // SIGTERM: a clean stop
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));

        Run refused = sendmail(message("no queue", "<e2e-nq@gmail.example>"), "-t", "--no-queue");
        assertEquals(SysExits.TEMPFAIL, refused.code(), refused.err());
        assertTrue(refused.err().startsWith("cms-sendmail: not sent: no daemon listens on "), refused.err());
        assertEquals(0, outboxFiles(), "nothing queued with --no-queue");

        Run queued = sendmail(message("queued", "<e2e-2@gmail.example>"), "-t");
        assertEquals(SysExits.OK, queued.code(), queued.err());
        assertTrue(queued.err().contains("the daemon is not running; queued "), queued.err());
        assertEquals(1, outboxFiles());
        Thread.sleep(200);
        assertEquals(0, gmail.outgoing().count("<e2e-2@gmail.example>"));

        Process again = daemon(false);
        try {
            ChildDaemon.await(() -> gmail.outgoing().count("<e2e-2@gmail.example>") == 1, "the queued message sent",
                    again);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n" + daemons.log(daemons.started() - 1), e);
        }
        ChildDaemon.await(() -> ChildDaemon.unchecked(() -> outboxFiles() == 0), "the outbox emptied", again);
        Thread.sleep(1500);
        assertEquals(1, gmail.outgoing().count("<e2e-2@gmail.example>"), "sent once");
    }

    @Test
    void killedWhileTheServiceHeldAnAcceptedSendItIsNotSentAgain() throws Exception {
        killDuringSend(true, "<e2e-kill-a@gmail.example>");
    }

    @Test
    void killedWhileASendThatNeverHappenedWasInFlightItIsSentAfterTheRestart() throws Exception {
        killDuringSend(false, "<e2e-kill-b@gmail.example>");
    }

    private void killDuringSend(boolean carriedOut, String messageId) throws Exception {
        Process p = daemon(true);
        awaitSocket(p);
        FakeOutgoing.Hold hold = gmail.outgoing().holdNextSend(carriedOut);
        Run r = sendmail(message("kill", messageId), "-t");
        assertEquals(SysExits.OK, r.code(), r.err());
        assertTrue(hold.awaitArrival(Duration.ofSeconds(60)), "the send reached the service");
        p.destroyForcibly(); // SIGKILL while the request is in flight
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        hold.release();
        Process again = daemon(false);
        ChildDaemon.await(() -> ChildDaemon.unchecked(() -> outboxFiles() == 0), "the outbox emptied", again);
        ChildDaemon.await(() -> ChildDaemon.unchecked(() -> withMessageId("sent", messageId) == 1), "Sent synced",
                again);
        Thread.sleep(1500);
        assertThatMaildir(tmp.resolve("sent")).hasMessageWithId(messageId);
        assertEquals(1, gmail.outgoing().count(messageId), "nothing lost, nothing sent twice\n"
                + daemons.log(daemons.started() - 1));
        String log = daemons.log(daemons.started() - 1);
        assertTrue(log.contains(carriedOut ? "was sent already (found in the Sent folder" : "is not in the Sent folder"),
                log);
        assertTrue(log.contains("a perhaps-sent message waits PT1S before the search of Sent"), log);
    }
}
