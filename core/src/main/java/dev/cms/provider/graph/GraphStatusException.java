package dev.cms.provider.graph;

import java.io.IOException;

/** Graph answered a call with an HTTP status that retrying does not help; carries status and error code. */
final class GraphStatusException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String code;

    GraphStatusException(String message, int status, String code) {
        super(message);
        this.status = status;
        this.code = code;
    }

    int status() {
        return status;
    }

    /** Graph's {@code error.code}, or null when the answer had none. */
    String code() {
        return code;
    }
}
