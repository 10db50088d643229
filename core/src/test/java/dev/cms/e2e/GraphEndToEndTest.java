package dev.cms.e2e;

import static dev.cms.testing.MaildirAssert.assertThatMaildir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.cli.AccountOptions;
import dev.cms.provider.AccessTokenSource;
import dev.cms.config.DeleteAction;
import dev.cms.config.Office365AccountSpec;
import dev.cms.fakecloud.FakeGraph;
import dev.cms.fakecloud.FakeMicrosoft;
import dev.cms.fakecloud.MessageGenerator;
import dev.cms.maildir.MaildirFile;
import dev.cms.maildir.MaildirFolder;
import dev.cms.model.ContentHash;
import dev.cms.model.Flag;
import dev.cms.model.Flags;
import dev.cms.provider.CloudMailbox;
import dev.cms.provider.graph.GraphMailbox;
import dev.cms.provider.graph.GraphOptions;
import dev.cms.store.MessageStore;
import dev.cms.store.StateDb;
import dev.cms.sync.CycleReport;
import dev.cms.sync.Progress;
import dev.cms.sync.Router;
import dev.cms.sync.SyncEngine;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sync engine with the real Graph provider against the embedded fake Office365 (TLS). */
class GraphEndToEndTest {
    /** One fake Office365 serves every test: each test has a user of its own. */
    private static int users;
    String user;
    long valueGetsBefore;
    static final String CLIENT = "11111111-2222-3333-4444-555555555555";
    static FakeMicrosoft ms;

    @TempDir
    Path tmp;

    FakeGraph graph;
    StateDb db;
    SyncEngine engine;
    String kernelFolder;

    @BeforeAll
    static void startFake() throws Exception {
        ms = FakeMicrosoft.start(0);
    }

    @AfterAll
    static void stopFake() {
        ms.close();
    }

    @BeforeEach
    void user() {
        graph = ms.graph();
        user = "carol" + (++users) + "@example.com";
        valueGetsBefore = ms.requests().count("GET", ".*/\\$value");
        graph.addUser(user, CLIENT);
        String lists = graph.addFolder(user, "inbox", "Lists");
        kernelFolder = graph.addFolder(user, lists, "kernel");
    }

    @AfterEach
    void close() throws Exception {
        if (db != null) {
            db.close();
        }
    }

    private GraphMailbox mailbox(String path, DeleteAction action) {
        Office365AccountSpec account = new Office365AccountSpec(user, "common", CLIENT, false,
                ms.authorityHost().toString(), ms.graphEndpoint().toString(), 4, null);
        AccessTokenSource tokens = force -> ms.identity().issueAccessToken(user, CLIENT,
                List.of("https://graph.microsoft.com/Mail.ReadWrite"));
        return new GraphMailbox(AccountOptions.graph(account), path, action, tokens,
                GraphOptions.defaults(4).withTls(ms.trustedSocketFactory(), ms.trustManager()));
    }

    private void startEngine() throws Exception {
        if (db != null) {
            db.close();
        }
        List<CloudMailbox> boxes = List.of(mailbox("inbox", DeleteAction.ARCHIVE),
                mailbox("Inbox/Lists/kernel", DeleteAction.TRASH));
        Path state = tmp.resolve("state");
        MessageStore store = MessageStore.open(state);
        db = StateDb.open(state.resolve("state.db"));
        // Maildir 0: the inbox; Maildir 1: the kernel list folder.
        engine = new SyncEngine(List.of(MaildirFolder.open(tmp.resolve("inbox")), MaildirFolder.open(tmp.resolve("kernel"))),
                boxes, new Router(List.of(new Router.Rule(1, 1, null, null, null))), store, db,
                false, dev.cms.time.Ticker.SYSTEM, Progress.NONE);
    }

    private CycleReport cycle() throws Exception {
        CycleReport r = engine.runCycle();
        assertTrue(r.ok(), () -> "cycle failed: " + r.errors());
        return r;
    }

    private Map<ContentHash, MaildirFile> local(String dir) throws Exception {
        Map<ContentHash, MaildirFile> out = new HashMap<>();
        for (MaildirFile f : MaildirFolder.open(tmp.resolve(dir)).scan()) {
            out.put(MessageStore.hashOf(f.path()), f);
        }
        return out;
    }

    private static ContentHash hash(byte[] raw) throws Exception {
        return MessageStore.hashOf(new ByteArrayInputStream(raw));
    }

    /** The body downloads of this test (the fake is shared by the tests of this class). */
    private long valueGets() {
        return ms.requests().count("GET", ".*/\\$value") - valueGetsBefore;
    }

    private static void rename(MaildirFile f, String letters) throws Exception {
        Files.move(f.path(), f.path().getParent().getParent().resolve("cur").resolve(f.name().base() + ":2," + letters));
    }

