package dev.cms.store;

import dev.cms.model.ContentHash;
import dev.cms.model.FileStat;
import dev.cms.model.Flags;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.sqlite.SQLiteConfig;

/**
 * The SQLite database {@code <state>/state.db}: per cloud mailbox the content hashes of its
 * messages, the flags snapshot of the last cycle and the incremental-sync token; the stat
 * index of local files; encrypted secrets. WAL mode, so {@code status} can read while the
 * daemon writes. The schema version is SQLite's {@code user_version}; {@link #MIGRATIONS}
 * brings an older file up to date.
 *
 * <p>All methods are synchronized on this object: the engine thread writes, and body-fetch
 * threads record content hashes as they arrive.
 */
public final class StateDb implements AutoCloseable {
    /** Schema steps; entry i upgrades user_version i to i+1. Append only. */
    private static final List<List<String>> MIGRATIONS = List.of(
            List.of(
                "CREATE TABLE mailbox (key TEXT PRIMARY KEY, sync_token TEXT, last_success INTEGER,"
                        + " last_attempt INTEGER, last_error TEXT, message_count INTEGER NOT NULL DEFAULT 0)",
                // One row per cloud message we know the body of. in_snapshot=0 rows are bodies
                // fetched for messages not yet committed by a finished cycle.
                "CREATE TABLE message (mailbox TEXT NOT NULL, cloud_id TEXT NOT NULL, hash TEXT NOT NULL,"
                        + " flags INTEGER NOT NULL DEFAULT 0, received INTEGER, target TEXT,"
                        + " in_snapshot INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (mailbox, cloud_id)) WITHOUT ROWID",
                "CREATE TABLE stat_index (inode INTEGER PRIMARY KEY, size INTEGER NOT NULL,"
                        + " mtime INTEGER NOT NULL, ctime INTEGER NOT NULL, hash TEXT NOT NULL)",
                "CREATE TABLE secret (key TEXT PRIMARY KEY, blob BLOB NOT NULL, updated INTEGER NOT NULL)",
                "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)"),
            List.of(
                // The Maildir file name's unique part (before ":2,"), to find a file's hash by
                // its name after it was deleted.
                "ALTER TABLE stat_index ADD COLUMN name TEXT",
                "CREATE INDEX stat_index_name ON stat_index (name)",
                // Local changes the running daemon saw (file names per Maildir) and has not yet
                // pushed through a finished cycle: after a crash they are pushed, not undone.
                "CREATE TABLE local_journal (id INTEGER PRIMARY KEY AUTOINCREMENT, maildir TEXT NOT NULL,"
                        + " name TEXT NOT NULL, UNIQUE (maildir, name))"));

    public static final int SCHEMA_VERSION = MIGRATIONS.size();

    private final Path file;
    private final Connection conn;

    private StateDb(Path file, Connection conn) {
        this.file = file;
        this.conn = conn;
    }

