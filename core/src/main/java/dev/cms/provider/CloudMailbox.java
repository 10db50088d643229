package dev.cms.provider;

import dev.cms.model.Flag;
import dev.cms.model.Flags;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One mailbox in a cloud service (a Gmail label, an Office365 folder): the port the sync
 * engine drives. Implementations are called from one engine thread at a time, but
 * {@link #fetchBodies} may call its sink from several threads.
 */
public interface CloudMailbox {
    /**
     * A stable key for this mailbox in {@code state.db}, such as
     * {@code gmail:alice@example.com:INBOX}. It must not change between runs.
     */
    String key();

    /**
     * The account this mailbox belongs to. Mailboxes of one account share message ids: the
     * same id names the same message (a Gmail message in several labels; an Office365 message
     * moved between folders keeps its immutable id), and {@link #apply} moves and copies messages
     * between them ({@link Change#move}, {@link Change#copy}). Defaults to {@link #key()}: ids not
     * shared, no moves.
     */
    default String accountKey() {
        return key();
    }

    /**
     * Whether a copy into another mailbox of the account is a message of its own (an Office365
     * copy, with its own id and flags), not the message itself under one more label (Gmail),
     * whose flags are the original's.
     */
    default boolean copyIsOwnMessage() {
        return true;
    }

    /**
     * Whether a message moved out of this mailbox into another of its account stays here too
     * (Gmail's All Mail, which holds every message of the account): the engine then sends such a
     * move as a copy ({@link Change#copy}), and the message's file comes back here.
     */
    default boolean keepsMessagesMovedOut() {
        return false;
    }

    /** The flags this service can store; the others are kept only in the Maildir. */
    Set<Flag> supportedFlags();

    /**
     * Brings the listing up to date. With a {@code syncToken} from a previous listing the
     * provider returns only what changed since; when the token is null, or the service
     * refuses it as expired, it returns a full listing ({@link Listing#full()}).
     */
    Listing list(@Nullable String syncToken) throws IOException, InterruptedException;

    /**
     * Downloads the bodies of the given messages and hands each, as the raw bytes the
     * service serves (CRLF or LF), to {@code sink}, possibly from several threads and in
     * any order. The downloads start in the order of {@code ids}, which the engine gives
     * newest first (a batch of them counts as one download). Bodies delivered before a
     * failure stay delivered; the first failure is thrown once the others in flight have finished.
     */
    void fetchBodies(Collection<String> ids, BodySink sink) throws IOException, InterruptedException;

    /**
     * Applies flag changes, deletions, and moves and copies into other mailboxes of the same
     * account. Changes that were applied before a failure may stay applied; the engine's next
     * listing shows what the cloud holds.
     *
     * @return for each move and copy applied, the id the message has in its destination (the
     *     same id where the service keeps it: a Gmail label change, an Office365 move with
     *     immutable ids; a new one for an Office365 copy); a move or copy of a message the
     *     service no longer has is left out. Empty when there were none.
     */
    Map<Change, String> apply(List<Change> changes) throws IOException, InterruptedException;

    /**
     * Why this mailbox takes no new messages from a user's files ({@link #upload}), in words
     * for a warning; null when it takes them. The default: none taken.
     */
    default @Nullable String uploadsRefused() throws IOException, InterruptedException {
        return "this service does not create messages from files";
    }

    /**
     * Creates a new message in this mailbox from a user's file of MIME bytes ({@code mime}, LF
     * or CRLF line endings) with the supported {@code flags} (issue 16: Gmail imports it into the
     * label, Office365 creates a draft), and returns its id. The engine asks only when
     * {@link #uploadsRefused()} is null. Not idempotent: a call that fails without an answer
     * may have created the message.
     *
     * @throws UploadRefusedException when the service refuses this message for good
     */
    default String upload(Path mime, Flags flags) throws IOException, InterruptedException {
        throw new UploadRefusedException(String.valueOf(uploadsRefused()));
    }

    /**
     * How many messages the service says this mailbox holds, and how many are unread, at the
     * cost of one cheap request at most; the engine checks its snapshot against them now and
     * then. Empty when the service cannot say, or cannot say now: the engine asks again at its
     * next cycle, so an empty answer must cost nothing.
     */
    default Optional<MailboxCounts> counts() throws IOException, InterruptedException {
        return Optional.empty();
    }

    /**
     * How often the engine checks its snapshot of this mailbox against {@link #counts} after an
     * incremental listing (a missed change shows as a difference).
     */
    default Duration countCheckInterval() {
        return Duration.ofMinutes(30);
    }

    /** How often this mailbox wants to be polled when nothing else happens. */
    default Duration pollInterval() {
        return Duration.ofSeconds(60);
    }
}
