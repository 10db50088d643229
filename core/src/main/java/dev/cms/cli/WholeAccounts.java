package dev.cms.cli;

import dev.cms.config.CloudMailboxSpec;
import dev.cms.config.ConfigException;
import dev.cms.config.MaildirSpec;
import dev.cms.config.SourcePos;
import dev.cms.config.SyncConfig;
import dev.cms.config.WholeAccountSpec;
import dev.cms.folders.AccountFolder;
import dev.cms.folders.FolderPlan;
import dev.cms.provider.gmail.GmailLabels;
import dev.cms.provider.gmail.GmailMailbox;
import dev.cms.provider.graph.GraphFolders;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Expands the whole-account calls of a configuration ({@code Office365_Folders(...)},
 * {@code GMail_Labels(...)}) into one mailbox per selected folder, each with its Maildir, once
 * the accounts' folders are known; and checks that no folder is synced twice and no two
 * folders share a Maildir.
 */
final class WholeAccounts {
    /** One folder of a whole-account call: the mailbox it is synced as and its Maildir. */
    record Folder(WholeAccountSpec call, AccountFolder folder, CloudMailboxSpec mailbox, Path maildir) {}

    /** Lists the folders of a whole-account call's account. */
    @FunctionalInterface
    interface Discovery {
        List<AccountFolder> folders(WholeAccountSpec call) throws ConfigException, IOException, InterruptedException;
    }

    private WholeAccounts() {}

    /**
     * Every folder the whole-account calls of {@code config} sync, call by call, each call's
     * folders sorted by path.
     *
     * @throws ConfigException when a folder is named by a per-folder call too, is selected by
     *     two whole-account calls, or two folders (or a folder and a {@code MailDir(...)}) would
     *     share a Maildir; the message gives both places
     */
    static List<Folder> expand(SyncConfig config, Discovery discovery)
            throws ConfigException, IOException, InterruptedException {
        List<Folder> out = new ArrayList<>();
        for (WholeAccountSpec call : config.wholeAccounts()) {
            out.addAll(plan(call, discovery.folders(call)));
        }
        check(config, out);
        return out;
    }

    /** The folders {@code call} syncs of {@code folders}. */
    static List<Folder> plan(WholeAccountSpec call, List<AccountFolder> folders) throws ConfigException {
        List<FolderPlan.Mapped> mapped;
        try {
            mapped = FolderPlan.plan(call.filter(), call.layout(), call.root(), folders, always(call, folders));
        } catch (FolderPlan.MappingException e) {
            throw new ConfigException(call.pos(), call.callName() + "(): " + e.getMessage());
        }
        List<Folder> out = new ArrayList<>();
        for (FolderPlan.Mapped m : mapped) {
            out.add(new Folder(call, m.folder(), call.mailbox(m.folder().mailbox()), m.maildir()));
        }
        return out;
    }

    /**
     * The folders {@code call} syncs whatever its patterns: Gmail's All Mail when {@code all_mail}
     * names its Maildir. A label whose name is All Mail's mailbox name would be taken for it: refused.
     */
    private static List<AccountFolder> always(WholeAccountSpec call, List<AccountFolder> folders)
            throws ConfigException {
        String allMail = call.allMail();
        if (allMail == null || call.service() != CloudMailboxSpec.Service.GMAIL) {
            return List.of();
        }
        for (AccountFolder f : folders) {
            if (f.mailbox().equals(GmailMailbox.ALL_MAIL)) {
                throw new ConfigException(call.pos(), call.callName() + "(): " + call.account().key()
                        + " has a label named \"" + GmailMailbox.ALL_MAIL + "\", the name All Mail is synced under;"
                        + " rename that label, or leave out all_mail");
            }
        }
        return List.of(AccountFolder.gmailAllMail(GmailMailbox.ALL_MAIL, allMail));
    }