    @Test
    void twoThousandMessagesInANestedFolderStayInStepBothWays() throws Exception {
        MessageGenerator gen = new MessageGenerator(5, user);
        Map<String, byte[]> raw = new HashMap<>();
        Map<String, Flags> expected = new HashMap<>();
        List<String> inboxIds = new ArrayList<>();
        List<String> kernelIds = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            MessageGenerator.Generated g = gen.text(700 + (i % 5) * 200);
            boolean read = i % 2 == 0;
            boolean flagged = i % 7 == 0;
            boolean replied = i % 5 == 0;
            String folder = i % 4 == 0 ? kernelFolder : "inbox";
            String id = graph.addMessage(user, folder, g.raw(), g.date(), read, flagged ? "flagged" : "notFlagged", replied);
            raw.put(id, g.raw());
            Flags f = Flags.NONE.with(Flag.READ, read).with(Flag.FLAGGED, flagged).with(Flag.REPLIED, replied);
            expected.put(id, f);
            (folder.equals("inbox") ? inboxIds : kernelIds).add(id);
        }
        startEngine();
        CycleReport first = cycle();
        assertEquals(2000, first.fetched());
        Map<ContentHash, MaildirFile> inbox = local("inbox");
        Map<ContentHash, MaildirFile> kernel = local("kernel");
        assertEquals(1500, inbox.size());
        assertEquals(500, kernel.size());
        for (String id : inboxIds) {
            assertEquals(expected.get(id), inbox.get(hash(raw.get(id))).flags(), id);
        }
        for (String id : kernelIds) {
            assertEquals(expected.get(id), kernel.get(hash(raw.get(id))).flags(), id);
        }
        assertEquals(2000, valueGets());

        // Another client: flags one, moves one out of the inbox, deletes one.
        String flagged = inboxIds.get(1);
        String movedOut = inboxIds.get(2);
        String deleted = inboxIds.get(3);
        graph.update(user, flagged, true, "flagged");
        graph.move(user, movedOut, "archive");
        graph.delete(user, deleted);
        long before = ms.requests().size();
        cycle();
        assertEquals(2, ms.requests().size() - before, "an unchanged-or-small poll is one delta request per folder");
        inbox = local("inbox");
        assertEquals(1498, inbox.size());
        assertThatMaildir(tmp.resolve("inbox")).hasMessage(raw.get(flagged))
                .withFlags(expected.get(flagged).with(Flag.READ, true).with(Flag.FLAGGED, true));

        // Local S, F and R reach the fake; a deletion archives (inbox) or trashes (kernel).
        String target = inboxIds.stream().filter(id -> expected.get(id).equals(Flags.NONE)).findFirst().orElseThrow();
        rename(inbox.get(hash(raw.get(target))), "FRS");
        String toArchive = inboxIds.get(10);
        Files.delete(inbox.get(hash(raw.get(toArchive))).path());
        String toTrash = kernelIds.get(3);
        rename(kernel.get(hash(raw.get(toTrash))), "ST");
        cycle();
        FakeGraph.MessageState st = graph.message(user, target);
        assertTrue(st.isRead() && "flagged".equals(st.flagStatus()) && st.replied(), st.toString());
        assertEquals(graph.folderId(user, "archive"), graph.message(user, toArchive).folderId());
        assertEquals(graph.folderId(user, "deleteditems"), graph.message(user, toTrash).folderId());
        assertThatMaildir(tmp.resolve("kernel")).hasNoMessage(raw.get(toTrash));

        // A restart fetches no body.
        long gets = valueGets();
        startEngine();
        assertEquals(0, cycle().fetched());
        assertEquals(gets, valueGets());

        // An expired delta token converges through a full listing.
        graph.update(user, inboxIds.get(30), null, "flagged");
        graph.expireDeltaTokens(user);
        cycle();
        assertEquals(gets, valueGets(), "known bodies are not fetched again");
        assertThatMaildir(tmp.resolve("inbox")).hasMessage(raw.get(inboxIds.get(30)))
                .withFlags(expected.get(inboxIds.get(30)).with(Flag.FLAGGED, true));
    }

    /** Issue 12, item 17: a message moved between two synced folders keeps its immutable id and its body. */
    @Test
    void aMessageMovedBetweenSyncedFoldersIsNotDownloadedAgain() throws Exception {
        MessageGenerator gen = new MessageGenerator(9, user);
        MessageGenerator.Generated g = gen.text(900);
        String id = graph.addMessage(user, "inbox", g.raw(), g.date(), true, "notFlagged", false);
        startEngine();
        cycle();
        assertEquals(1, valueGets());
        assertThatMaildir(tmp.resolve("inbox")).hasMessages(1).hasMessage(g.raw()).withFlags("S");

        graph.move(user, id, kernelFolder);
        cycle();

        assertEquals(1, valueGets(), "the body was already in the store");
        assertThatMaildir(tmp.resolve("inbox")).isEmpty();
        assertThatMaildir(tmp.resolve("kernel")).hasMessages(1).hasMessage(g.raw()).withFlags("S");
        assertTrue(cycle().idle());
    }
}
