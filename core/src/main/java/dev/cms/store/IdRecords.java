package dev.cms.store;

import dev.cms.fs.FileOps;
import dev.cms.model.ContentHash;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which content hash each cloud message id has, per account, kept in the state directory beside
 * {@code hashes/} but outside {@code state.db}: when the database is lost, a full listing finds
 * the bodies the store already holds instead of downloading them again.
 *
 * <p>One append-only file per account, {@code ids/<account>.log}, with lines
 * {@code <cloud id> SP <hex hash> LF}; the file name comes from the account key (sanitised, plus
 * a digest of the whole key), never from a cloud id. Reading tolerates damage: a line whose id
 * is empty, too long, not UTF-8 or holds a space or control character, or whose hash is not a
 * hash, is ignored, and so is an unfinished last line (an append cut short by a crash). A later
 * line for an id replaces an earlier one. A file holding more than twice as many lines as live
 * entries (ids whose body is still stored) is rewritten with only those, at its first use after
 * a start (not during the start: a restart that downloads nothing never reads it) and as it
 * grows; the bodies of the lines it drops go into {@link DroppedBodies} first (those dropped
 * before that file was kept, by an older version, are then known too).
 *
 * <p>Thread-safe: appends to one file are serialised.
 */
final class IdRecords {
    private static final Logger log = LoggerFactory.getLogger(IdRecords.class);

    static final String IDS = "ids";
    static final String SUFFIX = ".log";
    private static final String COMPACT_SUFFIX = ".compact";
    /** Longest cloud id kept (Graph immutable ids are about 150 characters, Gmail's 16). */
    static final int MAX_ID_BYTES = 1024;
    /** Files with fewer lines than this are never compacted while the daemon runs. */
    static final int COMPACT_FLOOR = 1024;
    private static final int MAX_NAME_PREFIX = 60;

    private final Path dir;
    private final FileOps files;
    /** The hashes the store holds: at start-up the store's listing made then, afterwards a new one. */
    private volatile StoredBodies storedBodies;
    private final Map<String, Record> records = new ConcurrentHashMap<>();
    /** Where a compaction adds the bodies whose lines it drops (their bodies left the store). */
    private final DroppedBodies dropped;

    /** The hashes of the bodies the store holds. */
    @FunctionalInterface
    interface StoredBodies {
        Set<ContentHash> get() throws IOException;
    }

    /** What is known about one account's file; guarded by itself. */
    private static final class Record {
        final Path file;
        /** Lines in the file (valid or not), as far as this process knows. */
        long lines;
        /** Live entries found by the last compaction (or first check). */
        long live;
        /** Whether this process has counted (and if need be compacted) the file. */
        boolean checked;

        Record(Path file, boolean checked) {
            this.file = file;
            this.checked = checked;
        }
    }

    private IdRecords(Path stateDir, FileOps files, StoredBodies storedBodies) {
        this.dir = stateDir.resolve(IDS);
        this.files = files;
        this.storedBodies = storedBodies;
        this.dropped = new DroppedBodies(stateDir);
    }

