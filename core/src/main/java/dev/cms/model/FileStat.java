package dev.cms.model;

/**
 * The stat data that tells whether a file may have changed since it was hashed: inode, size,
 * modification and status-change times (nanoseconds since the epoch). Equal stats mean the
 * content hash computed before still holds.
 */
public record FileStat(long inode, long size, long mtimeNanos, long ctimeNanos) {}
