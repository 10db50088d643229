package dev.cms.send;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * The queue of messages to send: a Maildir at {@code <state>/outbox/}. A message is written into
 * {@code tmp/}, synced, and renamed into {@code new/} (then the directory is synced), so it is
 * either queued whole or not at all. Before a send starts the message moves to {@code cur/}: a
 * message found there was perhaps sent already (the answer never came) and is looked for in the
 * Sent folder before it is sent again. A sent message is removed; one the service refuses for good
 * moves to {@code failed/} with a {@code .reason} file beside it.
 *
 * <p>Names sort in the order the messages were queued: {@code <epoch ms>.<counter>_<random>}. The
 * file starts with one line {@code X-CMS-Account: <account key>} that is not sent; the rest is the
 * message exactly as the service gets it (CRLF line ends).
 */
public final class Outbox {
    static final String ACCOUNT_FIELD = "X-CMS-Account: ";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final AtomicLong COUNTER = new AtomicLong();

    /** A queued message: its id (the file name), its file, and whether a send of it was started. */
    public record Entry(String id, Path file, boolean attempted) {}

    /** A message in {@code failed/} and why the service refused it. */
    public record Failed(String id, Path file, String reason) {}

    /** What a queued file holds: the account key, where the message starts, and the file's bytes. */
    public record Queued(String accountKey, byte[] bytes, int messageStart) {
        /** The message as it is sent. */
        public byte[] message() {
            return java.util.Arrays.copyOfRange(bytes, messageStart, bytes.length);
        }
    }

    private final Path root;

    private Outbox(Path root) {
        this.root = root;
    }

    /** {@code <stateDir>/outbox}, created (mode 0700) with its sub-directories when missing. */
    public static Outbox open(Path stateDir) throws IOException {
        Path root = stateDir.resolve("outbox");
        for (Path d : List.of(root, root.resolve("tmp"), root.resolve("new"), root.resolve("cur"),
                root.resolve("failed"))) {
            if (!Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
                try {
                    Files.createDirectories(d, PosixFilePermissions.asFileAttribute(
                            PosixFilePermissions.fromString("rwx------")));
                } catch (FileAlreadyExistsException e) {
                    if (!Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
                        throw new java.nio.file.FileSystemException(d.toString(), null,
                                "exists and is not a directory");
                    }
                }
            }
        }
        return new Outbox(root);
    }

    public Path root() {
        return root;
    }

    /** Queues {@code s} durably (written, synced, renamed, directory synced); returns its id. */
    public String queue(Submission s, Instant now) throws IOException {
        return queue(s.account().key(), s.message(), now);
    }

