package dev.cms.auth;

/** The local login page could not be started (usually: its port is taken). */
public final class LoginServerException extends Exception {
    private static final long serialVersionUID = 1L;

    public LoginServerException(String message, Throwable cause) {
        super(message, cause);
    }
}
