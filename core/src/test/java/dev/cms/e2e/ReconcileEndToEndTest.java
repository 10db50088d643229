package dev.cms.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.cli.AccountOptions;
import dev.cms.provider.AccessTokenSource;
import dev.cms.config.DeleteAction;
import dev.cms.config.GmailAccountSpec;
import dev.cms.config.Office365AccountSpec;
import dev.cms.fakecloud.FakeMicrosoft;
import dev.cms.fakecloud.MessageGenerator;
import dev.cms.maildir.MaildirFile;
import dev.cms.maildir.MaildirFolder;
import dev.cms.model.Flag;
import dev.cms.provider.MailboxCounts;
import dev.cms.provider.graph.GraphMailbox;
import dev.cms.provider.graph.GraphOptions;
import dev.cms.provider.gmail.GmailMailbox;
import dev.cms.provider.gmail.GmailOptions;
import dev.cms.store.MessageStore;
import dev.cms.store.StateDb;
import dev.cms.sync.CycleReport;
import dev.cms.sync.Progress;
import dev.cms.sync.Router;
import dev.cms.sync.SyncEngine;
import dev.cms.testing.FakeGmailCloud;
import dev.cms.time.FakeTicker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The periodic check against the embedded fake Gmail (issue 18, item 5): a change that
 * {@code history.list} never reports is repaired by a full listing after the check, and on a
 * quiet mailbox the check is exactly one request ({@code labels.get}).
 */
class ReconcileEndToEndTest {
    static final String USER = "alice@gmail.example";
    static final Duration CHECK = Duration.ofMinutes(30);

    @TempDir
    Path tmp;

    @RegisterExtension
    final FakeGmailCloud fake = FakeGmailCloud.withAccount(USER, "client", "secret");
    StateDb db;
    SyncEngine engine;
    final FakeTicker clock = new FakeTicker(Instant.parse("2026-12-04T10:00:00Z"));
    final List<String> ids = new ArrayList<>();

    @BeforeEach
    void startFake() throws Exception {
        MessageGenerator gen = new MessageGenerator(21, USER);
        for (int i = 0; i < 5; i++) {
            MessageGenerator.Generated g = gen.text(400 + 50 * i);
            ids.add(fake.gmail().addMessage(USER, g.raw(), g.date(), i % 2 == 0 ? Set.of("INBOX", "UNREAD") : Set.of("INBOX")));
        }
    }

    @AfterEach
    void stop() throws Exception {
        if (db != null) {
            db.close();
        }
    }

    private void startEngine(DeleteAction action) throws Exception {
        GmailAccountSpec account = new GmailAccountSpec(USER, "client", "secret",
                fake.cloud().baseUri() + "oauth2/auth", fake.cloud().baseUri() + "oauth2/token",
                fake.cloud().baseUri().toString(),
                1_000_000, null);
        AccessTokenSource tokens = force -> fake.gmail().issueAccessToken(USER, Set.of("https://www.googleapis.com/auth/gmail.modify"));
        GmailOptions options = new GmailOptions(1_000_000, 4, Duration.ofSeconds(10), Duration.ofSeconds(30),
                GmailOptions.defaults().ticker(), new Random(1));
        GmailMailbox mailbox = new GmailMailbox(AccountOptions.gmail(account), "INBOX", action, tokens, options);
        Path state = tmp.resolve("state");
        MessageStore store = MessageStore.open(state);
        db = StateDb.open(state.resolve("state.db"));
        engine = new SyncEngine(List.of(MaildirFolder.open(tmp.resolve("mail"))), List.of(mailbox),
                Router.defaultOnly(), store, db, false, clock, Progress.NONE);
    }

    private CycleReport cycle() throws Exception {
        CycleReport r = engine.runCycle();
        assertTrue(r.ok(), () -> "cycle failed: " + r.errors());
        return r;
    }

    private List<MaildirFile> local() throws Exception {
        return MaildirFolder.open(tmp.resolve("mail")).scan();
    }

