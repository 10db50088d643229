package dev.cms.auth;

/** A storage key source exists but cannot be used; the message names the source and the fix. */
public final class StorageKeyException extends Exception {
    private static final long serialVersionUID = 1L;

    public StorageKeyException(String message) {
        super(message);
    }

    public StorageKeyException(String message, Throwable cause) {
        super(message, cause);
    }
}
