package dev.cms.store;

import static dev.cms.store.TestStreams.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;

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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file known by its inode keeps its hash without being read, and {@code state.db} learns its
 * new name and stat: the journal finds a file's content by the name the stat index recorded,
 * so a name left stale would lose a change journaled for the renamed file.
 */
class StatIndexNamesTest {
    @TempDir Path tmp;

    private static FileStat stat(Path p) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, "unix:ino,size,lastModifiedTime,ctime", LinkOption.NOFOLLOW_LINKS);
        return new FileStat((Long) a.get("ino"), (Long) a.get("size"),
                ((FileTime) a.get("lastModifiedTime")).to(TimeUnit.NANOSECONDS),
                ((FileTime) a.get("ctime")).to(TimeUnit.NANOSECONDS));
    }

    private static StatIndex.Entry committed(StateDb db, StatIndex index, long inode) throws IOException {
        StateDb.CycleCommit c = new StateDb.CycleCommit();
        index.drainInto(c, false);
        db.commit(c);
        return db.statEntry(inode);
    }

    @Test
    void aRenamedFileWithTheSameStatIsRecordedUnderItsNewName() throws IOException {
        MessageStore store = MessageStore.open(tmp.resolve("state"));
        ContentHash h = store.ingest(new ByteArrayInputStream(bytes("Subject: s\r\n\r\nbody\r\n")));
        try (StateDb db = StateDb.open(tmp.resolve("state/state.db"))) {
            FileStat st = new FileStat(5, 100, 1, 1);
            StatIndex index = new StatIndex(store, Map.of(5L, new StatIndex.Entry(st, h, "m")));
            Path renamed = tmp.resolve("m:2,S"); // never read: the stat is the same
            assertEquals(h, index.hashOf(renamed, st, "m:2,S"));
            assertEquals(0, index.hashedSinceCommit());
            assertEquals(new StatIndex.Entry(st, h, "m:2,S"), committed(db, index, 5));
        }
    }

    @Test
    void aStoreBodyWhoseStatChangedIsRecordedWithItsNewStatAndName() throws IOException {
        MessageStore store = MessageStore.open(tmp.resolve("state"));
        ContentHash h = store.ingest(new ByteArrayInputStream(bytes("Subject: s\r\n\r\nbody\r\n")));
        Path maildir = Files.createDirectories(tmp.resolve("mail"));
        Path file = Files.createLink(maildir.resolve("m"), store.path(h));
        FileStat before = stat(file);
        try (StateDb db = StateDb.open(tmp.resolve("state/state.db"))) {
            StatIndex index = new StatIndex(store, Map.of(before.inode(), new StatIndex.Entry(before, h, "m")));
            FileStat now = new FileStat(before.inode(), before.size(), before.mtimeNanos(), before.ctimeNanos() + 1);
            assertEquals(h, index.hashOf(maildir.resolve("m:2,S"), now, "m:2,S"));
            assertEquals(0, index.hashedSinceCommit(), "still the store's body: not read");
            assertEquals(new StatIndex.Entry(now, h, "m:2,S"), committed(db, index, before.inode()));
        }
    }
}
