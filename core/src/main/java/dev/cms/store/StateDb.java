package dev.cms.store;

import dev.cms.model.ContentHash;
import dev.cms.model.FileStat;
import dev.cms.model.Flags;
import dev.cms.time.Ticker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.sqlite.SQLiteConfig;
import org.jspecify.annotations.Nullable;

/**
 * The SQLite database {@code <state>/state.db}: per cloud mailbox the content hashes of its
 * messages, the flags snapshot of the last cycle and the incremental-sync token; the stat
 * index of local files; the journal of local changes; settings; encrypted secrets. WAL mode,
 * so {@code status} can read while the daemon writes. The schema and its migrations are
 * {@link StateSchema}'s; the queries {@link StateReads}'; the changes {@link StateWrites}'.
 *
 * <p>All methods are synchronized on this object: the engine thread writes, and body-fetch
 * threads record content hashes as they arrive. Each change is one transaction.
 */
public final class StateDb implements AutoCloseable {
    public static final int SCHEMA_VERSION = StateSchema.VERSION;

    private final Path file;
    private final Connection conn;
    private final Ticker ticker;
    private final StateReads reads;
    private final StateWrites writes;

    private StateDb(Path file, Connection conn, Ticker ticker) {
        this.file = file;
        this.conn = conn;
        this.ticker = ticker;
        this.reads = new StateReads(conn);
        this.writes = new StateWrites(conn);
    }

    /** Opens (creating and migrating) the database for the daemon, on the system clock. */
    public static StateDb open(Path file) throws IOException {
        return open(file, Ticker.SYSTEM);
    }

    /** Opens (creating and migrating) the database for the daemon; {@code ticker} dates what is written. */
    public static StateDb open(Path file, Ticker ticker) throws IOException {
        try {
            SQLiteConfig cfg = new SQLiteConfig();
            cfg.setJournalMode(SQLiteConfig.JournalMode.WAL);
            cfg.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
            cfg.setBusyTimeout(10_000);
            boolean fresh = !Files.exists(file);
            Connection c = DriverManager.getConnection("jdbc:sqlite:" + file, cfg.toProperties());
            if (fresh) {
                Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            }
            StateSchema.migrate(c, file);
            return new StateDb(file, c, ticker);
        } catch (SQLException e) {
            if (StateSchema.damaged(e)) {
                throw new IOException(StateSchema.damagedMessage(file), e);
            }
            throw new IOException("cannot open state database " + file + ": " + e.getMessage(), e);
        }
    }

    /** Opens an existing database read-only, without disturbing a running daemon. */
    public static StateDb openReadOnly(Path file) throws IOException {
        if (!Files.exists(file)) {
            throw new java.nio.file.NoSuchFileException(file.toString(), null, "no state database (has the daemon run yet?)");
        }
        try {
            SQLiteConfig cfg = new SQLiteConfig();
            cfg.setReadOnly(true);
            cfg.setBusyTimeout(10_000);
            Connection c = DriverManager.getConnection("jdbc:sqlite:" + file, cfg.toProperties());
            try {
                StateSchema.checkNotNewer(file, StateSchema.userVersion(c));
            } catch (IOException e) {
                c.close();
                throw e;
            }
            return new StateDb(file, c, Ticker.SYSTEM);
        } catch (SQLException e) {
            if (StateSchema.damaged(e)) {
                throw new IOException(StateSchema.damagedMessage(file), e);
            }
            throw new IOException("cannot read state database " + file + ": " + e.getMessage(), e);
        }
    }

    public Path file() {
        return file;
    }

    /** One message row: its body's hash and, when committed by a cycle, its snapshot. */
    public record MessageRow(String cloudId, ContentHash hash, Flags flags, @Nullable Instant received, @Nullable String target, boolean inSnapshot) {}

    /** Moves or forgets the rows of mailboxes whose folder changed in the cloud, and sets {@code meta}, in one transaction. */
    public synchronized void moveMailboxes(List<MailboxMove> moves, Map<String, String> meta) throws IOException {
        transaction("move the state of renamed or deleted folders", () -> writes.moveMailboxes(moves, meta));
    }

    /** The sync-token and bookkeeping row of a cloud mailbox. */
    public record MailboxRow(String key, @Nullable String syncToken, @Nullable Instant lastSuccess, @Nullable Instant lastAttempt, @Nullable String lastError, int messageCount) {}

    public synchronized List<MessageRow> loadMessages(String mailbox) throws IOException {
        return read("read messages of " + mailbox, () -> reads.messages(mailbox));
    }

