package dev.cms.cli;

import static dev.cms.testing.MaildirAssert.assertThatMaildir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.fakecloud.FakeGraph;
import dev.cms.fakecloud.FakeMicrosoft;
import dev.cms.fakecloud.MessageGenerator;
import dev.cms.fakecloud.RequestLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Local moves become cloud moves on Office365 (issue 16, item 3), end to end over HTTP against
 * the fake Graph: a message saved from one folder's Maildir into another's (a byte-identical new
 * file there, the old one removed, as {@code cp} and {@code rm} make it) is moved with {@code POST /me/messages/{id}/move} to that
 * folder, keeping its id and the flags set on the way; a copy is {@code POST .../copy}. Neither
 * is archived, sent to lost+found, or downloaded again.
 */
class GraphLocalMovesTest extends FolderLifecycleFixture {
    private static FakeMicrosoft ms;
    private static int users;
    private FakeGraph graph;
    private String user;
    private String projects;
    private String id;
    private MessageGenerator.Generated message;

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
        user = "mover" + (++users) + "@example.com";
        graph.addUser(user, CLIENT);
        projects = graph.addFolder(user, "msgfolderroot", "Projects");
        message = gen.text(300);
        id = graph.addMessage(user, "inbox", message.raw(), Instant.parse("2026-02-01T00:00:00Z"), false, null, false);
    }

    private String config() {
        return "work = Office365_Account(user=\"" + user + "\", client_id=\"" + CLIENT + "\", authority_host=\""
                + ms.authorityHost() + "\", graph_endpoint=\"" + ms.graphEndpoint() + "\")\n"
                + "Office365_Folders(work, root=\"" + tmp.resolve("work") + "\", exclude=[\"Junk Email\"])\n";
    }

    private Path maildir(String name) {
        return tmp.resolve("work").resolve(name);
    }

    private List<RequestLog.Entry> requests(String method, String pathEnd) {
        return ms.requests().entries().stream()
                .filter(e -> e.method().equals(method) && e.path().endsWith(pathEnd)).toList();
    }

    private long bodyDownloads() {
        return ms.requests().entries().stream().filter(e -> e.path().endsWith("/$value")).count();
    }



    @Test
    void messageSavedIntoAnotherFolderIsMovedThereWithTheFlagsSetOnTheWay() throws Exception {
        try (SyncSetup s = open(config(), null, ms)) {
            poll(s);
            Path was = onlyFile(maildir("Inbox"));
            ms.requests().clear();
            // A save as cp and rm make it: a new file in the other folder, read and flagged now; the old one removed.
            Files.copy(was, maildir("Projects").resolve("cur").resolve("1700000000.M1P1.host:2,FS"));
            Files.delete(was);
            poll(s);
            List<RequestLog.Entry> moves = requests("POST", "/messages/" + id + "/move");
            assertEquals(1, moves.size(), "one move: " + ms.requests());
            assertTrue(moves.get(0).body().contains(projects), "to the Projects folder: " + moves.get(0).body());
            assertEquals(List.of(), requests("POST", "/copy"));
            FakeGraph.MessageState m = graph.message(user, id);
            assertEquals(projects, m.folderId(), "moved, with its immutable id kept");
            assertTrue(m.isRead());
            assertEquals("flagged", m.flagStatus());
            assertEquals(List.of(), graph.messageIds(user, "archive"), "never archived");
            assertEquals(List.of(), graph.messageIds(user, "deleteditems"), "never trashed");
            assertThatMaildir(maildir("Projects")).hasMessages(1).hasMessage(message.raw()).withFlags("FS");
            assertThatMaildir(maildir("Inbox")).hasMessages(0);
            poll(s);
            poll(s);
            assertEquals(0, bodyDownloads(), "nothing is downloaded again");
            assertThatMaildir(maildir("Projects")).hasMessages(1).hasMessage(message.raw()).withFlags("FS");
            assertNoLostAndFound();
        }
    }

    /** mutt's and neomutt's {@code s}: a rewritten file in Projects, the original removed. */
    @Test
    void muttsSaveIntoAnotherFolderIsMovedThere() throws Exception {
        try (SyncSetup s = open(config(), null, ms)) {
            poll(s);
            Path was = onlyFile(maildir("Inbox"));
            ms.requests().clear();
            Path saved = saveAsMutt(was, maildir("Projects"), "FS");
            Files.delete(was); // mutt's sync, before the daemon's next cycle
            poll(s);
            List<RequestLog.Entry> moves = requests("POST", "/messages/" + id + "/move");
            assertEquals(1, moves.size(), "one move: " + ms.requests());
            assertTrue(moves.get(0).body().contains(projects), moves.get(0).body());
            FakeGraph.MessageState m = graph.message(user, id);
            assertEquals(projects, m.folderId(), "moved, with its immutable id kept");
            assertTrue(m.isRead());
            assertEquals("flagged", m.flagStatus(), "the flags of the saved file");
            assertEquals(List.of(), graph.messageIds(user, "archive"), "never archived");
            assertEquals(List.of(), graph.messageIds(user, "deleteditems"), "never trashed");
            assertThatMaildir(maildir("Projects")).hasMessages(1).hasMessage(message.raw()).withFlags("FS");
            assertFalse(Files.exists(saved), "the saved file is now the message as Office365 has it");
            assertThatMaildir(maildir("Inbox")).hasMessages(0);
            poll(s);
            poll(s);
            assertEquals(0, bodyDownloads(), "nothing is downloaded again");
            assertNoLostAndFound();
        }
    }

    @Test
    void messageCopiedIntoAnotherFolderIsCopiedThereAndNotDownloaded() throws Exception {
        try (SyncSetup s = open(config(), null, ms)) {
            poll(s);
            Path was = onlyFile(maildir("Inbox"));
            ms.requests().clear();
            Files.copy(was, maildir("Projects").resolve("cur").resolve("1700000001.M2P2.host:2,"));
            poll(s);
            List<RequestLog.Entry> copies = requests("POST", "/messages/" + id + "/copy");
            assertEquals(1, copies.size(), "one copy: " + ms.requests());
            assertTrue(copies.get(0).body().contains(projects), copies.get(0).body());
            assertEquals(List.of(), requests("POST", "/move"), "the original stays where it is");
            assertEquals(List.of(id), graph.messageIds(user, "inbox"));
            List<String> inProjects = graph.messageIds(user, projects);
            assertEquals(1, inProjects.size());
            assertNotEquals(id, inProjects.get(0), "an Office365 copy is a message of its own");
            assertThatMaildir(maildir("Inbox")).hasMessages(1).hasMessage(message.raw());
            assertThatMaildir(maildir("Projects")).hasMessages(1).hasMessage(message.raw());
            poll(s);
            poll(s);
            poll(s);
            assertEquals(0, bodyDownloads(), "the copy's body is known by its new id");
            assertThatMaildir(maildir("Projects")).hasMessages(1);
            assertNoLostAndFound();
            assertFalse(Files.exists(maildir("Inbox").resolve("cur").resolve("1700000001.M2P2.host:2,")));
        }
    }

    /**
     * mutt's {@code C}: a rewritten copy in Projects carrying the flags mutt shows (read, and
     * flagged there), the original left as it was. The copy is made, then given the saved
     * file's flags; the original keeps its own.
     */
    @Test
    void muttsCopyKeepsTheFlagsOfTheSavedFileOnTheCopyAlone() throws Exception {
        try (SyncSetup s = open(config(), null, ms)) {
            poll(s);
            Path was = onlyFile(maildir("Inbox"));
            ms.requests().clear();
            saveAsMutt(was, maildir("Projects"), "FS");
            poll(s);
            assertEquals(1, requests("POST", "/messages/" + id + "/copy").size(), "one copy: " + ms.requests());
            List<String> inProjects = graph.messageIds(user, projects);
            assertEquals(1, inProjects.size());
            String copy = inProjects.get(0);
            FakeGraph.MessageState c = graph.message(user, copy);
            assertTrue(c.isRead(), "the copy is read, as saved");
            assertEquals("flagged", c.flagStatus(), "the copy is flagged, as saved");
            FakeGraph.MessageState m = graph.message(user, id);
            assertFalse(m.isRead(), "the original is still unread");
            assertEquals("notFlagged", m.flagStatus(), "the original is not flagged");
            poll(s);
            poll(s);
            assertThatMaildir(maildir("Projects")).hasMessages(1).hasMessage(message.raw()).withFlags("FS");
            assertThatMaildir(maildir("Inbox")).hasMessages(1).hasMessage(message.raw()).withFlags("");
            assertEquals(0, bodyDownloads(), "nothing is downloaded again");
            assertFalse(graph.message(user, id).isRead(), "still unread after later polls");
            assertNoLostAndFound();
        }
    }

    /**
     * A copy is a message made: when Graph made it but its answer was a server error (or was
     * lost), it is not sent again in the call; the next listing shows the copy, and no second
     * one is ever made.
     */
    @Test
    void aCopyAnsweredWithAServerErrorAfterItWasMadeIsNotMadeTwice() throws Exception {
        try (SyncSetup s = open(config(), null, ms)) {
            poll(s);
            Path was = onlyFile(maildir("Inbox"));
            ms.requests().clear();
            ms.faults().next(1, "POST", "/messages/" + id + "/copy$")
                    .serveThenAnswer(dev.cms.fakecloud.FakeFaults.Answer.status(502));
            Files.copy(was, maildir("Projects").resolve("cur").resolve("1700000002.M3P3.host:2,"));
            ticker.advance(java.time.Duration.ofSeconds(60));
            assertFalse(s.engine.runCycle().ok(), "the copy's outcome is unknown");
            poll(s);
            poll(s);
            assertEquals(1, requests("POST", "/messages/" + id + "/copy").size(), "sent once: " + ms.requests());
            assertEquals(1, graph.messageIds(user, projects).size(), "one copy in the cloud");
            assertEquals(List.of(id), graph.messageIds(user, "inbox"));
            assertThatMaildir(maildir("Projects")).hasMessages(1).hasMessage(message.raw());
            assertThatMaildir(maildir("Inbox")).hasMessages(1);
            assertNoLostAndFound();
        }
    }

    /**
     * At most once: a copy whose outcome is unknown and that Graph did not make is not sent
     * again either; the user's file is kept in lost+found and the original stays.
     */
    @Test
    void aCopyWhoseOutcomeIsUnknownIsNeverSentAgainEvenIfNotMade() throws Exception {
        try (SyncSetup s = open(config(), null, ms)) {
            poll(s);
            Path was = onlyFile(maildir("Inbox"));
            ms.requests().clear();
            ms.faults().next(1, "POST", "/messages/" + id + "/copy$")
                    .answer(dev.cms.fakecloud.FakeFaults.Answer.status(504));
            Files.copy(was, maildir("Projects").resolve("cur").resolve("1700000003.M4P4.host:2,"));
            ticker.advance(java.time.Duration.ofSeconds(60));
            assertFalse(s.engine.runCycle().ok(), "the copy's outcome is unknown");
            poll(s);
            poll(s);
            assertEquals(1, requests("POST", "/messages/" + id + "/copy").size(), "sent once: " + ms.requests());
            assertEquals(List.of(), graph.messageIds(user, projects));
            assertEquals(List.of(id), graph.messageIds(user, "inbox"), "the original stays");
            assertThatMaildir(maildir("Inbox")).hasMessages(1).hasMessage(message.raw());
            assertThatMaildir(maildir("Projects")).hasMessages(0);
            assertEquals(1, lostAndFound().size(), "the user's file is kept");
        }
    }

    /**
     * Two copies in one push, the second refused: the first was made, and is not made again by
     * the next cycle (which makes the second).
     */
    @Test
    void aCopyMadeBesideOneThatFailedIsNotMadeAgain() throws Exception {
        MessageGenerator.Generated other = gen.text(300);
        String otherId = graph.addMessage(user, "inbox", other.raw(), Instant.parse("2026-02-02T00:00:00Z"), false,
                null, false);
        try (SyncSetup s = open(config(), null, ms)) {
            poll(s);
            ms.requests().clear();
            ms.faults().next(1, "POST", "/messages/" + otherId + "/copy$")
                    .answer(dev.cms.fakecloud.FakeFaults.Answer.status(400)
                            .json("{\"error\":{\"code\":\"ErrorInvalidRequest\",\"message\":\"no\"}}"));
            int n = 0;
            try (java.util.stream.Stream<Path> files = Files.list(maildir("Inbox").resolve("new"))) {
                for (Path f : files.toList()) {
                    Files.copy(f, maildir("Projects").resolve("cur").resolve("17000001" + (n++) + ".C.host:2,"));
                }
            }
            ticker.advance(java.time.Duration.ofSeconds(60));
            assertFalse(s.engine.runCycle().ok(), "one copy failed");
            poll(s);
            poll(s);
            assertEquals(1, requests("POST", "/messages/" + id + "/copy").size(), "made once: " + ms.requests());
            assertEquals(2, requests("POST", "/messages/" + otherId + "/copy").size(), "refused, then made");
            assertEquals(2, graph.messageIds(user, projects).size());
            assertThatMaildir(maildir("Projects")).hasMessages(2);
            assertNoLostAndFound();
        }
    }
}
