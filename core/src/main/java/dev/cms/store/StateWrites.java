package dev.cms.store;

import dev.cms.model.ContentHash;
import dev.cms.model.FileStat;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The statements that change {@link StateDb}: a cycle's commit, bodies recorded as they are
 * downloaded, the local journal, settings and secrets. Each runs inside the transaction the
 * caller opened (the caller holds the database's lock, commits or rolls back, and turns an
 * {@link SQLException} into a message naming the file).
 */
final class StateWrites {
    private static final String UPSERT_MESSAGE = "INSERT INTO message (mailbox, cloud_id, hash, flags, received,"
            + " target, in_snapshot) VALUES (?, ?, ?, ?, ?, ?, 1) ON CONFLICT (mailbox, cloud_id) DO UPDATE SET"
            + " hash = excluded.hash, flags = excluded.flags, received = excluded.received,"
            + " target = excluded.target, in_snapshot = 1";
    private static final String MAILBOX_DONE = "INSERT INTO mailbox (key, sync_token, last_success, last_attempt,"
            + " last_error, message_count) VALUES (?, ?, ?, ?, NULL, ?) ON CONFLICT (key) DO UPDATE SET"
            + " sync_token = excluded.sync_token, last_success = excluded.last_success,"
            + " last_attempt = excluded.last_attempt, last_error = NULL, message_count = excluded.message_count";
    private static final String MAILBOX_FAILED = "INSERT INTO mailbox (key, last_attempt, last_error) VALUES (?, ?, ?)"
            + " ON CONFLICT (key) DO UPDATE SET last_attempt = excluded.last_attempt, last_error = excluded.last_error";

    /**
     * A clean cycle's removal of the rows of bodies fetched but never committed. The index is
     * named: without statistics SQLite would read every row of the mailbox by its key.
     */
    static final String PRUNE_UNCOMMITTED =
            "DELETE FROM message INDEXED BY message_uncommitted WHERE mailbox = ? AND in_snapshot = 0";

    private final Connection conn;

    StateWrites(Connection conn) {
        this.conn = conn;
    }

    /** Writes a cycle's results; {@code now} is the cycle's time in epoch milliseconds. */
    void commit(StateDb.CycleCommit c, long now) throws SQLException {
        for (StateDb.MailboxCommit m : c.mailboxes.values()) {
            writeMailbox(m, now);
        }
        try (PreparedStatement fail = conn.prepareStatement(MAILBOX_FAILED)) {
            for (String key : c.failedMailboxes) {
                fail.setString(1, key);
                fail.setLong(2, now);
                fail.setString(3, c.failedErrors.get(key));
                fail.executeUpdate();
            }
        }
        if (c.statKeep != null) {
            retainStats(c.statKeep, c.statPut.keySet());
        }
        for (Map.Entry<String, String> e : c.meta.entrySet()) {
            setMeta(e.getKey(), e.getValue());
        }
        writeStats(c.statPut, c.statRemove);
        if (c.journalUpTo > 0) {
            try (PreparedStatement ps = conn.prepareStatement("DELETE FROM local_journal WHERE id <= ?")) {
                ps.setLong(1, c.journalUpTo);
                ps.executeUpdate();
            }
        }
    }

    private void writeMailbox(StateDb.MailboxCommit m, long now) throws SQLException {
        try (PreparedStatement up = conn.prepareStatement(UPSERT_MESSAGE)) {
            for (StateDb.MessageRow r : m.upserts) {
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
        }
        try (PreparedStatement del = conn.prepareStatement("DELETE FROM message WHERE mailbox = ? AND cloud_id = ?")) {
            for (String id : m.removals) {
                del.setString(1, m.key);
                del.setString(2, id);
                del.addBatch();
            }
            del.executeBatch();
        }
        if (m.messagesOnly) {
            return;
        }
        if (m.pruneUncommitted) {
            try (PreparedStatement prune = conn.prepareStatement(
                    PRUNE_UNCOMMITTED)) {
                prune.setString(1, m.key);
                prune.executeUpdate();
            }
        }
        try (PreparedStatement box = conn.prepareStatement(MAILBOX_DONE)) {
            box.setString(1, m.key);
            box.setString(2, m.syncToken);
            box.setLong(3, now);
            box.setLong(4, now);
            box.setInt(5, m.messageCount);
            box.executeUpdate();
        }
    }

    /** Deletes the stat index's entries of inodes in neither {@code live} nor {@code put}. */
    private void retainStats(Set<Long> live, Set<Long> put) throws SQLException {
        List<Long> gone = new ArrayList<>();
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SELECT inode FROM stat_index")) {
            while (rs.next()) {
                long inode = rs.getLong(1);
                if (!live.contains(inode) && !put.contains(inode)) {
                    gone.add(inode);
                }
            }
        }
        writeStats(Map.of(), gone);
    }

