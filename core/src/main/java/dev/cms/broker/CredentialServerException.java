package dev.cms.broker;

import java.io.IOException;

/** A credential server cannot start at its socket path; the message names the path and why. */
public final class CredentialServerException extends IOException {
    private static final long serialVersionUID = 1L;

    CredentialServerException(String message) {
        super(message);
    }

    CredentialServerException(String message, Throwable cause) {
        super(message, cause);
    }
}
