package dev.cms.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.cli.AccountOptions;
import dev.cms.config.DeleteAction;
import dev.cms.config.Office365AccountSpec;
import dev.cms.fakecloud.FakeGraph;
import dev.cms.fakecloud.FakeMicrosoft;
import dev.cms.fakecloud.MessageGenerator;
import dev.cms.fakecloud.RequestLog;
import dev.cms.maildir.MaildirFolder;
import dev.cms.provider.AccessTokenSource;
import dev.cms.provider.CloudMailbox;
import dev.cms.provider.graph.GraphMailbox;
import dev.cms.provider.graph.GraphOptions;
import dev.cms.store.MessageStore;
import dev.cms.store.StateDb;
import dev.cms.sync.CycleReport;
import dev.cms.sync.Progress;
import dev.cms.sync.Router;
import dev.cms.sync.SyncEngine;
import dev.cms.time.Ticker;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, item 4: a first sync downloads the newest mail first, so the inbox is useful
 * within seconds. Office365's delta listing comes in the folder's own order (here: the order
 * of delivery, oldest first, with a few messages delivered late); the bodies must be asked
 * for by received time, newest first. One request at a time, so the fake's log is the order.
 */
class NewestMailFirstGraphTest {
    static final String CLIENT = "11111111-2222-3333-4444-555555555555";
    static final String USER = "dora@example.com";
    static final Instant T0 = Instant.parse("2024-03-01T08:00:00Z");

    @TempDir
    Path tmp;

    FakeMicrosoft ms;
    StateDb db;

    @BeforeEach
    void start() throws Exception {
        ms = FakeMicrosoft.start(0);
        ms.graph().addUser(USER, CLIENT);
    }

    @AfterEach
    void stop() throws Exception {
        if (db != null) {
            db.close();
        }
        ms.close();
    }

    @Test
    void aFirstSyncAsksForTheNewestBodiesFirst() throws Exception {
        FakeGraph graph = ms.graph();
        MessageGenerator gen = new MessageGenerator(3, USER);
        // Delivered in this order; received at T0 + these many hours (two came in late).
        int[] hours = {0, 1, 2, 30, 3, 4, 5, 40, 6, 7, 8, 9};
        Map<String, Instant> received = new HashMap<>();
        for (int h : hours) {
            Instant at = T0.plus(Duration.ofHours(h));
            String id = graph.addMessage(USER, "inbox", gen.text(400).raw(), at, false, "notFlagged", false);
            received.put(id, at);
        }
        GraphMailbox inbox = mailbox();
        Path state = tmp.resolve("state");
        MessageStore store = MessageStore.open(state);
        db = StateDb.open(state.resolve("state.db"));
        SyncEngine engine = new SyncEngine(List.of(MaildirFolder.open(tmp.resolve("inbox"))),
                List.<CloudMailbox>of(inbox), Router.defaultOnly(), store, db, false,
                Ticker.SYSTEM, Progress.NONE);

        CycleReport r = engine.runCycle();

        assertTrue(r.ok(), () -> "cycle failed: " + r.errors());
        assertEquals(hours.length, r.fetched());
        List<String> asked = new ArrayList<>();
        for (RequestLog.Entry e : ms.requests().matching("/\\$value$")) {
            String[] parts = e.path().split("/");
            asked.add(parts[parts.length - 2]);
        }
        List<String> newestFirst = new ArrayList<>(received.keySet());
        newestFirst.sort(Comparator.comparing(received::get).reversed());
        assertEquals(newestFirst, asked, "body downloads in order of received time, newest first");
    }

    private GraphMailbox mailbox() {
        Office365AccountSpec account = new Office365AccountSpec(USER, "common", CLIENT, false,
                ms.authorityHost().toString(), ms.graphEndpoint().toString(), 1, null);
        AccessTokenSource tokens = force -> ms.identity().issueAccessToken(USER, CLIENT,
                List.of("https://graph.microsoft.com/Mail.ReadWrite"));
        return new GraphMailbox(AccountOptions.graph(account), "inbox", DeleteAction.ARCHIVE, tokens,
                GraphOptions.defaults(1).withTls(ms.trustedSocketFactory(), ms.trustManager()));
    }
}
