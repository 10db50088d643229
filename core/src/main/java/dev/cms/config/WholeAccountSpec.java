package dev.cms.config;

import dev.cms.folders.FolderFilter;
import dev.cms.folders.FolderLayout;
import java.nio.file.Path;

/**
 * {@code Office365_Folders(account, root=..., include=[...], exclude=[...], layout=..., delete_action=...)}
 * or {@code GMail_Labels(account, root=..., include=[...], exclude=[...], all_mail=None, layout=...,
 * delete_action=...)}: every folder or label of an account that {@code filter} selects, each
 * synced into its own Maildir under {@code root} as {@code layout} names it. Which folders
 * those are is known only once the account is reached (at start-up).
 */
public record WholeAccountSpec(
        CloudMailboxSpec.Service service,
        AccountSpec account,
        Path root,
        FolderFilter filter,
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
