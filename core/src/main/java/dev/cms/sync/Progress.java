package dev.cms.sync;

/** Told about long downloads, so the command line can draw a progress bar. */
public interface Progress {
    Progress NONE = new Progress() {};

    /** A download of {@code total} bodies for {@code mailbox} begins. */
    default void fetchStarted(String mailbox, int total) {}

    /** One more body arrived ({@code done} of the total, {@code bytes} so far). */
    default void fetched(String mailbox, int done, long bytes) {}

    default void fetchFinished(String mailbox) {}
}
