package dev.cms.provider.graph;

import java.io.IOException;

/** Graph answered 2xx with a body we cannot use; retrying the same call would not help. */
final class MalformedGraphResponse extends IOException {
    private static final long serialVersionUID = 1L;

    MalformedGraphResponse(String call, String detail) {
        super("malformed Graph response to " + call + ": " + detail);
    }

    MalformedGraphResponse(String call, String detail, Throwable cause) {
        super("malformed Graph response to " + call + ": " + detail, cause);
    }
}
