package dev.cms.provider;

import java.io.IOException;
import java.util.List;

/**
 * Changes ({@link CloudMailbox#apply}) the service refused for what they are (a message it does
 * not take as a new message of the destination), not for a passing failure: sending them again
 * would be refused again. The engine undoes them locally instead.
 */
public final class ChangesRefusedException extends IOException {
    private static final long serialVersionUID = 1L;
    private final transient List<Change> refused;

    public ChangesRefusedException(String message, List<Change> refused, Throwable cause) {
        super(message, cause);
        this.refused = List.copyOf(refused);
    }

    /** The changes refused. */
    public List<Change> refused() {
        return refused;
    }
}
