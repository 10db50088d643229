package dev.cms.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.cli.AccountOptions;
import dev.cms.provider.AccessTokenSource;
import dev.cms.config.DeleteAction;
import dev.cms.config.GmailAccountSpec;
import dev.cms.fakecloud.FakeCloud;
import dev.cms.fakecloud.FakeGmail;
import dev.cms.maildir.MaildirFolder;
import dev.cms.provider.gmail.GmailMailbox;
import dev.cms.provider.gmail.GmailOptions;
import dev.cms.store.MessageStore;
import dev.cms.store.StateDb;
import dev.cms.sync.CycleReport;
import dev.cms.sync.Progress;
import dev.cms.sync.Router;
import dev.cms.sync.SyncEngine;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A Gmail INBOX on the embedded fake, synced by the real engine the way a user's daemon lays
 * it out by default: the Maildir {@code ~/mail/INBOX} and the state directory
 * {@code ~/mail/.cms} inside the mail root, so the store's {@code hashes/} sits where a mail
 * reader that walks the mail root can see it. For the tests of the README's mail-reader recipes.
 */
final class ReaderMailbox implements AutoCloseable {
    static final String USER = "reader@gmail.example";

    final Path home;
    final Path mailRoot;
    final Path maildir;
    final Path hashes;
    final FakeGmail gmail;
    private final FakeCloud cloud;
    private final StateDb db;
    private final SyncEngine engine;

    private ReaderMailbox(Path home, FakeCloud cloud, StateDb db, SyncEngine engine) {
        this.home = home;
        this.mailRoot = home.resolve("mail");
        this.maildir = mailRoot.resolve("INBOX");
        this.hashes = mailRoot.resolve(".cms").resolve("hashes");
        this.cloud = cloud;
        this.gmail = cloud.gmail();
        this.db = db;
        this.engine = engine;
    }

    /** The fake Gmail with the given messages in its INBOX, and an engine that has not run yet. */
    static ReaderMailbox start(Path home, List<Message> messages) throws Exception {
        FakeCloud cloud = FakeCloud.start(0);
        StateDb db = null;
        try {
            FakeGmail gmail = cloud.gmail();
            gmail.addAccount(USER, "client", "secret");
            Instant date = Instant.parse("2026-12-04T10:00:00Z");
            for (Message m : messages) {
                Set<String> labels = new HashSet<>(Set.of("INBOX"));
                if (!m.read()) {
                    labels.add("UNREAD");
                }
                date = date.plusSeconds(60);
                gmail.addMessage(USER, m.raw(), date, labels);
            }
            GmailAccountSpec account = new GmailAccountSpec(USER, "client", "secret",
                    cloud.baseUri() + "oauth2/auth", cloud.baseUri() + "oauth2/token", cloud.baseUri().toString(),
                    1_000_000, null);
            AccessTokenSource tokens = force -> gmail.issueAccessToken(USER,
                    Set.of("https://www.googleapis.com/auth/gmail.modify"));
            GmailOptions defaults = GmailOptions.defaults();
            GmailOptions options = new GmailOptions(1_000_000, 4, Duration.ofSeconds(10), Duration.ofSeconds(30),
                    defaults.ticker(), new Random(1));
            Path state = home.resolve("mail").resolve(".cms");
            MessageStore store = MessageStore.open(state);
            db = StateDb.open(state.resolve("state.db"));
            SyncEngine engine = new SyncEngine(List.of(MaildirFolder.open(home.resolve("mail").resolve("INBOX"))),
                    List.of(new GmailMailbox(AccountOptions.gmail(account), "INBOX", DeleteAction.ARCHIVE, tokens, options)),
                    Router.defaultOnly(), store, db, false, dev.cms.time.Ticker.SYSTEM, Progress.NONE);
            return new ReaderMailbox(home, cloud, db, engine);
        } catch (Exception | Error e) {
            if (db != null) {
                db.close();
            }
            cloud.close();
            throw e;
        }
    }

    /** A message known by its subject, which is also its Message-ID's local part. */
    record Message(String subject, boolean read) {
        byte[] raw() {
            return ("From: Carol <carol@example.org>\r\n"
                    + "To: " + USER + "\r\n"
                    + "Subject: " + subject + "\r\n"
                    + "Message-ID: <" + subject + "@example.org>\r\n"
                    + "Date: Fri, 04 Dec 2026 10:00:00 +0000\r\n"
                    + "MIME-Version: 1.0\r\n"
                    + "Content-Type: text/plain; charset=us-ascii\r\n"
                    + "\r\n"
                    + "This is " + subject + ".\r\n").getBytes(StandardCharsets.US_ASCII);
        }
    }

    void cycle() throws Exception {
        CycleReport r = engine.runCycle();
        assertTrue(r.ok(), () -> "cycle failed: " + r.errors());
    }

    /** The cloud id of the message with this subject. */
    String idOf(String subject) {
        byte[] raw = new Message(subject, false).raw();
        return gmail.messageIds(USER, null).stream()
                .filter(id -> java.util.Arrays.equals(gmail.raw(USER, id), raw))
                .findFirst().orElseThrow(() -> new AssertionError("no message " + subject + " in the fake"));
    }

    Set<String> labelsOf(String subject) {
        return gmail.labelsOf(USER, idOf(subject));
    }

    /** Every file in the Maildir's {@code cur/} and {@code new/}. */
    List<Path> maildirFiles() throws IOException {
        List<Path> out = new ArrayList<>();
        for (String sub : List.of("cur", "new")) {
            try (Stream<Path> s = Files.list(maildir.resolve(sub))) {
                s.forEach(out::add);
            }
        }
        return out;
    }

    /** The Maildir file holding the message with this subject, if there is one. */
    Optional<Path> fileOf(String subject) throws IOException {
        for (Path f : maildirFiles()) {
            if (Files.readString(f, StandardCharsets.US_ASCII).contains("\nSubject: " + subject + "\n")) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }

    /** The names in the store's {@code hashes/}. */
    Set<String> storedBodies() throws IOException {
        Set<String> out = new HashSet<>();
        try (Stream<Path> s = Files.list(hashes)) {
            s.forEach(p -> out.add(p.getFileName().toString()));
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        try {
            db.close();
        } finally {
            cloud.close();
        }
    }
}
