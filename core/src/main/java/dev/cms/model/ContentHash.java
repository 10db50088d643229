package dev.cms.model;

import org.jspecify.annotations.Nullable;

/**
 * The identity of a message: SHA-256 of its bytes after every CRLF became LF. Written as 64
 * lower-case hex digits ({@link #hex()}: file names in the store, {@code state.db}, logs).
 *
 * <p>Held as the digest's four 64-bit words rather than its hex string: a hash is a key of
 * several maps per message (content, snapshot, stat index), so it is kept small (about 48 bytes
 * against about 120 for a record around a string) and quick to hash and compare. Ordered as
 * its hex string is.
 */
public final class ContentHash implements Comparable<ContentHash> {
    private static final char[] DIGITS = "0123456789abcdef".toCharArray();

    private final long w0;
    private final long w1;
    private final long w2;
    private final long w3;

    private ContentHash(long w0, long w1, long w2, long w3) {
        this.w0 = w0;
        this.w1 = w1;
        this.w2 = w2;
        this.w3 = w3;
    }

    /**
     * The hash written as {@code hex}: 64 lower-case hex digits.
     *
     * @throws IllegalArgumentException when {@code hex} is not that
     */
    public ContentHash(String hex) {
        this(word(hex, 0), word(hex, 16), word(hex, 32), word(hex, 48));
    }

    private static long word(String hex, int from) {
        if (hex == null || hex.length() != 64) {
            throw new IllegalArgumentException("not a SHA-256 hex digest: " + hex);
        }
        long w = 0;
        for (int i = from; i < from + 16; i++) {
            int d = digit(hex.charAt(i));
            if (d < 0) {
                throw new IllegalArgumentException("not a SHA-256 hex digest: " + hex);
            }
            w = w << 4 | d;
        }
        return w;
    }

    /** The value of each lower-case hex digit by its code; -1 for every other code below 128. */
    private static final byte[] VALUE = new byte[128];

    static {
        java.util.Arrays.fill(VALUE, (byte) -1);
        for (int d = 0; d < 16; d++) {
            VALUE[DIGITS[d]] = (byte) d;
        }
    }

    /** The value of a lower-case hex digit, or -1. */
    private static int digit(int c) {
        return c >= 0 && c < 128 ? VALUE[c] : -1;
    }

    public static boolean isValid(@Nullable String s) {
        if (s == null || s.length() != 64) {
            return false;
        }
        for (int i = 0; i < 64; i++) {
            if (digit(s.charAt(i)) < 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * The hash whose 64 lower-case hex digits are the ASCII bytes {@code ascii[from .. from+64)},
     * or null when they are not that (or there are fewer): for reading names and database
     * columns without making a string of each.
     */
    public static @Nullable ContentHash parseAscii(byte @Nullable [] ascii, int from, int length) {
        if (ascii == null || length != 64 || from < 0 || from + 64 > ascii.length) {
            return null;
        }
        // Start-up reads two of these per message from state.db: no branch per digit, one check
        // at the end (a byte that is not a digit has VALUE -1, or is negative itself).
        int bad = 0;
        long[] w = new long[4];
        for (int k = 0; k < 4; k++) {
            long v = 0;
            for (int i = from + 16 * k, end = i + 16; i < end; i++) {
                int d = VALUE[ascii[i] & 0x7f];
                bad |= d | ascii[i];
                v = v << 4 | (d & 0xf);
            }
            w[k] = v;
        }
        return bad < 0 ? null : new ContentHash(w[0], w[1], w[2], w[3]);
    }

    /** {@link #parseAscii(byte[], int, int)} of a whole array: a database column's bytes. */
    public static @Nullable ContentHash parseAscii(byte @Nullable [] ascii) {
        return ascii == null ? null : parseAscii(ascii, 0, ascii.length);
    }

    /** The hash of {@code s} when it is 64 lower-case hex digits, else null. */
    public static @Nullable ContentHash parseOrNull(@Nullable String s) {
        if (s == null || s.length() != 64) {
            return null;
        }
        long[] w = new long[4];
        for (int k = 0; k < 4; k++) {
            long v = 0;
            for (int i = 16 * k, end = i + 16; i < end; i++) {
                int d = digit(s.charAt(i));
                if (d < 0) {
                    return null;
                }
                v = v << 4 | d;
            }
            w[k] = v;
        }
        return new ContentHash(w[0], w[1], w[2], w[3]);
    }

    /** The hash of a 32-byte SHA-256 digest. */
    public static ContentHash ofDigest(byte[] digest) {
        if (digest.length != 32) {
            throw new IllegalArgumentException("a SHA-256 digest has 32 bytes, not " + digest.length);
        }
        return new ContentHash(longAt(digest, 0), longAt(digest, 8), longAt(digest, 16), longAt(digest, 24));
    }

    private static long longAt(byte[] b, int from) {
        long v = 0;
        for (int i = from; i < from + 8; i++) {
            v = v << 8 | (b[i] & 0xff);
        }
        return v;
    }

    /** The 64 lower-case hex digits (a new string each call). */
    public String hex() {
        char[] out = new char[64];
        put(out, 0, w0);
        put(out, 16, w1);
        put(out, 32, w2);
        put(out, 48, w3);
        return new String(out);
    }

    private static void put(char[] out, int from, long w) {
        for (int i = from + 15; i >= from; i--) {
            out[i] = DIGITS[(int) (w & 0xf)];
            w >>>= 4;
        }
    }

    /** A short prefix for log lines. */
    public String shortHex() {
        return hex().substring(0, 12);
    }

    @Override
    public boolean equals(@Nullable Object o) {
        return o == this || o instanceof ContentHash h && w0 == h.w0 && w1 == h.w1 && w2 == h.w2 && w3 == h.w3;
    }

    @Override
    public int hashCode() {
        // The words are uniformly distributed already: one of them is a good hash.
        return (int) (w3 ^ (w3 >>> 32));
    }

    @Override
    public int compareTo(ContentHash o) {
        int c = Long.compareUnsigned(w0, o.w0);
        if (c == 0) {
            c = Long.compareUnsigned(w1, o.w1);
        }
        if (c == 0) {
            c = Long.compareUnsigned(w2, o.w2);
        }
        if (c == 0) {
            c = Long.compareUnsigned(w3, o.w3);
        }
        return c;
    }

    @Override
    public String toString() {
        return hex();
    }
}
