package dev.cms.send;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.fakecloud.FakeCloud;
import dev.cms.fakecloud.FakeGmail;
import dev.cms.fakecloud.FakeMicrosoft;
import dev.cms.fakecloud.FakeOutgoing;
import dev.cms.time.FakeTicker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The outbox's sender against the embedded fake Gmail and Graph over HTTP, on a fake clock. */
class OutboxWorkerTest {
    static final String CLIENT = "11111111-2222-3333-4444-555555555555";
    static FakeCloud cloud;
    static FakeMicrosoft ms;
    static int users;

    @TempDir
    Path state;

    FakeTicker ticker = new FakeTicker();
    String gmailUser;
    String graphUser;
    SendAccount gmail;
    SendAccount graph;
    Outbox outbox;
    Map<String, MailSender> senders;
    List<String> sentFor = new ArrayList<>();

    @BeforeAll
    static void startFakes() throws Exception {
        cloud = FakeCloud.start(0);
        ms = FakeMicrosoft.start(0);
    }

    @AfterAll
    static void stopFakes() {
        cloud.close();
        ms.close();
    }

    @BeforeEach
    void accounts() throws Exception {
        int n = ++users;
        gmailUser = "alice" + n + "@gmail.example";
        graphUser = "bob" + n + "@work.example";
        cloud.gmail().addAccount(gmailUser, "client", "secret");
        ms.graph().addUser(graphUser, CLIENT);
        cloud.faults().clear();
        ms.faults().clear();
        gmail = new SendAccount("gmail:" + gmailUser, gmailUser, true);
        graph = new SendAccount("o365:" + graphUser, graphUser, false);
        outbox = Outbox.open(state);
        String u = gmailUser;
        String g = graphUser;
        senders = Map.of(
                gmail.key(), new GmailSender(gmail.key(), cloud.baseUri().toString(),
                        force -> cloud.gmail().issueAccessToken(u, Set.of("https://www.googleapis.com/auth/gmail.modify")),
                        null),
                graph.key(), new GraphSender(graph.key(), ms.graphEndpoint().toString(),
                        force -> ms.identity().issueAccessToken(g, CLIENT, List.of(
                                "https://graph.microsoft.com/Mail.ReadWrite", "https://graph.microsoft.com/Mail.Send")),
                        ms.clientSslContext()));
    }

    OutboxWorker worker() {
        return new OutboxWorker(outbox, senders, ticker, new Random(7), sentFor::add);
    }

    Submission queue(SendAccount account, String subject, String extra) throws Exception {
        String msg = "From: " + account.user() + "\nTo: carol@example.org\n" + extra + "Subject: " + subject
                + "\n\nHello " + subject + "\n";
        Submission s = Submission.prepare(msg.getBytes(StandardCharsets.US_ASCII),
                new Submission.Options(true, List.of(), null, null, null, false), List.of(gmail, graph), ticker.now(),
                ZoneOffset.UTC);
        outbox.queue(s, ticker.now());
        return s;
    }

    FakeOutgoing gmailOut() {
        return cloud.gmail().outgoing();
    }

    FakeOutgoing graphOut() {
        return ms.graph().outgoing();
    }

    List<FakeOutgoing.Delivery> mine(FakeOutgoing out, String user) {
        return out.deliveries().stream().filter(d -> d.account().equalsIgnoreCase(user)).toList();
    }

    /** Runs passes, advancing the fake clock by what each asks, until the outbox is empty. */
    int drain(OutboxWorker w, int maxPasses) throws Exception {
        for (int i = 1; i <= maxPasses; i++) {
            Duration next = w.pass();
            if (outbox.pending().isEmpty()) {
                return i;
            }
            ticker.advance(next);
        }
        throw new AssertionError("outbox not empty after " + maxPasses + " passes: " + outbox.pending());
    }

    @Test
    void gmailSendsInOrderDeliversBccAndKeepsItOutOfTheRecipientsCopy() throws Exception {
        Submission a = queue(gmail, "one", "Bcc: hidden@example.net\n");
        ticker.advance(Duration.ofMillis(5));
        Submission b = queue(gmail, "two", "");
        ticker.advance(Duration.ofMillis(5));
        Submission c = queue(gmail, "three", "");
        worker().pass();
        List<FakeOutgoing.Delivery> d = mine(gmailOut(), gmailUser);
        assertEquals(List.of(a.messageId(), b.messageId(), c.messageId()),
                d.stream().map(FakeOutgoing.Delivery::messageId).toList());
        assertEquals(List.of("carol@example.org", "hidden@example.net"), d.get(0).recipients());
        assertFalse(d.get(0).deliveredText().toLowerCase().contains("bcc:"), d.get(0).deliveredText());
        assertTrue(d.get(0).deliveredText().contains("\r\n\r\nHello one\r\n"), d.get(0).deliveredText());
        assertEquals(3, cloud.gmail().messageIds(gmailUser, "SENT").size(), "each lands in SENT");
        assertTrue(outbox.pending().isEmpty());
        assertEquals(List.of(gmail.key(), gmail.key(), gmail.key()), sentFor);
    }

