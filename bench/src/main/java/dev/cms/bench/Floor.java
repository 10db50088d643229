package dev.cms.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The floor of a restart: the least work that reads what a restarted daemon must know, on the
 * same files. A readdir and an lstat of every entry of the Maildir (recursively), a listing of
 * the store's {@code hashes/} (names only, no stat), and every row of every table of
 * {@code state.db} through plain JDBC {@code SELECT *} (every column read).
 */
record Floor(double seconds, double cpuSeconds, double maildirSeconds, double hashesSeconds, double dbSeconds,
        long maildirEntries, long hashes, long rows) {

    static Floor measure(Path maildir, Path stateDir) throws IOException {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long cpu0 = threads.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        long entries = lstatTree(maildir);
        long t1 = System.nanoTime();
        long names = 0;
        try (DirectoryStream<Path> d = Files.newDirectoryStream(stateDir.resolve("hashes"))) {
            for (Path p : d) {
                if (p.getFileName() != null) {
                    names++;
                }
            }
        }
        long t2 = System.nanoTime();
        long rows = readAllRows(stateDir.resolve("state.db"));
        long t3 = System.nanoTime();
        long cpu = threads.getCurrentThreadCpuTime() - cpu0;
        return new Floor((t3 - t0) / 1e9, cpu / 1e9, (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9, entries, names,
                rows);
    }

    private static long lstatTree(Path dir) throws IOException {
        long n = 0;
        List<Path> subdirs = new ArrayList<>();
        try (DirectoryStream<Path> d = Files.newDirectoryStream(dir)) {
            for (Path p : d) {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                n++;
                if (a.isDirectory()) {
                    subdirs.add(p);
                }
            }
        }
        for (Path s : subdirs) {
            n += lstatTree(s);
        }
        return n;
    }

    private static long readAllRows(Path db) throws IOException {
        long rows = 0;
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
            List<String> tables = new ArrayList<>();
            try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT name FROM sqlite_master WHERE type = 'table'"
                            + " AND name NOT LIKE 'sqlite_%'")) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
            for (String t : tables) {
                try (Statement s = c.createStatement();
                        ResultSet rs = s.executeQuery("SELECT * FROM \"" + t.replace("\"", "\"\"") + "\"")) {
                    int cols = rs.getMetaData().getColumnCount();
                    while (rs.next()) {
                        for (int i = 1; i <= cols; i++) {
                            rs.getObject(i);
                        }
                        rows++;
                    }
                }
            }
        } catch (SQLException e) {
            throw new IOException("reading " + db + ": " + e.getMessage(), e);
        }
        return rows;
    }
}
