package dev.cms.auth;

import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * Opaque blob storage by key. The integrator implements it over {@code state.db}; tests use an
 * in-memory map. Blobs handed to it by {@link TokenStore} are already encrypted.
 */
public interface SecretBlobs {
    /** The blob stored under {@code key}, or null when there is none. */
    byte @Nullable [] get(String key) throws IOException;

    void put(String key, byte[] blob) throws IOException;

    /** Removes the blob under {@code key}; nothing happens when there is none. */
    void remove(String key) throws IOException;
}
