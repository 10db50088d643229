package dev.cms.provider;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/** Receives message bodies from {@link CloudMailbox#fetchBodies}; must be thread-safe. */
@FunctionalInterface
public interface BodySink {
    /**
     * Takes one body. {@code received} is the received time when the download told it
     * (Gmail's internalDate), else null. The stream is read to its end before returning.
     */
    void accept(String id, InputStream body, @Nullable Instant received) throws IOException;
}
