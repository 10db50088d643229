package dev.cms.store;

import dev.cms.model.ContentHash;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;

/**
 * Turns every line ending into LF on its way to the stream below: a run of CRs followed by an
 * LF becomes that LF ({@code "\r\n"} and {@code "\r\r\n"} both become {@code "\n"}); CRs not
 * followed by LF pass unchanged, including those at the very end. The rule is idempotent, so
 * normalising a stored body again gives the same bytes and the same hash. CRs that end one
 * {@code write} are held back (as a count) until the next other byte (or {@link #finish}) shows
 * whether an LF follows, so buffer boundaries do not matter. Output is gathered in a fixed
 * buffer and written below in large blocks.
 *
 * <p>The one place where the store's line-ending normalisation lives: both ingesting and
 * hashing go through it. Not thread-safe.
 */
final class CrlfToLfOutputStream extends OutputStream {
    static final int BUFFER_SIZE = 64 * 1024;

    private static final byte CR = '\r';
    private static final byte LF = '\n';

    private final OutputStream out;
    private final byte[] buf = new byte[BUFFER_SIZE];
    private int count;
    /** CRs seen but not yet written: dropped when an LF follows, else written as they are. */
    private long pendingCrs;
    private boolean finished;

    CrlfToLfOutputStream(OutputStream out) {
        this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
        ensureOpen();
        accept((byte) b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        ensureOpen();
        Objects.checkFromIndexSize(off, len, b.length);
        int i = off;
        int end = off + len;
        // Copy each run up to the next CR in one block; CRs and the byte after them go through
        // accept(), which decides whether the CRs stay.
        while (i < end) {
            if (pendingCrs > 0 || b[i] == CR) {
                accept(b[i++]);
                continue;
            }
            int run = i;
            while (run < end && b[run] != CR) {
                run++;
            }
            emitRun(b, i, run - i);
            i = run;
        }
    }

    /** Emits bytes that hold no CR and follow no held-back CR. */
    private void emitRun(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            if (count == buf.length) {
                drain();
            }
            int n = Math.min(len, buf.length - count);
            System.arraycopy(b, off, buf, count, n);
            count += n;
            off += n;
            len -= n;
        }
    }

    private void accept(byte b) throws IOException {
        if (b == CR) {
            pendingCrs++;
            return;
        }
        if (b != LF) {
            emitPendingCrs();
        }
        pendingCrs = 0;
        emit(b);
    }

    private void emitPendingCrs() throws IOException {
        for (; pendingCrs > 0; pendingCrs--) {
            emit(CR);
        }
    }

    private void emit(byte b) throws IOException {
        if (count == buf.length) {
            drain();
        }
        buf[count++] = b;
    }

    private void drain() throws IOException {
        if (count > 0) {
            out.write(buf, 0, count);
            count = 0;
        }
    }

    /** Flushes buffered bytes below; held-back CRs stay held (more input may follow). */
    @Override
    public void flush() throws IOException {
        drain();
        out.flush();
    }

    /**
     * Ends the input: held-back CRs are written as they are, everything is passed below and
     * flushed. The stream below stays open; further writes fail.
     */
    void finish() throws IOException {
        if (finished) {
            return;
        }
        emitPendingCrs();
        finished = true;
        drain();
        out.flush();
    }

    /** {@link #finish()}es, then closes the stream below. */
    @Override
    public void close() throws IOException {
        try {
            finish();
        } finally {
            out.close();
        }
    }

    private void ensureOpen() throws IOException {
        if (finished) {
            throw new IOException("CRLF normaliser already finished");
        }
    }

    /** Streams {@code in} CRLF→LF-normalised into {@code out}, returning the hash of what was written. */
    static ContentHash copyHashed(InputStream in, OutputStream out) throws IOException {
        MessageDigest sha = sha256();
        CrlfToLfOutputStream norm = new CrlfToLfOutputStream(new DigestOutputStream(out, sha));
        byte[] buf = new byte[CrlfToLfOutputStream.BUFFER_SIZE];
        for (int n; (n = in.read(buf)) != -1; ) {
            norm.write(buf, 0, n);
        }
        norm.finish();
        return ContentHash.ofDigest(sha.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
