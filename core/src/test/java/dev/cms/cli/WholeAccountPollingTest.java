package dev.cms.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.config.ConfigLoader;
import dev.cms.config.SyncConfig;
import dev.cms.fakecloud.FakeCloud;
import dev.cms.fakecloud.FakeGraph;
import dev.cms.fakecloud.FakeMicrosoft;
import dev.cms.fakecloud.MessageGenerator;
import dev.cms.sync.Progress;
import dev.cms.time.FakeTicker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sync engine polling whole accounts as the daemon builds them ({@link SyncSetup} with the
 * providers {@link CloudAccess} would make), against the embedded fakes: an unchanged cycle of
 * an Office365 account of 30 folders costs at most two requests, of a Gmail account of 20 labels
 * one, and a new message still lands in its Maildir.
 */
class WholeAccountPollingTest {
    private static final String CLIENT = "client-id";
    private static final String USER = "poll@example.com";
    private static final String GUSER = "poll@gmail.example";

    static FakeMicrosoft ms;
    static FakeCloud google;

    @TempDir
    Path tmp;

    final MessageGenerator gen = new MessageGenerator(7, "someone@example.com");

    @BeforeAll
    static void start() throws Exception {
        ms = FakeMicrosoft.start(0);
        google = FakeCloud.start(0);
    }

    @AfterAll
    static void stop() {
        ms.close();
        google.close();
    }

    private SyncSetup open(String cfgText, FakeTicker ticker) throws Exception {
        Path cfg = tmp.resolve("cms.cfg");
        Files.writeString(cfg, cfgText + "cfg.message_db_dir = \"" + tmp.resolve("state") + "\"\n");
        SyncConfig config = ConfigLoader.load(cfg);
        return SyncSetup.open(config, (c, db) -> new FakeCloudProviders(google, ms, CLIENT), false, Progress.NONE,
                ticker);
    }

    @Test
    void office365AccountOfThirtyFoldersPollsForAtMostTwoRequests() throws Exception {
        FakeGraph graph = ms.graph();
        graph.addUser(USER, CLIENT);
        String parent = graph.addFolder(USER, "inbox", "Lists");
        String last = parent;
        for (int i = 0; i < 23; i++) {
            last = graph.addFolder(USER, i % 2 == 0 ? parent : "msgfolderroot", "Folder " + i);
        }
        graph.addMessage(USER, "inbox", gen.text(200).raw(), Instant.parse("2026-01-01T00:00:00Z"), false, null, false);
        String cfg = "work = Office365_Account(user=\"" + USER + "\", client_id=\"" + CLIENT + "\", authority_host=\""
                + ms.authorityHost() + "\", graph_endpoint=\"" + ms.graphEndpoint() + "\")\n"
                + "Office365_Folders(work, root=\"" + tmp.resolve("work") + "\")\n";
        FakeTicker ticker = new FakeTicker(Instant.parse("2026-01-02T00:00:00Z"));
        try (SyncSetup s = open(cfg, ticker)) {
            assertEquals(30, s.mailboxes.size(), "six well-known folders and 24 more");
            s.engine.runCycle();
            // 65 minutes: the count checks (every 30 minutes) come due twice; they add no request.
            for (int cycle = 0; cycle < 65; cycle++) {
                ticker.advance(Duration.ofSeconds(60));
                ms.requests().clear();
                s.engine.runCycle();
                assertTrue(ms.requests().size() <= 2, "cycle " + cycle + ": " + ms.requests().size() + " requests");
            }
            MessageGenerator.Generated fresh = gen.text(300);
            graph.addMessage(USER, last, fresh.raw(), Instant.parse("2026-01-02T00:00:00Z"), false, null, false);
            Path maildir = tmp.resolve("work").resolve("Inbox/Lists/Folder 22");
            long before = count(maildir);
            for (int cycle = 0; cycle < 2 && count(maildir) == before; cycle++) {
                ticker.advance(Duration.ofSeconds(60));
                s.engine.runCycle();
            }
            assertEquals(before + 1, count(maildir), "the new message arrives within two polls");
        }
    }

    @Test
    void gmailAccountOfTwentyLabelsPollsForOneRequest() throws Exception {
        google.gmail().addAccount(GUSER, "gclient", "gsecret");
        String last = null;
        for (int i = 0; i < 17; i++) {
            last = google.gmail().addLabel(GUSER, "Label " + i);
        }
        google.gmail().addMessage(GUSER, gen.text(200).raw(), Instant.parse("2026-01-01T00:00:00Z"), Set.of("INBOX"));
        String cfg = "me = GMail_Account(user=\"" + GUSER + "\", client_id=\"gclient\", client_secret=\"gsecret\","
                + " auth_endpoint=\"" + google.baseUri() + "oauth2/auth\", token_endpoint=\"" + google.baseUri()
                + "oauth2/token\", api_endpoint=\"" + google.baseUri() + "\")\n"
                + "GMail_Labels(me, root=\"" + tmp.resolve("gmail") + "\")\n";
        FakeTicker ticker = new FakeTicker(Instant.parse("2026-01-02T00:00:00Z"));
        try (SyncSetup s = open(cfg, ticker)) {
            assertEquals(20, s.mailboxes.size(), "INBOX, SENT, DRAFT and 17 labels");
            s.engine.runCycle();
            for (int cycle = 0; cycle < 4; cycle++) {
                ticker.advance(Duration.ofSeconds(60));
                google.requests().clear();
                s.engine.runCycle();
                assertEquals(1, google.requests().size(), "cycle " + cycle + ": " + google.requests());
            }
            google.gmail().addMessage(GUSER, gen.text(300).raw(), Instant.parse("2026-01-02T00:00:00Z"), Set.of(last));
            ticker.advance(Duration.ofSeconds(60));
            s.engine.runCycle();
            assertEquals(1, count(tmp.resolve("gmail").resolve("Label 16")), "the new message arrives in one poll");
        }
    }

    private static long count(Path maildir) throws Exception {
        long n = 0;
        for (String sub : new String[] {"new", "cur"}) {
            Path d = maildir.resolve(sub);
            if (Files.isDirectory(d)) {
                try (var files = Files.list(d)) {
                    n += files.count();
                }
            }
        }
        return n;
    }
}
