package dev.cms.auth;

import java.io.IOException;
import org.jspecify.annotations.Nullable;

/** Keeps one secret per account (a refresh token, an MSAL token-cache blob), encrypted at rest. */
public interface TokenStore {
    /**
     * The secret saved for {@code account}, or null when there is none, or when the stored blob
     * cannot be decrypted (wrong key, tampered, truncated, another format). In that last case a
     * WARN says that a new login will be needed; the secret is never logged. Never throws for a
     * bad blob, only for a failing {@link SecretBlobs}.
     */
    @Nullable String load(String account) throws IOException;

    void save(String account, String secret) throws IOException;

    void delete(String account) throws IOException;

    /** True when secrets survive a restart (a storage key was found); false for memory-only. */
    boolean persistent();
}
