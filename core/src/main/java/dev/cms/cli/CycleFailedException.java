package dev.cms.cli;

import dev.cms.sync.CycleReport;
import java.util.List;

/** The one cycle of {@code --once} failed; the message is its first error, the rest were logged. */
final class CycleFailedException extends Exception {
    private static final long serialVersionUID = 1L;

    private final boolean loginNeeded;

    CycleFailedException(CycleReport report) {
        super(message(report));
        this.loginNeeded = report.loginNeeded();
    }

    /** The cycle failed because an account needs a login (exit code 3). */
    boolean loginNeeded() {
        return loginNeeded;
    }

    private static String message(CycleReport report) {
        List<String> errors = report.errors();
        if (errors.isEmpty()) {
            return "the cycle was interrupted before it finished";
        }
        String first = errors.get(0).strip().lines().findFirst().orElse("");
        return "the cycle failed: " + first
                + (errors.size() > 1 ? " (and " + (errors.size() - 1) + " more error(s), logged above)" : "");
    }
}
