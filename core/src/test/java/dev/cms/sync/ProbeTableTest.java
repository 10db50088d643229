package dev.cms.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

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
}