    /** Receives message rows one at a time: what {@link MessageRow} holds, without the record. */
    @FunctionalInterface
    public interface MessageRows {
        void row(String cloudId, ContentHash hash, Flags flags, @Nullable Instant received, @Nullable String target,
                boolean inSnapshot);
    }

    /**
     * Hands every message row of {@code mailbox} to {@code rows}, like {@link #loadMessages} but
     * without a list of row objects. Until the first {@link #commit}, the rows, stat index and
     * journal entries that name one body share one {@link ContentHash} instance.
     */
    public synchronized void forEachMessage(String mailbox, MessageRows rows) throws IOException {
        read("read messages of " + mailbox, () -> {
            reads.forEachMessage(mailbox, rows);
            return Boolean.TRUE;
        });
    }

    public synchronized @Nullable MailboxRow loadMailbox(String mailbox) throws IOException {
        return lookup("read mailbox " + mailbox, () -> reads.mailbox(mailbox));
    }

    public synchronized List<MailboxRow> loadMailboxes() throws IOException {
        return read("read mailboxes", reads::mailboxes);
    }

    /**
     * Records bodies as they are downloaded, so a crash during a long first download does not
     * fetch them again. Rows already in the snapshot keep their snapshot columns.
     */
    public synchronized void recordContent(String mailbox, Map<String, ContentHash> bodies) throws IOException {
        if (!bodies.isEmpty()) {
            transaction("record downloaded bodies of " + mailbox, () -> writes.recordContent(mailbox, bodies));
        }
    }

    /** What one finished cycle changes: per mailbox the snapshot diff and bookkeeping. */
    public static final class CycleCommit {
        final Map<String, MailboxCommit> mailboxes = new HashMap<>();
        final Map<Long, StatRow> statPut = new HashMap<>();
        final List<Long> statRemove = new ArrayList<>();
        @Nullable Set<Long> statKeep;
        final Map<String, String> meta = new HashMap<>();
        final List<String> failedMailboxes = new ArrayList<>();
        final Map<String, String> failedErrors = new HashMap<>();
        long journalUpTo;
        /** The cycle's time; the database's clock when not set. */
        @Nullable Instant now;

        public MailboxCommit mailbox(String key) {
            return mailboxes.computeIfAbsent(key, MailboxCommit::new);
        }

        public void statPut(long inode, FileStat st, ContentHash hash, String name) {
            statPut.put(inode, new StatRow(st, hash, name));
            statRemove.remove(inode);
        }

        /** Drops the local journal's entries up to {@code id} (they were pushed by this cycle). */
        public void clearJournalUpTo(long id) {
            journalUpTo = Math.max(journalUpTo, id);
        }

        public void statRemove(long inode) {
            statPut.remove(inode);
            statRemove.add(inode);
        }

        /** Sets setting {@code key} to {@code value} in the same transaction. */
        public void meta(String key, String value) {
            meta.put(key, value);
        }

        /** Drops every stat index entry but those of {@code live} inodes (and those this commit puts). */
        public void statRetainOnly(Set<Long> live) {
            statKeep = live;
        }

        /** A mailbox whose cycle failed: only its attempt time and error are recorded. */
        public void failed(String key, @Nullable String error) {
            failedMailboxes.add(key);
            failedErrors.put(key, error);
        }

        public void at(Instant now) {
            this.now = Objects.requireNonNull(now);
        }
    }

    record StatRow(FileStat stat, ContentHash hash, String name) {}

    /** The snapshot diff of one mailbox in one cycle. */
    public static final class MailboxCommit {
        final String key;
        final List<MessageRow> upserts = new ArrayList<>();
        final List<String> removals = new ArrayList<>();
        @Nullable String syncToken;
        int messageCount;
        boolean pruneUncommitted;
        boolean messagesOnly;

        MailboxCommit(String key) {
            this.key = key;
        }

        public void upsert(String cloudId, ContentHash hash, Flags flags, @Nullable Instant received,
                @Nullable String target) {
            upserts.add(new MessageRow(cloudId, hash, flags, received, target, true));
        }

        public void remove(String cloudId) {
            removals.add(cloudId);
        }

        /**
         * Saves only this commit's messages (deliveries made while a download runs): the
         * mailbox's token, count and times are left as they are.
         */
        public void messagesOnly() {
            this.messagesOnly = true;
        }

        /** The token to resume from and the mailbox's message count after this cycle. */
        public void finish(@Nullable String syncToken, int messageCount, boolean pruneUncommitted) {
            this.syncToken = syncToken;
            this.messageCount = messageCount;
            this.pruneUncommitted = pruneUncommitted;
        }
    }

