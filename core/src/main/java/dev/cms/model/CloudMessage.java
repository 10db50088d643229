package dev.cms.model;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A message as a cloud listing reports it: the provider's id for it, its flags as the cloud
 * stores them, and when it was received (null when the listing does not say).
 */
public record CloudMessage(String id, Flags flags, @Nullable Instant received) {
    public CloudMessage {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(flags, "flags");
        if (id.isEmpty()) {
            throw new IllegalArgumentException("empty cloud message id");
        }
    }
}
