package dev.cms.provider.gmail;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Which messages a Gmail mailbox holds: those carrying one label, or, for All Mail
 * ({@link #ALL_MAIL}), every message of the account. Either way a message in the trash or in
 * spam is not held (Gmail's listings leave those out), nor, in All Mail, a draft: a draft's
 * message takes no label edit and is replaced by a new one at every save, so drafts live in the
 * Drafts Maildir only.
 *
 * @param labelId the label's id; null for All Mail
 */
record Membership(@Nullable String labelId) {
    /** Every message that is not in the trash, in spam, or a draft. */
    static final Membership ALL_MAIL = new Membership(null);

    static Membership label(String labelId) {
        return new Membership(java.util.Objects.requireNonNull(labelId, "labelId"));
    }

    /** Whether a message carrying {@code labels} is held. */
    boolean holds(List<String> labels) {
        if (labels.contains(HistoryDelta.TRASH) || labels.contains(HistoryDelta.SPAM)) {
            return false;
        }
        return labelId == null ? !labels.contains(GmailImport.DRAFT) : labels.contains(labelId);
    }

    /** Whether {@code labels} names the label this mailbox is (never, for All Mail). */
    boolean isNamedIn(List<String> labels) {
        return labelId != null && labels.contains(labelId);
    }

    /**
     * Whether a record about a message carrying {@code labels} (null when the record gives none)
     * may concern this mailbox: one about a message that had or has the label; for All Mail, any.
     */
    boolean mayConcern(@Nullable List<String> labels) {
        return labelId == null || labels == null || labels.contains(labelId);
    }

    @Override
    public String toString() {
        return labelId == null ? "All Mail" : labelId;
    }
}
