package dev.cms.store;

import static dev.cms.store.TestStreams.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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

class StatIndexTest {
    @TempDir
    Path tmp;

    MessageStore store;
    Path maildir;

    @BeforeEach
    void open() throws IOException {
        store = MessageStore.open(tmp.resolve("state"));
        maildir = Files.createDirectories(tmp.resolve("mail"));
    }

    private static FileStat stat(Path p) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, "unix:ino,size,lastModifiedTime,ctime", LinkOption.NOFOLLOW_LINKS);
        return new FileStat((Long) a.get("ino"), (Long) a.get("size"),
                ((FileTime) a.get("lastModifiedTime")).to(TimeUnit.NANOSECONDS),
                ((FileTime) a.get("ctime")).to(TimeUnit.NANOSECONDS));
    }

    private ContentHash ingest(String body) throws IOException {
        return store.ingest(new ByteArrayInputStream(bytes(body)));
    }

    /** Issue 18, item 1: a renamed link to a store body keeps that body's hash, whatever its bytes. */
    @Test
    void aRenamedLinkToAStoreBodyKeepsItsHashWithoutBeingRead() throws IOException {
        ContentHash h = ingest("Subject: s\r\n\r\nbody\r\n");
        Path file = Files.createLink(maildir.resolve("m"), store.path(h));
        StatIndex index = new StatIndex(store, Map.of());
        index.record(stat(file), h, "m");
        // Bytes that no longer hash to h (as a body stored under an older rule would), then a
        // rename that changes the ctime: the file is still the body stored as h.
        Files.write(file, bytes("Subject: s\n\nbody\r\n\r\n"));
        Path renamed = Files.move(file, maildir.resolve("m:2,S"));
        FileStat now = stat(renamed);

        assertEquals(h, index.hashOf(renamed, now, "m"));
        assertEquals(0, index.hashedSinceCommit(), "the file was not read");
        assertEquals(h, new StatIndex(store, Map.of(now.inode(), new StatIndex.Entry(new FileStat(now.inode(), 0, 0, 0), h, "m")))
                .hashOf(renamed, now, "m"), "also when the stored stat is stale");
    }

    @Test
    void aChangedFileThatIsNotAStoreBodyIsHashedAgain() throws IOException {
        Path file = Files.write(maildir.resolve("mine"), bytes("Subject: mine\n\none\n"));
        StatIndex index = new StatIndex(store, Map.of());
        ContentHash first = index.hashOf(file, stat(file), "mine");
        Files.write(file, bytes("Subject: mine\n\ntwo, longer\n"));

        ContentHash second = index.hashOf(file, stat(file), "mine");

        assertNotEquals(first, second);
        assertEquals(MessageStore.hashOf(file), second);
        assertEquals(2, index.hashedSinceCommit());
    }

    @Test
    void aCopyOfAStoreBodyIsHashedFromItsBytes() throws IOException {
        ContentHash h = ingest("Subject: c\r\n\r\ncopy\r\n");
        Path copy = Files.copy(store.path(h), maildir.resolve("copy"));
        StatIndex index = new StatIndex(store, Map.of(stat(copy).inode(),
                new StatIndex.Entry(new FileStat(stat(copy).inode(), 1, 1, 1), h, "copy")));

        assertEquals(h, index.hashOf(copy, stat(copy), "copy"));
        assertEquals(1, index.hashedSinceCommit(), "not the store's inode: read and hashed");
    }

    /**
     * Issue 15 (state on disk): once a complete look has used the rows read at start-up, the
     * index keeps none in memory; a renamed store link is then found by inode in state.db, still
     * without reading the file, and a later complete look drops the rows of files gone.
     */
    @Test
    void afterTheFirstCompleteLookEntriesComeFromStateDbNotMemory() throws IOException {
        ContentHash h = ingest("Subject: d\r\n\r\ndisk\r\n");
        Path file = Files.createLink(maildir.resolve("d"), store.path(h));
        Path other = Files.write(maildir.resolve("other"), bytes("Subject: o\n\nother\n"));
        try (StateDb db = StateDb.open(tmp.resolve("state.db"))) {
            StatIndex first = new StatIndex(store, Map.of(), db::statEntry);
            first.record(stat(file), h, "d");
            first.hashOf(other, stat(other), "other");
            commit(db, first, true);

            StatIndex index = new StatIndex(store, db.loadStatIndex(), db::statEntry);
            assertEquals(2, index.size(), "start-up holds the rows it read");
            assertEquals(h, index.hashOf(file, stat(file), "d"));
            index.hashOf(other, stat(other), "other");
            commit(db, index, true);
            assertEquals(0, index.size(), "after the first complete look, no entry per file in memory");

            Files.write(file, bytes("Subject: d\n\nbytes that no longer hash to h\n"));
            Path renamed = Files.move(file, maildir.resolve("d:2,S"));
            assertEquals(h, index.hashOf(renamed, stat(renamed), "d"), "found by inode in state.db");
            assertEquals(0, index.hashedSinceCommit(), "the file was not read");

            long gone = stat(other).inode();
            Files.delete(other);
            commit(db, index, true);
            assertEquals(null, db.statEntry(gone), "a later complete look drops the rows of files gone");
            assertEquals(h, db.statEntry(stat(renamed).inode()).hash());
        }
    }

    /**
     * The rows read at start-up: a file unchanged since is known without being read; one seen by
     * an incomplete look and gone before the first complete one loses its row then, like one
     * never seen at all.
     */
    @Test
    void startUpRowsAreUsedUnreadAndThoseOfFilesGoneAreDroppedByTheFirstCompleteLook() throws IOException {
        Path kept = Files.write(maildir.resolve("kept"), bytes("Subject: k\n\nkept\n"));
        Path seenThenGone = Files.write(maildir.resolve("seen"), bytes("Subject: s\n\nseen\n"));
        Path neverSeen = Files.write(maildir.resolve("never"), bytes("Subject: n\n\nnever\n"));
        try (StateDb db = StateDb.open(tmp.resolve("state.db"))) {
            StatIndex first = new StatIndex(store, Map.of(), db::statEntry);
            ContentHash k = first.hashOf(kept, stat(kept), "kept");
            first.hashOf(seenThenGone, stat(seenThenGone), "seen");
            first.hashOf(neverSeen, stat(neverSeen), "never");
            commit(db, first, true);

            StatIndex index = new StatIndex(store, db.loadStatIndex(), db::statEntry);
            assertTrue(index.unchangedSinceLoad(stat(kept), "kept"));
            assertFalse(index.unchangedSinceLoad(stat(kept), "kept:2,S"), "another name is a change");
            long seenInode = stat(seenThenGone).inode();
            long neverInode = stat(neverSeen).inode();
            assertEquals(k, index.hashOf(kept, stat(kept), "kept"));
            index.hashOf(seenThenGone, stat(seenThenGone), "seen");
            assertEquals(0, index.hashedSinceCommit(), "unchanged files are not read");
            commit(db, index, false);

            Files.delete(seenThenGone);
            Files.delete(neverSeen);
            index.hashOf(kept, stat(kept), "kept");
            commit(db, index, true);
            assertEquals(null, db.statEntry(seenInode), "seen before, gone at the complete look");
            assertEquals(null, db.statEntry(neverInode));
            assertEquals(k, db.statEntry(stat(kept).inode()).hash());
        }
    }

    private static void commit(StateDb db, StatIndex index, boolean complete) throws IOException {
        StateDb.CycleCommit c = new StateDb.CycleCommit();
        index.drainInto(c, complete);
        db.commit(c);
    }
}
