package dev.cms.store;

import static dev.cms.store.TestStreams.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.model.ContentHash;
import dev.cms.model.FileStat;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where the stat index finds what it knows of a file: what the caller knew of the path, the
 * rows read at start-up, or state.db once those are dropped; and which rows a complete look
 * removes. Each answer is told apart by a remembered hash that is not the file's own (so a
 * file that was read shows as its real hash).
 */
class StatIndexKnownTest {
    @TempDir Path tmp;

    MessageStore store;
    Path maildir;
    /** A hash no file here has: remembered answers carry it. */
    ContentHash remembered;

    @BeforeEach
    void open() throws IOException {
        store = MessageStore.open(tmp.resolve("state"));
        maildir = Files.createDirectories(tmp.resolve("mail"));
        remembered = store.ingest(new ByteArrayInputStream(bytes("Subject: elsewhere\r\n\r\nnot here\r\n")));
    }

    private static FileStat stat(Path p) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, "unix:ino,size,lastModifiedTime,ctime", LinkOption.NOFOLLOW_LINKS);
        return new FileStat((Long) a.get("ino"), (Long) a.get("size"),
                ((FileTime) a.get("lastModifiedTime")).to(TimeUnit.NANOSECONDS),
                ((FileTime) a.get("ctime")).to(TimeUnit.NANOSECONDS));
    }

    private Path file(String name, String text) throws IOException {
        return Files.write(maildir.resolve(name), bytes(text));
    }

    @Test
    void whatTheCallerKnewOfThePathIsUsedWhenItIsTheSameInode() throws IOException {
        Path f = file("f", "Subject: f\n\nf\n");
        FileStat st = stat(f);
        StatIndex index = new StatIndex(store, Map.of(), inode -> null);

        assertEquals(remembered, index.hashOf(f, st, "f", new StatIndex.Entry(st, remembered, "f")));
        assertEquals(0, index.hashedSinceCommit(), "not read");

        Path g = file("g", "Subject: g\n\ng\n");
        FileStat other = new FileStat(stat(g).inode() + 1_000_000, st.size(), st.mtimeNanos(), st.ctimeNanos());
        StatIndex fresh = new StatIndex(store, Map.of(), inode -> null);
        assertEquals(MessageStore.hashOf(g), fresh.hashOf(g, stat(g), "g", new StatIndex.Entry(other, remembered, "g")),
                "an entry of another inode is not this file's");
        assertEquals(1, fresh.hashedSinceCommit());
    }

    @Test
    void stateDbIsAskedOnlyOnceTheStartupRowsAreDropped() throws IOException {
        Path f = file("f", "Subject: f\n\nf\n");
        FileStat st = stat(f);
        StatIndex.Lookup db = inode -> inode == st.inode() ? new StatIndex.Entry(st, remembered, "f") : null;

        StatIndex dropped = new StatIndex(store, Map.of(), db);
        assertEquals(remembered, dropped.hashOf(f, st, "f"), "no start-up rows: state.db answers");

        FileStat someoneElse = new FileStat(st.inode() + 1_000_000, 1, 2, 3);
        StatIndex holding = new StatIndex(store, Map.of(someoneElse.inode(), new StatIndex.Entry(someoneElse, remembered, "x")), db);
        assertEquals(MessageStore.hashOf(f), holding.hashOf(f, st, "f"),
                "while the start-up rows are held, a file not among them is new: read, state.db not asked");
    }

    /**
     * Start-up tells what changed while stopped by the rows it read: a file is unchanged when
     * its stat and name are exactly as recorded; the rows are held until a complete look.
     */
    @Test
    void aFileIsUnchangedSinceLoadOnlyWithTheSameStatAndName() throws IOException {
        FileStat st = new FileStat(42, 10, 20, 30);
        StatIndex index = new StatIndex(store, Map.of(42L, new StatIndex.Entry(st, remembered, "m")));
        assertTrue(index.holdsLoadedRows());
        assertTrue(index.unchangedSinceLoad(st, "m"));
        assertFalse(index.unchangedSinceLoad(st, "renamed"), "another name");
        assertFalse(index.unchangedSinceLoad(new FileStat(42, 10, 21, 30), "m"), "another mtime");
        assertFalse(index.unchangedSinceLoad(new FileStat(43, 10, 20, 30), "m"), "an inode not recorded");

        index.drainInto(new StateDb.CycleCommit(), false);
        assertTrue(index.holdsLoadedRows(), "an incomplete look keeps them");
        index.drainInto(new StateDb.CycleCommit(), true);
        assertFalse(index.holdsLoadedRows(), "a complete look has used them");
        assertFalse(index.unchangedSinceLoad(st, "m"), "and then nothing can be told");
        assertFalse(new StatIndex(store, Map.of()).holdsLoadedRows());
    }

    /** A complete look removes the start-up rows of files it did not see; an incomplete one keeps them. */
    @Test
    void aCompleteLookRemovesTheRowsOfFilesNotSeen() throws IOException {
        Path kept = file("kept", "Subject: k\n\nkept\n");
        Path gone = file("gone", "Subject: g\n\ngone\n");
        try (StateDb db = StateDb.open(tmp.resolve("state/state.db"))) {
            StatIndex first = new StatIndex(store, Map.of(), db::statEntry);
            first.hashOf(kept, stat(kept), "kept");
            first.hashOf(gone, stat(gone), "gone");
            commit(db, first, true);
            long goneInode = stat(gone).inode();
            Files.delete(gone);

            StatIndex index = new StatIndex(store, db.loadStatIndex(), db::statEntry);
            index.hashOf(kept, stat(kept), "kept");
            commit(db, index, false);
            assertNotNull(db.statEntry(goneInode), "a look that did not list everything removes nothing");

            index.hashOf(kept, stat(kept), "kept");
            commit(db, index, true);
            assertNull(db.statEntry(goneInode), "the complete look removes the row of the file gone");
            assertEquals(MessageStore.hashOf(kept), db.statEntry(stat(kept).inode()).hash());
        }
    }

    private static void commit(StateDb db, StatIndex index, boolean complete) throws IOException {
        StateDb.CycleCommit c = new StateDb.CycleCommit();
        index.drainInto(c, complete);
        db.commit(c);
    }
}
