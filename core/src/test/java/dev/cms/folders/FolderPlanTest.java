package dev.cms.folders;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;

class FolderPlanTest {
    static final Path ROOT = Path.of("/mail/work");
    static final FolderFilter ALL = FolderFilter.of(List.of("*"), List.of());

    private static List<String> dirs(List<FolderPlan.Mapped> plan) {
        return plan.stream().map(m -> ROOT.relativize(m.maildir()).toString()).toList();
    }

    private static List<AccountFolder> graphAccount() {
        return List.of(
                AccountFolder.graph("i", List.of("Inbox"), true),
                AccountFolder.graph("l", List.of("Inbox", "Lists"), false),
                AccountFolder.graph("k", List.of("Inbox", "Lists", "kernel"), false),
                AccountFolder.graph("s", List.of("Sent Items"), false),
                AccountFolder.graph("j", List.of("Junk Email"), false),
                AccountFolder.graph("x", List.of("Inbox", "a/b"), false),
                AccountFolder.graph("p", List.of("100%"), false),
                AccountFolder.graph("h", List.of(".hidden", "x.y"), false));
    }

    @Test
    void verbatimTree() throws Exception {
        List<FolderPlan.Mapped> plan = FolderPlan.plan(FolderFilter.of(List.of("*"), List.of("Junk Email")),
                FolderLayout.VERBATIM, ROOT, graphAccount());
        assertEquals(List.of("%2Ehidden/x.y", "100%25", "Inbox", "Inbox/Lists", "Inbox/Lists/kernel", "Inbox/a%2Fb",
                "Sent Items"), dirs(plan));
    }

    @Test
    void maildirPlusPlusTree() throws Exception {
        List<FolderPlan.Mapped> plan = FolderPlan.plan(ALL, FolderLayout.MAILDIR_PLUS_PLUS, ROOT, graphAccount());
        assertEquals(List.of(".%2Ehidden.x%2Ey", ".100%25", "", ".Inbox.Lists", ".Inbox.Lists.kernel", ".Inbox.a%2Fb",
                ".Junk Email", ".Sent Items"), dirs(plan));
        assertEquals(ROOT, plan.get(2).maildir(), "the inbox is the root itself");
    }

    @Test
    void graphMailboxNamesEscapeSlashAndPercentInsideANameOnly() {
        assertEquals("Inbox/Lists/kernel", AccountFolder.graph("k", List.of("Inbox", "Lists", "kernel"), false).mailbox());
        assertEquals("Inbox/a%2Fb/100%25", AccountFolder.graph("k", List.of("Inbox", "a/b", "100%"), false).mailbox());
        assertEquals("Inbox/a/b", AccountFolder.graph("k", List.of("Inbox", "a/b"), false).pathText(),
                "patterns see the names as they are");
    }

    @Test
    void gmailSystemLabels() {
        AccountFolder inbox = Objects.requireNonNull(AccountFolder.gmail("INBOX", "INBOX", true));
        assertEquals(List.of("INBOX"), inbox.dirNames());
        assertTrue(inbox.inbox());
        AccountFolder sent = Objects.requireNonNull(AccountFolder.gmail("SENT", "SENT", true));
        assertEquals("SENT", sent.pathText(), "patterns see the label's name");
        assertEquals(List.of("Sent"), sent.dirNames());
        assertEquals("SENT", sent.mailbox());
        assertEquals(List.of("Drafts"), Objects.requireNonNull(AccountFolder.gmail("DRAFT", "DRAFT", true)).dirNames());
        for (String never : List.of("SPAM", "TRASH", "UNREAD", "STARRED", "IMPORTANT", "CHAT", "CATEGORY_PERSONAL",
                "CATEGORY_SOCIAL", "CATEGORY_PROMOTIONS", "CATEGORY_UPDATES", "CATEGORY_FORUMS", "YELLOW_STAR")) {
            assertNull(AccountFolder.gmail(never, never, true), never);
        }
    }

    @Test
    void gmailUserLabelsNestBySlash() {
        AccountFolder l = Objects.requireNonNull(AccountFolder.gmail("Label_7", "Lists/kernel", false));
        assertEquals(List.of("Lists", "kernel"), l.path());
        assertEquals("Lists/kernel", l.mailbox());
        assertFalse(l.inbox());
        AccountFolder inboxNamed = Objects.requireNonNull(AccountFolder.gmail("Label_8", "STARRED", false));
        assertEquals(List.of("STARRED"), inboxNamed.dirNames(), "a user label is a folder whatever its name");
    }

