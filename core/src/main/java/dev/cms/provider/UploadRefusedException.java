package dev.cms.provider;

import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * The service refused, for good, to create a message from a user's file
 * ({@link CloudMailbox#upload}): an invalid or too large message, a mailbox that takes no new
 * messages. Sending the same file again would meet the same answer.
 */
public final class UploadRefusedException extends IOException {
    private static final long serialVersionUID = 1L;

    public UploadRefusedException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }

    public UploadRefusedException(String message) {
        super(message);
    }
}