    private void writeStats(Map<Long, StateDb.StatRow> put, Collection<Long> remove) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(
                        "INSERT OR REPLACE INTO stat_index (inode, size, mtime, ctime, hash, name) VALUES (?, ?, ?, ?, ?, ?)");
                PreparedStatement del = conn.prepareStatement("DELETE FROM stat_index WHERE inode = ?")) {
            for (Long inode : remove) {
                del.setLong(1, inode);
                del.addBatch();
            }
            del.executeBatch();
            for (Map.Entry<Long, StateDb.StatRow> e : put.entrySet()) {
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

    /** Records downloaded bodies; rows already in the snapshot keep their snapshot columns. */
    void recordContent(String mailbox, Map<String, ContentHash> bodies) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("INSERT INTO message (mailbox, cloud_id, hash) VALUES (?, ?, ?)"
                + " ON CONFLICT (mailbox, cloud_id) DO UPDATE SET hash = excluded.hash")) {
            for (Map.Entry<String, ContentHash> e : bodies.entrySet()) {
                ps.setString(1, mailbox);
                ps.setString(2, e.getKey());
                ps.setString(3, e.getValue().hex());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    void journal(String maildir, Collection<String> names) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(
                "INSERT OR REPLACE INTO local_journal (maildir, name) VALUES (?, ?)")) {
            for (String name : names) {
                ps.setString(1, maildir);
                ps.setString(2, name);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    void setMeta(String key, String value) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)")) {
            ps.setString(1, key);
            ps.setString(2, value);
            ps.executeUpdate();
        }
    }

    void putSecret(String key, byte[] blob, long updatedMillis) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(
                "INSERT OR REPLACE INTO secret (key, blob, updated) VALUES (?, ?, ?)")) {
            ps.setString(1, key);
            ps.setBytes(2, blob);
            ps.setLong(3, updatedMillis);
            ps.executeUpdate();
        }
    }

    void removeSecret(String key) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("DELETE FROM secret WHERE key = ?")) {
            ps.setString(1, key);
            ps.executeUpdate();
        }
    }

    /**
     * {@link StateDb#moveMailboxes}: forgets, then moves through temporary names (so that two
     * folders may swap names), replacing rows left at a destination by a mailbox that is gone.
     */
    void moveMailboxes(List<MailboxMove> moves, Map<String, String> meta) throws SQLException {
        for (Map.Entry<String, String> e : meta.entrySet()) {
            setMeta(e.getKey(), e.getValue());
        }
        List<MailboxMove> renames = new ArrayList<>();
        for (MailboxMove m : moves) {
            if (m.to() == null) {
                renameMailbox(m.from(), null, m.fromTarget(), null);
            } else {
                renames.add(m);
            }
        }
        for (int i = 0; i < renames.size(); i++) {
            MailboxMove m = renames.get(i);
            renameMailbox(m.from(), "\u0001moving " + i, m.fromTarget(), "\u0001moving " + i);
        }
        for (int i = 0; i < renames.size(); i++) {
            String to = java.util.Objects.requireNonNull(renames.get(i).to(), "a rename");
            String toTarget = java.util.Objects.requireNonNull(renames.get(i).toTarget(), "a rename");
            if (!hasMailbox("\u0001moving " + i)) {
                continue; // moved already (a move repeated after a crash): what is at the destination stays
            }
            renameMailbox(to, null, toTarget, null);
            renameMailbox("\u0001moving " + i, to, "\u0001moving " + i, toTarget);
        }
    }

    private boolean hasMailbox(String key) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("SELECT 1 FROM mailbox WHERE key = ?")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** The rows of mailbox {@code from} and Maildir {@code fromTarget} renamed, or deleted when {@code to} is null. */
    private void renameMailbox(String from, @org.jspecify.annotations.Nullable String to, String fromTarget,
            @org.jspecify.annotations.Nullable String toTarget) throws SQLException {
        String[][] statements = to == null
                ? new String[][] {{"DELETE FROM message WHERE mailbox = ?", from}, {"DELETE FROM mailbox WHERE key = ?", from},
                    {"DELETE FROM local_journal WHERE maildir = ?", fromTarget}}
                : new String[][] {{"UPDATE message SET mailbox = ? WHERE mailbox = ?", to, from},
                    {"UPDATE mailbox SET key = ? WHERE key = ?", to, from},
                    {"UPDATE message SET target = ? WHERE target = ?", toTarget, fromTarget},
                    {"UPDATE local_journal SET maildir = ? WHERE maildir = ?", toTarget, fromTarget}};
        for (String[] st : statements) {
            try (PreparedStatement ps = conn.prepareStatement(st[0])) {
                for (int i = 1; i < st.length; i++) {
                    ps.setString(i, st[i]);
                }
                ps.executeUpdate();
            }
        }
    }
}
