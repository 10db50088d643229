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
import dev.cms.model.ContentHash;
import dev.cms.model.Flag;
import dev.cms.model.Flags;
import dev.cms.provider.gmail.GmailMailbox;
import dev.cms.provider.gmail.GmailOptions;
import dev.cms.store.MessageStore;
import dev.cms.store.StateDb;
import dev.cms.sync.CycleReport;
import dev.cms.sync.Progress;
import dev.cms.sync.Router;
import dev.cms.sync.SyncEngine;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sync engine with the real Gmail provider against the embedded fake Gmail. */
class GmailEndToEndTest {
    static final String USER = "alice@gmail.example";

    @TempDir
    Path tmp;

    FakeCloud cloud;
    FakeGmail gmail;
    StateDb db;
    SyncEngine engine;
    GmailMailbox mailbox;

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

    private void startEngine(DeleteAction action) throws Exception {
        if (db != null) {
            db.close();
        }
        GmailAccountSpec account = new GmailAccountSpec(USER, "client", "secret",
                cloud.baseUri() + "oauth2/auth", cloud.baseUri() + "oauth2/token", cloud.baseUri().toString(),
                1_000_000, null);
        AccessTokenSource tokens = force -> gmail.issueAccessToken(USER, Set.of("https://www.googleapis.com/auth/gmail.modify"));
        GmailOptions defaults = GmailOptions.defaults();
        GmailOptions options = new GmailOptions(1_000_000, 8, Duration.ofSeconds(10), Duration.ofSeconds(30),
                defaults.ticker(), new Random(1));
        mailbox = new GmailMailbox(AccountOptions.gmail(account), "INBOX", action, tokens, options);
        Path state = tmp.resolve("state");
        MessageStore store = MessageStore.open(state);
        db = StateDb.open(state.resolve("state.db"));
        engine = new SyncEngine(List.of(MaildirFolder.open(tmp.resolve("mail"))), List.of(mailbox),
                Router.defaultOnly(), store, db, false, Clock.systemUTC(), Progress.NONE);
    }

    private CycleReport cycle() throws Exception {
        CycleReport r = engine.runCycle();
        assertTrue(r.ok(), () -> "cycle failed: " + r.errors());
        return r;
    }

    private Map<ContentHash, MaildirFile> local() throws Exception {
        Map<ContentHash, MaildirFile> out = new HashMap<>();
        for (MaildirFile f : MaildirFolder.open(tmp.resolve("mail")).scan()) {
            out.put(MessageStore.hashOf(f.path()), f);
        }
        return out;
    }

    private static ContentHash hash(byte[] raw) throws Exception {
        return MessageStore.hashOf(new ByteArrayInputStream(raw));
    }

    private long rawGets() {
        return cloud.requests().count("GET", ".*/messages/[0-9a-f]+");
    }

    @Test
    void twoThousandMessagesLandWithTheirFlagsAndStayInStep() throws Exception {
        MessageGenerator gen = new MessageGenerator(7, USER);
        Map<String, byte[]> raw = new HashMap<>();
        Map<String, Flags> expected = new HashMap<>();
        for (int i = 0; i < 2000; i++) {
            MessageGenerator.Generated g = gen.text(800 + (i % 7) * 100);
            Set<String> labels = new HashSet<>(Set.of("INBOX"));
            Flags f = Flags.NONE.with(Flag.READ);
            if (i % 3 == 0) {
                labels.add("UNREAD");
                f = Flags.NONE;
            }
            if (i % 10 == 0) {
                labels.add("STARRED");
                f = f.with(Flag.FLAGGED);
            }
            String id = gmail.addMessage(USER, g.raw(), g.date(), labels);
            raw.put(id, g.raw());
            expected.put(id, f);
        }
        startEngine(DeleteAction.ARCHIVE);
        CycleReport first = cycle();
        assertEquals(2000, first.fetched());
        Map<ContentHash, MaildirFile> local = local();
        assertEquals(2000, local.size());
        for (Map.Entry<String, byte[]> e : raw.entrySet()) {
            MaildirFile f = local.get(hash(e.getValue()));
            assertEquals(expected.get(e.getKey()), f.flags(), e.getKey());
        }
        // No body is fetched twice, and bodies are stored with LF line endings.
        assertEquals(2000, rawGets());
        assertTrue(!Files.readString(local.values().iterator().next().path()).contains("\r\n"));

        // Another client relabels and deletes; a poll brings it.
        List<String> ids = List.copyOf(raw.keySet());
        String starred = ids.get(1);
        String deleted = ids.get(2);
        String archived = ids.get(3);
        gmail.relabel(USER, starred, Set.of("STARRED"), Set.of("UNREAD"));
        gmail.delete(USER, deleted);
        gmail.relabel(USER, archived, Set.of(), Set.of("INBOX"));
        long before = cloud.requests().size();
        cycle();
        assertEquals(1, cloud.requests().size() - before, "an incremental poll is one request");
        local = local();
        assertEquals(1998, local.size());
        assertEquals(Flags.of(Flag.READ, Flag.FLAGGED), local.get(hash(raw.get(starred))).flags());

        // Local changes reach the fake: S and F, and a deletion (archive = INBOX removed).
        String toRead = ids.stream().filter(id -> !expected.get(id).has(Flag.READ) && !id.equals(starred)
                && !id.equals(deleted) && !id.equals(archived)).findFirst().orElseThrow();
        MaildirFile f = local.get(hash(raw.get(toRead)));
        Files.move(f.path(), f.path().getParent().getParent().resolve("cur").resolve(f.name().base() + ":2,FS"));
        String toDelete = ids.get(10);
        Files.delete(local.get(hash(raw.get(toDelete))).path());
        cycle();
        Set<String> labels = gmail.labelsOf(USER, toRead);
        assertTrue(labels.contains("STARRED") && !labels.contains("UNREAD"), labels.toString());
        assertTrue(!gmail.labelsOf(USER, toDelete).contains("INBOX"), "archived in Gmail");

        // A restart fetches no body; a quiet poll is one request.
        long gets = rawGets();
        startEngine(DeleteAction.ARCHIVE);
        CycleReport restarted = cycle();
        assertEquals(gets, rawGets());
        assertEquals(0, restarted.fetched());

        // An expired history id: one full listing, and it still converges.
        gmail.relabel(USER, ids.get(20), Set.of("STARRED"), Set.of());
        gmail.expireHistory(USER);
        long profiles = cloud.requests().count("GET", ".*/profile");
        cycle();
        assertEquals(profiles + 1, cloud.requests().count("GET", ".*/profile"), "one full listing");
        assertEquals(gets, rawGets(), "known bodies are not fetched again");
        assertTrue(local().get(hash(raw.get(ids.get(20)))).flags().has(Flag.FLAGGED));
    }

    @Test
    void trashDeletionAddsTheTrashLabel() throws Exception {
        MessageGenerator gen = new MessageGenerator(3, USER);
        String id = gmail.addMessage(USER, gen.text(500).raw(), gen.text(10).date(), Set.of("INBOX"));
        startEngine(DeleteAction.TRASH);
        cycle();
        MaildirFile f = local().values().iterator().next();
        Files.move(f.path(), f.path().getParent().getParent().resolve("cur").resolve(f.name().base() + ":2,T"));
        cycle();
        assertTrue(gmail.labelsOf(USER, id).contains("TRASH"), gmail.labelsOf(USER, id).toString());
        assertTrue(local().isEmpty());
    }
}
