package dev.cms.maildir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cms.model.FileStat;
import dev.cms.model.Flag;
import dev.cms.model.Flags;
import dev.cms.time.FakeTicker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MaildirFolderTest {
    private static final Instant RECEIVED = Instant.parse("2024-03-01T12:34:56.123456789Z");

    @TempDir Path temp;
    Path root;
    MaildirFolder folder;
    Path store;

    @BeforeEach
    void setUp() throws IOException {
        root = temp.resolve("mail").resolve("inbox");
        folder = MaildirFolder.open(root);
        store = Files.createDirectories(temp.resolve("store"));
    }

    private static Path write(Path file, String content) throws IOException {
        return Files.writeString(file, content, StandardCharsets.UTF_8);
    }

    private Path storeFile(String content) throws IOException {
        return write(Files.createTempFile(store, "body", ""), content);
    }

    private static long inode(Path p) throws IOException {
        return (Long) Files.getAttribute(p, "unix:ino");
    }

    private static List<Path> children(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.collect(Collectors.toList());
        }
    }

    private Map<String, MaildirFile> scanByName() throws IOException {
        return folder.scan().stream().collect(Collectors.toMap(f -> f.path().getFileName().toString(), f -> f));
    }

    // ---- open

    @Test
    void openCreatesTheStructureWithPrivateModes() throws IOException {
        for (Path dir : List.of(root, root.resolve("tmp"), root.resolve("cur"), root.resolve("new"))) {
            assertTrue(Files.isDirectory(dir), dir + " is a directory");
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)), dir.toString());
        }
        assertEquals(root, folder.root());
    }

    @Test
    void openingAnExistingMaildirKeepsItsMessages() throws IOException {
        write(root.resolve("cur/m1:2,S"), "hello");
        MaildirFolder again = MaildirFolder.open(root);
        assertEquals(List.of("m1:2,S"), again.scan().stream().map(f -> f.name().fileName()).toList());
    }

    @Test
    void openRefusesARegularFileAndNamesIt() throws IOException {
        Path file = write(temp.resolve("notadir"), "x");
        FileSystemException e = assertThrows(FileSystemException.class, () -> MaildirFolder.open(file));
        assertEquals(file.toString(), e.getFile());
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("not a directory"), e.getMessage());
    }

    @Test
    void openRefusesASubdirectoryThatIsARegularFile() throws IOException {
        Path other = Files.createDirectories(temp.resolve("other"));
        Files.createDirectories(other.resolve("cur"));
        write(other.resolve("new"), "x");
        FileSystemException e = assertThrows(FileSystemException.class, () -> MaildirFolder.open(other));
        assertEquals(other.resolve("new").toString(), e.getFile());
        assertTrue(e.getMessage().contains("not a directory"), e.getMessage());
    }

    @Test
    void openUnderAReadOnlyParentSaysPermissionDenied() throws IOException {
        Path parent = Files.createDirectories(temp.resolve("locked"));
        Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("r-x------"));
        try {
            assumeFalse(Files.isWritable(parent), "permissions are not enforced for this user (root)");
            Path inside = parent.resolve("inbox");
            FileSystemException e = assertThrows(FileSystemException.class, () -> MaildirFolder.open(inside));
            assertEquals(inside.toString(), e.getFile());
            assertTrue(e.getMessage().contains("permission denied"), e.getMessage());
        } finally {
            Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwx------"));
        }
    }

    // ---- scan

    @Test
    void scanFindsMessagesInCurAndNewWithTheirFlags() throws IOException {
        write(root.resolve("cur/a:2,FS"), "a");
        write(root.resolve("cur/b:2,"), "b");
        write(root.resolve("new/c"), "c");
        write(root.resolve("tmp/d"), "being delivered");
        Map<String, MaildirFile> files = scanByName();
        assertEquals(Set.of("a:2,FS", "b:2,", "c"), files.keySet());
        assertEquals(Flags.of(Flag.FLAGGED, Flag.READ), files.get("a:2,FS").flags());
        assertFalse(files.get("a:2,FS").inNew());
        assertEquals(Flags.NONE, files.get("b:2,").flags());
        assertTrue(files.get("c").inNew());
        assertEquals(root.resolve("new/c"), files.get("c").path());
    }

    @Test
    void scanSkipsDotFilesAndDirectoriesAndKeepsForeignNames() throws IOException {
        write(root.resolve("cur/.hidden:2,S"), "x");
        write(root.resolve("new/.mutt-lock"), "x");
        Files.createDirectories(root.resolve("cur/subdir"));
        Files.createDirectories(root.resolve("new/subdir:2,S"));
        write(root.resolve("cur/some file from ü tool"), "x");
        write(root.resolve("cur/a:b:c"), "x");
        Map<String, MaildirFile> files = scanByName();
        assertEquals(Set.of("some file from ü tool", "a:b:c"), files.keySet());
        assertEquals(Flags.NONE, files.get("a:b:c").flags());
        assertEquals(Flags.NONE, files.get("some file from ü tool").flags());
    }

    @Test
    void scanReportsStatDataWithNanoseconds() throws IOException {
        Path p = write(root.resolve("cur/m:2,S"), "12345");
        Files.setLastModifiedTime(p, FileTime.from(RECEIVED));
        FileStat stat = folder.scan().get(0).stat();
        assertEquals(inode(p), stat.inode());
        assertEquals(5, stat.size());
        assertEquals(RECEIVED.getEpochSecond() * 1_000_000_000L + RECEIVED.getNano(), stat.mtimeNanos());
        FileTime ctime = (FileTime) Files.getAttribute(p, "unix:ctime");
        assertEquals(ctime.to(TimeUnit.NANOSECONDS), stat.ctimeNanos());
    }

    /** Issue 18, item 4: a symbolic link's target is never read; the link is skipped. */
    @Test
    void scanSkipsSymbolicLinksWithoutFollowingThem() throws IOException {
        write(root.resolve("cur/real:2,S"), "real");
        Path target = storeFile("linked body");
        Files.createSymbolicLink(root.resolve("cur/link:2,S"), target);
        Files.createSymbolicLink(root.resolve("cur/dangling"), temp.resolve("nowhere"));
        Files.createSymbolicLink(root.resolve("cur/dirlink"), store);
        Map<String, MaildirFile> files = scanByName();
        assertEquals(Set.of("real:2,S"), files.keySet());
    }

    @Test
    void fileCreatedWhileListingIsFoundByAFreshScan() throws IOException {
        write(root.resolve("cur/a:2,S"), "a");
        // An old mtime, so that the creation changes it whatever the file system's time granularity.
        Files.setLastModifiedTime(root.resolve("cur"), FileTime.from(Instant.parse("2000-01-01T00:00:00Z")));
        folder.beforeRecheck = onceThenNothing(() -> {
            try {
                write(root.resolve("cur/late:2,S"), "late");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        assertEquals(Set.of("a:2,S", "late:2,S"), scanByName().keySet());
    }

    @Test
    void fileRenamedBetweenListingAndStatIsFoundOnceUnderItsNewName() throws IOException {
        write(root.resolve("cur/a:2,S"), "a");
        write(root.resolve("cur/x:2,S"), "x");
        folder.beforeStat = onceThenNothing(() -> move(root.resolve("cur/x:2,S"), root.resolve("cur/x:2,FS")));
        assertEquals(Set.of("a:2,S", "x:2,FS"), scanByName().keySet());
    }

    @Test
    void fileDeletedBetweenListingAndStatIsLeftOutWithoutError() throws IOException {
        write(root.resolve("cur/a:2,S"), "a");
        write(root.resolve("new/b"), "b");
        folder.beforeStat = onceThenNothing(() -> delete(root.resolve("new/b")));
        assertEquals(Set.of("a:2,S"), scanByName().keySet());
    }

    @Test
    void scanGivesUpWhenTheMaildirNeverHoldsStill() throws IOException {
        write(root.resolve("cur/x:2,S"), "x");
        AtomicReference<Path> current = new AtomicReference<>(root.resolve("cur/x:2,S"));
        folder.beforeStat = () -> {
            Path next = root.resolve(current.get().getFileName().toString().endsWith("FS") ? "cur/x:2,S" : "cur/x:2,FS");
            move(current.get(), next);
            current.set(next);
        };
        IOException e = assertThrows(IOException.class, folder::scan);
        assertTrue(e.getMessage().contains("kept changing"), e.getMessage());
        assertTrue(e.getMessage().contains(root.toString()), e.getMessage());
    }

    @Test
    void concurrentFlagRenamesNeverMakeAScanMissOrDuplicateAMessage() throws Exception {
        for (String n : List.of("cur/a:2,S", "cur/b:2,", "new/c", "new/d")) {
            write(root.resolve(n), n);
        }
        write(root.resolve("cur/x:2,S"), "x");
        MaildirFile x = scanByName().get("x:2,S");
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread renamer = new Thread(() -> {
            try {
                MaildirFile f = x;
                for (int i = 0; i < 1500; i++) {
                    f = folder.setFlags(f, i % 2 == 0 ? Flags.of(Flag.FLAGGED, Flag.READ) : Flags.of(Flag.READ));
                    // A mail reader does not rename without pause: leave scans a chance to succeed
                    // (Thread.sleep rounds this up to a millisecond).
                    TimeUnit.MICROSECONDS.sleep(100);
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        renamer.start();
        int consistent = 0;
        int gaveUp = 0;
        while (renamer.isAlive() || consistent == 0) {
            List<MaildirFile> files;
            try {
                files = folder.scan();
            } catch (IOException e) {
                assertTrue(e.getMessage().contains("kept changing"), e.getMessage());
                gaveUp++;
                continue;
            }
            consistent++;
            assertEquals(5, files.size(), () -> "scan saw " + files);
            assertEquals(1, files.stream().filter(f -> f.name().base().equals("x")).count(), () -> "scan saw " + files);
        }
        renamer.join();
        assertNull(failure.get());
        assertTrue(consistent > gaveUp, "consistent scans " + consistent + ", gave up " + gaveUp);
    }

    @Test
    void concurrentDeletionsNeverMakeAScanFail() throws Exception {
        Set<String> all = new HashSet<>();
        for (int i = 0; i < 30; i++) {
            String name = (i % 2 == 0 ? "cur/m" + i + ":2,S" : "new/m" + i);
            write(root.resolve(name), "m" + i);
            all.add(Paths.get(name).getFileName().toString());
        }
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread deleter = new Thread(() -> {
            try {
                for (int i = 0; i < 30; i++) {
                    Files.delete(root.resolve(i % 2 == 0 ? "cur/m" + i + ":2,S" : "new/m" + i));
                    TimeUnit.MILLISECONDS.sleep(10);
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        deleter.start();
        int previous = Integer.MAX_VALUE;
        while (deleter.isAlive()) {
            Set<String> seen = scanByName().keySet();
            assertTrue(all.containsAll(seen), () -> "unexpected " + seen);
            assertTrue(seen.size() <= previous, "a deleted file came back");
            previous = seen.size();
        }
        deleter.join();
        assertNull(failure.get());
        assertEquals(List.of(), folder.scan());
    }

    // ---- deliver

    @Test
    void deliverWithoutFlagsLinksIntoNew() throws IOException {
        Path source = storeFile("Subject: hi\n\nbody\n");
        MaildirFile f = folder.deliver(source, Flags.NONE, RECEIVED);
        assertEquals(root.resolve("new"), f.path().getParent());
        assertTrue(f.inNew());
        assertNull(f.name().info());
        assertTrue(f.name().base().matches("\\d+\\.M\\d+P\\d+Q\\d+\\..+"), f.name().base());
        assertArrayEquals(Files.readAllBytes(source), Files.readAllBytes(f.path()));
        assertEquals(inode(source), inode(f.path()));
        assertEquals(inode(source), f.stat().inode());
        assertEquals(FileTime.from(RECEIVED), Files.getLastModifiedTime(f.path()));
        assertEquals(List.of(), children(root.resolve("tmp")));
        assertEquals(List.of(f), folder.scan());
    }

    @Test
    void deliverWithFlagsLinksIntoCurWithSortedLetters() throws IOException {
        Path source = storeFile("body");
        MaildirFile f = folder.deliver(source, Flags.of(Flag.READ, Flag.REPLIED, Flag.FLAGGED), RECEIVED);
        assertEquals(root.resolve("cur"), f.path().getParent());
        assertFalse(f.inNew());
        assertEquals("FRS", f.name().info());
        assertTrue(f.path().getFileName().toString().endsWith(":2,FRS"));
        assertEquals(Flags.of(Flag.READ, Flag.REPLIED, Flag.FLAGGED), f.flags());
        assertEquals(List.of(), children(root.resolve("tmp")));
        assertEquals(List.of(f), folder.scan());
    }

    @Test
    void deliverWithoutReceivedTimeKeepsTheMtime() throws IOException {
        Path source = storeFile("body");
        Files.setLastModifiedTime(source, FileTime.from(RECEIVED));
        MaildirFile f = folder.deliver(source, Flags.NONE, null);
        assertEquals(FileTime.from(RECEIVED), Files.getLastModifiedTime(f.path()));
    }

    @Test
    void thousandDeliveriesOfOneSourceGetUniqueNames() throws IOException {
        Path source = storeFile("same body");
        Set<String> names = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            names.add(folder.deliver(source, i % 2 == 0 ? Flags.NONE : Flags.of(Flag.READ), RECEIVED).name().base());
        }
        assertEquals(1000, names.size());
        assertEquals(1000, folder.scan().size());
        assertEquals(List.of(), children(root.resolve("tmp")));
    }

    @Test
    void deliverSkipsNamesThatAreTaken() throws IOException {
        FakeTicker fixed = new FakeTicker(RECEIVED);
        MaildirFolder pinned = new MaildirFolder(root, new UniqueNames(fixed, 42, "host"));
        String probe = new UniqueNames(fixed, 42, "host").next();
        long q = Long.parseLong(probe.replaceAll(".*Q(\\d+)\\..*", "$1"));
        String prefix = probe.substring(0, probe.indexOf('Q') + 1);
        for (long i = q + 1; i <= q + 3; i++) {
            write(root.resolve("tmp").resolve(prefix + i + ".host"), "taken");
        }
        write(root.resolve("new").resolve(prefix + (q + 4) + ".host"), "taken");
        MaildirFile f = pinned.deliver(storeFile("body"), Flags.NONE, null);
        assertEquals(prefix + (q + 5) + ".host", f.name().fileName());
        assertEquals("body", Files.readString(f.path()));
        assertEquals("taken", Files.readString(root.resolve("new").resolve(prefix + (q + 4) + ".host")));
        assertEquals(3, children(root.resolve("tmp")).size(), "only the three foreign tmp/ files remain");
    }

    @Test
    void deliverOfAMissingSourceLeavesNothingBehind() throws IOException {
        Path missing = store.resolve("no-such-body");
        NoSuchFileException e = assertThrows(NoSuchFileException.class,
                () -> folder.deliver(missing, Flags.of(Flag.READ), RECEIVED));
        assertEquals(missing.toString(), e.getFile());
        assertEquals(List.of(), children(root.resolve("tmp")));
        assertEquals(List.of(), folder.scan());
    }

    @Test
    void deliverAcrossFileSystemsSaysSo() throws IOException {
        Path shm = Paths.get("/dev/shm");
        assumeTrue(Files.isDirectory(shm) && Files.isWritable(shm), "no /dev/shm");
        assumeFalse(Files.getFileStore(shm).equals(Files.getFileStore(temp)), "/dev/shm is on the same file system");
        Path source = Files.createTempFile(shm, "cms-maildir-test", "");
        try {
            FileSystemException e = assertThrows(FileSystemException.class,
                    () -> folder.deliver(source, Flags.NONE, RECEIVED));
            assertTrue(e.getMessage().contains("different file systems"), e.getMessage());
            assertEquals(List.of(), children(root.resolve("tmp")));
        } finally {
            Files.delete(source);
        }
    }

    /**
     * Issue 12, item 19: each name a delivery makes is told before the system call that makes
     * it, so that a watcher expecting it cannot take the delivery for someone else's change.
     */
    @Test
    void deliverTellsEachNameBeforeMakingIt() throws IOException {
        List<Path> told = new java.util.ArrayList<>();
        List<Boolean> existedWhenTold = new java.util.ArrayList<>();
        MaildirFile f = folder.deliver(storeFile("body"), Flags.of(Flag.READ), RECEIVED, name -> {
            told.add(name);
            existedWhenTold.add(Files.exists(name));
        });
        assertEquals(2, told.size(), told.toString());
        assertEquals(root.resolve("tmp"), told.get(0).getParent());
        assertEquals(f.path(), told.get(1));
        assertEquals(List.of(false, false), existedWhenTold);
    }

    /** A mail reader that renames a new message the instant it appears does not fail the delivery. */
    @Test
    void aDeliveryRenamedAtOnceByAMailReaderStillSucceeds() throws IOException {
        Path[] renamed = {null};
        folder.afterDeliveredLink = dest -> {
            try {
                renamed[0] = Files.move(dest, root.resolve("cur").resolve(dest.getFileName() + ":2,S"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
        MaildirFile f = folder.deliver(storeFile("body"), Flags.NONE, RECEIVED);
        assertEquals(inode(renamed[0]), f.stat().inode(), "the delivered inode, found under its new name");
        try (java.util.stream.Stream<Path> s = Files.list(root.resolve("tmp"))) {
            assertEquals(0, s.count(), "nothing left in tmp/");
        }
    }

    @Test
    void setFlagsTellsBothNamesBeforeTheRename() throws IOException {
        MaildirFile f = folder.deliver(storeFile("body"), Flags.NONE, RECEIVED);
        List<Path> told = new java.util.ArrayList<>();
        List<Boolean> oldNameThere = new java.util.ArrayList<>();
        MaildirFile g = folder.setFlags(f, Flags.of(Flag.READ), name -> {
            told.add(name);
            oldNameThere.add(Files.exists(f.path()));
        });
        assertEquals(List.of(f.path(), g.path()), told);
        assertEquals(List.of(true, true), oldNameThere, "told before the rename");
        told.clear();
        folder.setFlags(g, Flags.of(Flag.READ), told::add);
        assertEquals(List.of(), told, "no rename, nothing told");
    }

    // ---- setFlags

    @Test
    void setFlagsMovesAMessageFromNewToCur() throws IOException {
        MaildirFile f = folder.deliver(storeFile("body"), Flags.NONE, RECEIVED);
        MaildirFile g = folder.setFlags(f, Flags.of(Flag.READ));
        assertEquals(root.resolve("cur").resolve(f.name().base() + ":2,S"), g.path());
        assertFalse(g.inNew());
        assertFalse(Files.exists(f.path()));
        assertEquals(f.stat().inode(), g.stat().inode());
        assertEquals(List.of(g), folder.scan());
    }

    @Test
    void setFlagsKeepsUnmanagedLetters() throws IOException {
        write(root.resolve("cur/x:2,DPaT"), "x");
        MaildirFile f = folder.scan().get(0);
        MaildirFile g = folder.setFlags(f, Flags.of(Flag.FLAGGED, Flag.READ));
        assertEquals(root.resolve("cur/x:2,DFPSa"), g.path());
        assertEquals(Flags.of(Flag.FLAGGED, Flag.READ), g.flags());
        assertEquals(List.of(g), folder.scan());
    }

    @Test
    void clearingAllFlagsKeepsTheMessageInCur() throws IOException {
        write(root.resolve("cur/x:2,S"), "x");
        MaildirFile g = folder.setFlags(folder.scan().get(0), Flags.NONE);
        assertEquals(root.resolve("cur/x:2,"), g.path());
        assertFalse(g.inNew());
        assertTrue(Files.exists(g.path()));
    }

    @Test
    void setFlagsWithTheSameFlagsChangesNothing() throws IOException {
        write(root.resolve("cur/x:2,SD"), "x");
        MaildirFile f = folder.scan().get(0);
        assertSame(f, folder.setFlags(f, Flags.of(Flag.READ)));
        assertTrue(Files.exists(root.resolve("cur/x:2,SD")));
        write(root.resolve("new/y"), "y");
        MaildirFile y = scanByName().get("y");
        assertSame(y, folder.setFlags(y, Flags.NONE));
        assertTrue(Files.exists(root.resolve("new/y")));
    }

    @Test
    void setFlagsOnAVanishedFileThrowsNoSuchFile() throws IOException {
        write(root.resolve("cur/x:2,S"), "x");
        MaildirFile f = folder.scan().get(0);
        Files.move(f.path(), root.resolve("cur/x:2,RS"));
        assertThrows(NoSuchFileException.class, () -> folder.setFlags(f, Flags.of(Flag.FLAGGED)));
        assertEquals(Set.of("x:2,RS"), scanByName().keySet());
    }

    @Test
    void setFlagsNeverReplacesAnotherFile() throws IOException {
        write(root.resolve("cur/x:2,S"), "mine");
        write(root.resolve("cur/x:2,FS"), "someone else's");
        MaildirFile f = scanByName().get("x:2,S");
        assertThrows(FileAlreadyExistsException.class, () -> folder.setFlags(f, Flags.of(Flag.FLAGGED, Flag.READ)));
        assertEquals("mine", Files.readString(root.resolve("cur/x:2,S")));
        assertEquals("someone else's", Files.readString(root.resolve("cur/x:2,FS")));
    }

    // ---- remove

    @Test
    void removeDeletesOnceThenReportsGone() throws IOException {
        Path source = storeFile("body");
        MaildirFile f = folder.deliver(source, Flags.of(Flag.READ), RECEIVED);
        assertTrue(folder.remove(f));
        assertFalse(Files.exists(f.path()));
        assertTrue(Files.exists(source), "the store's link survives");
        assertFalse(folder.remove(f));
        assertEquals(List.of(), folder.scan());
    }

    // ---- helpers

    private static Runnable onceThenNothing(IoAction action) {
        boolean[] done = {false};
        return () -> {
            if (!done[0]) {
                done[0] = true;
                action.run();
            }
        };
    }

    private static void move(Path from, Path to) {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void delete(Path p) {
        try {
            Files.delete(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FunctionalInterface
    private interface IoAction {
        void run();
    }
}