    /** Queues {@code message} (CRLF line ends) for the account {@code accountKey}; returns its id. */
    public String queue(String accountKey, byte[] message, Instant now) throws IOException {
        if (accountKey.isEmpty() || accountKey.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
            throw new IllegalArgumentException("not an account key: " + Addresses.quote(accountKey));
        }
        String id = String.format(Locale.ROOT, "%013d.%06d_%s", now.toEpochMilli(), COUNTER.incrementAndGet() % 1_000_000,
                HexFormat.of().formatHex(randomBytes(5)));
        Path tmp = root.resolve("tmp").resolve(id);
        Path target = root.resolve("new").resolve(id);
        try (FileChannel ch = FileChannel.open(tmp, java.util.Set.of(StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rw-------")))) {
            writeAll(ch, ByteBuffer.wrap((ACCOUNT_FIELD + accountKey + "\r\n").getBytes(StandardCharsets.US_ASCII)));
            writeAll(ch, ByteBuffer.wrap(message));
            ch.force(true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        try {
            move(tmp, target);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        syncDirectory(target.getParent());
        return id;
    }

    /** The messages waiting to be sent, in the order they were queued. */
    public List<Entry> pending() throws IOException {
        List<Entry> out = new ArrayList<>();
        for (String sub : List.of("new", "cur")) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(root.resolve(sub))) {
                for (Path p : ds) {
                    String name = p.getFileName().toString();
                    if (name.startsWith(".")) {
                        continue;
                    }
                    out.add(new Entry(idOf(name), p, sub.equals("cur")));
                }
            }
        }
        out.sort(Comparator.comparing(Entry::id));
        return out;
    }

    /** The messages the services refused, oldest first. */
    public List<Failed> failed() throws IOException {
        List<Failed> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root.resolve("failed"))) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (name.endsWith(".reason") || name.startsWith(".")) {
                    continue;
                }
                Path reasonFile = p.resolveSibling(name + ".reason");
                String reason;
                try {
                    reason = Files.readString(reasonFile, StandardCharsets.UTF_8).strip();
                } catch (NoSuchFileException e) {
                    reason = "(no reason recorded)";
                }
                out.add(new Failed(name, p, reason));
            }
        }
        out.sort(Comparator.comparing(Failed::id));
        return out;
    }

    /** Reads a queued file. */
    public static Queued read(Path file) throws IOException {
        byte[] b = Files.readAllBytes(file);
        byte[] prefix = ACCOUNT_FIELD.getBytes(StandardCharsets.US_ASCII);
        int eol = -1;
        for (int i = 0; i < b.length; i++) {
            if (b[i] == '\n') {
                eol = i;
                break;
            }
        }
        if (eol < prefix.length || !java.util.Arrays.equals(b, 0, prefix.length, prefix, 0, prefix.length)) {
            throw new java.nio.file.FileSystemException(file.toString(), null,
                    "not an outbox message (it does not start with " + ACCOUNT_FIELD.strip() + ")");
        }
        int end = eol > 0 && b[eol - 1] == '\r' ? eol - 1 : eol;
        String key = new String(b, prefix.length, end - prefix.length, StandardCharsets.US_ASCII).strip();
        return new Queued(key, b, eol + 1);
    }

    /** The account key of a queued file, from its first line only. */
    public static String accountOf(Path file) throws IOException {
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(1024);
        }
        int eol = 0;
        while (eol < head.length && head[eol] != '\n') {
            eol++;
        }
        String first = new String(head, 0, eol, StandardCharsets.US_ASCII).strip();
        if (!first.startsWith(ACCOUNT_FIELD.strip())) {
            throw new java.nio.file.FileSystemException(file.toString(), null,
                    "not an outbox message (it does not start with " + ACCOUNT_FIELD.strip() + ")");
        }
        return first.substring(ACCOUNT_FIELD.strip().length()).strip();
    }

    /**
     * Marks a send of {@code e} as started at {@code now}: moves it to {@code cur/} (synced) and
     * stamps its modification time. Returns the moved
     * entry, or null when it is gone (dropped meanwhile).
     */
    public @Nullable Entry startSending(Entry e, Instant now) throws IOException {
        Path to = e.file();
        if (!e.attempted()) {
            to = root.resolve("cur").resolve(e.id() + ":2,");
            try {
                move(e.file(), to);
            } catch (NoSuchFileException gone) {
                return null;
            }
        }
        // When this send started: after a crash, the search of Sent waits until the service can list it.
        Files.setLastModifiedTime(to, java.nio.file.attribute.FileTime.from(now));
        syncDirectory(to.getParent());
        return new Entry(e.id(), to, true);
    }

    /** When the last send of a perhaps-sent message started (see {@link #startSending}). */
    public static Instant sendStarted(Entry e) throws IOException {
        return Files.getLastModifiedTime(e.file()).toInstant();
    }

    /** The send certainly did not happen (the service said so): back to {@code new/}. */
    public Entry notSent(Entry e) throws IOException {
        if (!e.attempted()) {
            return e;
        }
        Path to = root.resolve("new").resolve(e.id());
        move(e.file(), to);
        syncDirectory(to.getParent());
        return new Entry(e.id(), to, false);
    }

    /** The message was sent: it leaves the outbox. */
    public void sent(Entry e) throws IOException {
        Files.deleteIfExists(e.file());
        syncDirectory(e.file().getParent());
    }

    /** The service refused the message for good: to {@code failed/}, with {@code reason}. */
    public Failed fail(Entry e, String reason) throws IOException {
        Path dir = root.resolve("failed");
        Path reasonTmp = root.resolve("tmp").resolve(e.id() + ".reason");
        Files.writeString(reasonTmp, reason.strip() + "\n", StandardCharsets.UTF_8);
        try (FileChannel ch = FileChannel.open(reasonTmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        move(reasonTmp, dir.resolve(e.id() + ".reason"));
        Path to = dir.resolve(e.id());
        move(e.file(), to);
        syncDirectory(dir);
        syncDirectory(e.file().getParent());
        return new Failed(e.id(), to, reason.strip());
    }

    /**
     * Finds a queued or failed message by its id or a unique beginning of it.
     *
     * @throws IllegalArgumentException when none or several match
     */
    public Path find(String idOrPrefix) throws IOException {
        List<Path> matches = new ArrayList<>();
        for (Entry e : pending()) {
            if (e.id().startsWith(idOrPrefix)) {
                matches.add(e.file());
            }
        }
        for (Failed f : failed()) {
            if (f.id().startsWith(idOrPrefix)) {
                matches.add(f.file());
            }
        }
        if (idOrPrefix.isEmpty() || matches.isEmpty()) {
            throw new IllegalArgumentException("no message " + Addresses.quote(idOrPrefix) + " in the outbox ("
                    + root + "); `cloud-mdir-sync outbox` lists them");
        }
        if (matches.size() > 1) {
            throw new IllegalArgumentException(Addresses.quote(idOrPrefix) + " matches " + matches.size()
                    + " messages in the outbox; give more of the id");
        }
        return matches.get(0);
    }

    /** Removes a queued or failed message (and its reason). */
    public void drop(Path file) throws IOException {
        Files.delete(file);
        Files.deleteIfExists(file.resolveSibling(file.getFileName() + ".reason"));
        syncDirectory(file.getParent());
    }

    static String idOf(String fileName) {
        int colon = fileName.indexOf(':');
        return colon < 0 ? fileName : fileName.substring(0, colon);
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw new java.nio.file.FileSystemException(from.toString(), to.toString(),
                    "cannot rename atomically inside the outbox");
        }
    }

    private static void writeAll(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    static void syncDirectory(@Nullable Path dir) throws IOException {
        if (dir == null) {
            return; // a bare file name: nothing to sync above it
        }
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Some filesystems refuse fsync on a directory; the rename itself is still atomic.
            if (!(e.getMessage() != null && e.getMessage().contains("Invalid argument"))) {
                throw e;
            }
        }
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    /** The {@code Subject:} and {@code Message-ID:} of a queued message, for listings. */
    public static String[] subjectAndMessageId(Path file) {
        String subject = "";
        String messageId = "";
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(64 * 1024);
            String text = new String(head, StandardCharsets.US_ASCII);
            int end = text.indexOf("\r\n\r\n");
            if (end < 0) {
                end = text.length();
            }
            String unfolded = text.substring(0, end).replaceAll("\r?\n[ \t]", " ");
            for (String line : unfolded.split("\r?\n")) {
                String lower = line.toLowerCase(Locale.ROOT);
                if (lower.startsWith("subject:") && subject.isEmpty()) {
                    subject = line.substring(8).strip();
                } else if (lower.startsWith("message-id:") && messageId.isEmpty()) {
                    messageId = line.substring(11).strip();
                }
            }
        } catch (IOException e) {
            subject = "(unreadable: " + e.getMessage() + ")";
        }
        return new String[] {subject, messageId};
    }
}
