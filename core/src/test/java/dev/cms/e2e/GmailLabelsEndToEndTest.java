package dev.cms.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.cli.AccountOptions;
import dev.cms.provider.AccessTokenSource;
import dev.cms.config.DeleteAction;
import dev.cms.config.GmailAccountSpec;
import dev.cms.fakecloud.FakeCloud;
import dev.cms.fakecloud.FakeGmail;
import dev.cms.fakecloud.MessageGenerator;
import dev.cms.maildir.MaildirFile;
import dev.cms.maildir.MaildirFolder;
import dev.cms.model.Flag;
import dev.cms.model.Flags;
import dev.cms.provider.CloudMailbox;
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
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two Gmail labels of one account, each into its own Maildir, with the real Gmail provider
 * against the embedded fake: one message carries both labels (issue 12, items 17 and 18).
 */
class GmailLabelsEndToEndTest {
    static final String USER = "dave@gmail.example";

    @TempDir
    Path tmp;

    FakeCloud cloud;
    FakeGmail gmail;
    StateDb db;
    SyncEngine engine;

    @BeforeEach
    void startFake() throws Exception {
        cloud = FakeCloud.start(0);
        gmail = cloud.gmail();
        gmail.addAccount(USER, "client", "secret");
    }

    @AfterEach
    void stop() throws Exception {
        if (db != null) {
            db.close();
        }
        cloud.close();
    }

    private void startEngine(String... labels) throws Exception {
        GmailAccountSpec account = new GmailAccountSpec(USER, "client", "secret",
                cloud.baseUri() + "oauth2/auth", cloud.baseUri() + "oauth2/token", cloud.baseUri().toString(),
                1_000_000, null);
        AccessTokenSource tokens = force -> gmail.issueAccessToken(USER, Set.of("https://www.googleapis.com/auth/gmail.modify"));
        GmailOptions defaults = GmailOptions.defaults();
        GmailOptions options = new GmailOptions(1_000_000, 8, Duration.ofSeconds(10), Duration.ofSeconds(30),
                defaults.ticker(), new Random(1));
        List<CloudMailbox> boxes = new ArrayList<>();
        List<MaildirFolder> maildirs = new ArrayList<>();
        List<Router.Rule> rules = new ArrayList<>();
        for (int i = 0; i < labels.length; i++) {
            boxes.add(new GmailMailbox(AccountOptions.gmail(account), labels[i], DeleteAction.ARCHIVE, tokens, options));
            maildirs.add(MaildirFolder.open(tmp.resolve("mail" + i)));
            rules.add(new Router.Rule(i, i, null, null, null));
        }
        Path state = tmp.resolve("state");
        MessageStore store = MessageStore.open(state);
        db = StateDb.open(state.resolve("state.db"));
        engine = new SyncEngine(maildirs, boxes, new Router(rules), store, db, false,
                Clock.systemUTC(), Progress.NONE);
    }

    private CycleReport cycle() throws Exception {
        CycleReport r = engine.runCycle();
        assertTrue(r.ok(), () -> "cycle failed: " + r.errors());
        return r;
    }

    private List<MaildirFile> files(int i) throws Exception {
        return MaildirFolder.open(tmp.resolve("mail" + i)).scan();
    }

    private long rawGets() {
        return cloud.requests().count("GET", ".*/messages/[0-9a-f]+");
    }

    /** Item 18: a flag pushed through one label's Maildir shows in the other's in the same cycle. */
    @Test
    void aFlagSetInOneLabelsMaildirReachesTheOtherLabelsMaildirInTheSameCycle() throws Exception {
        gmail.addLabel(USER, "Lists");
        String labelId = gmail.addLabel(USER, "Work");
        MessageGenerator gen = new MessageGenerator(5, USER);
        MessageGenerator.Generated g = gen.text(600);
        String id = gmail.addMessage(USER, g.raw(), g.date(), Set.of("INBOX", labelId, "UNREAD"));
        startEngine("INBOX", "Work");
        cycle();
        assertEquals(1, files(0).size());
        assertEquals(1, files(1).size());
        assertEquals(1, rawGets(), "one body for both labels");

        MaildirFile f = files(0).get(0);
        Files.move(f.path(), f.path().getParent().getParent().resolve("cur").resolve(f.name().base() + ":2,FS"));
        CycleReport r = cycle();

        assertEquals(1, r.pushedFlags(), "pushed once, through the label where it was set");
        Set<String> labels = gmail.labelsOf(USER, id);
        assertTrue(labels.contains("STARRED") && !labels.contains("UNREAD"), labels.toString());
        assertEquals(Flags.of(Flag.READ, Flag.FLAGGED), files(1).get(0).flags(), "the other label's file, same cycle");
        assertTrue(cycle().idle(), "and the next poll has nothing left to do");
    }

    /** Item 17: a message moved from one synced label to another is not downloaded again. */
    @Test
    void aMessageMovedBetweenSyncedLabelsIsNotDownloadedAgain() throws Exception {
        String labelId = gmail.addLabel(USER, "Work");
        MessageGenerator gen = new MessageGenerator(6, USER);
        MessageGenerator.Generated g = gen.text(600);
        String id = gmail.addMessage(USER, g.raw(), g.date(), Set.of("INBOX"));
        startEngine("INBOX", "Work");
        cycle();
        assertEquals(1, rawGets());

        gmail.relabel(USER, id, Set.of(labelId), Set.of("INBOX"));
        cycle();

        assertEquals(0, files(0).size());
        assertEquals(1, files(1).size());
        assertEquals(1, rawGets(), "the body was already in the store");
        cycle();
        assertEquals(1, files(1).size(), "still there after the next cycle");
    }
}
