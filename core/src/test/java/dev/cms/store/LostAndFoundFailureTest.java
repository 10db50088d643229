package dev.cms.store;

import static dev.cms.store.TestStreams.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.fs.FaultyFileOps;
import dev.cms.fs.FaultyFileOps.Fault;
import dev.cms.fs.FaultyFileOps.Kind;
import dev.cms.fs.FileOps;
import dev.cms.fs.ForwardingFileOps;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A move to lost+found that fails half-way leaves the user's file where it was and nothing in
 * lost+found: no second copy to confuse, no partial one. Faults come from {@link FaultyFileOps};
 * a link across devices is played by {@link CrossDevice}, so the copy path runs on one file system.
 */
class LostAndFoundFailureTest {
    static final byte[] MINE = bytes("Subject: mine\n\nwritten by hand, never in the cloud\n");

    @TempDir Path tmp;

    /** Links fail as between two file systems ("Invalid cross-device link"); the rest is {@code real}'s. */
    static final class CrossDevice extends ForwardingFileOps {
        CrossDevice(FileOps real) {
            super(real);
        }

        @Override
        public void createLink(Path link, Path existing) throws IOException {
            throw new FileSystemException(link.toString(), existing.toString(), "Invalid cross-device link");
        }
    }

    private Path mine() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("mail/cur"));
        return Files.write(dir.resolve("1700000000.mine.host:2,S"), MINE);
    }

    private List<Path> lostAndFound() throws IOException {
        try (Stream<Path> s = Files.list(tmp.resolve("state/lost+found"))) {
            return s.toList();
        }
    }

    /** The link is made, the removal of the original fails: the link goes, the original stays. */
    @Test
    void aFailedRemovalOfTheOriginalTakesTheLinkBack() throws IOException {
        FaultyFileOps files = new FaultyFileOps(FileOps.SYSTEM);
        MessageStore store = MessageStore.open(tmp.resolve("state"), files);
        Path file = mine();
        files.failAt(Kind.DELETE, 1, Fault.EIO);

        IOException e = assertThrows(IOException.class, () -> store.moveToLostFound(file));
        assertTrue(e.getMessage().contains("Input/output error"), e.getMessage());
        assertArrayEquals(MINE, Files.readAllBytes(file), "the user's file is where it was");
        assertEquals(List.of(), lostAndFound(), "and not in lost+found as well");

        Path moved = store.moveToLostFound(file);
        assertEquals(List.of(moved), lostAndFound(), "a later move takes its own name, not a suffix");
        assertEquals(file.getFileName(), moved.getFileName());
    }

    @Test
    void acrossDevicesTheFileIsCopiedThenRemoved() throws IOException {
        MessageStore store = MessageStore.open(tmp.resolve("state"), new CrossDevice(FileOps.SYSTEM));
        Path file = mine();
        Path moved = store.moveToLostFound(file);
        assertArrayEquals(MINE, Files.readAllBytes(moved));
        assertTrue(Files.notExists(file));
    }

    /** A copy across devices whose write fails half-way (a full disk) leaves no partial copy. */
    @Test
    void aFailedCopyAcrossDevicesLeavesNoPartialFile() throws IOException {
        FaultyFileOps files = new FaultyFileOps(FileOps.SYSTEM);
        MessageStore store = MessageStore.open(tmp.resolve("state"), new CrossDevice(files));
        Path file = mine();
        files.failAt(Kind.WRITE, 1, Fault.ENOSPC);

        assertThrows(IOException.class, () -> store.moveToLostFound(file));
        assertArrayEquals(MINE, Files.readAllBytes(file));
        assertEquals(List.of(), lostAndFound(), "no partial copy");
    }

    /** The copy is written but cannot be made durable: it is removed, the original kept. */
    @Test
    void aCopyThatCannotBeSyncedIsRemoved() throws IOException {
        FaultyFileOps files = new FaultyFileOps(FileOps.SYSTEM);
        MessageStore store = MessageStore.open(tmp.resolve("state"), new CrossDevice(files));
        Path file = mine();
        files.failAt(Kind.FSYNC, 1, Fault.EIO);

        assertThrows(IOException.class, () -> store.moveToLostFound(file));
        assertArrayEquals(MINE, Files.readAllBytes(file));
        assertEquals(List.of(), lostAndFound());
    }
}
