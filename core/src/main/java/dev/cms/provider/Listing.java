package dev.cms.provider;

import dev.cms.model.CloudMessage;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The answer to {@link CloudMailbox#list}. A full listing names every message in the
 * mailbox ({@code removed} is then empty); an incremental one names the messages added or
 * changed since the token and the ids removed since. {@code syncToken} is what to pass
 * next time, or null when the service offers no incremental listing.
 */
public record Listing(boolean full, List<CloudMessage> messages, Set<String> removed, @Nullable String syncToken) {
    public Listing {
        messages = List.copyOf(messages);
        removed = Set.copyOf(removed);
        if (full && !removed.isEmpty()) {
            throw new IllegalArgumentException("a full listing has no removals");
        }
    }

    public static Listing full(List<CloudMessage> messages, @Nullable String syncToken) {
        return new Listing(true, messages, Set.of(), syncToken);
    }

    public static Listing delta(List<CloudMessage> changed, Set<String> removed, @Nullable String syncToken) {
        Objects.requireNonNull(syncToken, "an incremental listing needs a next token");
        return new Listing(false, changed, removed, syncToken);
    }
}
