package dev.cms.store;

import dev.cms.model.ContentHash;
import dev.cms.model.FileStat;
import dev.cms.model.Flags;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The queries of {@link StateDb}: what the engine loads at start-up and {@code status} shows.
 * A row with a damaged hash is left out (it only costs a re-download). The caller holds the
 * database's lock and turns an {@link SQLException} into a message naming the file.
 */
final class StateReads {
    private final Connection conn;

    StateReads(Connection conn) {
        this.conn = conn;
    }

    List<StateDb.MessageRow> messages(String mailbox) throws SQLException {
        List<StateDb.MessageRow> out = new ArrayList<>();
        try (PreparedStatement ps = conn.prepareStatement(
                "SELECT cloud_id, hash, flags, received, target, in_snapshot FROM message WHERE mailbox = ?")) {
            ps.setString(1, mailbox);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String hash = rs.getString(2);
                    if (ContentHash.isValid(hash)) {
                        out.add(new StateDb.MessageRow(rs.getString(1), new ContentHash(hash),
                                new Flags(rs.getInt(3) & 0xF), instant(rs, 4), rs.getString(5), rs.getInt(6) != 0));
                    }
                }
            }
        }
        return out;
    }

    StateDb.@Nullable MailboxRow mailbox(String mailbox) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(
                "SELECT sync_token, last_success, last_attempt, last_error, message_count FROM mailbox WHERE key = ?")) {
            ps.setString(1, mailbox);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                return new StateDb.MailboxRow(mailbox, rs.getString(1), instant(rs, 2), instant(rs, 3),
                        rs.getString(4), rs.getInt(5));
            }
        }
    }

    List<StateDb.MailboxRow> mailboxes() throws SQLException {
        List<StateDb.MailboxRow> out = new ArrayList<>();
        try (Statement st = conn.createStatement();
                ResultSet rs = st.executeQuery("SELECT key, sync_token, last_success, last_attempt, last_error,"
                        + " message_count FROM mailbox ORDER BY key")) {
            while (rs.next()) {
                out.add(new StateDb.MailboxRow(rs.getString(1), rs.getString(2), instant(rs, 3), instant(rs, 4),
                        rs.getString(5), rs.getInt(6)));
            }
        }
        return out;
    }

    private static @Nullable Instant instant(ResultSet rs, int col) throws SQLException {
        long v = rs.getLong(col);
        return rs.wasNull() ? null : Instant.ofEpochMilli(v);
    }

    Map<Long, StatIndex.Entry> statIndex() throws SQLException {
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
        }
        return out;
    }

    StateDb.Journal journal() throws SQLException {
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
        }
        return new StateDb.Journal(head, out);
    }

    long journalHead() throws SQLException {
        try (Statement st = conn.createStatement();
                ResultSet rs = st.executeQuery("SELECT COALESCE(MAX(id), 0) FROM local_journal")) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    @Nullable String meta(String key) throws SQLException {
        return one("SELECT value FROM meta WHERE key = ?", key, rs -> rs.getString(1));
    }

    byte @Nullable [] secret(String key) throws SQLException {
        return one("SELECT blob FROM secret WHERE key = ?", key, rs -> rs.getBytes(1));
    }

    List<String> secretKeys() throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SELECT key FROM secret ORDER BY key")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    private interface Column<T> {
        T get(ResultSet rs) throws SQLException;
    }

    /** The first column of the one row {@code sql} finds for {@code key}, or null. */
    private <T> @Nullable T one(String sql, String key, Column<T> column) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(sql)) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? column.get(rs) : null;
            }
        }
    }
}
