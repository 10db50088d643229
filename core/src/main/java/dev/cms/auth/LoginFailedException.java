package dev.cms.auth;

import org.jspecify.annotations.Nullable;

/**
 * An interactive login did not produce an authorization code: the identity provider answered
 * with an error, nobody logged in in time, or the login was cancelled.
 */
public final class LoginFailedException extends Exception {
    private static final long serialVersionUID = 1L;

    private final @Nullable String error;
    private final @Nullable String errorDescription;

    public LoginFailedException(String message) {
        this(message, null, null);
    }

    /**
     * @param error the OAuth {@code error} code (already sanitised), or null
     * @param errorDescription the OAuth {@code error_description} (already sanitised), or null
     */
    public LoginFailedException(String message, @Nullable String error, @Nullable String errorDescription) {
        super(message);
        this.error = error;
        this.errorDescription = errorDescription;
    }

    /** The OAuth {@code error} code the provider sent, or null. */
    public @Nullable String error() {
        return error;
    }

    /** The OAuth {@code error_description} the provider sent, or null. */
    public @Nullable String errorDescription() {
        return errorDescription;
    }
}
