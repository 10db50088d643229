package dev.cms.auth;

import org.jspecify.annotations.Nullable;

/** The one keyring entry that holds the storage key; a seam so tests need no Secret Service. */
interface KeyringAccess {
    /** The stored value, or null when the entry does not exist. May throw anything. */
    @Nullable String read() throws Exception;

    /** Creates or replaces the entry. May throw anything. */
    void write(String value) throws Exception;

    /** Where the entry lives, for messages. */
    String describe();
}
