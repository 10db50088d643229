package dev.cms.send;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/** A send that did not succeed, and what the outbox should do about it. */
public final class SendException extends Exception {
    private static final long serialVersionUID = 1L;

    /** What is known about the message after the failure. */
    public enum Kind {
        /** Refused for good (bad request, too large, invalid recipient): to {@code failed/}, never retried. */
        REFUSED,
        /** Certainly not sent (throttled, unavailable, no token): try again later. */
        NOT_SENT,
        /** Perhaps sent (no answer, a server error after the request went out): look in Sent before retrying. */
        UNKNOWN,
    }

    private final Kind kind;
    private final transient @Nullable Duration retryAfter;

    public SendException(Kind kind, String message, @Nullable Duration retryAfter) {
        super(message);
        this.kind = kind;
        this.retryAfter = retryAfter;
    }

    public SendException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.retryAfter = null;
    }

    public Kind kind() {
        return kind;
    }

    /** The service's {@code Retry-After}, or null. */
    public @Nullable Duration retryAfter() {
        return retryAfter;
    }
}
