package dev.cms.auth;

/**
 * An interactive login did not produce an authorization code: the identity provider answered
 * with an error, nobody logged in in time, or the login was cancelled.
 */
public final class LoginFailedException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String error;
    private final String errorDescription;

    public LoginFailedException(String message) {
        this(message, null, null);
    }

    /**
     * @param error the OAuth {@code error} code (already sanitised), or null
     * @param errorDescription the OAuth {@code error_description} (already sanitised), or null
     */
    public LoginFailedException(String message, String error, String errorDescription) {
        super(message);
        this.error = error;
        this.errorDescription = errorDescription;
    }

    /** The OAuth {@code error} code the provider sent, or null. */
    public String error() {
        return error;
    }

    /** The OAuth {@code error_description} the provider sent, or null. */
    public String errorDescription() {
        return errorDescription;
    }
}