    /**
     * Opens (creating, 0700) {@code <state>/ids/} and removes what an interrupted compaction left;
     * each record is checked at its first use ({@link #checkOnce}). {@code storedBodies} gives the
     * hashes the store holds.
     */
    static IdRecords open(Path stateDir, FileOps files, StoredBodies storedBodies) throws IOException {
        IdRecords ids = new IdRecords(stateDir, files, storedBodies);
        StateFiles.ensurePrivateDirectory(files, ids.dir, "message id directory");
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(ids.dir)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (name.endsWith(COMPACT_SUFFIX) && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    StateFiles.deleteQuietly(files, p);
                } else if (name.endsWith(SUFFIX) && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    ids.records.put(name, new Record(p, false));
                }
            }
        }
        return ids;
    }

    /** Start-up is over: {@code storedBodies} lists the store afresh for compactions from now on. */
    void startupDone(StoredBodies storedBodies) {
        this.storedBodies = storedBodies;
    }

    /** Whether a record exists for {@code account}. */
    boolean exists(String account) {
        return Files.isRegularFile(record(account).file, LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Appends {@code ids} (cloud id → hash) to the account's record and fsyncs it. An id that
     * cannot be written safely (empty, longer than {@value #MAX_ID_BYTES} bytes, holding a space
     * or control character) is left out. Call it after the bodies' names are durable.
     */
    void append(String account, Map<String, ContentHash> ids) throws IOException {
        if (ids.isEmpty()) {
            return;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(ids.size() * 96);
        int written = 0;
        int refused = 0;
        for (Map.Entry<String, ContentHash> e : ids.entrySet()) {
            byte[] id = e.getKey().getBytes(StandardCharsets.UTF_8);
            if (!IdRecordLines.validId(e.getKey(), id.length)) {
                refused++;
                continue;
            }
            out.write(id, 0, id.length);
            out.write(' ');
            out.writeBytes(e.getValue().hex().getBytes(StandardCharsets.US_ASCII));
            out.write('\n');
            written++;
        }
        if (refused > 0) {
            log.debug("{} message id(s) of {} not recorded: empty, too long, or with spaces or control characters",
                    refused, account);
        }
        if (written == 0) {
            return;
        }
        Record r = record(account);
        synchronized (r) {
            checkOnce(r);
            boolean created = !Files.exists(r.file, LinkOption.NOFOLLOW_LINKS);
            boolean unfinished = !created && !endsWithNewline(r.file);
            try (OutputStream o = files.newOutputStream(r.file, Set.of(StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE, StandardOpenOption.APPEND, LinkOption.NOFOLLOW_LINKS),
                    StateFiles.privateFile(r.file))) {
                if (unfinished) {
                    // A crash (or a full disk) cut the last append short: end that line so it
                    // stays one bad line.
                    o.write('\n');
                    r.lines++;
                }
                out.writeTo(o);
            }
            files.fsync(r.file);
            if (created) {
                StateFiles.fsyncDirectory(files, dir);
            }
            r.lines += written;
            if (r.lines > 2 * Math.max(r.live, COMPACT_FLOOR)) {
                compactIfWorthIt(r, storedBodies.get()::contains, false);
            }
        }
    }

    /**
     * The recorded hashes of those of {@code wanted} that the account's record names (a later
     * line winning over an earlier one); ids it does not name are absent.
     */
    Map<String, ContentHash> lookup(String account, Set<String> wanted) throws IOException {
        Map<String, ContentHash> found = new HashMap<>();
        if (wanted.isEmpty()) {
            return found;
        }
        Record r = record(account);
        synchronized (r) {
            checkOnce(r);
            long bad = IdRecordLines.read(r.file, (id, hash) -> {
                if (wanted.contains(id)) {
                    found.put(id, hash);
                }
            });
            if (bad > 0) {
                log.debug("Ignored {} damaged line(s) in {}", bad, r.file);
            }
        }
        return found;
    }

    private Record record(String account) {
        return records.computeIfAbsent(fileName(account), name -> {
            Path file = dir.resolve(name);
            return new Record(file, !Files.exists(file, LinkOption.NOFOLLOW_LINKS));
        });
    }

    /**
     * At a record's first use after a start: counts its lines and live entries, and rewrites it
     * when it holds more than twice as many lines or damaged ones. Caller holds {@code r}.
     */
    private void checkOnce(Record r) throws IOException {
        if (!r.checked) {
            r.checked = true;
            compactIfWorthIt(r, storedBodies.get()::contains, true);
        }
    }

    /**
     * The record's file name for an account key: its letters, digits and {@code .-_@+} (others
     * become '_', at most {@value #MAX_NAME_PREFIX}, no leading '.'), then a digest of the whole
     * key, so two keys that sanitise alike still get their own files.
     */
    static String fileName(String account) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < account.length() && b.length() < MAX_NAME_PREFIX; i++) {
            char c = account.charAt(i);
            boolean plain = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || c == '-' || c == '_' || c == '@' || c == '+' || c == '.' && b.length() > 0;
            b.append(plain ? c : '_');
        }
        byte[] digest = sha256().digest(account.getBytes(StandardCharsets.UTF_8));
        return b + "-" + HexFormat.of().formatHex(digest, 0, 8) + SUFFIX;
    }

    /**
     * Rewrites the record with only its live entries when it holds more than twice as many
     * lines, or (at start-up) any damaged line; otherwise only counts. Caller holds {@code r}.
     */
    private void compactIfWorthIt(Record r, Predicate<ContentHash> stored, boolean startup) throws IOException {
        // First only count (the usual outcome: nothing to rewrite), then, when rewriting, read
        // again in order.
        long bytes = Files.exists(r.file, LinkOption.NOFOLLOW_LINKS) ? Files.size(r.file) : 0;
        // A line is an id (16-200 bytes) and 65 more: sized for the short ids, it is not rehashed.
        Map<String, ContentHash> latest = new HashMap<>((int) Math.min(1 << 24, bytes / 60 + 16));
        long[] valid = new long[1];
        long bad = IdRecordLines.read(r.file, (id, hash) -> {
            valid[0]++;
            latest.put(id, hash); // the latest line decides
        });
        long liveCount = 0;
        for (ContentHash h : latest.values()) {
            if (stored.test(h)) {
                liveCount++;
            }
        }
        latest.clear();
        long total = valid[0] + bad;
        r.live = liveCount;
        r.lines = total;
        boolean bloated = total > 2L * Math.max(liveCount, startup ? 0 : COMPACT_FLOOR);
        if (!bloated && (bad == 0 || !startup)) {
            return;
        }
        Map<String, ContentHash> live = new LinkedHashMap<>();
        Set<ContentHash> gone = new HashSet<>();
        IdRecordLines.read(r.file, (id, hash) -> {
            live.remove(id); // the latest line decides, and its place in the order
            if (stored.test(hash)) {
                live.put(id, hash);
            } else {
                gone.add(hash);
            }
        });
        // A line's body was in the store once: gone now, it was dropped. Bodies dropped before
        // dropped.log was kept (by an older version) are known from here on, before their
        // lines go.
        gone.removeAll(dropped.among(gone));
        dropped.record(gone);
        Path temp = r.file.resolveSibling(r.file.getFileName() + COMPACT_SUFFIX);
        try {
            writeLive(temp, live);
            files.move(temp, r.file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            StateFiles.deleteQuietly(files, temp);
            throw e;
        }
        StateFiles.fsyncDirectory(files, dir);
        log.debug("Compacted {}: {} line(s) to {} live entr{}", r.file, total, live.size(),
                live.size() == 1 ? "y" : "ies");
        r.lines = live.size();
    }

    /** Writes {@code live} as the lines of a new file {@code temp} and syncs it. */
    private void writeLive(Path temp, Map<String, ContentHash> live) throws IOException {
        try (OutputStream o = new BufferedOutputStream(files.newOutputStream(temp, Set.of(StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
                StateFiles.privateFile(temp)), 64 * 1024)) {
            for (Map.Entry<String, ContentHash> e : live.entrySet()) {
                o.write(e.getKey().getBytes(StandardCharsets.UTF_8));
                o.write(' ');
                o.write(e.getValue().hex().getBytes(StandardCharsets.US_ASCII));
                o.write('\n');
            }
        }
        files.fsync(temp);
    }

    /** Whether the (existing) file is empty or its last byte is a newline. */
    private static boolean endsWithNewline(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            long size = ch.size();
            ByteBuffer last = ByteBuffer.allocate(1);
            return size == 0 || ch.read(last, size - 1) == 1 && last.get(0) == '\n';
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
