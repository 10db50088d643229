package dev.cms.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.model.ContentHash;
import dev.cms.model.FileStat;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StatRowsTest {
    private static ContentHash hash(int i) {
        return new ContentHash(String.format("%064x", i));
    }

    /** Against a HashMap, through growth from a small table and rows replaced in place. */
    @Test
    void agreesWithAMapThroughGrowthAndReplacements() {
        Random r = new Random(3);
        StatRows rows = new StatRows(0);
        Map<Long, StatIndex.Entry> ref = new HashMap<>();
        for (int step = 0; step < 50_000; step++) {
            // Inodes in a few dense runs far apart, as file systems hand them out.
            long inode = (long) r.nextInt(4) << 40 | r.nextInt(8_000);
            StatIndex.Entry e = new StatIndex.Entry(new FileStat(inode, r.nextInt(100), r.nextLong(), r.nextLong()),
                    hash(r.nextInt(1_000)), "n" + r.nextInt(50) + "\u00e9");
            rows.put(e.stat(), e.hash(), StatRows.bytes(e.name()));
            ref.put(inode, e);
        }
        assertEquals(ref.size(), rows.size());
        assertEquals(ref.keySet(), rows.inodes());
        ref.forEach((inode, e) -> {
            assertEquals(e, rows.get(inode));
            int row = rows.rowOf(inode);
            assertTrue(rows.matches(row, e.stat(), e.name()));
            assertFalse(rows.matches(row, e.stat(), e.name() + "x"));
            assertFalse(rows.matches(row, new FileStat(inode, e.stat().size() + 1, e.stat().mtimeNanos(),
                    e.stat().ctimeNanos()), e.name()));
        });
        assertNull(rows.get(1L << 50));
    }

    @Test
    void theRowsNoLookMarkedAreTheUnseenOnesUntilForgotten() {
        StatRows rows = new StatRows(4);
        for (long inode = 1; inode <= 4; inode++) {
            rows.put(new FileStat(inode, 1, 2, 3), hash((int) inode), StatRows.bytes("m" + inode));
        }
        rows.markSeen(rows.rowOf(2));
        rows.markSeen(rows.rowOf(4));
        Set<Long> unseen = new HashSet<>();
        rows.forEachUnseen(unseen::add);
        assertEquals(Set.of(1L, 3L), unseen);
        rows.forgetSeen();
        unseen.clear();
        rows.forEachUnseen(unseen::add);
        assertEquals(Set.of(1L, 2L, 3L, 4L), unseen);
    }

    /** A row written before names were kept has none: it matches no file's name. */
    @Test
    void aRowWithoutANameMatchesNoName() {
        StatRows rows = new StatRows(1);
        FileStat st = new FileStat(9, 1, 2, 3);
        rows.put(st, hash(9), null);
        assertFalse(rows.matches(rows.rowOf(9), st, "m9"));
        assertFalse(rows.matches(rows.rowOf(9), st, null));
        assertFalse(rows.matches(rows.rowOf(9), st, ""), "not even an empty name");
        assertEquals("", rows.get(9).name());
    }
}