    @Test
    void graphSendsBase64MimeAndSavesToSentItems() throws Exception {
        Submission a = queue(graph, "graph", "Cc: dave@example.org\nBcc: hidden@example.net\n");
        worker().pass();
        List<FakeOutgoing.Delivery> d = mine(graphOut(), graphUser);
        assertEquals(1, d.size());
        assertEquals(a.messageId(), d.get(0).messageId());
        assertEquals(List.of("carol@example.org", "dave@example.org", "hidden@example.net"), d.get(0).recipients());
        assertFalse(d.get(0).deliveredText().toLowerCase().contains("bcc:"));
        assertEquals(1, ms.graph().messageIds(graphUser, "sentitems").size());
        assertTrue(outbox.pending().isEmpty());
    }

    @Test
    void aLostAnswerAfterTheSendReachedGmailIsFoundInSentAndNotSentAgain() throws Exception {
        long searches = cloud.requests().count("GET", "/gmail/v1/users/me/messages");
        Submission a = queue(gmail, "lost", "");
        gmailOut().dropAnswersAfterSending(1);
        OutboxWorker w = worker();
        Duration wait = w.pass();
        assertEquals(1, outbox.pending().size());
        assertTrue(outbox.pending().get(0).attempted(), "marked as perhaps sent");
        assertTrue(wait.compareTo(OutboxWorker.UNKNOWN_MIN_WAIT) >= 0, wait.toString());
        ticker.advance(wait);
        w.pass();
        assertTrue(outbox.pending().isEmpty());
        assertEquals(1, gmailOut().count(a.messageId()), "sent once, not twice");
        assertEquals(searches + 1, cloud.requests().count("GET", "/gmail/v1/users/me/messages"), "one search of Sent");
    }

    @Test
    void aLostAnswerAfterTheSendReachedGraphIsFoundInSentItemsAndNotSentAgain() throws Exception {
        Submission a = queue(graph, "lost", "");
        graphOut().dropAnswersAfterSending(1);
        OutboxWorker w = worker();
        ticker.advance(w.pass());
        w.pass();
        assertTrue(outbox.pending().isEmpty());
        assertEquals(1, graphOut().count(a.messageId()), "sent once, not twice");
    }

    @Test
    void afterARestartAPerhapsSentMessageWaitsBeforeTheSearchSoTheServiceCanListIt() throws Exception {
        Submission a = queue(gmail, "crashed", "");
        // An earlier run started the send, the service accepted it, and the run died before the answer.
        Outbox.Entry e = outbox.startSending(outbox.pending().get(0), ticker.now());
        senders.get(gmail.key()).send(Outbox.read(e.file()).message());
        ticker.advance(Duration.ofSeconds(10));
        long searches = cloud.requests().count("GET", "/gmail/v1/users/me/messages");
        OutboxWorker restarted = worker();
        Duration wait = restarted.pass();
        assertEquals(Duration.ofSeconds(20), wait, "30 s after the send started");
        assertEquals(searches, cloud.requests().count("GET", "/gmail/v1/users/me/messages"), "no search yet");
        ticker.advance(wait);
        restarted.pass();
        assertTrue(outbox.pending().isEmpty());
        assertEquals(1, gmailOut().count(a.messageId()), "found in Sent, not sent again");
    }

    @Test
    void theWaitBeforeTheSearchOfSentCanBeShortenedForTestsOnly() throws Exception {
        Submission a = queue(gmail, "crashed", "");
        Outbox.Entry e = outbox.startSending(outbox.pending().get(0), ticker.now());
        senders.get(gmail.key()).send(Outbox.read(e.file()).message());
        long searches = cloud.requests().count("GET", "/gmail/v1/users/me/messages");
        OutboxWorker restarted = new OutboxWorker(outbox, senders, ticker, new Random(7), sentFor::add,
                OutboxWorker.unknownMinWait("PT2S"));
        assertEquals(Duration.ofSeconds(2), restarted.pass(), "2 s after the send started, not 30");
        assertEquals(searches, cloud.requests().count("GET", "/gmail/v1/users/me/messages"), "no search yet");
        ticker.advance(Duration.ofSeconds(2));
        restarted.pass();
        assertTrue(outbox.pending().isEmpty());
        assertEquals(1, gmailOut().count(a.messageId()), "found in Sent, not sent again");
    }

