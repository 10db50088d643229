package dev.cms.sync;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.model.ContentHash;
import dev.cms.store.MessageStore;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which bodies count as stored: at a start every body {@code state.db} names, without reading
 * {@code hashes/}; only a body found missing since then can make a snapshot's look-up come out
 * false, so a start looks through its snapshots for missing bodies only after one was.
 */
class BodiesTest {
    @TempDir Path tmp;

    @Test
    void onlyABodyFoundMissingMakesAStartLookForMissingBodies() throws Exception {
        Bodies bodies = new Bodies(MessageStore.open(tmp.resolve("state")));
        ContentHash a = SyncFixture.hash(Messages.message("a"));
        ContentHash b = SyncFixture.hash(Messages.message("b"));
        bodies.assumeStored(a);
        assertTrue(bodies.have(a, List.of()), "taken to be stored without looking at hashes/");
        assertFalse(bodies.anyFoundMissing());

        bodies.missing(b, List.of());
        assertFalse(bodies.anyFoundMissing(), "b was never counted as stored: nothing changed");

        bodies.missing(a, List.of());
        assertTrue(bodies.anyFoundMissing());
        assertFalse(bodies.have(a, List.of()), "and a is looked for on disk now, where it is not");
    }
}
