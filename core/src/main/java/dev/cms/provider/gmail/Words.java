package dev.cms.provider.gmail;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Looking at bytes eight at a time, for the scans that run over every byte of each body a batch
 * brings (the multipart delimiter, the end of the base64 value): a word is read as a
 * {@code long}, and a few operations say whether any of its bytes is one the scan must stop at.
 */
final class Words {
    /** Reads the eight bytes at an index of a {@code byte[]} as one {@code long}. */
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;

    private Words() {}

    /** The word of eight bytes {@code b}. */
    static long of(byte b) {
        return ONES * (b & 0xFF);
    }

    /** The word at {@code b[k..k+8)}. */
    static long at(byte[] b, int k) {
        return (long) LONGS.get(b, k);
    }

    /** Not 0 when a byte of {@code w} equals that of {@code same} ({@link #of}). */
    static long hasByte(long w, long same) {
        long v = w ^ same;
        return (v - ONES) & ~v & HIGHS;
    }

    /**
     * Not 0 when a byte of {@code w} is below {@code under} ({@link #of}, at most 0x80) with its
     * high bit clear. A borrow can only mark a byte above one that is, so 0 means none is.
     */
    static long hasByteBelow(long w, long under) {
        return (w - under) & ~w & HIGHS;
    }

    /**
     * The index in its word of the first byte {@code hit} marks ({@link #hasByte},
     * {@link #hasByteBelow}, or several of them or'ed): that byte is surely one looked for,
     * since a false mark can only stand above a true one.
     */
    static int firstMarked(long hit) {
        return Long.numberOfTrailingZeros(hit) >>> 3;
    }
}