    /** Opens (creating and migrating) the database for the daemon. */
    public static StateDb open(Path file) throws IOException {
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
            StateDb db = new StateDb(file, c);
            db.migrate();
            return db;
        } catch (SQLException e) {
            if (damaged(e)) {
                throw new IOException(damagedMessage(file), e);
            }
            throw new IOException("cannot open state database " + file + ": " + e.getMessage(), e);
        }
    }

    /** SQLITE_CORRUPT (11) or SQLITE_NOTADB (26), also as extended codes. */
    static boolean damaged(SQLException e) {
        int primary = e.getErrorCode() & 0xff;
        return primary == 11 || primary == 26;
    }

    /** What to do about a damaged database, in one line. */
    static String damagedMessage(Path file) {
        return "the state database " + file + " is damaged; move it aside (mv " + file + " " + file
                + ".broken) and start again: the daemon rebuilds it from the cloud, reusing the bodies in hashes/";
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
            StateDb db = new StateDb(file, c);
            int v = db.userVersion();
            if (v > SCHEMA_VERSION) {
                c.close();
                throw new IOException(file + " has schema version " + v + ", newer than this program understands ("
                        + SCHEMA_VERSION + "); upgrade cloud-mdir-sync");
            }
            return db;
        } catch (SQLException e) {
            if (damaged(e)) {
                throw new IOException(damagedMessage(file), e);
            }
            throw new IOException("cannot read state database " + file + ": " + e.getMessage(), e);
        }
    }

    public Path file() {
        return file;
    }

    private int userVersion() throws SQLException {
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("PRAGMA user_version")) {
            return rs.next() ? rs.getInt(1) : 0;
        }
    }

    private void migrate() throws SQLException, IOException {
        int v = userVersion();
        if (v > SCHEMA_VERSION) {
            throw new IOException(file + " has schema version " + v + ", newer than this program understands ("
                    + SCHEMA_VERSION + "); upgrade cloud-mdir-sync");
        }
        for (; v < SCHEMA_VERSION; v++) {
            conn.setAutoCommit(false);
            try (Statement st = conn.createStatement()) {
                for (String sql : MIGRATIONS.get(v)) {
                    st.execute(sql);
                }
                st.execute("PRAGMA user_version = " + (v + 1));
                conn.commit();
            } catch (SQLException e) {
                conn.rollback();
                throw e;
            } finally {
                conn.setAutoCommit(true);
            }
        }
    }

    /** One message row: its body's hash and, when committed by a cycle, its snapshot. */
    public record MessageRow(String cloudId, ContentHash hash, Flags flags, Instant received, String target, boolean inSnapshot) {}

    /** The sync-token and bookkeeping row of a cloud mailbox. */
    public record MailboxRow(String key, String syncToken, Instant lastSuccess, Instant lastAttempt, String lastError, int messageCount) {}

    public synchronized List<MessageRow> loadMessages(String mailbox) throws IOException {
        List<MessageRow> out = new ArrayList<>();
        try (PreparedStatement ps = conn.prepareStatement(
                "SELECT cloud_id, hash, flags, received, target, in_snapshot FROM message WHERE mailbox = ?")) {
            ps.setString(1, mailbox);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String hash = rs.getString(2);
                    if (!ContentHash.isValid(hash)) {
                        continue; // a damaged row only costs a re-download
                    }
                    long rec = rs.getLong(4);
                    Instant received = rs.wasNull() ? null : Instant.ofEpochMilli(rec);
                    out.add(new MessageRow(rs.getString(1), new ContentHash(hash), new Flags(rs.getInt(3) & 0xF),
                            received, rs.getString(5), rs.getInt(6) != 0));
                }
            }
        } catch (SQLException e) {
            throw failure("read messages of " + mailbox, e);
        }
        return out;
    }

    public synchronized MailboxRow loadMailbox(String mailbox) throws IOException {
        try (PreparedStatement ps = conn.prepareStatement(
                "SELECT sync_token, last_success, last_attempt, last_error, message_count FROM mailbox WHERE key = ?")) {
            ps.setString(1, mailbox);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                return new MailboxRow(mailbox, rs.getString(1), instant(rs, 2), instant(rs, 3), rs.getString(4), rs.getInt(5));
            }
        } catch (SQLException e) {
            throw failure("read mailbox " + mailbox, e);
        }
    }

    public synchronized List<MailboxRow> loadMailboxes() throws IOException {
        List<MailboxRow> out = new ArrayList<>();
        try (Statement st = conn.createStatement();
                ResultSet rs = st.executeQuery("SELECT key, sync_token, last_success, last_attempt, last_error,"
                        + " message_count FROM mailbox ORDER BY key")) {
            while (rs.next()) {
                out.add(new MailboxRow(rs.getString(1), rs.getString(2), instant(rs, 3), instant(rs, 4), rs.getString(5), rs.getInt(6)));
            }
        } catch (SQLException e) {
            throw failure("read mailboxes", e);
        }
        return out;
    }

    private static Instant instant(ResultSet rs, int col) throws SQLException {
        long v = rs.getLong(col);
        return rs.wasNull() ? null : Instant.ofEpochMilli(v);
    }

    /**
     * Records bodies as they are downloaded, so a crash during a long first download does not
     * fetch them again. Rows already in the snapshot keep their snapshot columns.
     */
    public synchronized void recordContent(String mailbox, Map<String, ContentHash> bodies) throws IOException {
        if (bodies.isEmpty()) {
            return;
        }
        try {
            conn.setAutoCommit(false);
            try (PreparedStatement ps = conn.prepareStatement(
                    "INSERT INTO message (mailbox, cloud_id, hash) VALUES (?, ?, ?)"
                            + " ON CONFLICT (mailbox, cloud_id) DO UPDATE SET hash = excluded.hash")) {
                for (Map.Entry<String, ContentHash> e : bodies.entrySet()) {
                    ps.setString(1, mailbox);
                    ps.setString(2, e.getKey());
                    ps.setString(3, e.getValue().hex());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            conn.commit();
        } catch (SQLException e) {
            rollbackQuietly();
            throw failure("record downloaded bodies of " + mailbox, e);
        } finally {
            autoCommit();
        }
    }

    /** What one finished cycle changes: per mailbox the snapshot diff and bookkeeping. */
    public static final class CycleCommit {
        final Map<String, MailboxCommit> mailboxes = new HashMap<>();
        final Map<Long, StatRow> statPut = new HashMap<>();
        final List<Long> statRemove = new ArrayList<>();
        final List<String> failedMailboxes = new ArrayList<>();
        final Map<String, String> failedErrors = new HashMap<>();
        long journalUpTo;
        Instant now = Instant.now();

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

        /** A mailbox whose cycle failed: only its attempt time and error are recorded. */
        public void failed(String key, String error) {
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
        String syncToken;
        int messageCount;
        boolean pruneUncommitted;

        MailboxCommit(String key) {
            this.key = key;
        }

        public void upsert(String cloudId, ContentHash hash, Flags flags, Instant received, String target) {
            upserts.add(new MessageRow(cloudId, hash, flags, received, target, true));
        }

        public void remove(String cloudId) {
            removals.add(cloudId);
        }

        /** The token to resume from and the mailbox's message count after this cycle. */
        public void finish(String syncToken, int messageCount, boolean pruneUncommitted) {
            this.syncToken = syncToken;
            this.messageCount = messageCount;
            this.pruneUncommitted = pruneUncommitted;
        }
    }

    /** Writes a cycle's results in one transaction. */
    public synchronized void commit(CycleCommit c) throws IOException {
        try {
            conn.setAutoCommit(false);
            long now = c.now.toEpochMilli();
            try (PreparedStatement up = conn.prepareStatement(
                            "INSERT INTO message (mailbox, cloud_id, hash, flags, received, target, in_snapshot)"
                                    + " VALUES (?, ?, ?, ?, ?, ?, 1) ON CONFLICT (mailbox, cloud_id) DO UPDATE SET"
                                    + " hash = excluded.hash, flags = excluded.flags, received = excluded.received,"
                                    + " target = excluded.target, in_snapshot = 1");
                    PreparedStatement del = conn.prepareStatement("DELETE FROM message WHERE mailbox = ? AND cloud_id = ?");
                    PreparedStatement prune = conn.prepareStatement("DELETE FROM message WHERE mailbox = ? AND in_snapshot = 0");
                    PreparedStatement box = conn.prepareStatement(
                            "INSERT INTO mailbox (key, sync_token, last_success, last_attempt, last_error, message_count)"
                                    + " VALUES (?, ?, ?, ?, NULL, ?) ON CONFLICT (key) DO UPDATE SET"
                                    + " sync_token = excluded.sync_token, last_success = excluded.last_success,"
                                    + " last_attempt = excluded.last_attempt, last_error = NULL,"
                                    + " message_count = excluded.message_count");
                    PreparedStatement fail = conn.prepareStatement(
                            "INSERT INTO mailbox (key, last_attempt, last_error) VALUES (?, ?, ?)"
                                    + " ON CONFLICT (key) DO UPDATE SET last_attempt = excluded.last_attempt,"
                                    + " last_error = excluded.last_error")) {
                for (MailboxCommit m : c.mailboxes.values()) {
                    for (MessageRow r : m.upserts) {
                        up.setString(1, m.key);
                        up.setString(2, r.cloudId());
                        up.setString(3, r.hash().hex());
                        up.setInt(4, r.flags().bits());
                        if (r.received() == null) {
                            up.setNull(5, java.sql.Types.INTEGER);
                        } else {
                            up.setLong(5, r.received().toEpochMilli());
                        }
                        up.setString(6, r.target());
                        up.addBatch();
                    }
                    up.executeBatch();
                    for (String id : m.removals) {
                        del.setString(1, m.key);
                        del.setString(2, id);
                        del.addBatch();
                    }
                    del.executeBatch();
                    if (m.pruneUncommitted) {
                        prune.setString(1, m.key);
                        prune.executeUpdate();
                    }
                    box.setString(1, m.key);
                    box.setString(2, m.syncToken);
                    box.setLong(3, now);
                    box.setLong(4, now);
                    box.setInt(5, m.messageCount);
                    box.executeUpdate();
                }
                for (String key : c.failedMailboxes) {
                    fail.setString(1, key);
                    fail.setLong(2, now);
                    fail.setString(3, c.failedErrors.get(key));
                    fail.executeUpdate();
                }
            }
            writeStats(c.statPut, c.statRemove);
            if (c.journalUpTo > 0) {
                try (PreparedStatement ps = conn.prepareStatement("DELETE FROM local_journal WHERE id <= ?")) {
                    ps.setLong(1, c.journalUpTo);
                    ps.executeUpdate();
                }
            }
            conn.commit();
        } catch (SQLException e) {
            rollbackQuietly();
            throw failure("save the cycle's state", e);
        } finally {
            autoCommit();
        }
    }

    private void writeStats(Map<Long, StatRow> put, Collection<Long> remove) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(
                        "INSERT OR REPLACE INTO stat_index (inode, size, mtime, ctime, hash, name) VALUES (?, ?, ?, ?, ?, ?)");
                PreparedStatement del = conn.prepareStatement("DELETE FROM stat_index WHERE inode = ?")) {
            for (Long inode : remove) {
                del.setLong(1, inode);
                del.addBatch();
            }
            del.executeBatch();
            for (Map.Entry<Long, StatRow> e : put.entrySet()) {
                FileStat st = e.getValue().stat();
                ps.setLong(1, e.getKey());
                ps.setLong(2, st.size());
                ps.setLong(3, st.mtimeNanos());
                ps.setLong(4, st.ctimeNanos());
                ps.setString(5, e.getValue().hash().hex());
                ps.setString(6, e.getValue().name());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** The whole stat index: inode → (stat, hash). */
    public synchronized Map<Long, StatIndex.Entry> loadStatIndex() throws IOException {
        Map<Long, StatIndex.Entry> out = new HashMap<>();
        try (Statement st = conn.createStatement();
                ResultSet rs = st.executeQuery("SELECT inode, size, mtime, ctime, hash, name FROM stat_index")) {
            while (rs.next()) {
                String hash = rs.getString(5);
                if (!ContentHash.isValid(hash)) {
                    continue;
                }
                long inode = rs.getLong(1);
                out.put(inode, new StatIndex.Entry(new FileStat(inode, rs.getLong(2), rs.getLong(3), rs.getLong(4)),
                        new ContentHash(hash), rs.getString(6)));
            }
        } catch (SQLException e) {
            throw failure("read the stat index", e);
        }
        return out;
    }

    /**
     * Records, durably and at once, that these files (unique name parts) of the Maildir
     * {@code maildir} were changed by someone else while the daemon ran. A name already
     * recorded moves to the end of the journal.
     */
    public synchronized void journalLocalChanges(String maildir, Collection<String> names) throws IOException {
        if (names.isEmpty()) {
            return;
        }
        try {
            conn.setAutoCommit(false);
            try (PreparedStatement ps = conn.prepareStatement(
                    "INSERT OR REPLACE INTO local_journal (maildir, name) VALUES (?, ?)")) {
                for (String name : names) {
                    ps.setString(1, maildir);
                    ps.setString(2, name);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            conn.commit();
        } catch (SQLException e) {
            rollbackQuietly();
            throw failure("journal local changes in " + maildir, e);
        } finally {
            autoCommit();
        }
    }

    /** The local journal: its last id (0 when empty) and per Maildir the hashes of the files it names. */
    public record Journal(long head, Map<String, Set<ContentHash>> hashes) {}

    /**
     * Reads the local journal, resolving each file name to the content hash the stat index
     * last recorded for it (names it never recorded are left out).
     */
    public synchronized Journal loadJournal() throws IOException {
        Map<String, Set<ContentHash>> out = new HashMap<>();
        long head = 0;
        try (Statement st = conn.createStatement();
                ResultSet rs = st.executeQuery("SELECT j.id, j.maildir, s.hash FROM local_journal j"
                        + " LEFT JOIN stat_index s ON s.name = j.name")) {
            while (rs.next()) {
                head = Math.max(head, rs.getLong(1));
                String hash = rs.getString(3);
                if (hash != null && ContentHash.isValid(hash)) {
                    out.computeIfAbsent(rs.getString(2), k -> new HashSet<>()).add(new ContentHash(hash));
                }
            }
        } catch (SQLException e) {
            throw failure("read the local journal", e);
        }
        return new Journal(head, out);
    }

    /** The id of the newest local journal entry, 0 when there is none. */
    public synchronized long journalHead() throws IOException {
        try (Statement st = conn.createStatement();
                ResultSet rs = st.executeQuery("SELECT COALESCE(MAX(id), 0) FROM local_journal")) {
            return rs.next() ? rs.getLong(1) : 0;
        } catch (SQLException e) {
            throw failure("read the local journal", e);
        }
    }

    public synchronized String meta(String key) throws IOException {
        try (PreparedStatement ps = conn.prepareStatement("SELECT value FROM meta WHERE key = ?")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        } catch (SQLException e) {
            throw failure("read setting " + key, e);
        }
    }

    public synchronized void setMeta(String key, String value) throws IOException {
        try (PreparedStatement ps = conn.prepareStatement("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)")) {
            ps.setString(1, key);
            ps.setString(2, value);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw failure("write setting " + key, e);
        }
    }

    /** An encrypted secret blob, or null. */
    public synchronized byte[] secret(String key) throws IOException {
        try (PreparedStatement ps = conn.prepareStatement("SELECT blob FROM secret WHERE key = ?")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getBytes(1) : null;
            }
        } catch (SQLException e) {
            throw failure("read a stored credential", e);
        }
    }

    public synchronized void putSecret(String key, byte[] blob) throws IOException {
        try (PreparedStatement ps = conn.prepareStatement(
                "INSERT OR REPLACE INTO secret (key, blob, updated) VALUES (?, ?, ?)")) {
            ps.setString(1, key);
            ps.setBytes(2, blob);
            ps.setLong(3, System.currentTimeMillis());
            ps.executeUpdate();
        } catch (SQLException e) {
            throw failure("store a credential", e);
        }
    }

    public synchronized void removeSecret(String key) throws IOException {
        try (PreparedStatement ps = conn.prepareStatement("DELETE FROM secret WHERE key = ?")) {
            ps.setString(1, key);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw failure("remove a stored credential", e);
        }
    }

    /** Keys of the stored secrets (for {@code status}: which accounts have a saved login). */
    public synchronized List<String> secretKeys() throws IOException {
        List<String> out = new ArrayList<>();
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SELECT key FROM secret ORDER BY key")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        } catch (SQLException e) {
            throw failure("list stored credentials", e);
        }
        return out;
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
        if (damaged(e)) {
            return new IOException(damagedMessage(file), e);
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
