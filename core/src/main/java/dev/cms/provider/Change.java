package dev.cms.provider;

import dev.cms.model.Flags;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One change to push to the cloud: a message's supported flags going from {@code from} to
 * {@code to}; when {@code delete} is set, its deletion by the mailbox's delete action; when
 * {@code into} is set, its move ({@code copy} false) or copy into {@code into}, another mailbox
 * of the same account, with the flags {@code to}.
 */
public record Change(String id, Flags from, Flags to, boolean delete, @Nullable CloudMailbox into, boolean copy) {
    public Change {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        if (into == null && copy) {
            throw new IllegalArgumentException("a copy of " + id + " needs a destination");
        }
        if (into != null && delete) {
            throw new IllegalArgumentException("a move or copy of " + id + " is no deletion");
        }
    }

    /** A flag change, or with {@code delete} a deletion. */
    public Change(String id, Flags from, Flags to, boolean delete) {
        this(id, from, to, delete, null, false);
    }

    public static Change flags(String id, Flags from, Flags to) {
        return new Change(id, from, to, false);
    }

    public static Change delete(String id, Flags current) {
        return new Change(id, current, current, true);
    }

    /** Moves the message into {@code into}, its flags going from {@code from} to {@code to} on the way. */
    public static Change move(String id, Flags from, Flags to, CloudMailbox into) {
        return new Change(id, from, to, false, Objects.requireNonNull(into, "into"), false);
    }

    /** Copies the message, which keeps its place, into {@code into}; the copy has the message's {@code flags}. */
    public static Change copy(String id, Flags flags, CloudMailbox into) {
        return copy(id, flags, flags, into);
    }

    /**
     * Copies the message, whose flags are {@code from}, into {@code into}, the copy's flags going
     * to {@code to} (the user changed them on the saved file). Where a copy is the message itself
     * under another label (Gmail), the message's flags go to {@code to}; where it is a new
     * message (Office365), only the copy's do.
     */
    public static Change copy(String id, Flags from, Flags to, CloudMailbox into) {
        return new Change(id, from, to, false, Objects.requireNonNull(into, "into"), true);
    }

    /** Whether this moves the message out of its mailbox into another. */
    public boolean moves() {
        return into != null && !copy;
    }
}
