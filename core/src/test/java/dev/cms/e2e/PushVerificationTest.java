package dev.cms.e2e;

import static dev.cms.testing.FakeGmailAssert.assertThatGmail;
import static dev.cms.testing.TextAssert.assertThatText;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.cli.AccountOptions;
import dev.cms.provider.AccessTokenSource;
import dev.cms.config.DeleteAction;
import dev.cms.config.GmailAccountSpec;
import dev.cms.config.Office365AccountSpec;
import dev.cms.fakecloud.FakeCloud;
import dev.cms.fakecloud.FakeGraph;
import dev.cms.fakecloud.FakeMicrosoft;
import dev.cms.fakecloud.MessageGenerator;
import dev.cms.maildir.MaildirFile;
import dev.cms.maildir.MaildirFolder;
import dev.cms.model.Flag;
import dev.cms.provider.CloudMailbox;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 2xx answer is not proof that a change reached the cloud (issue 18, item 5): a proxy's
 * sign-in page answered 200 to {@code batchModify} and to {@code $batch}, the push counted as
 * done, and the cloud and the Maildir stayed apart for good. Now such a push fails, the next
 * cycle pushes again and the cloud ends right.
 */
class PushVerificationTest {
    @TempDir
    Path tmp;

    private SyncEngine engine(CloudMailbox box, StateDb db) throws Exception {
        return new SyncEngine(List.of(MaildirFolder.open(tmp.resolve("mail"))), List.of(box), Router.defaultOnly(),
                MessageStore.open(tmp.resolve("state")), db, false, dev.cms.time.Ticker.SYSTEM, Progress.NONE);
    }

    private StateDb openDb() throws Exception {
        MessageStore.open(tmp.resolve("state"));
        return StateDb.open(tmp.resolve("state").resolve("state.db"));
    }

    private static CycleReport ok(CycleReport r) {
        assertTrue(r.ok(), () -> "cycle failed: " + r.errors());
        return r;
    }

    /** Marks the only message of the Maildir read and flagged, as a mail reader would. */
    private void flagTheOnlyMessage() throws Exception {
        List<MaildirFile> files = MaildirFolder.open(tmp.resolve("mail")).scan();
        assertEquals(1, files.size());
        MaildirFile f = files.get(0);
        Files.move(f.path(), f.path().getParent().getParent().resolve("cur").resolve(f.name().base() + ":2,FS"));
    }

    @Test
    void gmailBatchModifyAnsweredWithAnHtmlPageIsPushedAgain() throws Exception {
        String user = "alice@gmail.example";
        try (FakeCloud cloud = FakeCloud.start(0)) {
            cloud.gmail().addAccount(user, "client", "secret");
            MessageGenerator gen = new MessageGenerator(11, user);
            MessageGenerator.Generated g = gen.text(600);
            String id = cloud.gmail().addMessage(user, g.raw(), g.date(), Set.of("INBOX", "UNREAD"));
            GmailAccountSpec account = new GmailAccountSpec(user, "client", "secret",
                    cloud.baseUri() + "oauth2/auth", cloud.baseUri() + "oauth2/token", cloud.baseUri().toString(),
                    1_000_000, null);
            AccessTokenSource tokens = force -> cloud.gmail().issueAccessToken(user,
                    Set.of("https://www.googleapis.com/auth/gmail.modify"));
            GmailOptions options = new GmailOptions(1_000_000, 4, Duration.ofSeconds(10), Duration.ofSeconds(30),
                    GmailOptions.defaults().ticker(), new Random(1));
            GmailMailbox box = new GmailMailbox(AccountOptions.gmail(account), "INBOX", DeleteAction.ARCHIVE, tokens, options);
            try (StateDb db = openDb()) {
                SyncEngine engine = engine(box, db);
                ok(engine.runCycle());
                flagTheOnlyMessage();

                cloud.faults().htmlNext("/messages/batchModify$", 1);
                CycleReport pushed = engine.runCycle();
                assertEquals(1, cloud.requests().count("POST", "/messages/batchModify$"));
                assertFalse(pushed.ok(), "an HTML page is not Gmail's empty success answer");
                assertThatText(pushed.errors().toString()).contains("batchModify");
                assertEquals(0, pushed.pushedFlags());
                assertThatGmail(cloud.gmail(), user).message(id).hasLabels("UNREAD"); // the fake never saw the change

                ok(engine.runCycle());
                assertEquals(2, cloud.requests().count("POST", "/messages/batchModify$"), "pushed again");
                assertThatGmail(cloud.gmail(), user).message(id).hasLabels("STARRED").lacksLabels("UNREAD");
            }
        }
    }

    @Test
    void graphBatchAnsweredWithAnHtmlPageIsPushedAgain() throws Exception {
        String user = "carol@example.com";
        String client = "11111111-2222-3333-4444-555555555555";
        try (FakeMicrosoft ms = FakeMicrosoft.start(0)) {
            FakeGraph graph = ms.graph();
            graph.addUser(user, client);
            MessageGenerator gen = new MessageGenerator(12, user);
            MessageGenerator.Generated g = gen.text(600);
            String id = graph.addMessage(user, "inbox", g.raw(), g.date(), false, "notFlagged", false);
            Office365AccountSpec account = new Office365AccountSpec(user, "common", client, false,
                    ms.authorityHost().toString(), ms.graphEndpoint().toString(), 4, null);
            AccessTokenSource tokens = force -> ms.identity().issueAccessToken(user, client,
                    List.of("https://graph.microsoft.com/Mail.ReadWrite"));
            GraphMailbox box = new GraphMailbox(AccountOptions.graph(account), "inbox", DeleteAction.ARCHIVE, tokens,
                    GraphOptions.defaults(4).withTls(ms.trustedSocketFactory(), ms.trustManager()));
            try (StateDb db = openDb()) {
                SyncEngine engine = engine(box, db);
                ok(engine.runCycle());
                flagTheOnlyMessage();

                ms.faults().htmlNext("/\\$batch$", 1);
                CycleReport pushed = engine.runCycle();
                assertEquals(1, ms.requests().count("POST", "/\\$batch$"));
                assertFalse(pushed.ok(), "an HTML page is not a $batch answer");
                assertThatText(pushed.errors().toString()).contains("$batch");
                assertEquals(0, pushed.pushedFlags());
                assertFalse(graph.message(user, id).isRead(), "the fake never saw the change");

                ok(engine.runCycle());
                assertEquals(2, ms.requests().count("POST", "/\\$batch$"), "pushed again");
                FakeGraph.MessageState st = graph.message(user, id);
                assertTrue(st.isRead() && "flagged".equals(st.flagStatus()), st.toString());
            }
        }
    }
}