    static void check(SyncConfig config, List<Folder> folders) throws ConfigException {
        Map<String, Folder> byAlias = new HashMap<>();
        Map<String, Folder> byKey = new HashMap<>();
        for (Folder f : folders) {
            Folder other = byKey.putIfAbsent(f.mailbox().key(), f);
            if (other != null) {
                throw new ConfigException(f.call().pos(), what(f) + " is selected by two whole-account calls: this"
                        + " one and " + other.call().callName() + "(...) at " + where(f.call().pos(),
                        other.call().pos()) + "; leave it out of one with exclude=[...]");
            }
            for (String alias : f.folder().aliases()) {
                byAlias.put(f.call().account().key() + ":" + alias, f);
            }
        }
        for (CloudMailboxSpec m : config.cloudMailboxes()) {
            Folder f = byAlias.get(m.account().key() + ":" + normalise(m));
            if (f != null) {
                throw new ConfigException(m.pos(), what(f) + " is synced twice: by "
                        + (m.service() == CloudMailboxSpec.Service.GMAIL ? "GMail" : "Office365") + "(...) here and by "
                        + f.call().callName() + "(...) at " + where(m.pos(), f.call().pos())
                        + "; remove the one or leave the folder out of the other with exclude=[...]");
            }
        }
        Map<Path, SourcePos> maildirs = new HashMap<>();
        for (MaildirSpec m : config.maildirs()) {
            maildirs.put(m.path(), m.pos());
        }
        Map<Path, Folder> folderDirs = new HashMap<>();
        for (Folder f : folders) {
            SourcePos declared = maildirs.get(f.maildir());
            if (declared != null) {
                throw new ConfigException(f.call().pos(), what(f) + " would be synced into " + f.maildir()
                        + ", the MailDir(...) at " + where(f.call().pos(), declared)
                        + "; give the whole account another root or leave the folder out with exclude=[...]");
            }
            Folder other = folderDirs.putIfAbsent(f.maildir(), f);
            if (other != null) {
                throw new ConfigException(f.call().pos(), what(f) + " and " + what(other) + " (" + other.call().callName()
                        + "(...) at " + where(f.call().pos(), other.call().pos()) + ") would both be the Maildir "
                        + f.maildir() + "; give the calls different roots");
            }
        }
    }

    /** A per-folder call's mailbox as the aliases are written: lower case, empty parts dropped. */
    private static String normalise(CloudMailboxSpec m) {
        if (m.service() == CloudMailboxSpec.Service.GMAIL) {
            return m.mailbox().toLowerCase(Locale.ROOT);
        }
        List<String> parts = new ArrayList<>();
        for (String p : m.mailbox().split("/")) {
            if (!p.isBlank()) {
                parts.add(p);
            }
        }
        return String.join("/", parts).toLowerCase(Locale.ROOT);
    }

    private static String what(Folder f) {
        return (f.call().service() == CloudMailboxSpec.Service.GMAIL ? "Gmail label \"" : "Office365 folder \"")
                + f.folder().pathText() + "\" of " + f.call().account().key();
    }

    /** {@code other} as {@code line L} when in the same file as {@code here}, else in full. */
    private static String where(SourcePos here, SourcePos other) {
        return other.file().equals(here.file()) ? "line " + other.line() + ":" + other.column() : other.toString();
    }

    /** An Office365 account's folders, as {@link GraphFolders} lists them. */
    static List<AccountFolder> graphFolders(List<GraphFolders.Folder> listed) {
        Map<String, @Nullable String> topWellKnown = new HashMap<>();
        for (GraphFolders.Folder f : listed) {
            if (f.names().size() == 1) {
                topWellKnown.put(f.names().get(0), f.wellKnown());
            }
        }
        List<AccountFolder> out = new ArrayList<>();
        for (GraphFolders.Folder f : listed) {
            String wk = f.names().size() == 1 ? f.wellKnown() : topWellKnown.get(f.names().get(0));
            out.add(AccountFolder.graph(f.id(), f.names(), wk));
        }
        return out;
    }

    /** A Gmail account's labels that can be folders, as {@link GmailLabels} lists them. */
    static List<AccountFolder> gmailFolders(List<GmailLabels.Label> listed) {
        List<AccountFolder> out = new ArrayList<>();
        for (GmailLabels.Label l : listed) {
            AccountFolder f = AccountFolder.gmail(l.id(), l.name(), l.system());
            if (f != null) {
                out.add(f);
            }
        }
        return out;
    }
}
