package dev.cms.sync;

import dev.cms.provider.AuthenticationRequiredException;
import java.util.ArrayList;
import java.util.List;

/** What one cycle did, for the log, {@code --once} and tests. */
public final class CycleReport {
    int fetched;
    long fetchedBytes;
    int pushedFlags;
    int pushedDeletes;
    int delivered;
    int renamed;
    int removed;
    int lostFound;
    boolean aborted;
    /** Something (a file renamed under us) suggests running again soon, without backoff. */
    boolean rerunSoon;
    /** An error was a cloud mailbox's {@link AuthenticationRequiredException}. */
    boolean loginNeeded;
    final List<String> errors = new ArrayList<>();

    public boolean ok() {
        return errors.isEmpty() && !aborted;
    }

    public boolean aborted() {
        return aborted;
    }

    /** True when the cycle failed (at least in part) because an account needs a login. */
    public boolean loginNeeded() {
        return loginNeeded;
    }

    public boolean rerunSoon() {
        return rerunSoon;
    }

    public List<String> errors() {
        return List.copyOf(errors);
    }

    public int fetched() {
        return fetched;
    }

    public int pushedFlags() {
        return pushedFlags;
    }

    public int pushedDeletes() {
        return pushedDeletes;
    }

    public int delivered() {
        return delivered;
    }

    public int renamed() {
        return renamed;
    }

    public int removed() {
        return removed;
    }

    public int lostFound() {
        return lostFound;
    }

    /** True when the cycle changed nothing anywhere. */
    public boolean idle() {
        return fetched == 0 && pushedFlags == 0 && pushedDeletes == 0 && delivered == 0 && renamed == 0
                && removed == 0 && lostFound == 0;
    }

    void error(String message) {
        errors.add(message);
    }

    /** An error caused by {@code cause}; remembers whether a login is needed. */
    void error(String message, Exception cause) {
        error(message);
        if (cause instanceof AuthenticationRequiredException) {
            loginNeeded = true;
        }
    }

    @Override
    public String toString() {
        return "fetched " + fetched + ", pushed " + pushedFlags + " flag changes and " + pushedDeletes
                + " deletions, delivered " + delivered + ", renamed " + renamed + ", removed " + removed
                + (lostFound > 0 ? ", " + lostFound + " to lost+found" : "")
                + (errors.isEmpty() ? "" : ", " + errors.size() + " error(s)");
    }
}
