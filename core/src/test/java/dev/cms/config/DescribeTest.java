package dev.cms.config;

import static dev.cms.testing.TextAssert.assertThatText;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DescribeTest {
    @TempDir
    Path dir;

    @Test
    void describesEverythingThatWouldBeSyncedInOrder() throws Exception {
        Path home = dir.resolve("home");
        Path file = dir.resolve("cms.cfg");
        SyncConfig c = ConfigLoader.parse(file, ""
                + "inbox = MailDir('~/mail/INBOX')\n"
                + "lists = MailDir('~/mail/lists')\n"
                + "acct = Office365_Account(user='me@corp.com')\n"
                + "o365 = Office365('inbox', acct)\n"
                + "GMail('INBOX', GMail_Account(user='me@gmail.com'), delete_action='trash')\n"
                + "Route(lists, mailbox=o365, header='List-Id', matches=r'kernel\\.org')\n"
                + "Route(lists, header='From', equals='bot@corp.com')\n"
                + "CredentialServer('/run/cms.sock', [acct], protocols=['IMAP', 'SMTP'])\n"
                + "Outbox([acct])\n"
                + "cfg.poll_interval = 120\n"
                + "cfg.safety_scan_interval = 900\n"
                + "cfg.auth_notify_cmd = 'notify-send login'\n", home);
        String expected = "Configuration " + file + "\n"
                + "Maildirs:\n"
                + "  " + home.resolve("mail/INBOX") + "\n"
                + "  " + home.resolve("mail/lists") + "\n"
                + "Cloud mailboxes:\n"
                + "  Office365 me@corp.com mailbox \"inbox\", deleting a message locally will archive it\n"
                + "  GMail me@gmail.com mailbox \"INBOX\", deleting a message locally will trash it\n"
                + "Routes (first match wins):\n"
                + "  1. messages from Office365 me@corp.com mailbox \"inbox\" whose List-Id header matches"
                + " /kernel\\.org/ -> " + home.resolve("mail/lists") + "\n"
                + "  2. messages from any mailbox whose From header equals \"bot@corp.com\" -> "
                + home.resolve("mail/lists") + "\n"
                + "  3. everything else -> " + home.resolve("mail/INBOX") + " (the first MailDir)\n"
                + "Credential servers:\n"
                + "  /run/cms.sock serving IMAP, SMTP for me@corp.com (umask 0o600)\n"
                + "Outbox:\n"
                + "  sending for me@corp.com; cms-sendmail on " + home.resolve("mail/.cms/outbox.sock")
                + " (umask 0o600)\n"
                + "Settings:\n"
                + "  cfg.message_db_dir = " + home.resolve("mail/.cms") + "\n"
                + "  cfg.poll_interval = 120 seconds\n"
                + "  cfg.safety_scan_interval = 900 seconds\n"
                + "  cfg.web_port = 8080\n"
                + "  cfg.storage_key_file = None\n"
                + "  cfg.auth_notify_cmd = \"notify-send login\"\n";
        assertEquals(expected, ConfigLoader.describe(c));
    }

    @Test
    void describesAuthenticationOnlyMode() throws Exception {
        SyncConfig c = ConfigLoader.parse(dir.resolve("cms.cfg"),
                "a = Office365_Account()\nCredentialServer('/s', [a], umask=0o077)\n", dir);
        String d = ConfigLoader.describe(c);
        assertThatText(d).contains("  (none: no MailDir is declared, authentication only)\n");
        assertThatText(d).contains("/s serving SMTP for (user chosen at login, tenant common) (umask 0o077)\n");
    }

    @Test
    void describesSmtpSubmissionUnderTheOutboxAndSaysWhenNoneIsDeclared() throws Exception {
        SyncConfig c = ConfigLoader.parse(dir.resolve("cms.cfg"), ""
                + "MailDir('m')\n"
                + "a = GMail_Account(user='me@gmail.com')\n"
                + "b = Office365_Account(user='me@corp.com')\n"
                + "GMail('INBOX', a)\n"
                + "Outbox([a, b], path='o.sock', umask=0o077)\n"
                + "SmtpSubmission(port=2525, accounts=[b])\n", dir);
        assertThatText(ConfigLoader.describe(c)).contains("Outbox:\n"
                + "  sending for me@gmail.com, me@corp.com; cms-sendmail on " + dir.resolve("o.sock")
                + " (umask 0o077)\n"
                + "  SMTP submission on 127.0.0.1:2525 for me@corp.com\n"
                + "Settings:\n");
        SyncConfig none = ConfigLoader.parse(dir.resolve("cms.cfg"),
                "MailDir('m')\nGMail('INBOX', GMail_Account(user='me@gmail.com'))\n", dir);
        assertThatText(ConfigLoader.describe(none)).contains("Outbox:\n  (none: no Outbox(...), mail is not sent)\n"
                + "Settings:\n");
    }
}
