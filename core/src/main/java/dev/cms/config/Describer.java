package dev.cms.config;

import dev.cms.folders.FolderPattern;
import java.util.List;
import java.util.TreeSet;

/** Words a parsed configuration for people. */
final class Describer {
    private Describer() {}

    static String describe(SyncConfig c) {
        StringBuilder b = new StringBuilder();
        b.append("Configuration ").append(c.file()).append('\n');
        b.append("Maildirs:\n");
        if (c.maildirs().isEmpty()) {
            b.append("  (none)\n");
        }
        for (MaildirSpec m : c.maildirs()) {
            b.append("  ").append(m.path()).append('\n');
        }
        cloudMailboxes(b, c);
        wholeAccounts(b, c);
        routes(b, c);
        credentialServers(b, c);
        outbox(b, c);
        settings(b, c.settings());
        return b.toString();
    }

    private static void cloudMailboxes(StringBuilder b, SyncConfig c) {
        b.append("Cloud mailboxes:\n");
        if (c.cloudMailboxes().isEmpty()) {
            b.append("  (none)\n");
        } else if (c.authenticationOnly()) {
            b.append("  (not synced: no MailDir is declared, so only tokens are served)\n");
        }
        for (CloudMailboxSpec m : c.cloudMailboxes()) {
            b.append("  ").append(mailbox(m)).append(", deleting a message locally will ")
                    .append(m.deleteAction() == DeleteAction.ARCHIVE ? "archive" : "trash").append(" it\n");
        }
    }

    private static void wholeAccounts(StringBuilder b, SyncConfig c) {
        if (c.wholeAccounts().isEmpty()) {
            return;
        }
        b.append("Whole accounts (the folders are known once the account is reached):\n");
        for (WholeAccountSpec w : c.wholeAccounts()) {
            b.append("  ").append(patterns(w)).append('\n');
        }
    }

    /** One whole-account call in a line: its account, patterns, root, layout and delete action. */
    static String patterns(WholeAccountSpec w) {
        String what = w.service() == CloudMailboxSpec.Service.GMAIL ? "labels" : "folders";
        return (w.service() == CloudMailboxSpec.Service.GMAIL ? "GMail " : "Office365 ") + account(w.account()) + ": "
                + what + " matching " + list(w.filter().include().stream().map(FolderPattern::text).toList())
                + (w.filter().exclude().isEmpty() ? ""
                        : " except " + list(w.filter().exclude().stream().map(FolderPattern::text).toList()))
                + (w.allMail() == null ? "" : ", and All Mail as " + Values.repr(w.allMail()))
                + " -> " + w.root() + " (layout " + w.layout().word() + "), deleting a message locally will "
                + w.deleteAction().word() + " it" + (w.allMail() == null ? "" : " (in All Mail: trash it)");
    }

    private static String list(List<String> patterns) {
        return patterns.isEmpty() ? "nothing"
                : String.join(", ", patterns.stream().map(Values::repr).toList());
    }

    private static void routes(StringBuilder b, SyncConfig c) {
        b.append("Routes (first match wins):\n");
        int n = 1;
        for (RouteSpec r : c.routes()) {
            b.append("  ").append(n++).append(". ")
                    .append(r.mailbox() == null ? "messages from any mailbox" : "messages from " + mailbox(r.mailbox()));
            if (r.equals() != null) {
                b.append(" whose ").append(r.header()).append(" header equals ").append(Values.repr(r.equals()));
            } else if (r.matches() != null) {
                b.append(" whose ").append(r.header()).append(" header matches /").append(r.matches().pattern())
                        .append('/');
            }
            b.append(" -> ").append(r.to().path()).append('\n');
        }
        if (!c.wholeAccounts().isEmpty()) {
            b.append("  ").append(n++).append(". messages of a whole account's folder -> that folder's own Maildir\n");
        }
        if (c.maildirs().isEmpty() && c.wholeAccounts().isEmpty()) {
            b.append("  (none: no MailDir is declared, authentication only)\n");
        } else if (!c.maildirs().isEmpty()) {
            b.append("  ").append(n).append(". everything else -> ").append(c.maildirs().get(0).path())
                    .append(" (the first MailDir)\n");
        }
    }

    private static void credentialServers(StringBuilder b, SyncConfig c) {
        b.append("Credential servers:\n");
        if (c.credentialServers().isEmpty()) {
            b.append("  (none)\n");
        }
        for (CredentialServerSpec s : c.credentialServers()) {
            b.append("  ").append(s.path()).append(" serving ").append(String.join(", ", new TreeSet<>(s.protocols())))
                    .append(" for ").append(String.join(", ", accounts(s.accounts())))
                    .append(String.format(" (umask 0o%03o)", s.umask())).append('\n');
        }
    }

    private static void outbox(StringBuilder b, SyncConfig c) {
        b.append("Outbox:\n");
        OutboxSpec outbox = c.outbox();
        if (outbox == null) {
            b.append("  (none: no Outbox(...), mail is not sent)\n");
            return;
        }
        b.append("  sending for ").append(String.join(", ", accounts(outbox.accounts()))).append("; cms-sendmail on ")
                .append(outbox.path()).append(String.format(" (umask 0o%03o)", outbox.umask())).append('\n');
        SmtpSubmissionSpec smtp = c.smtpSubmission();
        if (smtp != null) {
            b.append("  SMTP submission on 127.0.0.1:").append(smtp.port()).append(" for ")
                    .append(String.join(", ", accounts(smtp.accounts()))).append('\n');
        }
    }

    private static void settings(StringBuilder b, Settings s) {
        b.append("Settings:\n");
        b.append("  cfg.message_db_dir = ").append(s.messageDbDir()).append('\n');
        b.append("  cfg.poll_interval = ").append(s.pollInterval()).append(" seconds\n");
        b.append("  cfg.safety_scan_interval = ").append(s.safetyScanInterval()).append(" seconds\n");
        b.append("  cfg.web_port = ").append(s.webPort()).append('\n');
        b.append("  cfg.storage_key_file = ").append(s.storageKeyFile() == null ? "None" : s.storageKeyFile()).append('\n');
        b.append("  cfg.auth_notify_cmd = ")
                .append(s.authNotifyCmd() == null ? "None" : Values.repr(s.authNotifyCmd())).append('\n');
    }

    private static String mailbox(CloudMailboxSpec m) {
        String service = m.service() == CloudMailboxSpec.Service.GMAIL ? "GMail" : "Office365";
        return service + " " + account(m.account()) + " mailbox " + Values.repr(m.mailbox());
    }

    private static String account(AccountSpec a) {
        if (a.user() != null) {
            return a.user();
        }
        return "(user chosen at login, tenant " + ((Office365AccountSpec) a).tenant() + ")";
    }

    private static List<String> accounts(List<AccountSpec> as) {
        return as.stream().map(Describer::account).toList();
    }
}
