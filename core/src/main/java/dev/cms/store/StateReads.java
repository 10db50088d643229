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
    /** The 16 possible flag sets of a row, shared. */
    private static final Flags[] FLAGS = new Flags[16];

    static {
        for (int i = 0; i < FLAGS.length; i++) {
            FLAGS[i] = new Flags(i);
        }
    }

    private final Connection conn;
    /**
     * Every hash read since the last {@link #forgetHashes}, so that the rows naming one body
     * (its messages in several mailboxes, its stat index entries, its journal entries) share one
     * instance: the engine keeps them all in memory.
     */
    private Interned seen = new Interned(0);

    StateReads(Connection conn) {
        this.conn = conn;
    }

    /** Drops the shared instances (after start-up, when nothing loads whole tables any more). */
    void forgetHashes() {
        if (!seen.isEmpty()) {
            seen = new Interned(0);
        }
    }

    /**
     * The hash in column {@code col} (hex text, read as its bytes without making a string), or
     * null when it is damaged (the row is left out: it only costs a re-download).
     */
    private @Nullable ContentHash hash(ResultSet rs, int col) throws SQLException {
        ContentHash h = ContentHash.parseAscii(rs.getBytes(col));
        if (h == null) {
            return null;
        }
        return seen.intern(h);
    }

    /**
     * A set of hashes that hands back the instance it holds (open addressing, linear probing):
     * a million rows at start-up, so no map node per hash.
     */
    private static final class Interned {
        private @Nullable ContentHash[] slots;
        private int size;

        Interned(long expected) {
            slots = new ContentHash[StatRows.capacityFor(expected)];
        }

        boolean isEmpty() {
            return size == 0;
        }

        ContentHash intern(ContentHash h) {
            int mask = slots.length - 1;
            int i = h.hashCode() & mask;
            for (ContentHash at; (at = slots[i]) != null; i = (i + 1) & mask) {
                if (at.equals(h)) {
                    return at;
                }
            }
            slots[i] = h;
            if (++size > slots.length * 3 / 4) {
                @Nullable ContentHash[] old = slots;
                slots = new ContentHash[old.length * 2];
                int m = slots.length - 1;
                for (ContentHash o : old) {
                    if (o != null) {
                        int j = o.hashCode() & m;
                        while (slots[j] != null) {
                            j = (j + 1) & m;
                        }
                        slots[j] = o;
                    }
                }
            }
            return h;
        }
    }

    private static Flags flags(int bits) {
        return FLAGS[bits & 0xF];
    }

    List<StateDb.MessageRow> messages(String mailbox) throws SQLException {
        List<StateDb.MessageRow> out = new ArrayList<>();
        forEachMessage(mailbox, (id, hash, flags, received, target, inSnapshot) ->
                out.add(new StateDb.MessageRow(id, hash, flags, received, target, inSnapshot)));
        return out;
    }

    /**
     * Hands each message row of {@code mailbox} to {@code rows}, without a row object in between;
     * equal hashes come as one instance (see {@link #hash}).
     */
    void forEachMessage(String mailbox, StateDb.MessageRows rows) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(
                "SELECT cloud_id, hash, flags, received, target, in_snapshot FROM message WHERE mailbox = ?")) {
            ps.setString(1, mailbox);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ContentHash hash = hash(rs, 2);
                    if (hash != null) {
                        String id = rs.getString(1);
                        Flags flags = flags(rs.getInt(3));
                        Instant received = instant(rs, 4);
                        rows.row(id, hash, flags, received, rs.getString(5), rs.getInt(6) != 0);
                    }
                }
            }
        }
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

    StatRows statIndex() throws SQLException {
        long rows = count("SELECT COUNT(*) FROM stat_index");
        StatRows out = new StatRows(rows);
        if (seen.isEmpty()) {
            seen = new Interned(rows); // most bodies have a local file: the messages' hashes follow
        }
        try (Statement st = conn.createStatement();
                ResultSet rs = st.executeQuery("SELECT inode, size, mtime, ctime, hash, name FROM stat_index")) {
            while (rs.next()) {
                ContentHash hash = hash(rs, 5);
                if (hash == null) {
                    continue;
                }
                out.put(new FileStat(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4)), hash, rs.getBytes(6));
            }
        }
        return out;
    }

    StatIndex.@Nullable Entry statEntry(long inode) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(
                "SELECT size, mtime, ctime, hash, name FROM stat_index WHERE inode = ?")) {
            ps.setLong(1, inode);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                ContentHash hash = hash(rs, 4);
                return hash == null ? null : statRow(inode, rs, 1, hash);
            }
        }
    }

    /** A stat index row whose size, mtime, ctime and (after the hash) name start at column {@code size}. */
    private static StatIndex.Entry statRow(long inode, ResultSet rs, int size, ContentHash hash) throws SQLException {
        return new StatIndex.Entry(new FileStat(inode, rs.getLong(size), rs.getLong(size + 1), rs.getLong(size + 2)),
                hash, rs.getString(size + 4));
    }

    StateDb.Journal journal() throws SQLException {
        Map<String, Set<ContentHash>> out = new HashMap<>();
        long head = 0;
        try (Statement st = conn.createStatement();
                ResultSet rs = st.executeQuery("SELECT j.id, j.maildir, s.hash FROM local_journal j"
                        + " LEFT JOIN stat_index s ON s.name = j.name")) {
            while (rs.next()) {
                head = Math.max(head, rs.getLong(1));
                ContentHash hash = hash(rs, 3);
                if (hash != null) {
                    out.computeIfAbsent(rs.getString(2), k -> new HashSet<>()).add(hash);
                }
            }
        }
        return new StateDb.Journal(head, out);
    }

    private long count(String sql) throws SQLException {
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getLong(1) : 0;
        }
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