    @Test
    void gmailTreeInBothLayouts() throws Exception {
        List<AccountFolder> labels = new ArrayList<>();
        for (String[] l : new String[][] {{"INBOX", "INBOX", "s"}, {"SENT", "SENT", "s"}, {"DRAFT", "DRAFT", "s"},
                {"SPAM", "SPAM", "s"}, {"CATEGORY_SOCIAL", "CATEGORY_SOCIAL", "s"}, {"L1", "Lists", "u"},
                {"L2", "Lists/kernel", "u"}, {"L3", "v1.2", "u"}}) {
            AccountFolder f = AccountFolder.gmail(l[0], l[1], l[2].equals("s"));
            if (f != null) {
                labels.add(f);
            }
        }
        assertEquals(List.of("Drafts", "INBOX", "Lists", "Lists/kernel", "Sent", "v1.2"),
                dirs(FolderPlan.plan(ALL, FolderLayout.VERBATIM, ROOT, labels)));
        assertEquals(List.of(".Drafts", "", ".Lists", ".Lists.kernel", ".Sent", ".v1%2E2"),
                dirs(FolderPlan.plan(ALL, FolderLayout.MAILDIR_PLUS_PLUS, ROOT, labels)));
        assertEquals(List.of("INBOX", "Sent"), dirs(FolderPlan.plan(FolderFilter.of(List.of("INBOX", "SENT"), List.of()),
                FolderLayout.VERBATIM, ROOT, labels)), "patterns match the system labels' names");
    }

    @Test
    void twoFoldersOnOneDirectoryAreAnError() throws Exception {
        List<AccountFolder> labels = List.of(Objects.requireNonNull(AccountFolder.gmail("SENT", "SENT", true)),
                Objects.requireNonNull(AccountFolder.gmail("L1", "Sent", false)));
        FolderPlan.MappingException e = assertThrows(FolderPlan.MappingException.class,
                () -> FolderPlan.plan(ALL, FolderLayout.VERBATIM, ROOT, labels));
        assertEquals("folders \"SENT\" and \"Sent\" would both be the Maildir /mail/work/Sent; leave one out with"
                + " exclude=[...]", e.getMessage());
        // Excluding one of them resolves it.
        assertEquals(List.of("Sent"), dirs(assertDoesNotFail(FolderFilter.of(List.of("*"), List.of("Sent")), labels)));
    }

    @Test
    void maildirPlusPlusDotsCollideWithNesting() throws Exception {
        // "a.b" and "a"/"b" are both .a.b without the escape; with it they differ.
        List<AccountFolder> folders = List.of(AccountFolder.graph("1", List.of("a.b"), false),
                AccountFolder.graph("2", List.of("a", "b"), false));
        assertEquals(List.of(".a%2Eb", ".a.b"), dirs(assertDoesNotFail(ALL, folders, FolderLayout.MAILDIR_PLUS_PLUS)));
    }

    @Test
    void aFolderOnItsParentsCurNewOrTmpIsAnError() throws Exception {
        List<AccountFolder> folders = List.of(AccountFolder.graph("1", List.of("Inbox"), true),
                AccountFolder.graph("2", List.of("Inbox", "new"), false));
        FolderPlan.MappingException e = assertThrows(FolderPlan.MappingException.class,
                () -> FolderPlan.plan(ALL, FolderLayout.VERBATIM, ROOT, folders));
        assertEquals("folder \"Inbox/new\" would be the new/ directory of the Maildir of \"Inbox\"; use"
                + " layout=\"maildir++\" or leave one out with exclude=[...]", e.getMessage());
        assertNotNull(assertDoesNotFail(ALL, folders, FolderLayout.MAILDIR_PLUS_PLUS));
        assertEquals(List.of("Inbox/new"), dirs(assertDoesNotFail(FolderFilter.of(List.of("Inbox/*"), List.of()),
                folders)), "without the parent's Maildir there is nothing to collide with");
    }

    @Test
    void anEmptyNameIsAnErrorNamingTheFolder() {
        List<AccountFolder> labels = List.of(Objects.requireNonNull(AccountFolder.gmail("L1", "Lists/", false)));
        FolderPlan.MappingException e = assertThrows(FolderPlan.MappingException.class,
                () -> FolderPlan.plan(ALL, FolderLayout.VERBATIM, ROOT, labels));
        assertEquals("the folder Lists/ has an empty name; leave it out with exclude=[...]", e.getMessage());
    }

    private static List<FolderPlan.Mapped> assertDoesNotFail(FolderFilter f, List<AccountFolder> folders)
            throws Exception {
        return assertDoesNotFail(f, folders, FolderLayout.VERBATIM);
    }

    private static List<FolderPlan.Mapped> assertDoesNotFail(FolderFilter f, List<AccountFolder> folders,
            FolderLayout layout) throws Exception {
        return FolderPlan.plan(f, layout, ROOT, folders);
    }
}
