package dev.cms.sync;

import dev.cms.provider.AuthenticationRequiredException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** What one cycle did, for the log, {@code --once} and tests. */
public final class CycleReport {
    int fetched;
    long fetchedBytes;
    int pushedFlags;
    int pushedDeletes;
    /** Local moves and copies between Maildirs of one account pushed as cloud moves and copies. */
    int pushedMoves;
    int pushedCopies;
    /** A user's own new files created as messages in the cloud (issue 16). */
    int uploaded;
    int delivered;
    int renamed;
    int removed;
    int lostFound;
    boolean aborted;
    /** How many contents the cycle planned in the Maildirs (every content of a Maildir planned whole). */
    int planned;
    /** Something (a file renamed under us) suggests running again soon, without backoff. */
    boolean rerunSoon;
    /** An error was a cloud mailbox's {@link AuthenticationRequiredException}. */
    boolean loginNeeded;
    /** Everything that failed, in order. */
    private final List<Failure> failures = new ArrayList<>();
    /** The cloud mailboxes (keys) whose listing, download or push failed: each retries on its own backoff. */
    final Set<String> failedMailboxes = new LinkedHashSet<>();
    final Set<String> waitingForLogin = new LinkedHashSet<>();

    /** True when everything was done: no error, no skipped file, not stopped. */
    public boolean ok() {
        return failures.isEmpty() && !aborted;
    }

    /** True when something failed that concerns every mailbox, so the whole daemon should back off. */
    public boolean failedAsAWhole() {
        return failures.stream().anyMatch(f -> f.extent() == Failure.Extent.CYCLE);
    }

    /** What failed, as values. */
    public List<Failure> failures() {
        return List.copyOf(failures);
    }

    public Set<String> failedMailboxes() {
        return Set.copyOf(failedMailboxes);
    }

    /** Files or messages skipped this cycle, each with its reason. */
    public List<String> problems() {
        return failures.stream().filter(f -> f.extent() == Failure.Extent.ITEM).map(Failure::message).toList();
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

    /** The cycle's and mailboxes' failures, each in one line. */
    public List<String> errors() {
        return failures.stream().filter(f -> f.extent() != Failure.Extent.ITEM).map(Failure::message).toList();
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

    public int pushedMoves() {
        return pushedMoves;
    }

    public int uploaded() {
        return uploaded;
    }

    public int pushedCopies() {
        return pushedCopies;
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

    /** How many contents the cycle planned in the Maildirs: what a change-driven cycle's cost follows. */
    public int planned() {
        return planned;
    }

    /** True when the cycle changed nothing anywhere. */
    public boolean idle() {
        return fetched == 0 && pushedFlags == 0 && pushedDeletes == 0 && pushedMoves == 0 && pushedCopies == 0
                && uploaded == 0 && delivered == 0 && renamed == 0
                && removed == 0 && lostFound == 0;
    }

    void fail(Failure f) {
        failures.add(f);
        if (f.mailbox() != null) {
            failedMailboxes.add(f.mailbox());
        }
    }

    /** A cloud mailbox's failure caused by {@code cause}; remembers whether a login is needed. */
    void mailboxFailed(String mailbox, Failure.Phase phase, @Nullable String message, Exception cause) {
        fail(Failure.ofMailbox(mailbox, phase, message));
        if (cause instanceof AuthenticationRequiredException) {
            loginNeeded = true;
            waitingForLogin.add(mailbox);
        }
    }

    /** The cloud mailboxes (keys) that failed only because their account needs a login. */
    public Set<String> waitingForLogin() {
        return Set.copyOf(waitingForLogin);
    }

    /**
     * What a cycle that was stopped (Ctrl-C, SIGTERM) leaves behind, in words that do not read
     * like a loss: the bodies it downloaded are kept and the next start goes on from them.
     */
    public String stopSummary() {
        String kept = fetched == 0 ? "nothing had been downloaded yet"
                : fetched + " message bod" + (fetched == 1 ? "y" : "ies") + " downloaded so far " + (fetched == 1 ? "is" : "are")
                        + " kept, and the next start goes on without downloading " + (fetched == 1 ? "it" : "them") + " again";
        return "stopped at a safe point before the cycle's end: " + kept
                + (delivered > 0 ? "; " + delivered + " already in the Maildirs" : "");
    }

    @Override
    public String toString() {
        return "fetched " + fetched + ", pushed " + pushedFlags + " flag changes and " + pushedDeletes
                + " deletions" + (pushedMoves + pushedCopies > 0 ? ", moved " + pushedMoves + ", copied " + pushedCopies : "")
                + (uploaded > 0 ? ", uploaded " + uploaded : "")
                + ", delivered " + delivered + ", renamed " + renamed + ", removed " + removed
                + (lostFound > 0 ? ", " + lostFound + " to lost+found" : "")
                + (errors().isEmpty() ? "" : ", " + errors().size() + " error(s)")
                + (problems().isEmpty() ? "" : ", " + problems().size() + " file(s) skipped");
    }
}
