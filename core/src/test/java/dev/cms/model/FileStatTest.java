package dev.cms.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

class FileStatTest {
    @Test
    void equalWhenEveryFieldIsAndOtherwiseNot() {
        FileStat s = new FileStat(7, 100, 1_000, 2_000);
        assertEquals(s, new FileStat(7, 100, 1_000, 2_000));
        assertEquals(s.hashCode(), new FileStat(7, 100, 1_000, 2_000).hashCode());
        assertNotEquals(s, new FileStat(8, 100, 1_000, 2_000), "another inode");
        assertNotEquals(s, new FileStat(7, 101, 1_000, 2_000), "another size");
        assertNotEquals(s, new FileStat(7, 100, 1_001, 2_000), "another mtime");
        assertNotEquals(s, new FileStat(7, 100, 1_000, 2_001), "another ctime");
        assertNotEquals(s, null);
        assertNotEquals(s, "7");
    }
}
