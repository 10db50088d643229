package dev.cms.provider.gmail;

import java.io.IOException;
import org.jspecify.annotations.Nullable;

/** Gmail answered a call with an HTTP error that retrying will not cure (404, 400, 403...). */
final class GmailStatusException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int status;

    GmailStatusException(String message, int status, @Nullable Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    int status() {
        return status;
    }
}
