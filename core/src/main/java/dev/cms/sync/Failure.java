package dev.cms.sync;

import org.jspecify.annotations.Nullable;

/**
 * Something a cycle could not do, as a value: what it concerned ({@link Extent}), the cloud
 * mailbox when one (its key), the phase it happened in, and the cause in words.
 *
 * @param extent what failed: the whole cycle, one mailbox, or one file or message
 * @param mailbox the cloud mailbox's key for a mailbox's failure; null otherwise
 * @param phase where in the cycle
 * @param cause what went wrong, for the log and {@code status}
 */
public record Failure(Extent extent, @Nullable String mailbox, Phase phase, String cause) {
    /** How much of the cycle a failure spoils. */
    public enum Extent {
        /** Nothing of the cycle is pushed, forced or saved (a Maildir unreadable, the commit failed). */
        CYCLE,
        /** One cloud mailbox is skipped and backs off; the others go on. */
        MAILBOX,
        /** One file or message is skipped and tried again next cycle; never a reason to back off. */
        ITEM
    }

    /** The step of a cycle. */
    public enum Phase { LOOK, LIST, DOWNLOAD, PUSH, DELIVER, RENAME, REMOVE, LOST_AND_FOUND, COMMIT }

    static Failure ofCycle(Phase phase, @Nullable String cause) {
        return new Failure(Extent.CYCLE, null, phase, String.valueOf(cause));
    }

    static Failure ofMailbox(String mailbox, Phase phase, @Nullable String cause) {
        return new Failure(Extent.MAILBOX, mailbox, phase, String.valueOf(cause));
    }

    static Failure ofItem(Phase phase, String cause) {
        return new Failure(Extent.ITEM, null, phase, cause);
    }

    /** The failure in one line, as logged. */
    public String message() {
        return mailbox == null ? cause : mailbox + ": " + cause;
    }
}
