package dev.cms.maildir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.cms.model.Flags;
import dev.cms.time.Ticker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Maildir listings read while the engine loads its state: handed out once, and only when
 * nothing changed in that Maildir between the watch being set and the listing being taken,
 * whether the change came before or after the listing was read; the other Maildirs' listings
 * are unaffected, and nothing is left in {@code tmp/}.
 */
class ScanAheadTest {
    @TempDir Path temp;

    private List<MaildirFolder> twoMaildirs() throws IOException {
        return twoMaildirs(temp);
    }

    private static List<MaildirFolder> twoMaildirs(Path in) throws IOException {
        MaildirFolder a = MaildirFolder.open(in.resolve("a"));
        MaildirFolder b = MaildirFolder.open(in.resolve("b"));
        for (MaildirFolder f : List.of(a, b)) {
            for (int i = 0; i < 5; i++) {
                Path body = Files.writeString(in.resolve("body-" + f.root().getFileName() + i),
                        "Subject: " + i + "\n\nx\n");
                f.deliver(body, i % 2 == 0 ? Flags.NONE : Flags.fromLetters("S"), null);
            }
        }
        return List.of(a, b);
    }

    private static Set<Path> paths(List<MaildirFile> files) {
        return files.stream().map(MaildirFile::path).collect(Collectors.toSet());
    }

    private static ScanAhead startListed(List<MaildirFolder> folders) throws Exception {
        ScanAhead a = assertNotNull(ScanAhead.start(folders, Ticker.SYSTEM));
        a.awaitListed();
        return a;
    }

    private static <T> T assertNotNull(T t) {
        org.junit.jupiter.api.Assertions.assertNotNull(t);
        return t;
    }

    @Test
    void anUnchangedMaildirsListingIsHandedOutOnceAndEqualsAFreshScan() throws Exception {
        List<MaildirFolder> folders = twoMaildirs();
        try (ScanAhead a = startListed(folders)) {
            List<MaildirFile> listed = a.take(1);
            assertNotNull(listed);
            assertEquals(folders.get(1).scan(), listed);
            assertNull(a.take(1), "once");
            assertEquals(paths(folders.get(0).scan()), paths(assertNotNull(a.take(0))));
        }
        for (MaildirFolder f : folders) {
            try (Stream<Path> s = Files.list(f.root().resolve("tmp"))) {
                assertEquals(0, s.count(), "the marker is gone from " + f.root());
            }
        }
    }

    @Test
    void aFlagChangedAfterTheListingWasReadLosesThatMaildirsListingOnly() throws Exception {
        List<MaildirFolder> folders = twoMaildirs();
        try (ScanAhead a = startListed(folders)) {
            MaildirFile f = folders.get(0).scan().get(0);
            Files.move(f.path(), f.path().resolveSibling(f.name().base() + ":2,FS"));
            assertNull(a.take(0), "a rename after the listing: read again");
            assertNotNull(a.take(1));
        }
    }

    @Test
    void aFileWrittenInPlaceAfterTheListingLosesTheListing() throws Exception {
        List<MaildirFolder> folders = twoMaildirs();
        try (ScanAhead a = startListed(folders)) {
            MaildirFile f = folders.get(1).scan().get(0);
            Files.writeString(f.path(), "edited\n", StandardOpenOption.APPEND);
            assertNull(a.take(1), "its stat data changed: read again");
            assertNotNull(a.take(0));
        }
    }

    @Test
    void aNewOrRemovedFileLosesTheListing() throws Exception {
        List<MaildirFolder> folders = twoMaildirs();
        try (ScanAhead a = startListed(folders)) {
            Files.writeString(folders.get(0).root().resolve("new/1.M1P1.host"), "Subject: new\n\nx\n");
            Files.delete(folders.get(1).scan().get(0).path());
            assertNull(a.take(0));
            assertNull(a.take(1));
        }
    }

