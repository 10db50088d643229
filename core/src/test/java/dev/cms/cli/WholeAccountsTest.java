package dev.cms.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cms.config.ConfigException;
import dev.cms.config.ConfigLoader;
import dev.cms.config.SyncConfig;
import dev.cms.folders.AccountFolder;
import dev.cms.provider.gmail.GmailLabels;
import dev.cms.provider.graph.GraphFolders;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/** Expanding whole-account calls over listed folders, and the checks across calls (issue 16). */
class WholeAccountsTest {
    static final Path FILE = Path.of("/c/cms.cfg");
    static final String O365 = "work = Office365_Account(user=\"me@example.com\", client_id=\"c\")\n";
    static final String GMAIL = "me = GMail_Account(user=\"me@gmail.com\", client_id=\"c\", client_secret=\"s\")\n";

    /** A mailbox whose Inbox is localised: "Posteingang", well-known name inbox. */
    static final List<AccountFolder> GRAPH = WholeAccounts.graphFolders(List.of(
            new GraphFolders.Folder("i", List.of("Posteingang"), "inbox"),
            new GraphFolders.Folder("k", List.of("Posteingang", "kernel"), null),
            new GraphFolders.Folder("s", List.of("Gesendete Elemente"), "sentitems"),
            new GraphFolders.Folder("p", List.of("Projects"), null)));
    static final List<AccountFolder> LABELS = WholeAccounts.gmailFolders(List.of(
            new GmailLabels.Label("INBOX", "INBOX", true), new GmailLabels.Label("SPAM", "SPAM", true),
            new GmailLabels.Label("Label_1", "Lists/kernel", false)));

    private static List<WholeAccounts.Folder> expand(String text) throws Exception {
        SyncConfig c = ConfigLoader.parse(FILE, text, Path.of("/home/u"));
        return WholeAccounts.expand(c, call -> call.service().name().equals("GMAIL") ? LABELS : GRAPH);
    }

    private static String error(String text) {
        return assertThrows(ConfigException.class, () -> expand(text)).getMessage();
    }

    @Test
    void eachSelectedFolderHasItsMailboxKeyAndMaildir() throws Exception {
        List<WholeAccounts.Folder> f = expand(O365 + "Office365_Folders(work, root=\"/m\", exclude=[\"Projects\"],"
                + " layout=\"maildir++\")\n");
        assertEquals(List.of("o365:me@example.com:Gesendete Elemente", "o365:me@example.com:Posteingang",
                "o365:me@example.com:Posteingang/kernel"), f.stream().map(x -> x.mailbox().key()).toList());
        assertEquals(List.of(Path.of("/m/.Gesendete Elemente"), Path.of("/m"), Path.of("/m/.Posteingang.kernel")),
                f.stream().map(WholeAccounts.Folder::maildir).toList());
        assertEquals(new dev.cms.config.SourcePos(FILE, 2, 1), f.get(0).mailbox().pos());
    }

    @Test
    void aPerFolderCallByWellKnownNameIsTheSameFolder() {
        assertEquals("/c/cms.cfg:3:1: Office365 folder \"Posteingang/kernel\" of o365:me@example.com is synced twice:"
                + " by Office365(...) here and by Office365_Folders(...) at line 4:1; remove the one or leave the folder"
                + " out of the other with exclude=[...]",
                error(O365 + "MailDir(\"/k\")\nOffice365(\"Inbox/Kernel\", work)\nOffice365_Folders(work, root=\"/m\")\n"));
        assertEquals("/c/cms.cfg:3:1: Office365 folder \"Gesendete Elemente\" of o365:me@example.com is synced twice:"
                + " by Office365(...) here and by Office365_Folders(...) at line 4:1; remove the one or leave the"
                + " folder out of the other with exclude=[...]",
                error(O365 + "MailDir(\"/k\")\nOffice365(\"sentitems\", work)\nOffice365_Folders(work, root=\"/m\")\n"));
    }

    @Test
    void aPerFolderCallOfAnotherFolderOrAccountIsFine() throws Exception {
        assertEquals(4, expand(O365 + "MailDir(\"/k\")\nOffice365(\"archive\", work)\n"
                + "Office365_Folders(work, root=\"/m\")\n").size());
        assertEquals(2, expand(O365 + "MailDir(\"/k\")\nOffice365(\"inbox\", work)\n"
                + "Office365_Folders(work, root=\"/m\", exclude=[\"Posteingang\"])\n").size(),
                "excluding the inbox from the whole account resolves it (its subfolders go too)");
        assertEquals(2, expand(O365 + GMAIL + "MailDir(\"/k\")\nOffice365(\"inbox\", work)\n"
                + "GMail_Labels(me, root=\"/g\")\n").size());
    }

