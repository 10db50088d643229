package dev.cms.provider;

/**
 * How many messages a cloud mailbox holds and how many of them are unread, as the service
 * itself counts them (Gmail's label counts, an Office365 folder's item counts). The engine
 * compares them with its snapshot to notice a listing that missed a change.
 */
public record MailboxCounts(int total, int unread) {
    public MailboxCounts {
        if (total < 0 || unread < 0 || unread > total) {
            throw new IllegalArgumentException("impossible mailbox counts: " + total + " messages, " + unread
                    + " unread");
        }
    }
}
