package dev.cms.provider;

import java.io.IOException;

/** The service refused our credentials and a refresh did not help: a login is needed. */
public class AuthenticationRequiredException extends IOException {
    private static final long serialVersionUID = 1L;

    public AuthenticationRequiredException(String message) {
        super(message);
    }

    public AuthenticationRequiredException(String message, Throwable cause) {
        super(message, cause);
    }
}
