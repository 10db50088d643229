package dev.cms.provider;

import java.io.IOException;

/**
 * An upload ({@link CloudMailbox#upload}) whose request may have reached the service although no
 * answer came back (a connection lost after sending it): the message may exist. The engine never
 * sends it again; the next listing shows whether the service took it.
 */
public final class UploadOutcomeUnknownException extends IOException {
    private static final long serialVersionUID = 1L;

    public UploadOutcomeUnknownException(String message, Throwable cause) {
        super(message, cause);
    }
}
