package dev.cms.store;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Input streams that return data in awkward pieces, fail, or generate it lazily. */
final class TestStreams {
    private TestStreams() {}

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * The text with every line ending made LF, by the store's rule written independently: a
     * run of CRs followed by an LF becomes that LF; other CRs stay.
     */
    static String lineEndsToLf(String text) {
        return text.replaceAll("\r+\n", "\n");
    }

    /** SHA-256 hex of the text after every line ending became LF, computed independently of the store. */
    static String expectedHex(String crlfText) {
        return sha256Hex(bytes(lineEndsToLf(crlfText)));
    }

    static String sha256Hex(byte[] data) {
        MessageDigest md = sha256();
        return HexFormat.of().formatHex(md.digest(data));
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** Returns at most one byte per read call. */
    static InputStream oneByteAtATime(byte[] data) {
        return new ChunkedInputStream(data, new int[] {1});
    }

    /** Returns exactly the given chunk sizes (repeating the last one), never more per read. */
    static final class ChunkedInputStream extends InputStream {
        private final ByteArrayInputStream in;
        private final int[] sizes;
        private int call;

        ChunkedInputStream(byte[] data, int[] sizes) {
            this.in = new ByteArrayInputStream(data);
            this.sizes = sizes;
        }

        @Override
        public int read() {
            return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) {
            int limit = sizes[Math.min(call++, sizes.length - 1)];
            return in.read(b, off, Math.min(len, Math.max(1, limit)));
        }
    }

    /** Gives {@code good} bytes of 'x' and CRLFs, then throws. */
    static final class FailingInputStream extends InputStream {
        private long left;

        FailingInputStream(long good) {
            this.left = good;
        }

        @Override
        public int read() throws IOException {
            if (left-- <= 0) {
                throw new IOException("connection reset (test)");
            }
            return left % 80 == 1 ? '\r' : left % 80 == 0 ? '\n' : 'x';
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                throw new IOException("connection reset (test)");
            }
            int n = (int) Math.min(len, left);
            for (int i = 0; i < n; i++) {
                b[off + i] = (byte) read();
            }
            return n;
        }
    }

    /**
     * {@code lines} lazily generated mail-like lines ending in CRLF or, when {@code crlf} is
     * false, in LF: the LF twin gives the expected normalised bytes independently.
     */
    static final class GeneratedMail extends InputStream {
        private final long lines;
        private final boolean crlf;
        private long lineNo;
        private byte[] line = new byte[0];
        private int pos;

        GeneratedMail(long lines, boolean crlf) {
            this.lines = lines;
            this.crlf = crlf;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            int n = 0;
            while (n < len) {
                if (pos == line.length) {
                    if (lineNo == lines) {
                        break;
                    }
                    line = bytes("Line " + lineNo++ + " of a large generated message, with some text"
                            + (crlf ? "\r\n" : "\n"));
                    pos = 0;
                }
                int k = Math.min(len - n, line.length - pos);
                System.arraycopy(line, pos, b, off + n, k);
                pos += k;
                n += k;
            }
            return n == 0 && len > 0 ? -1 : n;
        }
    }
}
