package dev.cms.provider;

import java.io.IOException;
import java.util.List;

/**
 * Changes ({@link CloudMailbox#apply}) that failed, some of which may have been made although no
 * usable answer came back: a copy sent once whose connection was lost, or answered 500, 502 or
 * 504. The engine never sends those again; the next listing shows whether the service made them.
 */
public final class ChangesOutcomeUnknownException extends IOException {
    private static final long serialVersionUID = 1L;
    private final transient List<Change> unknown;

    public ChangesOutcomeUnknownException(String message, List<Change> unknown) {
        super(message);
        this.unknown = List.copyOf(unknown);
    }

    /** The changes that may have been made. */
    public List<Change> unknown() {
        return unknown;
    }
}
