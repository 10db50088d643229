package dev.cms.store;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What {@link StateDb#moveMailboxes} does with the rows of one cloud mailbox: with {@code to}
 * set, they become those of mailbox {@code to} whose Maildir is {@code toTarget} (its folder was
 * renamed or moved in the cloud); with {@code to} null they are forgotten (its folder was deleted
 * or is no longer synced). Targets are Maildir keys as the engine writes them (absolute, normalised).
 */
public record MailboxMove(String from, String fromTarget, @Nullable String to, @Nullable String toTarget) {
    public MailboxMove {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(fromTarget, "fromTarget");
        if ((to == null) != (toTarget == null)) {
            throw new IllegalArgumentException("a mailbox moves with its Maildir: " + to + " " + toTarget);
        }
    }

    /** The rows of {@code from} (Maildir {@code fromTarget}) are forgotten. */
    public static MailboxMove forget(String from, String fromTarget) {
        return new MailboxMove(from, fromTarget, null, null);
    }
}
