package dev.cms.sync;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Set;

/**
 * A message's identity with what mail readers add when they save it left out: the SHA-256 of
 * its bytes with every CRLF made LF and, in the header only, the fields in {@link #READER_FIELDS}
 * dropped (any case, with their continuation lines). mutt and neomutt write a saved message
 * again with {@code Content-Length:} and {@code Lines:} (and may add or change {@code Status:},
 * {@code X-Status:}, {@code X-Keywords:}, {@code X-Label:}); every other header line, their
 * order, and the body are kept as they are, so two messages differing in anything else (a
 * subject, a date, a byte of the body) have different identities.
 *
 * @param hex the digest as 64 lower-case hex digits
 * @param length how many bytes the digest covers: the size of the message as the store keeps it
 *     (LF line ends) when it has none of the reader's fields
 */
record NormalisedIdentity(String hex, long length) {
    /** Header fields a mail reader adds or rewrites when it saves a message (lower case). */
    static final Set<String> READER_FIELDS =
            Set.of("content-length", "lines", "status", "x-status", "x-keywords", "x-label");

    /** A header line longer than this ends the header: no field a reader adds is that long. */
    private static final int MAX_LINE = 64 * 1024;

    static NormalisedIdentity of(Path message) throws IOException {
        try (InputStream in = Files.newInputStream(message)) {
            return of(in);
        }
    }

    static NormalisedIdentity of(InputStream raw) throws IOException {
        Counted md = new Counted(sha256());
        InputStream in = new BufferedInputStream(raw, 64 * 1024);
        ByteArrayOutputStream line = new ByteArrayOutputStream(256);
        boolean dropping = false;
        while (true) {
            line.reset();
            int end = readLine(in, line);
            byte[] l = line.toByteArray();
            if (end == EOF && l.length == 0) {
                return md.identity();
            }
            if (end == TOO_LONG) {
                md.update(l);
                break; // the rest is body
            }
            boolean continuation = l.length > 0 && (l[0] == ' ' || l[0] == '\t');
            if (!continuation) {
                dropping = l.length > 0 && readerField(l);
            }
            if (!dropping) {
                md.update(l);
                if (end == NEWLINE) {
                    md.update((byte) '\n');
                }
            }
            if (l.length == 0 || end == EOF) {
                break; // the blank line that ends the header, or a message that is all header
            }
        }
        body(in, md);
        return md.identity();
    }

    /** A digest that counts the bytes it is given. */
    private static final class Counted {
        private final MessageDigest md;
        private long length;

        Counted(MessageDigest md) {
            this.md = md;
        }

        void update(byte b) {
            md.update(b);
            length++;
        }

        void update(byte[] b) {
            update(b, 0, b.length);
        }

        void update(byte[] b, int off, int len) {
            md.update(b, off, len);
            length += len;
        }

        NormalisedIdentity identity() {
            return new NormalisedIdentity(HexFormat.of().formatHex(md.digest()), length);
        }
    }

    private static final int EOF = 0;
    private static final int NEWLINE = 1;
    private static final int TOO_LONG = 2;

    /**
     * Reads one line into {@code out} without its line end (LF, or CRLF); how it ended. A line
     * over {@link #MAX_LINE} bytes stops there, its bytes so far in {@code out} with any CR kept.
     */
    private static int readLine(InputStream in, ByteArrayOutputStream out) throws IOException {
        boolean cr = false;
        while (true) {
            int b = in.read();
            if (b < 0) {
                if (cr) {
                    out.write('\r');
                }
                return EOF;
            }
            if (b == '\n') {
                return NEWLINE;
            }
            if (cr) {
                out.write('\r');
            }
            cr = b == '\r';
            if (!cr) {
                out.write(b);
            }
            if (out.size() > MAX_LINE) {
                if (cr) {
                    out.write('\r');
                }
                return TOO_LONG;
            }
        }
    }

    /** Whether header line {@code l} starts a field that readers add. */
    private static boolean readerField(byte[] l) {
        int colon = -1;
        for (int i = 0; i < l.length && i < 32; i++) {
            if (l[i] == ':') {
                colon = i;
                break;
            }
        }
        if (colon <= 0) {
            return false;
        }
        String name = new String(l, 0, colon, StandardCharsets.ISO_8859_1).stripTrailing();
        return READER_FIELDS.contains(name.toLowerCase(Locale.ROOT));
    }

    /** The rest of the message, each CRLF as LF. */
    private static void body(InputStream in, Counted md) throws IOException {
        byte[] buf = new byte[64 * 1024];
        byte[] out = new byte[buf.length + 1];
        boolean cr = false;
        int n;
        while ((n = in.read(buf)) > 0) {
            int o = 0;
            for (int i = 0; i < n; i++) {
                byte b = buf[i];
                if (cr && b != '\n') {
                    out[o++] = '\r';
                }
                cr = b == '\r';
                if (!cr) {
                    out[o++] = b;
                }
            }
            md.update(out, 0, o);
        }
        if (cr) {
            md.update((byte) '\r');
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }
}