    @Test
    void aChangeWhileTheListingIsBeingReadLosesIt() throws Exception {
        List<MaildirFolder> folders = twoMaildirs();
        MaildirFolder first = folders.get(0);
        MaildirFile f = first.scan().get(0);
        // Renamed between the listing of the names and the reading of their stat data.
        first.beforeStat = () -> {
            first.beforeStat = () -> { };
            try {
                Files.move(f.path(), f.path().resolveSibling(f.name().base() + ":2,T"));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        try (ScanAhead a = startListed(folders)) {
            assertNull(a.take(0));
        }
    }

    @Test
    void nothingIsHandedOutAfterClose() throws Exception {
        List<MaildirFolder> folders = twoMaildirs();
        ScanAhead a = startListed(folders);
        a.close();
        assertNull(a.take(0));
    }

    @Test
    void aMaildirWithoutTmpGetsNoListingAhead() throws Exception {
        List<MaildirFolder> folders = twoMaildirs();
        Path tmp = folders.get(0).root().resolve("tmp");
        Files.delete(tmp);
        Files.writeString(tmp, "not a directory");
        assertNull(ScanAhead.start(folders, Ticker.SYSTEM), "no marker possible: the caller lists");
        assertNull(ScanAhead.start(List.of(), Ticker.SYSTEM));
    }

    @Test
    void aDeliveryThroughTmpAfterTheListingLosesTheListing() throws Exception {
        // The tmp/ directory's key, queued by the delivery's first step, comes out before the
        // new/ directory's: draining must not stop at the marker's key.
        for (int run = 0; run < 20; run++) {
            List<MaildirFolder> folders = twoMaildirs(temp.resolve("run" + run));
            try (ScanAhead a = startListed(folders)) {
                Path root = folders.get(0).root();
                Path tmpFile = Files.writeString(root.resolve("tmp/2.M2P2.host"), "Subject: delivered\n\nx\n");
                Files.move(tmpFile, root.resolve("new/2.M2P2.host"));
                assertNull(a.take(0), "run " + run);
                assertNotNull(a.take(1));
            }
        }
    }

    @Test
    void eachTakeSeesTheChangesMadeBeforeItNotOnlyTheFirst() throws Exception {
        List<MaildirFolder> folders = twoMaildirs();
        try (ScanAhead a = startListed(folders)) {
            assertNotNull(a.take(0));
            MaildirFile f = folders.get(1).scan().get(0);
            Files.move(f.path(), f.path().resolveSibling(f.name().base() + ":2,FS"));
            assertNull(a.take(1), "changed after the first take, before its own");
        }
    }

    @Test
    void aMaildirReplacedByAnotherDirectoryLosesTheListing() throws Exception {
        List<MaildirFolder> folders = twoMaildirs();
        MaildirFolder other = MaildirFolder.open(temp.resolve("other"));
        try (ScanAhead a = startListed(folders)) {
            // No event: the watched directories themselves do not change.
            Path root = folders.get(1).root();
            Files.move(root, temp.resolve("b.old"));
            Files.move(other.root(), root);
            assertNull(a.take(1), "its cur/ and new/ are other directories now");
            assertNotNull(a.take(0));
        }
    }

    @Test
    void twoMaildirsThatAreOneDirectoryBothLoseTheirListings() throws Exception {
        List<MaildirFolder> folders = twoMaildirs();
        Path link = Files.createSymbolicLink(temp.resolve("a-link"), folders.get(0).root());
        List<MaildirFolder> shared = List.of(folders.get(0), MaildirFolder.open(link), folders.get(1));
        try (ScanAhead a = startListed(shared)) {
            MaildirFile f = folders.get(0).scan().get(0);
            Files.move(f.path(), f.path().resolveSibling(f.name().base() + ":2,FS"));
            assertNull(a.take(0));
            assertNull(a.take(1), "the same directories under another name");
            assertNotNull(a.take(2));
        }
    }
}
