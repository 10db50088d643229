package dev.cms.store;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The schema of {@code state.db}: its version is SQLite's {@code user_version}, and
 * {@link #MIGRATIONS} brings an older file up to date, one transaction per step. Also tells a
 * damaged database from other failures.
 */
final class StateSchema {
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
                        + " name TEXT NOT NULL, UNIQUE (maildir, name))"),
            List.of(
                // The rows of bodies fetched but not yet committed, which a clean cycle's commit
                // removes: without it that DELETE read every row of the mailbox on every poll
                // (about 0.1 s at 1,000,000 messages); with it, only those rows.
                "CREATE INDEX message_uncommitted ON message (mailbox) WHERE in_snapshot = 0"));

    static final int VERSION = MIGRATIONS.size();

    private StateSchema() {
    }

    static int userVersion(Connection conn) throws SQLException {
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("PRAGMA user_version")) {
            return rs.next() ? rs.getInt(1) : 0;
        }
    }

    /** Refuses a database newer than this program understands. */
    static void checkNotNewer(Path file, int version) throws IOException {
        if (version > VERSION) {
            throw new IOException(file + " has schema version " + version + ", newer than this program understands ("
                    + VERSION + "); upgrade cloud-mdir-sync");
        }
    }

    static void migrate(Connection conn, Path file) throws SQLException, IOException {
        int v = userVersion(conn);
        checkNotNewer(file, v);
        for (; v < VERSION; v++) {
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
}
