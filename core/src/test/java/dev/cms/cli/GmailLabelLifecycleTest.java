package dev.cms.cli;

import static dev.cms.testing.MaildirAssert.assertThatMaildir;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.fakecloud.FakeCloud;
import dev.cms.fakecloud.FakeGmail;
import dev.cms.fakecloud.MessageGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Gmail labels created, renamed and deleted while the daemon runs (issue 16, folder
 * life-cycle): a label created with mail shows in the poll its history names it; a rename or
 * a deletion, which no history shows, at the next listing of the labels ({@link
 * LiveFolders#GMAIL_RELIST}); an unchanged poll still costs one request.
 */
class GmailLabelLifecycleTest extends FolderLifecycleFixture {
    private static final String GUSER = "lea@gmail.example";
    private FakeCloud google;
    private FakeGmail gmail;

    @BeforeEach
    void account() throws Exception {
        google = FakeCloud.start(0);
        gmail = google.gmail();
        gmail.addAccount(GUSER, "gclient", "gsecret");
        add(Set.of("INBOX"));
    }

    @AfterEach
    void stop() {
        google.close();
    }

    private String config(String layout) {
        return "me = GMail_Account(user=\"" + GUSER + "\", client_id=\"gclient\", client_secret=\"gsecret\","
                + " auth_endpoint=\"" + google.baseUri() + "oauth2/auth\", token_endpoint=\"" + google.baseUri()
                + "oauth2/token\", api_endpoint=\"" + google.baseUri() + "\")\n"
                + "GMail_Labels(me, root=\"" + tmp.resolve("gmail") + "\", exclude=[\"Skip*\"], layout=\"" + layout
                + "\")\n";
    }

    private MessageGenerator.Generated add(Set<String> labels) {
        MessageGenerator.Generated g = gen.text(300);
        gmail.addMessage(GUSER, g.raw(), Instant.parse("2026-02-01T00:00:00Z"), labels);
        return g;
    }

    private Path dir(String layout, String verbatim, String maildirPlusPlus) {
        return tmp.resolve("gmail").resolve(layout.equals("verbatim") ? verbatim : maildirPlusPlus);
    }

    private long bodyDownloads() {
        return google.requests().entries().stream()
                .filter(e -> e.method().equals("GET") && e.path().matches(".*/messages/[^/]+")).count();
    }

    @ParameterizedTest
    @ValueSource(strings = {"verbatim", "maildir++"})
    void labelCreatedWithMailAppearsInOnePoll(String layout) throws Exception {
        try (SyncSetup s = open(config(layout), google, null)) {
            poll(s);
            poll(s);
            google.requests().clear();
            poll(s);
            assertEquals(1, google.requests().size(), "an unchanged poll is one request: " + google.requests());
            String projects = gmail.addLabel(GUSER, "Projects/2026");
            String skipped = gmail.addLabel(GUSER, "Skipped");
            MessageGenerator.Generated a = add(Set.of(projects, "INBOX"));
            add(Set.of(skipped));
            poll(s);
            Path p = dir(layout, "Projects/2026", ".Projects.2026");
            assertThatMaildir(p).hasMessages(1).hasMessage(a.raw());
            assertThatMaildir(dir(layout, "INBOX", "")).hasMessage(a.raw());
            assertFalse(Files.exists(dir(layout, "Skipped", ".Skipped")), "an excluded label gets no Maildir");
            assertEquals(1, rebuilds);
            google.requests().clear();
            poll(s);
            assertEquals(1, google.requests().size(), "unchanged again: one request: " + google.requests());
        }
    }

    /** Issue 16: an unchanged poll of a whole Gmail account is one request, hour after hour. */
    @Test
    void anHourOfUnchangedPollsCostsOneRequestEach() throws Exception {
        gmail.addLabel(GUSER, "Lists/kernel");
        add(Set.of("INBOX"));
        try (SyncSetup s = open(config("verbatim"), google, null)) {
            poll(s);
            for (int minute = 1; minute <= 65; minute++) {
                google.requests().clear();
                poll(s);
                assertEquals(1, google.requests().size(), "minute " + minute + ": " + google.requests());
            }
            assertEquals(0, rebuilds);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"verbatim", "maildir++"})
    void nestedLabelsRenamedRenameTheirMaildirsAtTheNextLabelListing(String layout) throws Exception {
        String lists = gmail.addLabel(GUSER, "Lists");
        String kernel = gmail.addLabel(GUSER, "Lists/kernel");
        MessageGenerator.Generated a = add(Set.of(lists));
        MessageGenerator.Generated b = add(Set.of(kernel, "INBOX"));
        try (SyncSetup s = open(config(layout), google, null)) {
            poll(s);
            Path oldKernel = dir(layout, "Lists/kernel", ".Lists.kernel");
            Map<String, Object> inodes = inodes(oldKernel);
            google.requests().clear();
            gmail.renameLabel(GUSER, lists, "Groups");
            gmail.renameLabel(GUSER, kernel, "Groups/kernel");
            poll(s);
            assertTrue(Files.exists(oldKernel), "a rename leaves no history: not seen before the labels are listed");
            poll(s, LiveFolders.GMAIL_RELIST);
            Path groups = dir(layout, "Groups", ".Groups");
            Path newKernel = dir(layout, "Groups/kernel", ".Groups.kernel");
            assertThatMaildir(groups).hasMessages(1).hasMessage(a.raw());
            assertThatMaildir(newKernel).hasMessages(1).hasMessage(b.raw());
            assertEquals(inodes, inodes(newKernel), "the same files, names and inodes: renamed, not copied");
            assertFalse(Files.exists(oldKernel));
            assertFalse(Files.exists(dir(layout, "Lists", ".Lists")));
            assertEquals(0, bodyDownloads(), "nothing downloaded again: " + google.requests());
            assertNull(s.db.loadMailbox("gmail:" + GUSER + ":Lists/kernel"));
            assertNotNull(s.db.loadMailbox("gmail:" + GUSER + ":Groups/kernel"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"verbatim", "maildir++"})
    void labelDeletedRemovesItsMaildirAndKeepsTheUsersFile(String layout) throws Exception {
        String old = gmail.addLabel(GUSER, "Old");
        MessageGenerator.Generated a = add(Set.of(old, "INBOX"));
        add(Set.of(old));
        try (SyncSetup s = open(config(layout), google, null)) {
            poll(s);
            Path was = dir(layout, "Old", ".Old");
            assertThatMaildir(was).hasMessages(2);
            gmail.deleteLabel(GUSER, old);
            ticker.advance(LiveFolders.GMAIL_RELIST);
            assertTrue(s.engine.runCycle().ok());
            // A file of the user's arrives before the labels are listed: no cycle has seen it.
            byte[] mine = ownFile(was, "1700000000.notes.host");
            assertNotNull(s.followFolders());
            assertTrue(s.engine.runCycle().ok());
            assertFalse(Files.exists(was), "the deleted label's Maildir is gone");
            Set<Path> kept = lostAndFound();
            assertEquals(1, kept.size(), "only the user's own file is kept: " + kept);
            assertArrayEquals(mine, Files.readAllBytes(kept.iterator().next()), "byte for byte");
            assertThatMaildir(dir(layout, "INBOX", "")).hasMessage(a.raw());
            assertNull(s.db.loadMailbox("gmail:" + GUSER + ":Old"), "its state is forgotten");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"verbatim", "maildir++"})
    void maildirMadeLocallyMakesTheLabel(String layout) throws Exception {
        try (SyncSetup s = open(config(layout), google, null)) {
            poll(s);
            Path work = dir(layout, "Work/2026", ".Work.2026");
            for (String sub : new String[] {"cur", "new", "tmp"}) {
                Files.createDirectories(work.resolve(sub));
                Files.createDirectories(dir(layout, "Skipped", ".Skipped").resolve(sub));
            }
            poll(s);
            String id = gmail.labelId(GUSER, "Work/2026");
            assertNotNull(id, "a Maildir made under the root makes its label");
            assertNull(gmail.labelId(GUSER, "Skipped"), "not one the patterns leave out");
            MessageGenerator.Generated a = add(Set.of(id));
            poll(s);
            assertThatMaildir(work).hasMessages(1).hasMessage(a.raw());
        }
    }

    /**
     * Through the daemon's own loop (on the fake clock): a label created in the cloud gets its
     * Maildir, and the watcher follows it there: a message marked read in it reaches Gmail.
     */
    @org.junit.jupiter.api.Test
    void theDaemonFollowsANewLabelAndWatchesItsMaildir() throws Exception {
        try (SyncSetup s = open(config("verbatim"), google, null)) {
            java.util.concurrent.atomic.AtomicInteger cycles = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.atomic.AtomicReference<Throwable> crashed = new java.util.concurrent.atomic.AtomicReference<>();
            dev.cms.sync.Daemon daemon = new dev.cms.sync.Daemon(s.engine, s.maildirRoots(),
                    dev.cms.sync.Daemon.Options.defaults(Duration.ofSeconds(60)), ticker)
                    .reconfigureWith(s.folderFollower()).afterEachCycle(r -> cycles.incrementAndGet());
            Thread t = new Thread(() -> {
                try {
                    daemon.run();
                } catch (Throwable e) {
                    crashed.set(e);
                }
            }, "daemon-under-test");
            t.start();
            try {
                awaitAsTimePasses(() -> cycles.get() >= 1, "the first cycle");
                String projects = gmail.addLabel(GUSER, "Projects");
                MessageGenerator.Generated g = gen.text(300);
                String id = gmail.addMessage(GUSER, g.raw(), Instant.parse("2026-02-01T00:00:00Z"),
                        Set.of(projects, "UNREAD"));
                Path p = tmp.resolve("gmail").resolve("Projects");
                awaitAsTimePasses(() -> Files.isDirectory(p.resolve("new")) && count(p) == 1, "the new label's Maildir");
                Path file = files(p).iterator().next();
                Files.move(file, p.resolve("cur").resolve(file.getFileName().toString().split(":")[0] + ":2,S"));
                awaitAsTimePasses(() -> !gmail.labelsOf(GUSER, id).contains("UNREAD"), "the read flag in Gmail");
                gmail.renameLabel(GUSER, projects, "Work");
                ticker.advance(LiveFolders.GMAIL_RELIST); // no history shows a rename: the next listing of the labels
                Path work = tmp.resolve("gmail").resolve("Work");
                awaitAsTimePasses(() -> Files.isDirectory(work.resolve("cur")) && !Files.exists(p),
                        "the renamed label's Maildir");
                int after = cycles.get();
                awaitAsTimePasses(() -> cycles.get() >= after + 2, "two more polls");
                assertEquals(Set.of(projects), gmail.labelsOf(GUSER, id),
                        "the Maildir's move is no user's change: nothing archived, nothing unread again");
                assertThatMaildir(work).hasMessages(1).hasMessage(g.raw()).withFlags("S");
            } finally {
                daemon.stop();
                t.join(30_000);
            }
            assertNull(crashed.get());
            assertFalse(t.isAlive());
        }
    }

    private static long count(Path maildir) {
        try {
            return files(maildir).size();
        } catch (Exception e) {
            return -1;
        }
    }

    /** Waits for {@code condition}, moving the fake clock on by five seconds while it is false. */
    private void awaitAsTimePasses(java.util.function.BooleanSupplier condition, String what) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            ticker.advance(Duration.ofSeconds(5));
            // Lets the daemon's threads act; what the test checks never depends on this pause.
            Thread.sleep(20);
        }
    }

    private static Map<String, Object> inodes(Path maildir) throws Exception {
        Map<String, Object> out = new HashMap<>();
        for (Path f : files(maildir)) {
            out.put(maildir.relativize(f).toString(), Files.getAttribute(f, "unix:ino"));
        }
        return out;
    }
}
