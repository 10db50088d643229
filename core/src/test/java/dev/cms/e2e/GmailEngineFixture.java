package dev.cms.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.provider.AccessTokenSource;
import dev.cms.config.DeleteAction;
import dev.cms.config.GmailAccountSpec;
import dev.cms.fakecloud.FakeCloud;
import dev.cms.fakecloud.FakeGmail;
import dev.cms.maildir.MaildirFolder;
import dev.cms.provider.CloudMailbox;
import dev.cms.provider.gmail.GmailMailbox;
import dev.cms.provider.gmail.GmailOptions;
import dev.cms.store.MessageStore;
import dev.cms.store.StateDb;
import dev.cms.sync.CycleReport;
import dev.cms.sync.Progress;
import dev.cms.sync.Router;
import dev.cms.sync.SyncEngine;
import dev.cms.testing.FakeGmailCloud;
import java.nio.file.Path;
import dev.cms.time.Ticker;
import dev.cms.cli.AccountOptions;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sync engine with the real Gmail provider against the embedded fake Gmail over real HTTP:
 * one account, Maildirs and the state under a temporary directory.
 */
abstract class GmailEngineFixture {
    @TempDir
    Path tmp;

    @RegisterExtension
    final FakeGmailCloud fake;

    final String user;
    FakeCloud cloud;
    FakeGmail gmail;
    StateDb db;
    SyncEngine engine;

    GmailEngineFixture(String user) {
        this.user = user;
        this.fake = FakeGmailCloud.withAccount(user, "client", "secret");
    }

    @BeforeEach
    void bindFake() {
        cloud = fake.cloud();
        gmail = fake.gmail();
    }

    @AfterEach
    void closeDb() throws Exception {
        if (db != null) {
            db.close();
        }
    }

    /** A mailbox of the account for {@code label}, with an ample quota and eight parallel fetches. */
    GmailMailbox mailbox(String label, DeleteAction action) {
        GmailAccountSpec account = new GmailAccountSpec(user, "client", "secret",
                cloud.baseUri() + "oauth2/auth", cloud.baseUri() + "oauth2/token", cloud.baseUri().toString(),
                1_000_000, null);
        AccessTokenSource tokens = force -> gmail.issueAccessToken(user,
                Set.of("https://www.googleapis.com/auth/gmail.modify"));
        GmailOptions options = new GmailOptions(1_000_000, 8, Duration.ofSeconds(10), Duration.ofSeconds(30),
                GmailOptions.defaults().ticker(), new Random(1));
        return new GmailMailbox(AccountOptions.gmail(account), label, action, tokens, options);
    }

    /** A new engine (as after a restart) over the state in {@code tmp/state}. */
    void startEngine(List<MaildirFolder> maildirs, List<CloudMailbox> boxes, Router router) throws Exception {
        if (db != null) {
            db.close();
        }
        Path state = tmp.resolve("state");
        MessageStore store = MessageStore.open(state);
        db = StateDb.open(state.resolve("state.db"));
        engine = new SyncEngine(maildirs, boxes, router, store, db, false, Ticker.SYSTEM, Progress.NONE);
    }

    /** One cycle, which must succeed. */
    CycleReport cycle() throws Exception {
        CycleReport r = engine.runCycle();
        assertTrue(r.ok(), () -> "cycle failed: " + r.errors());
        return r;
    }

    /** How many message bodies were downloaded one by one. */
    long rawGets() {
        return cloud.requests().count("GET", ".*/messages/[0-9a-f]+");
    }
}