    private long unreadLocally() throws Exception {
        return local().stream().filter(f -> !f.flags().has(Flag.READ)).count();
    }

    private long labelGets() {
        return fake.requests().count("GET", "/labels/INBOX$");
    }

    @Test
    void aChangeTheHistoryNeverReportedIsRepairedAndAQuietCheckIsOneRequest() throws Exception {
        startEngine(DeleteAction.ARCHIVE);
        cycle();
        assertEquals(3, unreadLocally());
        assertEquals(1, labelGets(), "the full listing measured the label's counts");

        // Quiet: the check is due, costs labels.get alone, and triggers nothing.
        clock.advance(CHECK);
        long before = fake.requests().size();
        cycle();
        assertEquals(2, fake.requests().size() - before, "history.list and labels.get");
        assertEquals(2, labelGets());
        before = fake.requests().size();
        cycle();
        assertEquals(1, fake.requests().size() - before, "the next poll is one request again");

        // Read elsewhere, and history.list never says so.
        fake.gmail().relabelWithoutHistory(USER, ids.get(0), Set.of(), Set.of("UNREAD"));
        cycle();
        assertEquals(3, unreadLocally(), "an incremental listing cannot see it");
        clock.advance(CHECK);
        long profiles = fake.requests().count("GET", "/profile$");
        cycle();
        cycle();
        assertEquals(profiles + 1, fake.requests().count("GET", "/profile$"), "one full listing");
        assertEquals(2, unreadLocally());
        assertEquals(5, fake.requests().count("GET", "/messages/[0-9a-f]+$"), "no body downloaded again");
    }

    @Test
    void aDifferenceTheServiceKeepsByItselfTriggersOneFullListingAtMost() throws Exception {
        // Trash keeps the INBOX label: the label's count includes the message, listings do not.
        startEngine(DeleteAction.TRASH);
        cycle();
        MaildirFile f = local().get(0);
        Files.move(f.path(), f.path().getParent().getParent().resolve("cur").resolve(f.name().base() + ":2,T"));
        cycle();
        assertEquals(4, local().size());
        long profiles = fake.requests().count("GET", "/profile$");
        clock.advance(CHECK);
        cycle();
        cycle();
        assertEquals(profiles + 1, fake.requests().count("GET", "/profile$"), "the difference is learnt once");
        for (int i = 0; i < 3; i++) {
            clock.advance(CHECK);
            cycle();
        }
        assertEquals(profiles + 1, fake.requests().count("GET", "/profile$"), "and then kept");
        assertEquals(4, local().size());
    }

    @Test
    void graphCountsAreTheFolderItemCounts() throws Exception {
        String user = "carol@example.com";
        String client = "11111111-2222-3333-4444-555555555555";
        try (FakeMicrosoft ms = FakeMicrosoft.start(0)) {
            ms.graph().addUser(user, client);
            MessageGenerator gen = new MessageGenerator(22, user);
            for (int i = 0; i < 3; i++) {
                MessageGenerator.Generated g = gen.text(300);
                ms.graph().addMessage(user, "inbox", g.raw(), g.date(), i == 0, "notFlagged", false);
            }
            Office365AccountSpec account = new Office365AccountSpec(user, "common", client, false,
                    ms.authorityHost().toString(), ms.graphEndpoint().toString(), 4, null);
            AccessTokenSource tokens = force -> ms.identity().issueAccessToken(user, client,
                    List.of("https://graph.microsoft.com/Mail.ReadWrite"));
            GraphMailbox box = new GraphMailbox(AccountOptions.graph(account), "inbox", DeleteAction.ARCHIVE, tokens,
                    GraphOptions.defaults(4).withTls(ms.trustedSocketFactory(), ms.trustManager()));
            box.list(null);
            long before = ms.requests().size();
            assertEquals(Optional.of(new MailboxCounts(3, 2)), box.counts());
            assertEquals(1, ms.requests().size() - before, "one request");
        }
    }
}
