package dev.cms.store;

import static dev.cms.store.TestStreams.bytes;
import static dev.cms.store.TestStreams.lineEndsToLf;
import static dev.cms.store.TestStreams.expectedHex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.model.ContentHash;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MessageStoreTest {
    @TempDir Path temp;
    Path stateDir;
    MessageStore store;

    @BeforeEach
    void openStore() throws IOException {
        stateDir = temp.resolve("state");
        store = MessageStore.open(stateDir);
    }

    private ContentHash ingest(String body) throws IOException {
        return store.ingest(new ByteArrayInputStream(bytes(body)));
    }

    private String stored(ContentHash h) throws IOException {
        return new String(Files.readAllBytes(store.path(h)), StandardCharsets.ISO_8859_1);
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    // ---- ingest

    @Test
    void crlfBodyIsStoredWithLfUnderTheHashOfTheLfForm() throws IOException {
        String body = "From: a@example.com\r\nSubject: hi\r\n\r\nHello\r\n";
        ContentHash h = ingest(body);
        assertEquals(expectedHex(body), h.hex());
        assertEquals(lineEndsToLf(body), stored(h));
        assertEquals(stateDir.toAbsolutePath().resolve("hashes").resolve(h.hex()), store.path(h));
        assertTrue(store.contains(h));
    }

    @Test
    void lfBodyIsStoredUnchanged() throws IOException {
        String body = "Subject: x\n\nbody\n";
        ContentHash h = ingest(body);
        assertEquals(TestStreams.sha256Hex(bytes(body)), h.hex());
        assertEquals(body, stored(h));
    }

    @Test
    void loneCrAndTrailingCrAreKept() throws IOException {
        String body = "a\rb\r\nc\r";
        ContentHash h = ingest(body);
        assertEquals("a\rb\nc\r", stored(h));
        assertEquals(expectedHex(body), h.hex());
    }

    @Test
    void oneByteReadsGiveTheSameResult() throws IOException {
        String body = "x\r\n\r\ny\r\r\nz\r";
        ContentHash h = store.ingest(TestStreams.oneByteAtATime(bytes(body)));
        assertEquals(expectedHex(body), h.hex());
        assertEquals(lineEndsToLf(body), stored(h));
    }

    @Test
    void crlfSplitBetweenReadsAtEveryPositionIsNormalised() throws IOException {
        String body = "Subject: s\r\n\r\nline\r\nlone\rcr\r\n\r";
        for (int split = 1; split < body.length(); split++) {
            InputStream in = new TestStreams.ChunkedInputStream(bytes(body),
                    new int[] {split, Integer.MAX_VALUE});
            ContentHash h = store.ingest(in);
            assertEquals(expectedHex(body), h.hex(), "split at " + split);
        }
        assertEquals(1, store.scan().size());
    }

    @Test
    void crlfAcrossTheReadBufferBoundaryIsNormalised() throws IOException {
        int n = 64 * 1024;
        for (int offset = -2; offset <= 1; offset++) {
            String body = "a".repeat(n + offset) + "\r\n" + "b".repeat(100) + "\r\n";
            ContentHash h = store.ingest(new TestStreams.ChunkedInputStream(bytes(body), new int[] {n}));
            assertEquals(expectedHex(body), h.hex(), "offset " + offset);
            assertEquals(lineEndsToLf(body), stored(h));
        }
    }

    /** Issue 18, item 1: hashing a stored body again gives the hash it was stored under. */
    @Test
    void hashOfAStoredBodyIsTheHashItWasStoredUnder() throws IOException {
        java.util.Random random = new java.util.Random(11);
        for (int round = 0; round < 500; round++) {
            String body = CrlfToLfOutputStreamTest.randomCrLfRuns(random, random.nextInt(80));
            ContentHash h = ingest(body);
            assertEquals(h, MessageStore.hashOf(store.path(h)), () -> "body " + body.replace("\r", "<CR>"));
        }
    }

    @Test
    void sameBodyTwiceIsStoredOnce() throws IOException {
        ContentHash a = ingest("Subject: same\r\n\r\nbody\r\n");
        ContentHash b = ingest("Subject: same\n\nbody\n");
        assertEquals(a, b);
        assertEquals(List.of(store.path(a)), list(stateDir.resolve("hashes")));
        assertEquals(List.of(), list(stateDir.resolve("tmp")));
    }

    @Test
    void existingBodyIsNotReplacedByASecondIngest() throws IOException {
        ContentHash h = ingest("body\r\n");
        Object inode = Files.getAttribute(store.path(h), "unix:ino");
        ingest("body\r\n");
        assertEquals(inode, Files.getAttribute(store.path(h), "unix:ino"));
    }

    @Test
    void concurrentIngestsStoreEachBodyOnce() throws Exception {
        int threads = 16;
        int bodies = 200;
        Map<String, String> expected = new HashMap<>();
        List<String> work = new ArrayList<>();
        for (int i = 0; i < bodies; i++) {
            String body = "Subject: message " + (i % 60) + "\r\n\r\n" + "text\r\n".repeat(i % 60 * 50);
            work.add(body);
            expected.put(expectedHex(body), lineEndsToLf(body));
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<ContentHash>> results = new ArrayList<>();
            for (String body : work) {
                results.add(pool.submit(() -> {
                    start.await();
                    return store.ingest(new ByteArrayInputStream(bytes(body)));
                }));
            }
            start.countDown();
            for (int i = 0; i < bodies; i++) {
                assertEquals(expectedHex(work.get(i)), results.get(i).get(60, TimeUnit.SECONDS).hex());
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(60, expected.size());
        Set<ContentHash> scanned = store.scan();
        assertEquals(expected.size(), scanned.size());
        for (ContentHash h : scanned) {
            assertEquals(expected.get(h.hex()), stored(h));
        }
        assertEquals(List.of(), list(stateDir.resolve("tmp")));
    }

    @Test
    void failingStreamLeavesNothingBehind() throws IOException {
        IOException e = assertThrows(IOException.class,
                () -> store.ingest(new TestStreams.FailingInputStream(200_000)));
        assertEquals("connection reset (test)", e.getMessage());
        assertEquals(List.of(), list(stateDir.resolve("hashes")));
        assertEquals(List.of(), list(stateDir.resolve("tmp")));
    }

    @Test
    void fiftyMebibyteStreamIngests() throws IOException {
        long lines = 1_100_000; // about 55 MB with CRLF, at least 50 MiB
        MessageDigest lf = TestStreams.sha256();
        long lfSize;
        try (DigestInputStream in = new DigestInputStream(new TestStreams.GeneratedMail(lines, false), lf)) {
            lfSize = in.transferTo(OutputStream.nullOutputStream());
        }
        assertTrue(lfSize + lines >= 50L * 1024 * 1024, "generated only " + (lfSize + lines));
        ContentHash h = store.ingest(new TestStreams.GeneratedMail(lines, true));
        assertEquals(HexFormat.of().formatHex(lf.digest()), h.hex());
        assertEquals(lfSize, Files.size(store.path(h)));
        assertEquals(List.of(), list(stateDir.resolve("tmp")));
    }

    // ---- hashOf

    @Test
    void hashOfNormalisesLikeIngest() throws IOException {
        String body = "a\r\nb\rc\r";
        Path f = temp.resolve("f");
        Files.write(f, bytes(body));
        assertEquals(expectedHex(body), MessageStore.hashOf(f).hex());
        assertEquals(expectedHex(body), MessageStore.hashOf(TestStreams.oneByteAtATime(bytes(body))).hex());
        assertEquals(ingest(body), MessageStore.hashOf(f));
    }

    // ---- layout and modes

    @Test
    void directoriesAre0700AndBodies0600() throws IOException {
        assertEquals("rwx------", mode(stateDir));
        for (String sub : List.of("hashes", "tmp", "lost+found")) {
            assertEquals("rwx------", mode(stateDir.resolve(sub)), sub);
        }
        assertEquals("rw-------", mode(store.path(ingest("x\r\n"))));
    }

    @Test
    void openTightensAnExistingStateDirectory() throws IOException {
        Files.setPosixFilePermissions(stateDir, PosixFilePermissions.fromString("rwxr-xr-x"));
        MessageStore.open(stateDir);
        assertEquals("rwx------", mode(stateDir));
    }

    @Test
    void openRemovesLeftoversInTmp() throws IOException {
        Path leftover = stateDir.resolve("tmp").resolve("ingest-123.tmp");
        Files.writeString(leftover, "partial");
        ContentHash kept = ingest("kept\n");
        MessageStore.open(stateDir);
        assertFalse(Files.exists(leftover));
        assertTrue(Files.exists(store.path(kept)));
    }

    @Test
    void stateDirThatIsAFileIsRejectedByName() throws IOException {
        Path file = temp.resolve("plainfile");
        Files.writeString(file, "");
        FileSystemException e = assertThrows(FileSystemException.class, () -> MessageStore.open(file));
        assertEquals(file.toString(), e.getFile());
        assertTrue(e.getMessage().contains("not a directory"), e.getMessage());
    }

    @Test
    void stateDirThatCannotBeCreatedIsRejectedByName() throws IOException {
        Path file = temp.resolve("plainfile");
        Files.writeString(file, "");
        Path below = file.resolve("state");
        FileSystemException e = assertThrows(FileSystemException.class, () -> MessageStore.open(below));
        assertEquals(below.toString(), e.getFile());
        assertTrue(e.getMessage().contains("cannot create the state directory"), e.getMessage());
    }

    // ---- scan and retainOnly

    @Test
    void scanIgnoresForeignNames() throws IOException {
        ContentHash a = ingest("a\n");
        ContentHash b = ingest("b\n");
        Path hashes = stateDir.resolve("hashes");
        Files.writeString(hashes.resolve("README"), "not a body");
        Files.writeString(hashes.resolve(a.hex().toUpperCase()), "upper case is not ours");
        Files.writeString(hashes.resolve(a.hex() + ".bak"), "");
        Files.createDirectory(hashes.resolve("0".repeat(64)));
        assertEquals(Set.of(a, b), store.scan());
    }

    @Test
    void retainOnlyDeletesExactlyTheOthers() throws IOException {
        ContentHash a = ingest("a\n");
        ContentHash b = ingest("b\n");
        ContentHash c = ingest("c\n");
        Path foreign = stateDir.resolve("hashes").resolve("notes.txt");
        Files.writeString(foreign, "mine");
        ContentHash absent = new ContentHash("f".repeat(64));
        assertEquals(2, store.retainOnly(Set.of(b, absent)));
        assertEquals(Set.of(b), store.scan());
        assertFalse(store.contains(a));
        assertFalse(store.contains(c));
        assertTrue(Files.exists(foreign));
        assertEquals(0, store.retainOnly(Set.of(b)));
    }

    @Test
    void retainOnlyListsTheStoreOnceAndLeavesAnEntryThatIsNotABodyAlone() throws IOException {
        ContentHash a = ingest("a\n");
        ContentHash b = ingest("b\n");
        Path notABody = stateDir.resolve("hashes").resolve("0".repeat(64));
        Files.createDirectory(notABody);
        long before = store.listings();
        assertEquals(1, store.retainOnly(Set.of(b)));
        assertEquals(before + 1, store.listings(), "one listing of hashes/");
        assertTrue(store.listedSinceOpen());
        assertTrue(Files.isDirectory(notABody), "a directory is never taken for a body");
        assertFalse(store.contains(a));
        assertTrue(store.contains(b));
    }

    @Test
    void collectionTellsWhichKnownBodiesAreMissingAndKeepsOnesStoredAfterTheStartUpListing() throws IOException {
        ContentHash a = ingest("a\n");
        ContentHash gone = ingest("gone\n");
        store.recordIds("acct", java.util.Map.of("id-a", a)); // an id record: start-up lists the store for it
        Files.delete(store.path(gone)); // behind the daemon's back, while it was stopped
        store = MessageStore.open(stateDir);
        ContentHash later = ingest("stored after the start-up listing\n");
        ContentHash never = new ContentHash("e".repeat(64));
        Set<ContentHash> known = new java.util.HashSet<>(Set.of(a, gone, later, never));

        assertEquals(0, store.retainOnly(Set.of(a, gone, later, never), known));

        assertEquals(Set.of(a, later), known);
        assertTrue(store.contains(later), "a body newer than the listing is never deleted");
    }

    @Test
    void aNewlyOpenedStoreHasNotBeenListedForCollection() throws IOException {
        ingest("a\n");
        store = MessageStore.open(stateDir);
        assertFalse(store.listedSinceOpen(), "until a collection lists it, a crash may have left bodies");
    }

    // ---- checkSameFilesystem

    @Test
    void sameFilesystemCheckPassesAndLeavesNoProbe() throws IOException {
        Path maildir = Files.createDirectory(temp.resolve("Mail"));
        store.checkSameFilesystem(maildir);
        assertEquals(List.of(), list(maildir));
        assertEquals(List.of(), list(stateDir.resolve("tmp")));
    }

    @Test
    void otherFilesystemIsReportedWithBothPaths() throws IOException {
        Path other = SecondFilesystem.directoryOnOtherFilesystemThan(temp);
        try {
            CrossFilesystemException e = assertThrows(CrossFilesystemException.class,
                    () -> store.checkSameFilesystem(other));
            assertEquals(other, e.dir());
            assertEquals(store.stateDir(), e.stateDir());
            assertTrue(e.getMessage().startsWith(other + " and the state directory " + store.stateDir()
                    + " are on different filesystems"), e.getMessage());
            assertTrue(e.getMessage().contains("cfg.message_db_dir"), e.getMessage());
            assertEquals(List.of(), list(other));
            assertEquals(List.of(), list(stateDir.resolve("tmp")));
        } finally {
            SecondFilesystem.deleteTree(other);
        }
    }

    @Test
    void missingDirectoryIsNotCalledCrossFilesystem() {
        Path missing = temp.resolve("no-such-dir");
        IOException e = assertThrows(IOException.class, () -> store.checkSameFilesystem(missing));
        assertFalse(e instanceof CrossFilesystemException, e.toString());
    }

    // ---- lost+found

    @Test
    void moveToLostFoundNeverOverwrites() throws IOException {
        Path lostFound = stateDir.resolve("lost+found");
        Files.writeString(lostFound.resolve("msg.1"), "already here");
        List<Path> moved = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Path dir = Files.createDirectories(temp.resolve("Mail" + i).resolve("cur"));
            Path f = Files.writeString(dir.resolve("msg"), "content " + i);
            moved.add(store.moveToLostFound(f));
            assertFalse(Files.exists(f));
        }
        assertEquals(List.of(lostFound.resolve("msg"), lostFound.resolve("msg.2"),
                lostFound.resolve("msg.3")), moved);
        for (int i = 0; i < 3; i++) {
            assertEquals("content " + i, Files.readString(moved.get(i)));
        }
        assertEquals("already here", Files.readString(lostFound.resolve("msg.1")));
    }

    @Test
    void moveToLostFoundKeepsBytesExactly() throws IOException {
        byte[] data = bytes("Subject: mine\r\n\r\nbinary \u00ff\r");
        Path f = Files.write(temp.resolve("1700000000.123.host:2,S"), data);
        Path moved = store.moveToLostFound(f);
        assertEquals(stateDir.resolve("lost+found").resolve("1700000000.123.host:2,S"), moved);
        assertArrayEquals(data, Files.readAllBytes(moved));
    }

    @Test
    void moveToLostFoundAcrossFilesystemsCopies() throws IOException {
        Path other = SecondFilesystem.directoryOnOtherFilesystemThan(temp);
        try {
            byte[] data = bytes("x".repeat(100_000) + "\r\n");
            Path f = Files.write(other.resolve("stray"), data);
            Path moved = store.moveToLostFound(f);
            assertFalse(Files.exists(f));
            assertArrayEquals(data, Files.readAllBytes(moved));
            assertEquals("rw-------", mode(moved));
        } finally {
            SecondFilesystem.deleteTree(other);
        }
    }

    @Test
    void moveToLostFoundRejectsMissingAndDirectories() throws IOException {
        assertThrows(NoSuchFileException.class,
                () -> store.moveToLostFound(temp.resolve("gone")));
        Path dir = Files.createDirectory(temp.resolve("adir"));
        FileSystemException e = assertThrows(FileSystemException.class, () -> store.moveToLostFound(dir));
        assertEquals(dir.toString(), e.getFile());
        assertTrue(Files.isDirectory(dir));
    }
}
