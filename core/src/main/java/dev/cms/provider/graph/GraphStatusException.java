package dev.cms.provider.graph;

import java.io.IOException;

/** Graph answered a call with an HTTP error status; carries the status, error code and {@code Retry-After}. */
final class GraphStatusException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String code;
    private final String summary;
    private final String retryAfter;

    GraphStatusException(String message, int status, String code) {
        this(message, status, code, "HTTP " + status, null);
    }

    GraphStatusException(String message, int status, String code, String summary, String retryAfter) {
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
    String code() {
        return code;
    }

    /** The status and Graph's error in words, for logs. */
    String summary() {
        return summary;
    }

    /** The answer's {@code Retry-After} header, or null. */
    String retryAfter() {
        return retryAfter;
    }
}
