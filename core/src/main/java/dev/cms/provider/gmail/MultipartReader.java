package dev.cms.provider.gmail;

import dev.cms.provider.gmail.GmailTransport.MalformedGmailResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * Reads the parts of a multipart body (RFC 2046) from a stream one at a time, so that no
 * more than one part is ever held. A delimiter is {@code --boundary} at the start of a line;
 * the line break before it belongs to the delimiter; {@code --boundary--} closes the body.
 */
final class MultipartReader {
    /** A part longer than the cap; {@link #head()} holds its first bytes (its headers). */
    static final class PartTooLarge extends IOException {
        private static final long serialVersionUID = 1L;
        private final byte[] head;

        PartTooLarge(byte[] head) {
            super("a batch part larger than the cap");
            this.head = head;
        }

        byte[] head() {
            return head.clone();
        }
    }

    private static final int PREAMBLE_CAP = 64 * 1024;
    private static final int HEAD_BYTES = 8 * 1024;
    private static final int MAX_PADDING = 1024;

    private final InputStream in;
    /** {@code \n--boundary}: the line break is matched by the start of the body too. */
    private final byte[] delimiter;
    /** The delimiter's first byte, eight times ({@link Words}). */
    private final long lineBreaks;
    /** Read ahead from {@code in}: {@code buf[pos..limit)} is not consumed yet. */
    private final byte[] buf = new byte[64 * 1024];
    private int pos;
    private int limit;
    private boolean started;
    private boolean finished;
    private int parts;

    MultipartReader(InputStream in, String boundary) {
        this.in = in;
        this.delimiter = ("\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        this.lineBreaks = Words.of(delimiter[0]);
    }

    /** The next part's bytes (its headers and content), or null after the closing delimiter. */
    byte @Nullable [] next(int cap) throws IOException {
        if (finished) {
            return null;
        }
        if (!started) {
            scan(null, PREAMBLE_CAP, "no boundary");
            started = true;
        }
        int a = read();
        if (a == '-') {
            if (read() == '-') {
                finished = true;
                return null;
            }
            throw new MalformedGmailResponse("batch", "a delimiter followed by a lone '-'");
        }
        for (int padding = 0; a != '\n'; padding++) {
            if (a < 0 || padding > MAX_PADDING) {
                throw new MalformedGmailResponse("batch", "part " + (parts + 1) + " has no closing boundary");
            }
            a = read();
        }
        parts++;
        Buffer part = new Buffer();
        scan(part, cap, "part " + parts + " has no closing boundary");
        return part.toByteArray();
    }

    /** One byte, or -1 at the end of the stream. */
    private int read() throws IOException {
        return pos < limit || fill() ? buf[pos++] & 0xff : -1;
    }

    /** Reads more into the empty buffer; false at the end of the stream. */
    private boolean fill() throws IOException {
        int n = in.read(buf, 0, buf.length);
        pos = 0;
        limit = Math.max(n, 0);
        return n > 0;
    }

    /**
     * Reads up to and including the next delimiter, keeping what comes before it (without the
     * line break) in {@code out} when given. Looks at the bytes a buffer at a time: the parts of
     * a batch of bodies are megabytes.
     */
    private void scan(@Nullable Buffer out, int cap, String missing) throws IOException {
        int matched = 1; // at the start of a line
        long read = 0;
        while (true) {
            if (pos == limit && !fill()) {
                throw new MalformedGmailResponse("batch", missing);
            }
            int from = pos;
            int i = from;
            boolean found = false;
            while (i < limit) {
                if (matched == 0) {
                    // Between line breaks (base64 bodies are long runs without one): a word at a time.
                    for (int last = limit - Long.BYTES; i <= last; i += Long.BYTES) {
                        long hit = Words.hasByte(Words.at(buf, i), lineBreaks);
                        if (hit != 0) {
                            i += Words.firstMarked(hit);
                            break;
                        }
                    }
                    if (i == limit) {
                        break;
                    }
                }
                byte c = buf[i++];
                if (c == delimiter[matched]) {
                    if (++matched == delimiter.length) {
                        found = true;
                        break;
                    }
                } else {
                    matched = c == '\n' ? 1 : 0;
                }
            }
            pos = i;
            read += i - from;
            if (out != null) {
                out.write(buf, from, i - from);
                if (out.size() > cap + delimiter.length) {
                    byte[] all = out.toByteArray();
                    throw new PartTooLarge(Arrays.copyOf(all, Math.min(all.length, HEAD_BYTES)));
                }
            } else if (read > cap) {
                throw new MalformedGmailResponse("batch", missing);
            }
            if (found) {
                if (out != null) {
                    trim(out);
                }
                return;
            }
        }
    }

    /** Drops the delimiter and the line break before it from the end of {@code out}. */
    private void trim(Buffer out) {
        int end = out.size() - (delimiter.length - 1);
        if (end > 0 && out.at(end - 1) == '\n') {
            end--;
            if (end > 0 && out.at(end - 1) == '\r') {
                end--;
            }
        }
        out.truncate(end);
    }

    /** A byte buffer that can be cut short without a copy. */
    private static final class Buffer extends ByteArrayOutputStream {
        byte at(int i) {
            return buf[i];
        }

        void truncate(int size) {
            count = size;
        }
    }
}