    /** Writes a cycle's results in one transaction. */
    public synchronized void commit(CycleCommit c) throws IOException {
        long now = (c.now != null ? c.now : ticker.now()).toEpochMilli();
        reads.forgetHashes(); // start-up's loads are over
        transaction("save the cycle's state", () -> writes.commit(c, now));
    }

    /** The stat index's entry for {@code inode}; null when there is none. */
    public synchronized StatIndex.@Nullable Entry statEntry(long inode) throws IOException {
        return lookup("read the stat index", () -> reads.statEntry(inode));
    }

    /** The whole stat index: inode → (stat, hash). */
    public synchronized StatRows loadStatIndex() throws IOException {
        return read("read the stat index", reads::statIndex);
    }

    /**
     * Records, durably and at once, that these files (unique name parts) of the Maildir
     * {@code maildir} were changed by someone else while the daemon ran. A name already
     * recorded moves to the end of the journal.
     */
    public synchronized void journalLocalChanges(String maildir, Collection<String> names) throws IOException {
        if (!names.isEmpty()) {
            transaction("journal local changes in " + maildir, () -> writes.journal(maildir, names));
        }
    }

    /** The local journal: its last id (0 when empty) and per Maildir the hashes of the files it names. */
    public record Journal(long head, Map<String, Set<ContentHash>> hashes) {}

    /**
     * Reads the local journal, resolving each file name to the content hash the stat index
     * last recorded for it (names it never recorded are left out).
     */
    public synchronized Journal loadJournal() throws IOException {
        return read("read the local journal", reads::journal);
    }

    /** The id of the newest local journal entry, 0 when there is none. */
    public synchronized long journalHead() throws IOException {
        return read("read the local journal", reads::journalHead);
    }

    public synchronized @Nullable String meta(String key) throws IOException {
        return lookup("read setting " + key, () -> reads.meta(key));
    }

    public synchronized void setMeta(String key, String value) throws IOException {
        transaction("write setting " + key, () -> writes.setMeta(key, value));
    }

    /** An encrypted secret blob, or null. */
    public synchronized byte @Nullable [] secret(String key) throws IOException {
        return lookup("read a stored credential", () -> reads.secret(key));
    }

    public synchronized void putSecret(String key, byte[] blob) throws IOException {
        long now = ticker.now().toEpochMilli();
        transaction("store a credential", () -> writes.putSecret(key, blob, now));
    }

    public synchronized void removeSecret(String key) throws IOException {
        transaction("remove a stored credential", () -> writes.removeSecret(key));
    }

    /** Keys of the stored secrets (for {@code status}: which accounts have a saved login). */
    public synchronized List<String> secretKeys() throws IOException {
        return read("list stored credentials", reads::secretKeys);
    }

    private interface Query<T> {
        T run() throws SQLException;
    }

    /** A query that may find nothing. */
    private interface Lookup<T> {
        @Nullable T run() throws SQLException;
    }

    private interface Change {
        void run() throws SQLException;
    }

    private <T> T read(String what, Query<T> q) throws IOException {
        try {
            return q.run();
        } catch (SQLException e) {
            throw failure(what, e);
        }
    }

    private <T> @Nullable T lookup(String what, Lookup<T> q) throws IOException {
        try {
            return q.run();
        } catch (SQLException e) {
            throw failure(what, e);
        }
    }

    /** Runs {@code change} in one transaction: all of it is written, or none. */
    private void transaction(String what, Change change) throws IOException {
        try {
            conn.setAutoCommit(false);
            change.run();
            conn.commit();
        } catch (SQLException e) {
            rollbackQuietly();
            throw failure(what, e);
        } finally {
            autoCommit();
        }
    }

    private void rollbackQuietly() {
        try {
            conn.rollback();
        } catch (SQLException ignored) {
            // the original failure is what matters
        }
    }

    private void autoCommit() {
        try {
            conn.setAutoCommit(true);
        } catch (SQLException ignored) {
            // connection is broken; the next call reports it
        }
    }

    private IOException failure(String what, SQLException e) {
        if (StateSchema.damaged(e)) {
            return new IOException(StateSchema.damagedMessage(file), e);
        }
        return new IOException("cannot " + what + " in " + file + ": " + e.getMessage(), e);
    }

    @Override
    public synchronized void close() throws IOException {
        try {
            conn.close();
        } catch (SQLException e) {
            throw failure("close", e);
        }
    }
}
