package dev.cms.model;

/**
 * The stat data that tells whether a file may have changed since it was hashed: inode, size,
 * modification and status-change times (nanoseconds since the epoch). Equal stats mean the
 * content hash computed before still holds.
 */
public record FileStat(long inode, long size, long mtimeNanos, long ctimeNanos) {
    // Written out: compared for every file of a Maildir at start-up, where the records'
    // generated methods (through method handles) showed in profiles.
    @Override
    public boolean equals(Object o) {
        return o instanceof FileStat s && inode == s.inode && size == s.size && mtimeNanos == s.mtimeNanos
                && ctimeNanos == s.ctimeNanos;
    }

    @Override
    public int hashCode() {
        long h = inode * 31 + size;
        h = h * 31 + mtimeNanos;
        h = h * 31 + ctimeNanos;
        return Long.hashCode(h);
    }
}
