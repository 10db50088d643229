package dev.cms.sync;

import static dev.cms.sync.SyncFixture.hash;
import static dev.cms.testing.TextAssert.assertThatText;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.model.ContentHash;
import dev.cms.model.Flag;
import dev.cms.model.Flags;
import dev.cms.provider.memory.InMemoryMailbox;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, item 2: a restart takes state.db's word for which bodies the store holds instead of
 * looking at every file in {@code hashes/}; a body that went missing behind the daemon's back is
 * downloaded again when it is needed, and garbage collection still lists the store, keeps every
 * body something refers to and removes the others (those a crash left unrecorded too).
 */
class StoreAtStartupTest {
    private static final String KEY = "o365:a@b.c:inbox";

    @TempDir
    java.nio.file.Path tmp;

    private SyncFixture fx;

    @AfterEach
    void closeFixture() throws Exception {
        if (fx != null) {
            fx.close();
        }
    }

    private SyncFixture single(InMemoryMailbox cloud) throws Exception {
        fx = new SyncFixture(tmp, 1, List.of(cloud), Router.defaultOnly());
        return fx.start(false);
    }

    /** A start after a clean run does not list the store (issue 15: restart near the floor). */
    @Test
    void aRestartAfterACleanRunListsTheStoreOnlyForTheIdRecordsCheck() throws Exception {
        InMemoryMailbox cloud = InMemoryMailbox.likeOffice365(KEY);
        for (int i = 0; i < 20; i++) {
            cloud.add(Messages.message("m" + i), Flags.NONE, null);
        }
        single(cloud);
        fx.cycleOk();

        fx.start(false);
        long atStart = fx.store.listings();
        assertTrue(atStart <= 1, "the id records' check may list hashes/ once, the engine not at all: " + atStart);
        assertTrue(fx.cycleOk().idle());
        assertTrue(fx.cycleOk().idle());
        assertEquals(atStart, fx.store.listings(), "nothing to collect after a clean run");
    }

    @Test
    void aDownloadedBodyRemovedByHandBeforeItWasDeliveredIsDownloadedAgain() throws Exception {
        InMemoryMailbox cloud = InMemoryMailbox.likeOffice365(KEY);
        byte[] body = Messages.message("a");
        String a = cloud.add(body, Flags.of(Flag.FLAGGED), null);
        single(cloud);
        // An earlier run downloaded and recorded the body, then stopped before delivering it.
        ContentHash h = fx.store.ingest(new ByteArrayInputStream(body));
        fx.store.sync();
        fx.store.recordIds("o365:a@b.c", Map.of(a, h));
        fx.db.recordContent(KEY, Map.of(a, h));
        // While stopped, the body goes from the store.
        Files.delete(fx.store.path(h));
        fx.start(false);

        CycleReport first = fx.cycle();
        CycleReport second = first.ok() ? first : fx.cycleOk();

        assertEquals(Map.of(h, Flags.of(Flag.FLAGGED)), fx.local(0), "the message reached the Maildir");
        assertTrue(Files.isRegularFile(fx.store.path(h)), "and the store again");
        assertEquals(1, cloud.bodiesServed(), "downloaded once: " + first + " / " + second);
        assertTrue(cloud.deletions().isEmpty());
        assertTrue(cloud.ids().contains(a));
        assertEquals(List.of(), fx.lostAndFound());
        assertTrue(fx.cycleOk().idle());
    }

    @Test
    void aBodyRemovedByHandWhileItsMaildirCopyStaysLosesNothing() throws Exception {
        InMemoryMailbox cloud = InMemoryMailbox.likeOffice365(KEY);
        byte[] body = Messages.message("a");
        String a = cloud.add(body, Flags.NONE, null);
        String b = cloud.add(Messages.message("b"), Flags.NONE, null);
        single(cloud);
        fx.cycleOk();
        Files.delete(fx.store.path(hash(body)));
        fx.start(false);
        assertTrue(fx.cycleOk().idle(), "nothing to deliver: the Maildir copy is there");
        assertTrue(fx.cycleOk().idle(), "a start after a clean run does not list the store");

        cloud.setFlags(a, Flags.of(Flag.READ));
        cloud.remove(b); // a deletion: garbage collection runs, lists the store and finds a's body gone
        CycleReport r = fx.cycleOk();
        fx.cycleOk();

        assertEquals(1, r.removed());
        assertEquals(Map.of(hash(body), Flags.of(Flag.READ)), fx.local(0));
        assertTrue(cloud.deletions().isEmpty());
        assertFalse(Files.exists(fx.store.path(hash(Messages.message("b")))), "b's body went");
        assertTrue(Files.isRegularFile(fx.store.path(hash(body))),
                "the collection found it missing; the next cycle linked the Maildir's copy back");
        assertEquals(2, cloud.bodiesServed(), "nothing downloaded again");
    }

    @Test
    void garbageCollectionKeepsReferencedBodiesAndRemovesTheOthersThoseACrashLeftToo() throws Exception {
        InMemoryMailbox cloud = InMemoryMailbox.likeOffice365(KEY);
        byte[] ba = Messages.message("a");
        byte[] bb = Messages.message("b");
        cloud.add(ba, Flags.NONE, null);
        String b = cloud.add(bb, Flags.NONE, null);
        single(cloud);
        fx.cycleOk();
        // A crash between storing a body and recording it leaves it in hashes/, unknown to state.db.
        byte[] orphanBody = Messages.message("orphan");
        ContentHash orphan = fx.store.ingest(new ByteArrayInputStream(orphanBody));
        fx.start(false);

        assertTrue(fx.cycleOk().idle());
        assertTrue(Files.exists(fx.store.path(orphan)), "a start after a clean cycle does not list the store");
        assertTrue(Files.isRegularFile(fx.store.path(hash(ba))));
        assertTrue(Files.isRegularFile(fx.store.path(hash(bb))));

        // A new message arrives and another is deleted in the same cycle: the new body stays.
        byte[] bc = Messages.message("c");
        cloud.add(bc, Flags.NONE, null);
        cloud.remove(b);
        CycleReport r = fx.cycleOk();
        assertEquals(1, r.fetched());
        assertFalse(Files.exists(fx.store.path(orphan)), "the first collection after the start takes what a crash left");
        assertFalse(Files.exists(fx.store.path(hash(bb))), "an unreferenced body goes");
        assertTrue(Files.isRegularFile(fx.store.path(hash(ba))), "a referenced one stays");
        assertTrue(Files.isRegularFile(fx.store.path(hash(bc))), "and so does the one just downloaded");
        assertEquals(Map.of(hash(ba), Flags.NONE, hash(bc), Flags.NONE), fx.local(0));

        // After a restart, the same: a body still referenced is never collected.
        fx.start(false);
        cloud.add(Messages.message("d"), Flags.NONE, null);
        assertEquals(1, fx.cycleOk().fetched());
        assertTrue(Files.isRegularFile(fx.store.path(hash(ba))));
        assertTrue(Files.isRegularFile(fx.store.path(hash(bc))));
    }
}
