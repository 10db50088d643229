package dev.cms.provider;

import dev.cms.model.Flags;
import java.util.Objects;

/**
 * One change to push to the cloud: a message's supported flags going from {@code from} to
 * {@code to}, or, when {@code delete} is set, its deletion by the mailbox's delete action.
 */
public record Change(String id, Flags from, Flags to, boolean delete) {
    public Change {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
    }

    public static Change flags(String id, Flags from, Flags to) {
        return new Change(id, from, to, false);
    }

    public static Change delete(String id, Flags current) {
        return new Change(id, current, current, true);
    }
}
