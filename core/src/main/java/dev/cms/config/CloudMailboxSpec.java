package dev.cms.config;

/**
 * {@code Office365(mailbox, account, delete_action=...)} or
 * {@code GMail(label, account, delete_action=...)}.
 */
public record CloudMailboxSpec(Service service, String mailbox, AccountSpec account, DeleteAction deleteAction, SourcePos pos) {
    public enum Service { OFFICE365, GMAIL }

    /** The key the mailbox's state is kept under in {@code state.db}. */
    public String key() {
        return account.key() + ":" + mailbox;
    }
}
