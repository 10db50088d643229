package dev.cms.cli;

import static dev.cms.testing.MaildirAssert.assertThatMaildir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.fakecloud.FakeCloud;
import dev.cms.fakecloud.FakeGraph;
import dev.cms.fakecloud.FakeMicrosoft;
import dev.cms.fakecloud.MessageGenerator;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Whole-account sync (issue 16) from cms.cfg to Maildirs: {@code Office365_Folders(...)} and
 * {@code GMail_Labels(...)} expanded at start-up through the real adapters against the
 * embedded fakes over real HTTP, in both layouts, with names holding {@code /}, {@code %} and
 * leading dots; then {@code status} and {@code check} on the result.
 */
class WholeAccountEndToEndTest {
    static final String CLIENT = "11111111-2222-3333-4444-555555555555";
    static final String GUSER = "gina@gmail.example";
    private static int users;
    static FakeMicrosoft ms;

    @TempDir
    Path tmp;

    FakeCloud google;
    FakeGraph graph;
    String user;
    String kernelLabel;
    final MessageGenerator gen = new MessageGenerator(16, "someone@example.com");

    @BeforeAll
    static void startMicrosoft() throws Exception {
        ms = FakeMicrosoft.start(0);
    }

    @AfterAll
    static void stopMicrosoft() {
        ms.close();
    }

    @BeforeEach
    void accounts() throws Exception {
        graph = ms.graph();
        user = "walt" + (++users) + "@example.com";
        graph.addUser(user, CLIENT);
        google = FakeCloud.start(0);
        google.gmail().addAccount(GUSER, "gclient", "gsecret");
    }

    @AfterEach
    void stopGoogle() {
        google.close();
    }

    record Result(int code, String out, String err) {}

