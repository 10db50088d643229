package dev.cms.provider.graph;

import java.io.IOException;
import org.jspecify.annotations.Nullable;

/** Graph answered a call with an HTTP error status; carries the status, error code and {@code Retry-After}. */
final class GraphStatusException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final @Nullable String code;
    private final String summary;
    private final @Nullable String retryAfter;

    GraphStatusException(String message, int status, @Nullable String code) {
        this(message, status, code, "HTTP " + status, null);
    }

    GraphStatusException(String message, int status, @Nullable String code, String summary,
            @Nullable String retryAfter) {
        super(message);
        this.status = status;
        this.code = code;
        this.summary = summary;
        this.retryAfter = retryAfter;
    }

    int status() {
        return status;
    }

    /** Graph's {@code error.code}, or null when the answer had none. */
    @Nullable String code() {
        return code;
    }

    /** The status and Graph's error in words, for logs. */
    String summary() {
        return summary;
    }

    /** The answer's {@code Retry-After} header, or null. */
    @Nullable String retryAfter() {
        return retryAfter;
    }
}
