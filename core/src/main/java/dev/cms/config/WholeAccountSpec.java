package dev.cms.config;

import dev.cms.folders.FolderFilter;
import dev.cms.folders.FolderLayout;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * {@code Office365_Folders(account, root=..., include=[...], exclude=[...], layout=..., delete_action=...)}
 * or {@code GMail_Labels(account, root=..., include=[...], exclude=[...], all_mail=None, layout=...,
 * delete_action=...)}: every folder or label of an account that {@code filter} selects, each
 * synced into its own Maildir under {@code root} as {@code layout} names it. Which folders
 * those are is known only once the account is reached (at start-up).
 *
 * @param allMail for Gmail, the name of a Maildir under {@code root} holding every message of the
 *     account out of the trash and spam (drafts left out), or null for none; include and exclude
 *     do not apply to it
 */
public record WholeAccountSpec(
        CloudMailboxSpec.Service service,
        AccountSpec account,
        Path root,
        FolderFilter filter,
        @Nullable String allMail,
        FolderLayout layout,
        DeleteAction deleteAction,
        SourcePos pos) {
    /** The call as written in cms.cfg: {@code Office365_Folders} or {@code GMail_Labels}. */
    public String callName() {
        return service == CloudMailboxSpec.Service.GMAIL ? "GMail_Labels" : "Office365_Folders";
    }

    /** The spec of one of its folders, as a per-folder call for it would read (at this call's position). */
    public CloudMailboxSpec mailbox(String mailbox) {
        return new CloudMailboxSpec(service, mailbox, account, deleteAction, pos);
    }
}