    @Test
    void gmailLabelsMatchPerFolderCallsIgnoringCase() {
        assertEquals("/c/cms.cfg:3:1: Gmail label \"INBOX\" of gmail:me@gmail.com is synced twice: by GMail(...) here"
                + " and by GMail_Labels(...) at line 4:1; remove the one or leave the folder out of the other with"
                + " exclude=[...]", error(GMAIL + "MailDir(\"/k\")\nGMail(\"inbox\", me)\nGMail_Labels(me, root=\"/g\")\n"));
    }

    @Test
    void twoWholeAccountCallsMustNotSelectOneFolder() {
        assertEquals("/c/cms.cfg:3:1: Office365 folder \"Projects\" of o365:me@example.com is selected by two"
                + " whole-account calls: this one and Office365_Folders(...) at line 2:1; leave it out of one with"
                + " exclude=[...]", error(O365 + "Office365_Folders(work, root=\"/a\", include=[\"P*\"])\n"
                        + "Office365_Folders(work, root=\"/b\", include=[\"Projects\"])\n"));
    }

    @Test
    void aFolderMustNotBeAMailDir() {
        assertEquals("/c/cms.cfg:3:1: Gmail label \"Lists/kernel\" of gmail:me@gmail.com would be synced into"
                + " /g/Lists/kernel, the MailDir(...) at line 2:1; give the whole account another root or leave the"
                + " folder out with exclude=[...]",
                error(GMAIL + "MailDir(\"/g/Lists/kernel\")\nGMail_Labels(me, root=\"/g\")\n"));
    }

    @Test
    void theInboxOfMaildirPlusPlusIsTheRootAndMayNotBeAMailDir() {
        assertEquals("/c/cms.cfg:3:1: Gmail label \"INBOX\" of gmail:me@gmail.com would be synced into /g, the"
                + " MailDir(...) at line 2:1; give the whole account another root or leave the folder out with"
                + " exclude=[...]", error(GMAIL + "MailDir(\"/g\")\nGMail_Labels(me, root=\"/g\", layout=\"maildir++\")\n"));
    }

    @Test
    void systemLabelsThatAreNeverFoldersAreDropped() {
        assertEquals(List.of("INBOX", "Lists/kernel"), LABELS.stream().map(AccountFolder::mailbox).toList());
        assertEquals("inbox", Objects.requireNonNull(GRAPH.get(0)).aliases().get(1));
    }

    /** {@code all_mail} adds a Maildir under the root in the layout's naming, whatever the patterns select. */
    @Test
    void allMailIsAFolderOfItsOwnInEitherLayout() throws Exception {
        List<WholeAccounts.Folder> v = expand(GMAIL + "GMail_Labels(me, root=\"/g\", include=[\"INBOX\"],"
                + " all_mail=\"All Mail\")\n");
        assertEquals(List.of("gmail:me@gmail.com:[Gmail]/All Mail", "gmail:me@gmail.com:INBOX"),
                v.stream().map(x -> x.mailbox().key()).toList());
        assertEquals(List.of(Path.of("/g/All Mail"), Path.of("/g/INBOX")),
                v.stream().map(WholeAccounts.Folder::maildir).toList());
        List<WholeAccounts.Folder> pp = expand(GMAIL + "GMail_Labels(me, root=\"/g\", all_mail=\".all\","
                + " layout=\"maildir++\")\n");
        assertEquals(List.of(Path.of("/g/.%2Eall"), Path.of("/g"), Path.of("/g/.Lists.kernel")),
                pp.stream().map(WholeAccounts.Folder::maildir).toList());
        assertEquals("/c/cms.cfg:3:1: Gmail label \"All Mail\" of gmail:me@gmail.com is synced twice: by GMail(...)"
                + " here and by GMail_Labels(...) at line 4:1; remove the one or leave the folder out of the other"
                + " with exclude=[...]", error(GMAIL + "MailDir(\"/k\")\nGMail(\"[Gmail]/All Mail\", me)\n"
                + "GMail_Labels(me, root=\"/g\", all_mail=\"All Mail\")\n"));
    }

    @Test
    void aLabelNamedAsAllMailsMailboxIsRefused() throws Exception {
        SyncConfig c = ConfigLoader.parse(FILE, GMAIL + "GMail_Labels(me, root=\"/g\", all_mail=\"All Mail\")\n",
                Path.of("/home/u"));
        List<AccountFolder> labels = WholeAccounts.gmailFolders(List.of(
                new GmailLabels.Label("Label_7", "[Gmail]/All Mail", false)));
        assertEquals("/c/cms.cfg:2:1: GMail_Labels(): gmail:me@gmail.com has a label named \"[Gmail]/All Mail\", the"
                + " name All Mail is synced under; rename that label, or leave out all_mail",
                assertThrows(ConfigException.class, () -> WholeAccounts.expand(c, call -> labels)).getMessage());
    }
}
