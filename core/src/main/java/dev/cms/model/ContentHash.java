package dev.cms.model;

import java.util.HexFormat;

/**
 * The identity of a message: SHA-256, lower-case hex, of its bytes after every CRLF became LF.
 */
public record ContentHash(String hex) implements Comparable<ContentHash> {
    public ContentHash {
        if (!isValid(hex)) {
            throw new IllegalArgumentException("not a SHA-256 hex digest: " + hex);
        }
        // One shared string per hash: the same message is named by several records (store,
        // snapshot, stat index), and equal-by-identity strings make lookups cheap.
        hex = hex.intern();
    }

    public static boolean isValid(String s) {
        if (s == null || s.length() != 64) {
            return false;
        }
        for (int i = 0; i < 64; i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    public static ContentHash ofDigest(byte[] digest) {
        return new ContentHash(HexFormat.of().formatHex(digest));
    }

    /** A short prefix for log lines. */
    public String shortHex() {
        return hex.substring(0, 12);
    }

    @Override
    public int compareTo(ContentHash o) {
        return hex.compareTo(o.hex);
    }

    @Override
    public String toString() {
        return hex;
    }
}
