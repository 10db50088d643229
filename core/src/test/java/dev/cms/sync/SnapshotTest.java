package dev.cms.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.model.ContentHash;
import dev.cms.model.Flags;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SnapshotTest {
    private static final ContentHash A = PlanValues.A;

    private static Entry in(int target) {
        return new Entry(A, Flags.fromLetters(""), null, target);
    }

    @Test
    void keepsWhatWasPutAndForgetsWhatWasRemoved() {
        Snapshot s = new Snapshot();
        assertNull(s.put("m1", in(0)));
        assertEquals(in(0), s.put("m1", in(1)));
        s.put("m2", in(-1));
        assertEquals(in(1), s.get("m1"));
        assertTrue(s.containsKey("m2"));
        assertEquals(in(-1), s.remove("m2"));
        assertNull(s.remove("m2"));
        assertFalse(s.containsKey("m2"));
        assertEquals(1, s.size());
    }

    @Test
    void countsMessagesPerMaildirThroughPutsReplacementsAndRemovals() {
        Snapshot s = new Snapshot();
        s.put("a", in(0));
        s.put("b", in(0));
        s.put("c", in(3));
        s.put("d", in(-1));
        assertEquals(2, s.countIn(0));
        assertEquals(1, s.countIn(3));
        assertEquals(0, s.countIn(7));
        s.put("b", in(3)); // routed elsewhere
        s.remove("c");
        s.put("d", in(0));
        assertEquals(2, s.countIn(0));
        assertEquals(1, s.countIn(3));
        assertEquals(0, s.countIn(-1));
    }

    /** Against a HashMap: many ids in a small table, so runs wrap around its end and removals shift entries back. */
    @Test
    void agreesWithAHashMapThroughGrowthAndRemovalsInLongRuns() {
        Random r = new Random(7);
        Snapshot s = new Snapshot();
        Map<String, Entry> ref = new HashMap<>();
        for (int step = 0; step < 200_000; step++) {
            String id = "AAMkAG" + r.nextInt(3_000); // common prefixes, as service ids have
            if (r.nextInt(3) == 0) {
                assertEquals(ref.remove(id), s.remove(id), id);
            } else {
                Entry e = in(r.nextInt(5) - 1);
                assertEquals(ref.put(id, e), s.put(id, e), id);
            }
            if (step % 20_000 == 0) {
                assertSame(ref, s);
            }
        }
        assertSame(ref, s);
    }

    private static void assertSame(Map<String, Entry> ref, Snapshot s) {
        assertEquals(ref.size(), s.size());
        Map<String, Entry> seen = new HashMap<>();
        s.forEach(seen::put);
        assertEquals(ref, seen);
        for (String id : ref.keySet()) {
            assertEquals(ref.get(id), s.get(id));
        }
        for (int t = 0; t < 4; t++) {
            int target = t;
            assertEquals(ref.values().stream().filter(e -> e.target() == target).count(), s.countIn(t));
        }
    }

    /** A pass for some placements hands over exactly the entries placed there, ids and all. */
    @Test
    void aPassOverSomePlacementsGivesExactlyTheirEntries() {
        Snapshot s = new Snapshot();
        for (int i = 0; i < 100; i++) {
            s.put("id" + i, in(i % 4 - 1));
        }
        s.remove("id1"); // the last row moves into its place
        Map<String, Entry> seen = new HashMap<>();
        s.forEachWhere((t, h) -> t == 0 && h.equals(A), seen::put);
        Map<String, Entry> expected = new HashMap<>();
        s.forEach((id, e) -> {
            if (e.target() == 0) {
                expected.put(id, e);
            }
        });
        assertEquals(24, expected.size());
        assertEquals(expected, seen);
    }

    /** Any id comes back as it was put, also one beyond ASCII or with a lone surrogate (a bad server's). */
    @Test
    void idsBeyondAsciiAreKeptExactly() {
        Snapshot s = new Snapshot();
        String[] ids = {"AAMk=", "caf\u00e9", "a\uD800", "a?", "a\uFFFD", "\u00ff", "\uD83D\uDCE7"};
        for (int i = 0; i < ids.length; i++) {
            s.put(ids[i], in(i));
        }
        assertEquals(ids.length, s.size(), "no two of them are one key");
        Map<String, Entry> seen = new HashMap<>();
        s.forEach(seen::put);
        for (int i = 0; i < ids.length; i++) {
            assertEquals(in(i), s.get(ids[i]), ids[i]);
            assertEquals(in(i), seen.get(ids[i]), ids[i]);
        }
    }

    /** A snapshot loaded with a known count takes no more room than that needs, and grows at three quarters. */
    @Test
    void aPresizedSnapshotHoldsItsEntriesWithoutGrowing() {
        Snapshot loaded = new Snapshot(100_000);
        for (int i = 0; i < 100_000; i++) {
            loaded.put("m" + i, in(0));
        }
        assertEquals(262_144, loaded.capacity());
        Snapshot s = new Snapshot();
        for (int i = 0; i < 12; i++) {
            s.put("m" + i, in(0));
        }
        assertEquals(16, s.capacity(), "12 of 16 is three quarters");
        s.put("m12", in(0));
        assertEquals(32, s.capacity());
    }
}