    @Test
    void theWaitSeamIsThirtySecondsUnlessItsPropertyIsSet() {
        assertEquals(Duration.ofSeconds(30), OutboxWorker.unknownMinWait(null));
        assertEquals(Duration.ofMillis(500), OutboxWorker.unknownMinWait("PT0.5S"));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> OutboxWorker.unknownMinWait("soon"));
        assertEquals("-Ddev.cms.send.unknownMinWait=soon is not a duration such as PT1S", bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> OutboxWorker.unknownMinWait("-PT1S"));
    }

    @Test
    void aMessageMarkedPerhapsSentThatNeverArrivedIsSentAfterTheSearch() throws Exception {
        Submission a = queue(gmail, "never", "");
        // The connection dropped before the service got the request.
        cloud.faults().resetNext(".*/messages/send", 1);
        OutboxWorker w = worker();
        ticker.advance(w.pass());
        assertEquals(0, gmailOut().count(a.messageId()));
        w.pass();
        assertEquals(1, gmailOut().count(a.messageId()));
        assertTrue(outbox.pending().isEmpty());
    }

    @Test
    void a429StormIsWaitedOutWithRetryAfterAndTheMessageGoesOnce() throws Exception {
        long searches = ms.requests().count("GET", ".*/sentitems/messages");
        Submission a = queue(graph, "storm", "");
        Submission b = queue(graph, "after", "");
        ms.faults().failNext(".*/sendMail", 25, 429, 7);
        int passes = drain(worker(), 100);
        assertEquals(26, passes);
        assertEquals(1, graphOut().count(a.messageId()));
        assertEquals(1, graphOut().count(b.messageId()));
        List<FakeOutgoing.Delivery> d = mine(graphOut(), graphUser);
        assertEquals(List.of(a.messageId(), b.messageId()), d.stream().map(FakeOutgoing.Delivery::messageId).toList(),
                "order kept through the storm");
        assertEquals(searches, ms.requests().count("GET", ".*/sentitems/messages"), "a 429 is certain: no search");
    }

    @Test
    void serverErrorsBackOffExponentiallyAndEachRetrySearchesFirst() throws Exception {
        Submission a = queue(gmail, "flaky", "");
        cloud.faults().failNext(".*/messages/send", 3, 500, 0);
        OutboxWorker w = worker();
        List<Duration> waits = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Duration d = w.pass();
            waits.add(d);
            ticker.advance(d);
        }
        w.pass();
        assertTrue(outbox.pending().isEmpty());
        assertEquals(1, gmailOut().count(a.messageId()));
        assertTrue(waits.get(2).compareTo(waits.get(0)) >= 0, waits.toString());
    }

    @Test
    void aRefusedRecipientMovesTheMessageToFailedWithTheReasonAndTheNextOneGoes() throws Exception {
        gmailOut().refuseRecipient("nobody@invalid.example");
        Submission bad = queue(gmail, "bad", "Cc: nobody@invalid.example\n");
        Submission good = queue(gmail, "good", "");
        OutboxWorker w = worker();
        w.pass();
        assertTrue(outbox.pending().isEmpty());
        List<Outbox.Failed> failed = outbox.failed();
        assertEquals(1, failed.size());
        assertTrue(failed.get(0).reason().contains("HTTP 400") && failed.get(0).reason().contains("nobody@invalid.example"),
                failed.get(0).reason());
        assertTrue(new String(Files.readAllBytes(failed.get(0).file()), StandardCharsets.US_ASCII)
                .contains(bad.messageId()));
        assertEquals(0, gmailOut().count(bad.messageId()));
        assertEquals(1, gmailOut().count(good.messageId()));
        int attempts = gmailOut().sendAttempts();
        ticker.advance(Duration.ofHours(1));
        w.pass();
        assertEquals(attempts, gmailOut().sendAttempts(), "a refused message is never retried");
    }

    @Test
    void oneAccountsOutageHoldsOnlyItsOwnMessages() throws Exception {
        Submission g1 = queue(gmail, "g1", "");
        Submission o1 = queue(graph, "o1", "");
        Submission g2 = queue(gmail, "g2", "");
        cloud.faults().failNext(".*/messages/send", 1, 503, 60);
        OutboxWorker w = worker();
        Duration d = w.pass();
        assertEquals(1, graphOut().count(o1.messageId()), "Office365 is not held by Gmail's trouble");
        assertEquals(0, gmailOut().count(g1.messageId()));
        assertEquals(0, gmailOut().count(g2.messageId()), "g2 waits for g1: the order holds");
        assertEquals(Duration.ofSeconds(60), d);
        ticker.advance(d);
        w.pass();
        assertEquals(List.of(g1.messageId(), g2.messageId()),
                mine(gmailOut(), gmailUser).stream().map(FakeOutgoing.Delivery::messageId).toList());
    }

    @Test
    void aGraphLoginWithoutMailSendKeepsTheMessageAndSaysWhy() throws Exception {
        String g = graphUser;
        senders = Map.of(graph.key(), new GraphSender(graph.key(), ms.graphEndpoint().toString(),
                force -> ms.identity().issueAccessToken(g, CLIENT, List.of("https://graph.microsoft.com/Mail.ReadWrite")),
                ms.clientSslContext()));
        queue(graph, "scope", "");
        OutboxWorker w = worker();
        w.pass();
        assertEquals(1, outbox.pending().size(), "kept, not failed");
        assertTrue(outbox.failed().isEmpty());
        assertEquals(0, mine(graphOut(), graphUser).size());
    }

    @Test
    void flushEndsTheBackoff() throws Exception {
        Submission a = queue(gmail, "flush", "");
        cloud.faults().failNext(".*/messages/send", 1, 503, 300);
        OutboxWorker w = worker();
        w.pass();
        w.pass();
        assertEquals(0, gmailOut().count(a.messageId()), "still backing off");
        w.wake(true);
        w.pass();
        assertEquals(1, gmailOut().count(a.messageId()));
    }
}
