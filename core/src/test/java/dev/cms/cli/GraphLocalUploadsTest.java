package dev.cms.cli;

import static dev.cms.testing.MaildirAssert.assertThatMaildir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.fakecloud.FakeGraph;
import dev.cms.fakecloud.FakeMicrosoft;
import dev.cms.fakecloud.RequestLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A user's own new message on Office365 (issue 16, item 4), end to end over HTTP against the fake
 * Graph: a file written into the Drafts Maildir becomes a draft ({@code POST .../messages} with
 * base64 MIME); Graph stores its own version of the MIME, which replaces the file with the file's
 * flags (one file, never two, nothing downloaded again afterwards). A file written into any other
 * folder's Maildir goes to lost+found: Graph creates MIME messages only as drafts.
 */
class GraphLocalUploadsTest extends FolderLifecycleFixture {
    private static FakeMicrosoft ms;
    private static int users;
    private FakeGraph graph;
    private String user;

    @BeforeAll
    static void start() throws Exception {
        ms = FakeMicrosoft.start(0);
    }

    @AfterAll
    static void stop() {
        ms.close();
    }

    @BeforeEach
    void account() {
        graph = ms.graph();
        ms.requests().clear(); // the fake serves every test of the class: each counts only its own
        ms.faults().clear();
        user = "drafter" + (++users) + "@example.com";
        graph.addUser(user, CLIENT);
    }

    private String config() {
        return "work = Office365_Account(user=\"" + user + "\", client_id=\"" + CLIENT + "\", authority_host=\""
                + ms.authorityHost() + "\", graph_endpoint=\"" + ms.graphEndpoint() + "\")\n"
                + "Office365_Folders(work, root=\"" + tmp.resolve("work") + "\", exclude=[\"Junk Email\"])\n";
    }

    private Path maildir(String name) {
        return tmp.resolve("work").resolve(name);
    }

    private List<RequestLog.Entry> creates() {
        return ms.requests().entries().stream()
                .filter(e -> e.method().equals("POST") && e.path().endsWith("/messages")).toList();
    }

    private static byte[] draft() {
        return ("From: " + "me@example.com\nTo: you@example.com\nSubject: half written\n"
                + "Message-ID: <half@local>\n\nDear you,\n").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aNewFileInTheDraftsMaildirBecomesADraftAndTheCloudsVersionReplacesIt() throws Exception {
        try (SyncSetup s = open(config(), null, ms)) {
            poll(s);
            int before = graph.draftsCreated(); // the fake counts for every test of the class
            Files.write(maildir("Drafts").resolve("cur").resolve("1770000000.half.host:2,FS"), draft());
            poll(s);
            assertEquals(1, creates().size(), "one draft created: " + ms.requests());
            assertEquals(before + 1, graph.draftsCreated());
            List<String> drafts = graph.messageIds(user, "drafts");
            assertEquals(1, drafts.size());
            FakeGraph.MessageState d = graph.message(user, drafts.get(0));
            assertTrue(d.isRead());
            assertEquals("flagged", d.flagStatus(), "its F flag reached the draft");
            Path only = onlyFile(maildir("Drafts"));
            assertTrue(only.getFileName().toString().endsWith(":2,FS"), only.toString());
            assertThatMaildir(maildir("Drafts")).hasMessages(1).hasMessage(d.mime()).withFlags("FS");
            ms.requests().clear();
            poll(s);
            poll(s);
            assertEquals(List.of(), creates(), "created once");
            assertEquals(0, ms.requests().entries().stream().filter(e -> e.path().endsWith("/$value")).count(),
                    "nothing downloaded again");
            assertThatMaildir(maildir("Drafts")).hasMessages(1).hasMessage(d.mime()).withFlags("FS");
            assertEquals(1, graph.messageIds(user, "drafts").size());
            assertNoLostAndFound();
        }
    }

    /** Office365 made the draft but its answer cannot be read: the draft is not made again. */
    @Test
    void aDraftWhoseAnswerCannotBeReadIsNeverSentAgain() throws Exception {
        try (SyncSetup s = open(config(), null, ms)) {
            poll(s);
            ms.faults().next(1, "POST", "/messages$").malformed();
            Files.write(maildir("Drafts").resolve("cur").resolve("1770000000.cut.host:2,S"), draft());
            ticker.advance(java.time.Duration.ofSeconds(60));
            assertTrue(!s.engine.runCycle().ok(), "the creation's outcome is unknown");
            poll(s);
            poll(s);
            assertEquals(1, creates().size(), "sent once: " + ms.requests());
            assertEquals(1, graph.messageIds(user, "drafts").size(), "one draft in the cloud");
            assertThatMaildir(maildir("Drafts")).hasMessages(1);
        }
    }

    /** A 502 may come after Office365 made the draft: the draft is not posted again. */
    @Test
    void aDraftAnsweredWithAServerErrorIsNeverSentAgain() throws Exception {
        try (SyncSetup s = open(config(), null, ms)) {
            poll(s);
            ms.faults().next(1, "POST", "/messages$").answer(dev.cms.fakecloud.FakeFaults.Answer.status(502));
            Files.write(maildir("Drafts").resolve("cur").resolve("1770000000.err.host:2,S"), draft());
            ticker.advance(java.time.Duration.ofSeconds(60));
            assertTrue(!s.engine.runCycle().ok(), "the creation's outcome is unknown");
            poll(s);
            poll(s);
            assertEquals(1, creates().size(), "sent once: " + ms.requests());
            assertEquals(1, lostAndFound().size(), "kept in lost+found: at most once");
        }
    }

    @Test
    void aDraftWhoseConnectionDroppedIsNeverSentAgain() throws Exception {
        try (SyncSetup s = open(config(), null, ms)) {
            poll(s);
            ms.faults().next(1, "POST", "/messages$").reset();
            Files.write(maildir("Drafts").resolve("cur").resolve("1770000000.half.host:2,S"), draft());
            ticker.advance(java.time.Duration.ofSeconds(60));
            assertTrue(!s.engine.runCycle().ok(), "the creation's outcome is unknown");
            poll(s);
            poll(s);
            assertEquals(1, creates().size(), "sent once, not again in the call nor later: " + ms.requests());
            assertEquals(List.of(), graph.messageIds(user, "drafts"));
            assertThatMaildir(maildir("Drafts")).hasMessages(0);
            assertEquals(1, lostAndFound().size(), "kept in lost+found: at most once");
        }
    }

    @Test
    void aNewFileElsewhereGoesToLostFoundForGraphMakesOnlyDrafts() throws Exception {
        try (SyncSetup s = open(config(), null, ms)) {
            poll(s);
            byte[] mine = draft();
            Files.write(maildir("Inbox").resolve("cur").resolve("1770000000.half.host:2,S"), mine);
            poll(s);
            assertEquals(List.of(), creates());
            assertEquals(List.of(), graph.messageIds(user, "inbox"));
            assertThatMaildir(maildir("Inbox")).hasMessages(0);
            assertEquals(1, lostAndFound().size());
        }
    }
}