    private Result run(String cfgText, String... args) {
        Path cfg = tmp.resolve("cms.cfg");
        try {
            Files.writeString(cfg, cfgText + "cfg.message_db_dir = \"" + tmp.resolve("state") + "\"\n");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        CommandLine cl = CmsCommand.commandLine();
        Providers.Factory providers = (config, db) -> new FakeCloudProviders(google, ms, CLIENT);
        ((CmsCommand) cl.getCommand()).providers = providers;
        ((CheckCommand) cl.getSubcommands().get("check").getCommand()).providers = providers;
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        List<String> all = new ArrayList<>(List.of(args));
        int at = all.isEmpty() || all.get(0).startsWith("-") ? 0 : 1;
        all.addAll(at, List.of("-c", cfg.toString()));
        int code = cl.execute(all.toArray(new String[0]));
        return new Result(code, out.toString(), err.toString());
    }

    private String office365(String layout, String extra) {
        return "work = Office365_Account(user=\"" + user + "\", client_id=\"" + CLIENT + "\", authority_host=\""
                + ms.authorityHost() + "\", graph_endpoint=\"" + ms.graphEndpoint() + "\")\n"
                + extra
                + "Office365_Folders(work, root=\"" + tmp.resolve("work") + "\", include=[\"*\"],\n"
                + "    exclude=[\"Junk Email\", \"Sync Issues*\"], layout=\"" + layout + "\")\n";
    }

    private String gmail(String layout) {
        return "me = GMail_Account(user=\"" + GUSER + "\", client_id=\"gclient\", client_secret=\"gsecret\","
                + " auth_endpoint=\"" + google.baseUri() + "oauth2/auth\", token_endpoint=\"" + google.baseUri()
                + "oauth2/token\", api_endpoint=\"" + google.baseUri() + "\")\n"
                + "GMail_Labels(me, root=\"" + tmp.resolve("gmail") + "\", exclude=[\"Old\"], layout=\"" + layout
                + "\")\n";
    }

    /** An Office365 mailbox of nested folders, one message each; the Maildir each must land in, per layout. */
    private Map<String, byte[]> office365Account(boolean maildirPlusPlus) {
        Map<String, byte[]> expected = new LinkedHashMap<>();
        String inbox = graph.folderId(user, "inbox");
        String lists = graph.addFolder(user, inbox, "Lists");
        String kernel = graph.addFolder(user, lists, "kernel");
        String slash = graph.addFolder(user, inbox, "a/b");
        String percent = graph.addFolder(user, "msgfolderroot", "100%");
        String dot = graph.addFolder(user, "msgfolderroot", ".hidden");
        String dotChild = graph.addFolder(user, dot, "x.y");
        String syncIssues = graph.addFolder(user, "msgfolderroot", "Sync Issues");
        String conflicts = graph.addFolder(user, syncIssues, "Conflicts");
        String secret = graph.addFolder(user, "msgfolderroot", "Hidden Things");
        graph.setHidden(user, secret, true);
        Object[][] folders = {
            {inbox, "Inbox", ""}, {lists, "Inbox/Lists", ".Inbox.Lists"},
            {kernel, "Inbox/Lists/kernel", ".Inbox.Lists.kernel"}, {slash, "Inbox/a%2Fb", ".Inbox.a%2Fb"},
            {percent, "100%25", ".100%25"}, {dotChild, "%2Ehidden/x.y", ".%2Ehidden.x%2Ey"},
            {"sentitems", "Sent Items", ".Sent Items"},
            {"junkemail", null, null}, {syncIssues, null, null}, {conflicts, null, null}, {secret, null, null}};
        for (Object[] f : folders) {
            MessageGenerator.Generated g = gen.text(300);
            graph.addMessage(user, (String) f[0], g.raw(), g.date(), false, "notFlagged", false);
            if (f[1] != null) {
                expected.put(maildirPlusPlus ? (String) f[2] : (String) f[1], g.raw());
            }
        }
        return expected;
    }

    private void assertDelivered(Path root, Map<String, byte[]> expected) {
        for (Map.Entry<String, byte[]> e : expected.entrySet()) {
            Path dir = e.getKey().isEmpty() ? root : root.resolve(e.getKey());
            assertThatMaildir(dir).hasMessages(1).hasMessage(e.getValue());
        }
    }

    /** Every Maildir under {@code root} (a directory with cur/, new/ and tmp/), relative to it. */
    private static Set<String> maildirsUnder(Path root) throws Exception {
        try (Stream<Path> s = Files.walk(root)) {
            return new java.util.TreeSet<>(s.filter(p -> Files.isDirectory(p.resolve("cur"))
                            && Files.isDirectory(p.resolve("new")) && Files.isDirectory(p.resolve("tmp")))
                    .map(p -> root.relativize(p).toString()).toList());
        }
    }

    @Test
    void office365VerbatimDeliversEachFolderIntoItsNestedMaildir() throws Exception {
        Map<String, byte[]> expected = office365Account(false);
        Result r = run(office365("verbatim", ""), "--once");
        assertEquals(0, r.code(), r.err());
        Path root = tmp.resolve("work");
        assertDelivered(root, expected);
        assertEquals(Set.of("%2Ehidden", "%2Ehidden/x.y", "100%25", "Archive", "Deleted Items", "Drafts", "Inbox",
                "Inbox/Lists", "Inbox/Lists/kernel", "Inbox/a%2Fb", "Sent Items"), maildirsUnder(root),
                "excluded, hidden and search folders get no Maildir; empty folders do");
        assertThatMaildir(root.resolve("%2Ehidden")).isEmpty();
        assertFalse(Files.exists(root.resolve("Junk Email")));
        assertFalse(Files.exists(root.resolve("Sync Issues")));

        Result status = run(office365("verbatim", ""), "status");
        assertEquals(0, status.code(), status.err());
        for (String key : List.of("Inbox", "Inbox/Lists/kernel", "Inbox/a%2Fb", "100%25", "%2Ehidden/x.y")) {
            assertTrue(status.out().lines().anyMatch(l -> l.matches("o365:" + java.util.regex.Pattern.quote(user)
                    + ":" + java.util.regex.Pattern.quote(key.replace("%2Ehidden", ".hidden")) + " +1 .*")),
                    key + " in\n" + status.out());
        }
        assertTrue(status.out().lines().anyMatch(l -> l.matches("o365:\\S+:\\.hidden +0 .*")), status.out());
        assertFalse(status.out().contains("Junk"), status.out());
    }

    @Test
    void office365MaildirPlusPlusPutsTheInboxAtTheRoot() throws Exception {
        Map<String, byte[]> expected = office365Account(true);
        Result r = run(office365("maildir++", ""), "--once");
        assertEquals(0, r.code(), r.err());
        Path root = tmp.resolve("work");
        assertDelivered(root, expected);
        assertEquals(Set.of("", ".%2Ehidden", ".%2Ehidden.x%2Ey", ".100%25", ".Archive", ".Deleted Items", ".Drafts",
                ".Inbox.Lists", ".Inbox.Lists.kernel", ".Inbox.a%2Fb", ".Sent Items"), maildirsUnder(root));
    }

    /** A Gmail account's labels; a message in INBOX and Lists/kernel is in both Maildirs, one body. */
    private Map<String, byte[]> gmailAccount(boolean maildirPlusPlus) {
        var gmail = google.gmail();
        String lists = gmail.addLabel(GUSER, "Lists");
        kernelLabel = gmail.addLabel(GUSER, "Lists/kernel");
        String dots = gmail.addLabel(GUSER, "v1.2 100%");
        String leading = gmail.addLabel(GUSER, ".dot");
        String old = gmail.addLabel(GUSER, "Old");
        String oldChild = gmail.addLabel(GUSER, "Old/2019");
        Map<String, byte[]> expected = new LinkedHashMap<>();
        Object[][] labels = {
            {Set.of("INBOX"), "INBOX", ""}, {Set.of("SENT"), "Sent", ".Sent"}, {Set.of("DRAFT"), "Drafts", ".Drafts"},
            {Set.of(lists), "Lists", ".Lists"}, {Set.of(dots), "v1.2 100%25", ".v1%2E2 100%25"},
            {Set.of(leading), "%2Edot", ".%2Edot"}, {Set.of("SPAM"), null, null}, {Set.of(old), null, null},
            {Set.of(oldChild), null, null}, {Set.of("STARRED", "IMPORTANT", "CATEGORY_SOCIAL"), null, null}};
        for (Object[] l : labels) {
            MessageGenerator.Generated g = gen.text(300);
            @SuppressWarnings("unchecked")
            Set<String> ids = (Set<String>) l[0];
            gmail.addMessage(GUSER, g.raw(), g.date(), ids);
            if (l[1] != null) {
                expected.put(maildirPlusPlus ? (String) l[2] : (String) l[1], g.raw());
            }
        }
        return expected;
    }

    @Test
    void gmailLabelsVerbatimWithSystemLabelsAsTheIssueNamesThem() throws Exception {
        Map<String, byte[]> expected = gmailAccount(false);
        MessageGenerator.Generated both = gen.text(400);
        google.gmail().addMessage(GUSER, both.raw(), both.date(), Set.of("INBOX", kernelLabel));
        Result r = run(gmail("verbatim"), "--once");
        assertEquals(0, r.code(), r.err());
        Path root = tmp.resolve("gmail");
        for (Map.Entry<String, byte[]> e : expected.entrySet()) {
            assertThatMaildir(root.resolve(e.getKey())).hasMessage(e.getValue());
        }
        assertEquals(Set.of("%2Edot", "Drafts", "INBOX", "Lists", "Lists/kernel", "Sent", "v1.2 100%25"),
                maildirsUnder(root), "no SPAM, TRASH, STARRED, IMPORTANT, CATEGORY_* or excluded Old/*");
        assertThatMaildir(root.resolve("INBOX")).hasMessages(2);
        Path inInbox = assertThatMaildir(root.resolve("INBOX")).hasMessage(both.raw()).file().path();
        Path inKernel = assertThatMaildir(root.resolve("Lists/kernel")).hasMessages(1).hasMessage(both.raw()).file()
                .path();
        assertEquals(Files.getAttribute(inInbox, "unix:ino"), Files.getAttribute(inKernel, "unix:ino"),
                "one body, hard-linked into both labels' Maildirs");
    }

    @Test
    void gmailLabelsMaildirPlusPlus() throws Exception {
        Map<String, byte[]> expected = gmailAccount(true);
        Result r = run(gmail("maildir++"), "--once");
        assertEquals(0, r.code(), r.err());
        Path root = tmp.resolve("gmail");
        assertDelivered(root, expected);
        assertEquals(Set.of("", ".%2Edot", ".Drafts", ".Lists", ".Lists.kernel", ".Sent", ".v1%2E2 100%25"),
                maildirsUnder(root));
    }

    @Test
    void aSecondRunDownloadsNothingAgainAndKeepsTheMapping() throws Exception {
        Map<String, byte[]> expected = office365Account(false);
        assertEquals(0, run(office365("verbatim", ""), "--once").code());
        long bodies = ms.requests().count("GET", ".*/\\$value");
        Result again = run(office365("verbatim", ""), "--once");
        assertEquals(0, again.code(), again.err());
        assertEquals(bodies, ms.requests().count("GET", ".*/\\$value"), "the folders' state is found again");
        assertDelivered(tmp.resolve("work"), expected);
    }

    @Test
    void checkPrintsTheMappingWhenTheAccountCanBeReached() throws Exception {
        office365Account(false);
        Result offline = run(office365("verbatim", ""), "check");
        assertEquals(0, offline.code(), offline.err());
        assertTrue(offline.out().contains("Office365 " + user + ": folders matching \"*\" except \"Junk Email\","
                + " \"Sync Issues*\" -> " + tmp.resolve("work") + " (layout verbatim)"), offline.out());
        assertTrue(offline.out().contains("    (not logged in yet: the daemon logs in at its first start; the folders"
                + " will be those matching the patterns above)\n"), offline.out());

        assertEquals(0, run(office365("verbatim", ""), "--once").code());
        Result online = run(office365("verbatim", ""), "check");
        assertEquals(0, online.code(), online.err());
        Path root = tmp.resolve("work");
        assertTrue(online.out().contains("Whole-account folders:\n  Office365_Folders(...) at " + tmp.resolve("cms.cfg")
                + ":2:1, o365:" + user + ":\n"
                + "    .hidden -> " + root.resolve("%2Ehidden") + "\n"
                + "    .hidden/x.y -> " + root.resolve("%2Ehidden/x.y") + "\n"
                + "    100% -> " + root.resolve("100%25") + "\n"
                + "    Archive -> " + root.resolve("Archive") + "\n"), online.out());
        assertTrue(online.out().contains("    Inbox/a/b -> " + root.resolve("Inbox/a%2Fb") + "\n"), online.out());
        assertFalse(online.out().contains("Junk Email ->"), online.out());
    }

    @Test
    void aFolderNamedByAPerFolderCallTooIsAnErrorWithBothPositions() throws Exception {
        office365Account(false);
        String cfg = office365("verbatim", "MailDir(\"" + tmp.resolve("kernel") + "\")\n"
                + "Office365(\"inbox/lists/Kernel\", work)\n");
        Result daemon = run(cfg, "--once");
        assertEquals(ExitCodes.CONFIG, daemon.code());
        String message = tmp.resolve("cms.cfg") + ":3:1: Office365 folder \"Inbox/Lists/kernel\" of o365:" + user
                + " is synced twice: by Office365(...) here and by Office365_Folders(...) at line 4:1; remove the"
                + " one or leave the folder out of the other with exclude=[...]";
        assertEquals("cloud-mdir-sync: " + message + "\n", daemon.err());
        assertFalse(Files.exists(tmp.resolve("work")), "nothing created");

        assertEquals(0, run(office365("verbatim", ""), "--once").code()); // a saved state, so check can look
        Result check = run(cfg, "check");
        assertEquals(ExitCodes.CONFIG, check.code());
        assertEquals("cloud-mdir-sync: " + message + "\n", check.err());

        String excluded = cfg.replace("exclude=[\"Junk Email\", \"Sync Issues*\"]",
                "exclude=[\"Junk Email\", \"Sync Issues*\", \"Inbox/Lists/kernel\"]");
        assertEquals(0, run(excluded, "check").code(), "excluding it from the whole account resolves it");
    }

    @Test
    void twoFoldersOnOneMaildirStopTheStartWithAClearError() throws Exception {
        String cfg = gmail("verbatim") + office365("verbatim", "").replace(tmp.resolve("work").toString(),
                tmp.resolve("gmail").toString());
        Result r = run(cfg, "--once");
        assertEquals(ExitCodes.CONFIG, r.code());
        assertEquals("cloud-mdir-sync: " + tmp.resolve("cms.cfg") + ":4:1: Office365 folder \"Drafts\" of o365:" + user
                + " and Gmail label \"DRAFT\" of gmail:" + GUSER + " (GMail_Labels(...) at line 2:1) would both be the"
                + " Maildir " + tmp.resolve("gmail/Drafts") + "; give the calls different roots\n", r.err());
        assertFalse(Files.exists(tmp.resolve("gmail")), "nothing created");
    }

    @Test
    void aWholeAccountBesideAMailDirKeepsEachFoldersMailApart() throws Exception {
        Map<String, byte[]> expected = office365Account(false);
        MessageGenerator.Generated g = gen.text(200);
        google.gmail().addMessage(GUSER, g.raw(), Instant.parse("2026-12-01T08:00:00Z"), Set.of("INBOX"));
        String cfg = "MailDir(\"" + tmp.resolve("inbox") + "\")\n"
                + gmail("verbatim").replace("GMail_Labels(me, root=\"" + tmp.resolve("gmail") + "\", exclude=[\"Old\"], layout=\"verbatim\")\n",
                        "GMail(\"INBOX\", me)\n")
                + office365("verbatim", "");
        Result r = run(cfg, "--once");
        assertEquals(0, r.code(), r.err());
        assertThatMaildir(tmp.resolve("inbox")).hasMessages(1).hasMessage(g.raw());
        assertDelivered(tmp.resolve("work"), expected);
    }

    @Test
    void aRouteAppliesToWholeAccountFoldersToo() throws Exception {
        String inbox = graph.folderId(user, "inbox");
        String lists = graph.addFolder(user, inbox, "Lists");
        MessageGenerator.Generated routed = gen.text(300);
        MessageGenerator.Generated stays = gen.text(300);
        graph.addMessage(user, lists, routed.raw(), routed.date(), false, "notFlagged", false);
        graph.addMessage(user, lists, stays.raw(), stays.date(), false, "notFlagged", false);
        String cfg = office365("verbatim", "") + "Route(MailDir(\"" + tmp.resolve("routed") + "\"), header=\"Message-ID\","
                + " equals=\"" + routed.messageId() + "\")\n";
        Result r = run(cfg, "--once");
        assertEquals(0, r.code(), r.err());
        assertThatMaildir(tmp.resolve("routed")).hasMessages(1).hasMessage(routed.raw());
        assertThatMaildir(tmp.resolve("work/Inbox/Lists")).hasMessages(1).hasMessage(stays.raw());
    }
}
