package dev.cms.cli;

import static dev.cms.testing.MaildirAssert.assertThatMaildir;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.fakecloud.FakeGraph;
import dev.cms.fakecloud.FakeMicrosoft;
import dev.cms.fakecloud.MessageGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Office365 folders created, renamed, moved and deleted in the cloud while the daemon runs
 * (issue 16, folder life-cycle): each shows locally within two polls (the folder delta is read
 * every other poll), in both layouts, without downloading a body again.
 */
class GraphFolderLifecycleTest extends FolderLifecycleFixture {
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
        user = "flo" + (++users) + "@example.com";
        graph.addUser(user, CLIENT);
        add("inbox");
    }

    private String config(String layout, String exclude) {
        return "work = Office365_Account(user=\"" + user + "\", client_id=\"" + CLIENT + "\", authority_host=\""
                + ms.authorityHost() + "\", graph_endpoint=\"" + ms.graphEndpoint() + "\")\n"
                + "Office365_Folders(work, root=\"" + tmp.resolve("work") + "\", exclude=[" + exclude + "], layout=\""
                + layout + "\")\n";
    }

    private MessageGenerator.Generated add(String folder) {
        MessageGenerator.Generated g = gen.text(300);
        graph.addMessage(user, folder, g.raw(), Instant.parse("2026-02-01T00:00:00Z"), false, null, false);
        return g;
    }

    private Path dir(String layout, String verbatim, String maildirPlusPlus) {
        return tmp.resolve("work").resolve(layout.equals("verbatim") ? verbatim : maildirPlusPlus);
    }

    /** Polls until {@code dir} is a Maildir, at most {@code polls} times; how many it took. */
    private int pollUntil(SyncSetup s, Path dir, int polls) throws Exception {
        for (int n = 1; n <= polls; n++) {
            poll(s);
            if (Files.isDirectory(dir.resolve("cur"))) {
                return n;
            }
        }
        return polls + 1;
    }

    private long bodyDownloads() {
        return ms.requests().entries().stream().filter(e -> e.path().endsWith("/$value")).count();
    }

    @ParameterizedTest
    @ValueSource(strings = {"verbatim", "maildir++"})
    void folderCreatedInTheCloudAppearsWithinTwoPolls(String layout) throws Exception {
        try (SyncSetup s = open(config(layout, "\"Junk Email\", \"Skip*\""), null, ms)) {
            poll(s);
            poll(s);
            String projects = graph.addFolder(user, "msgfolderroot", "Projects");
            String year = graph.addFolder(user, projects, "2026");
            MessageGenerator.Generated a = add(projects);
            MessageGenerator.Generated b = add(year);
            String skip = graph.addFolder(user, "msgfolderroot", "Skipped");
            add(skip);
            Path p = dir(layout, "Projects", ".Projects");
            assertTrue(pollUntil(s, p, 2) <= 2, "the new folder's Maildir within two polls");
            assertThatMaildir(p).hasMessages(1).hasMessage(a.raw());
            assertThatMaildir(dir(layout, "Projects/2026", ".Projects.2026")).hasMessages(1).hasMessage(b.raw());
            assertFalse(Files.exists(dir(layout, "Skipped", ".Skipped")), "an excluded folder gets no Maildir");
            assertEquals(1, rebuilds);
            poll(s);
            poll(s);
            assertEquals(1, rebuilds, "nothing changed since: the folders are not listed again");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"verbatim", "maildir++"})
    void nestedFolderRenamedRenamesItsMaildirsAndDownloadsNothing(String layout) throws Exception {
        String lists = graph.addFolder(user, "inbox", "Lists");
        String kernel = graph.addFolder(user, lists, "kernel");
        MessageGenerator.Generated a = add(lists);
        MessageGenerator.Generated b = add(kernel);
        ms.requests().clear();
        try (SyncSetup s = open(config(layout, ""), null, ms)) {
            poll(s);
            assertEquals(3, bodyDownloads(), "the first sync downloads each body once");
            Path oldKernel = dir(layout, "Inbox/Lists/kernel", ".Inbox.Lists.kernel");
            Map<String, Object> inodes = inodes(oldKernel);
            ms.requests().clear();
            graph.renameFolder(user, lists, "Groups");
            Path groups = dir(layout, "Inbox/Groups", ".Inbox.Groups");
            Path newKernel = dir(layout, "Inbox/Groups/kernel", ".Inbox.Groups.kernel");
            assertTrue(pollUntil(s, groups, 2) <= 2);
            assertThatMaildir(groups).hasMessages(1).hasMessage(a.raw());
            assertThatMaildir(newKernel).hasMessages(1).hasMessage(b.raw());
            assertEquals(inodes, inodes(newKernel), "the same files, names (flags) and inodes: renamed, not copied");
            assertFalse(Files.exists(oldKernel));
            assertFalse(Files.exists(dir(layout, "Inbox/Lists", ".Inbox.Lists")));
            assertEquals(0, bodyDownloads(), "nothing downloaded again");
            String prefix = "o365:" + user + ":";
            assertNull(s.db.loadMailbox(prefix + "Inbox/Lists/kernel"));
            assertNotNull(s.db.loadMailbox(prefix + "Inbox/Groups/kernel").syncToken(), "its state followed");
            graph.moveFolder(user, kernel, "msgfolderroot");
            Path moved = dir(layout, "kernel", ".kernel");
            assertTrue(pollUntil(s, moved, 2) <= 2);
            assertEquals(inodes, inodes(moved), "a move is a rename too");
            assertEquals(0, bodyDownloads());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"verbatim", "maildir++"})
    void folderDeletedMovesUnderDeletedItemsWhenThatIsSynced(String layout) throws Exception {
        String old = graph.addFolder(user, "msgfolderroot", "Old");
        MessageGenerator.Generated a = add(old);
        try (SyncSetup s = open(config(layout, ""), null, ms)) {
            poll(s);
            Path was = dir(layout, "Old", ".Old");
            byte[] mine = ownFile(was, "1700000000.notes.host");
            ms.requests().clear();
            graph.deleteFolder(user, old);
            Path now = dir(layout, "Deleted Items/Old", ".Deleted Items.Old");
            assertTrue(pollUntil(s, now, 2) <= 2);
            assertThatMaildir(now).hasMessage(a.raw());
            Path along = now.resolve("cur/1700000000.notes.host:2,S");
            Set<Path> kept = lostAndFound();
            assertTrue(Files.exists(along) || kept.size() == 1, "the user's own file is never lost");
            assertArrayEquals(mine, Files.readAllBytes(Files.exists(along) ? along : kept.iterator().next()));
            assertFalse(Files.exists(was));
            assertEquals(0, bodyDownloads());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"verbatim", "maildir++"})
    void folderDeletedRemovesItsMaildirAndKeepsTheUsersFile(String layout) throws Exception {
        String old = graph.addFolder(user, "msgfolderroot", "Old");
        String child = graph.addFolder(user, old, "Older");
        add(old);
        add(child);
        try (SyncSetup s = open(config(layout, "\"Deleted Items\""), null, ms)) {
            poll(s); // a folder round: the folder delta's starting point
            Path was = dir(layout, "Old", ".Old");
            Path childWas = dir(layout, "Old/Older", ".Old.Older");
            graph.deleteFolder(user, old);
            poll(s); // a sweep round
            ticker.advance(java.time.Duration.ofSeconds(60));
            assertTrue(s.engine.runCycle().ok()); // a folder round: it sees the folder gone
            // A file of the user's arrives before the folders are followed: no cycle has seen it.
            byte[] mine = ownFile(was, "1700000000.notes.host");
            assertNotNull(s.followFolders());
            assertFalse(Files.exists(was), "the deleted folder's Maildir is gone");
            assertFalse(Files.exists(childWas), "and its subfolder's");
            Set<Path> kept = lostAndFound();
            assertEquals(1, kept.size(), "only the user's own file is kept: " + kept);
            assertArrayEquals(mine, Files.readAllBytes(kept.iterator().next()), "byte for byte");
            assertTrue(Files.isDirectory(tmp.resolve("work").resolve(layout.equals("verbatim") ? "Inbox" : "cur")));
            assertNull(s.db.loadMailbox("o365:" + user + ":Old"), "its state is forgotten");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"verbatim", "maildir++"})
    void foldersRenamedAndDeletedWhileStoppedAreFollowedAtTheNextStart(String layout) throws Exception {
        String lists = graph.addFolder(user, "inbox", "Lists");
        String kernel = graph.addFolder(user, lists, "kernel");
        String old = graph.addFolder(user, "msgfolderroot", "Old");
        add(lists);
        MessageGenerator.Generated b = add(kernel);
        add(old);
        Path oldKernel = dir(layout, "Inbox/Lists/kernel", ".Inbox.Lists.kernel");
        Path oldDir = dir(layout, "Old", ".Old");
        Map<String, Object> inodes;
        byte[] mine;
        try (SyncSetup s = open(config(layout, "\"Deleted Items\""), null, ms)) {
            poll(s);
            inodes = inodes(oldKernel);
            mine = ownFile(oldDir, "1700000000.notes.host");
        }
        graph.renameFolder(user, lists, "Groups");
        graph.deleteFolder(user, old);
        ms.requests().clear();
        try (SyncSetup s = open(config(layout, "\"Deleted Items\""), null, ms)) {
            Path newKernel = dir(layout, "Inbox/Groups/kernel", ".Inbox.Groups.kernel");
            assertEquals(inodes, inodes(newKernel), "renamed at the start, before the first cycle");
            assertFalse(Files.exists(oldKernel));
            assertFalse(Files.exists(oldDir), "the deleted folder's Maildir is gone");
            Set<Path> kept = lostAndFound();
            assertEquals(1, kept.size(), "only the user's own file is kept: " + kept);
            assertArrayEquals(mine, Files.readAllBytes(kept.iterator().next()));
            poll(s);
            assertThatMaildir(newKernel).hasMessages(1).hasMessage(b.raw());
            assertEquals(0, bodyDownloads(), "nothing downloaded again");
        }
        try (SyncSetup s = open(config(layout, "\"Deleted Items\", \"Inbox/*\""), null, ms)) {
            assertTrue(Files.isDirectory(dir(layout, "Inbox/Groups/kernel", ".Inbox.Groups.kernel")),
                    "a call written differently in cms.cfg starts afresh: excluded folders' Maildirs are left alone");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"verbatim", "maildir++"})
    void maildirMadeLocallyMakesTheCloudFolder(String layout) throws Exception {
        Path stale = dir(layout, "Stale", ".Stale");
        makeMaildir(stale);
        try (SyncSetup s = open(config(layout, "\"Skip*\""), null, ms)) {
            poll(s);
            makeMaildir(dir(layout, "Projects", ".Projects"));
            makeMaildir(dir(layout, "Inbox/Ideas", ".Inbox.Ideas"));
            makeMaildir(dir(layout, "Skipped", ".Skipped"));
            poll(s);
            String projects = graph.findFolder(user, "Projects");
            String ideas = graph.findFolder(user, "Inbox/Ideas");
            assertNotNull(projects, "a Maildir made under the root makes its folder");
            assertNotNull(ideas, "under the folder its place names");
            assertNull(graph.findFolder(user, "Skipped"), "not one the patterns leave out");
            assertNull(graph.findFolder(user, "Stale"), "not one that was there before the start");
            assertEquals(1, rebuilds);
            MessageGenerator.Generated a = add(ideas);
            for (int n = 0; n < 2 && files(dir(layout, "Inbox/Ideas", ".Inbox.Ideas")).isEmpty(); n++) {
                poll(s);
            }
            assertThatMaildir(dir(layout, "Inbox/Ideas", ".Inbox.Ideas")).hasMessages(1).hasMessage(a.raw());
            poll(s);
            poll(s);
            assertEquals(1, rebuilds, "each is made once");
        }
    }

    private static void makeMaildir(Path dir) throws Exception {
        for (String sub : new String[] {"cur", "new", "tmp"}) {
            Files.createDirectories(dir.resolve(sub));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"verbatim", "maildir++"})
    void maildirRemovedLocallyNeverDeletesTheCloudFolder(String layout) throws Exception {
        String projects = graph.addFolder(user, "msgfolderroot", "Projects");
        add(projects);
        add(projects);
        try (SyncSetup s = open(config(layout, ""), null, ms)) {
            poll(s);
            Path p = dir(layout, "Projects", ".Projects");
            assertThatMaildir(p).hasMessages(2);
            List<String> before = graph.messageIds(user, projects);
            ms.requests().clear();
            deleteTree(p);
            for (int n = 0; n < 4; n++) {
                ticker.advance(java.time.Duration.ofSeconds(60));
                s.engine.runCycle();
                s.followFolders();
            }
            assertEquals(before, graph.messageIds(user, projects), "the cloud folder keeps its messages");
            assertEquals(List.of("Projects"), graph.folderPath(user, projects), "neither deleted nor moved");
            assertEquals(0, ms.requests().entries().stream().filter(e -> !e.method().equals("GET")
                    && !e.path().endsWith("$batch")).count(), "nothing changed in the cloud: " + ms.requests());
            assertEquals(0, ms.requests().entries().stream().filter(e -> e.batchPart() && !e.method().equals("GET"))
                    .count(), "not in a batch either: " + ms.requests());
        }
    }

    private static Map<String, Object> inodes(Path maildir) throws Exception {
        Map<String, Object> out = new HashMap<>();
        for (Path f : files(maildir)) {
            out.put(maildir.relativize(f).toString(), Files.getAttribute(f, "unix:ino"));
        }
        return out;
    }

    private static void deleteTree(Path dir) throws Exception {
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
