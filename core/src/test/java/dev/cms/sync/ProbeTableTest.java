package dev.cms.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ProbeTableTest {
    /** An element with a key; a few keys share a hash, so runs hold different keys. */
    private record Box(int key, int value) {}

    private static int weakHash(int key) {
        return key % 97;
    }

    private static ProbeTable<Box> table() {
        return new ProbeTable<>(b -> weakHash(b.key()));
    }

    private static Box find(ProbeTable<Box> t, int key) {
        return t.find(weakHash(key), b -> b.key() == key);
    }

    @Test
    void findsReplacesAndRemovesByKeyAndIdentity() {
        ProbeTable<Box> t = table();
        Box a = new Box(1, 10);
        Box b = new Box(98, 20); // the same hash as 1
        t.add(a);
        t.add(b);
        assertSame(b, find(t, 98));
        Box a2 = new Box(1, 11);
        t.replace(a, a2);
        assertSame(a2, find(t, 1));
        t.remove(a2);
        assertNull(find(t, 1));
        assertSame(b, find(t, 98)); // moved back into the freed slot, still found
        assertEquals(1, t.size());
    }

    @Test
    void agreesWithAHashMapThroughGrowthAndRemovals() {
        Random r = new Random(11);
        ProbeTable<Box> t = table();
        Map<Integer, Box> ref = new HashMap<>();
        for (int step = 0; step < 100_000; step++) {
            int key = r.nextInt(2_000);
            Box there = ref.get(key);
            assertSame(there, find(t, key));
            if (there != null && r.nextBoolean()) {
                t.remove(there);
                ref.remove(key);
            } else if (there != null) {
                Box neu = new Box(key, step);
                t.replace(there, neu);
                ref.put(key, neu);
            } else {
                Box neu = new Box(key, step);
                t.add(neu);
                ref.put(key, neu);
            }
        }
        assertEquals(ref.size(), t.size());
        Set<Box> seen = new HashSet<>();
        t.forEach(seen::add);
        assertEquals(new HashSet<>(ref.values()), seen);
    }

    /**
     * A table made for n elements holds them without growing and no bigger than it must (the
     * view is presized at a listing of 100k files: its memory is this array), and it grows only
     * when three quarters full.
     */
    @Test
    void aPresizedTableHoldsItsElementsAtMostThreeQuartersFullWithoutGrowing() {
        assertEquals(16, ProbeTable.capacityFor(0));
        assertEquals(16, ProbeTable.capacityFor(12));
        assertEquals(32, ProbeTable.capacityFor(13));
        assertEquals(262_144, ProbeTable.capacityFor(100_000));
        assertEquals(1 << 30, ProbeTable.capacityFor(Integer.MAX_VALUE), "capped at the largest array of a power of two");

        ProbeTable<Integer> t = new ProbeTable<>(i -> i, 100_000);
        for (int i = 0; i < 100_000; i++) {
            t.add(i);
        }
        assertEquals(262_144, t.capacity(), "no growth");
        ProbeTable<Integer> small = new ProbeTable<>(i -> i);
        for (int i = 0; i < 12; i++) {
            small.add(i);
        }
        assertEquals(16, small.capacity(), "12 of 16 is three quarters");
        small.add(12);
        assertEquals(32, small.capacity());
    }

    /**
     * Keys whose hashes differ only in their high bits (as a content hash's int may) still spread
     * over the slots a small table's mask keeps, rather than piling into one run.
     */
    @Test
    void hashesThatDifferOnlyInHighBitsSpreadOverTheLowSlots() {
        Set<Integer> slots = new HashSet<>();
        for (int i = 0; i < 16; i++) {
            slots.add(ProbeTable.spread(i << 16) & 15);
        }
        assertTrue(slots.size() >= 8, "16 hashes fell into only " + slots.size() + " of 16 slots");
    }
}
