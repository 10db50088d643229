package dev.cms.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.folders.FolderLayout;
import dev.cms.folders.FolderPattern;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code Office365_Folders(...)} and {@code GMail_Labels(...)} as cms.cfg reads them (issue 16). */
class WholeAccountConfigTest {
    static final Path FILE = Path.of("/etc/cms.cfg");
    static final Path HOME = Path.of("/home/u");
    static final String O365 = "work = Office365_Account(user=\"me@example.com\", client_id=\"c\")\n";
    static final String GMAIL = "me = GMail_Account(user=\"me@gmail.com\", client_id=\"c\", client_secret=\"s\")\n";

    private static SyncConfig parse(String text) throws ConfigException {
        return ConfigLoader.parse(FILE, text, HOME);
    }

    private static ConfigException bad(String text) {
        return assertThrows(ConfigException.class, () -> parse(text));
    }

    private static List<String> texts(List<FolderPattern> ps) {
        return ps.stream().map(FolderPattern::text).toList();
    }

    @Test
    void theIssuesExampleParses() throws Exception {
        SyncConfig c = parse(O365
                + "Office365_Folders(work, root=\"~/mail/work\", include=[\"*\"],\n"
                + "                  exclude=[\"Junk Email\", \"Conversation History\", \"Sync Issues*\"],\n"
                + "                  layout=\"verbatim\", delete_action=\"archive\")\n"
                + GMAIL
                + "GMail_Labels(me, root=\"~/mail/gmail\", include=[\"*\"], exclude=[],\n"
                + "             all_mail=None, layout=\"maildir++\", delete_action=\"trash\")\n");
        assertEquals(2, c.wholeAccounts().size());
        WholeAccountSpec o = c.wholeAccounts().get(0);
        assertEquals(CloudMailboxSpec.Service.OFFICE365, o.service());
        assertEquals("o365:me@example.com", o.account().key());
        assertEquals(HOME.resolve("mail/work"), o.root());
        assertEquals(List.of("*"), texts(o.filter().include()));
        assertEquals(List.of("Junk Email", "Conversation History", "Sync Issues*"), texts(o.filter().exclude()));
        assertEquals(FolderLayout.VERBATIM, o.layout());
        assertEquals(DeleteAction.ARCHIVE, o.deleteAction());
        assertEquals(new SourcePos(FILE, 2, 1), o.pos());
        WholeAccountSpec g = c.wholeAccounts().get(1);
        assertEquals(CloudMailboxSpec.Service.GMAIL, g.service());
        assertEquals(FolderLayout.MAILDIR_PLUS_PLUS, g.layout());
        assertEquals(DeleteAction.TRASH, g.deleteAction());
        assertEquals(null, g.allMail());
        assertEquals("All Mail", parse(GMAIL + "GMail_Labels(me, root=\"/m\", all_mail=\"All Mail\")\n")
                .wholeAccounts().get(0).allMail());
        assertTrue(c.maildirs().isEmpty(), "no MailDir is needed");
        assertFalse(c.authenticationOnly(), "a whole account is synced without any MailDir");
        assertTrue(c.cloudMailboxes().isEmpty());
    }

    @Test
    void defaultsAreEveryFolderVerbatimArchive() throws Exception {
        WholeAccountSpec w = parse(O365 + "Office365_Folders(work, root=\"/m\")\n").wholeAccounts().get(0);
        assertEquals(List.of("*"), texts(w.filter().include()));
        assertEquals(List.of(), texts(w.filter().exclude()));
        assertEquals(FolderLayout.VERBATIM, w.layout());
        assertEquals(DeleteAction.ARCHIVE, w.deleteAction());
        WholeAccountSpec positional = parse(GMAIL + "GMail_Labels(me, \"rel\", [\"INBOX\"], [\"SPAM\"])\n")
                .wholeAccounts().get(0);
        assertEquals(Path.of("/etc/rel"), positional.root(), "relative to the file, as MailDir paths are");
        assertEquals(List.of("INBOX"), texts(positional.filter().include()));
    }

    @Test
    void perFolderCallsAndWholeAccountsTogether() throws Exception {
        SyncConfig c = parse(O365 + "MailDir(\"/m/in\")\nOffice365(\"inbox\", work)\n"
                + "Office365_Folders(work, root=\"/m/work\", exclude=[\"Inbox\"])\n");
        assertEquals(1, c.cloudMailboxes().size());
        assertEquals(1, c.wholeAccounts().size());
    }

    @Test
    void perFolderCallsStillNeedAMailDir() {
        ConfigException e = bad(O365 + "Office365(\"inbox\", work)\nOffice365_Folders(work, root=\"/m/work\")\n");
        assertEquals("/etc/cms.cfg:2:1: no MailDir(...) declared: messages need somewhere to go; add e.g."
                + " MailDir(\"~/mail/INBOX\")", e.getMessage());
    }

    @Test
    void badArgumentsAreOneLineErrorsAtTheirPlace() {
        assertEquals("/etc/cms.cfg:2:1: Office365_Folders() is missing the required argument `root`",
                bad(O365 + "Office365_Folders(work)\n").getMessage());
        assertEquals("/etc/cms.cfg:2:19: Office365_Folders(): expected an Office365_Account(...) for `account`, got"
                + " a GMail_Account", bad(GMAIL + "Office365_Folders(me, root=\"/m\")\n").getMessage());
        assertEquals("/etc/cms.cfg:2:14: GMail_Labels(): expected a GMail_Account(...) for `account`, got"
                + " an Office365_Account", bad(O365 + "GMail_Labels(work, root=\"/m\")\n").getMessage());
        assertEquals("/etc/cms.cfg:2:43: Office365_Folders(): `layout` must be \"verbatim\" or \"maildir++\", got"
                + " \"mbox\"", bad(O365 + "Office365_Folders(work, root=\"/m\", layout=\"mbox\")\n").getMessage());
        assertEquals("/etc/cms.cfg:2:50: `delete_action` must be \"archive\" or \"trash\", got \"expunge\"",
                bad(O365 + "Office365_Folders(work, root=\"/m\", delete_action=\"expunge\")\n").getMessage());
        assertEquals("/etc/cms.cfg:2:44: Office365_Folders(): expected a list for `include`, got a string",
                bad(O365 + "Office365_Folders(work, root=\"/m\", include=\"*\")\n").getMessage());
        assertEquals("/etc/cms.cfg:2:50: Office365_Folders(): each pattern in `exclude` must be a string like"
                + " \"Inbox/*\", got an integer",
                bad(O365 + "Office365_Folders(work, root=\"/m\", exclude=[\"a\", 3])\n").getMessage());
        assertEquals("/etc/cms.cfg:2:45: Office365_Folders(): bad pattern \"Inbox/[ab\" in `include`: the [ at"
                + " character 7 has no closing ] (write [[] for a literal [)",
                bad(O365 + "Office365_Folders(work, root=\"/m\", include=[\"Inbox/[ab\"])\n").getMessage());
        assertEquals("/etc/cms.cfg:2:45: Office365_Folders(): bad pattern \"\" in `include`: an empty pattern"
                + " matches no folder", bad(O365 + "Office365_Folders(work, root=\"/m\", include=[\"\"])\n").getMessage());
        assertEquals("/etc/cms.cfg:2:36: unknown keyword argument `all_mail` for Office365_Folders(); allowed:"
                + " account, root, include, exclude, layout, delete_action",
                bad(O365 + "Office365_Folders(work, root=\"/m\", all_mail=None)\n").getMessage());
        assertEquals("/etc/cms.cfg:2:23: a path must not be empty",
                bad(GMAIL + "GMail_Labels(me, root=\"\")\n").getMessage());
        assertEquals("/etc/cms.cfg:2:38: GMail_Labels(): `all_mail` names the Maildir of every message, like"
                + " \"All Mail\"; write all_mail=None for none",
                bad(GMAIL + "GMail_Labels(me, root=\"/m\", all_mail=\" \")\n").getMessage());
    }

    @Test
    void aWholeAccountIsNotACloudMailboxForRoutes() {
        ConfigException e = bad(O365 + "MailDir(\"/m/a\")\nw = Office365_Folders(work, root=\"/m\")\n"
                + "Route(MailDir(\"/m/b\"), mailbox=w)\n");
        assertEquals("/etc/cms.cfg:4:32: Route(): expected a cloud mailbox (Office365(...) or GMail(...)) or None"
                + " for `mailbox`, got an Office365_Folders(...)", e.getMessage());
    }

    @Test
    void describeShowsThePatterns() throws Exception {
        String d = ConfigLoader.describe(parse(O365 + "Office365_Folders(work, root=\"/m/work\","
                + " exclude=[\"Junk Email\", \"Sync Issues*\"], layout=\"maildir++\")\n"
                + GMAIL + "GMail_Labels(me, root=\"/m/g\", include=[\"INBOX\", \"Lists/*\"], delete_action=\"trash\")\n"));
        assertTrue(d.contains("Whole accounts (the folders are known once the account is reached):\n"
                + "  Office365 me@example.com: folders matching \"*\" except \"Junk Email\", \"Sync Issues*\" ->"
                + " /m/work (layout maildir++), deleting a message locally will archive it\n"
                + "  GMail me@gmail.com: labels matching \"INBOX\", \"Lists/*\" -> /m/g (layout verbatim), deleting"
                + " a message locally will trash it\n"), d);
        assertTrue(ConfigLoader.describe(parse(GMAIL + "GMail_Labels(me, root=\"/m/g\", all_mail=\"All Mail\")\n"))
                .contains("  GMail me@gmail.com: labels matching \"*\", and All Mail as \"All Mail\" -> /m/g (layout"
                        + " verbatim), deleting a message locally will archive it (in All Mail: trash it)\n"));
    }
}
