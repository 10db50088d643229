package dev.cms.provider.gmail;

import dev.cms.provider.BodySink;
import dev.cms.provider.gmail.GmailTransport.MalformedGmailResponse;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import org.jspecify.annotations.Nullable;

/**
 * Streams the body out of a {@code messages.get?format=raw} answer without holding it:
 * scans the JSON object, and when it reaches {@code "raw"} hands the sink a stream that
 * decodes the base64url string as it is read. The other members are skipped. Used for
 * messages too large to read whole ({@link GmailMailbox#LARGE_ANSWER_BYTES}); Gmail allows
 * 50 MB messages, whose answer is about 67 MB of JSON.
 *
 * <p>A failure of the sink itself (a full disk) is thrown as an {@link UncheckedIOException}
 * so that the transport does not retry it; a failure reading the answer is an
 * {@link IOException} (retried like a dropped connection) or a {@link MalformedGmailResponse}.
 */
final class RawMessageReader {
    private static final int MAX_NAME = 256;
    private static final int MAX_DEPTH = 64;

    private final BufferedInputStream in;
    private final String call;

    private RawMessageReader(InputStream in, String call) {
        this.in = new BufferedInputStream(in, 64 * 1024);
        this.call = call;
    }

    /** Reads one answer, delivering its raw body as {@code id} with {@code received}. */
    static void deliver(@Nullable InputStream answer, String call, String id, @Nullable Instant received,
            BodySink sink)
            throws IOException {
        if (answer == null) {
            throw new MalformedGmailResponse(call, "empty body for message " + id);
        }
        new RawMessageReader(answer, call).read(id, received, sink);
    }

    private void read(String id, @Nullable Instant received, BodySink sink) throws IOException {
        expect('{');
        boolean delivered = false;
        int c = skipSpace();
        if (c != '}') {
            while (true) {
                if (c != '"') {
                    throw malformed("a member name expected");
                }
                String name = readName();
                expect(':');
                if (name.equals("raw") && skipSpace() == '"') {
                    next(); // the opening quote
                    deliverString(id, received, sink);
                    delivered = true;
                } else {
                    skipValue(skipSpace(), 0);
                }
                c = skipSpace();
                if (c == '}') {
                    break;
                }
                if (c != ',') {
                    throw malformed("',' or '}' expected");
                }
                next();
                c = skipSpace();
            }
        }
        if (!delivered) {
            throw malformed("missing raw for message " + id);
        }
    }

    private void deliverString(String id, @Nullable Instant received, BodySink sink) throws IOException {
        StringStream chars = new StringStream();
        Decoded decoded = new Decoded(Base64.getUrlDecoder().wrap(chars), chars, id);
        try {
            sink.accept(id, decoded, received);
        } catch (IOException e) {
            if (decoded.failure != null) {
                throw decoded.failure; // the answer broke off or is not base64url
            }
            throw new UncheckedIOException(e);
        }
        if (decoded.failure != null) {
            throw decoded.failure;
        }
        // The decoder stops at the padding: only '=' may be left before the closing quote.
        int c;
        while ((c = chars.read()) >= 0) {
            if (c != '=') {
                throw new IllegalStateException("the sink did not read message " + id + " to its end");
            }
        }
    }

    /**
     * The decoded body as the sink reads it; remembers a failure of the answer (broken off,
     * not base64url) so that it is told apart from a failure of the sink.
     */
    private final class Decoded extends java.io.FilterInputStream {
        private final StringStream chars;
        private final String id;
        @Nullable IOException failure;

        Decoded(InputStream decoder, StringStream chars, String id) {
            super(decoder);
            this.chars = chars;
            this.id = id;
        }

        private IOException failed(IOException e) {
            if (failure == null) {
                failure = chars.failure != null ? chars.failure
                        : new MalformedGmailResponse(call, "raw of message " + id + " is not base64url", e);
            }
            return failure;
        }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (IOException e) {
                throw failed(e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return super.read(b, off, len);
            } catch (IOException e) {
                throw failed(e);
            }
        }
    }

    /** The characters of a JSON string up to its closing quote (the opening one is read). */
    private final class StringStream extends InputStream {
        boolean ended;
        @Nullable IOException failure;

        @Override
        public int read() throws IOException {
            if (ended) {
                return -1;
            }
            int c;
            try {
                c = in.read();
            } catch (IOException e) {
                failure = e;
                throw e;
            }
            if (c == '"') {
                ended = true;
                return -1;
            }
            if (c < 0 || c == '\\' || c < 0x20) {
                failure = malformed(c < 0 ? "the raw body broke off" : "unexpected character in the raw body");
                throw failure;
            }
            return c;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            int n = 0;
            while (n < len) {
                if (n > 0 && in.available() == 0) {
                    break;
                }
                int c = read();
                if (c < 0) {
                    break;
                }
                b[off + n++] = (byte) c;
            }
            return n == 0 ? -1 : n;
        }
    }

    private MalformedGmailResponse malformed(String detail) {
        return new MalformedGmailResponse(call, detail);
    }

    private int next() throws IOException {
        int c = in.read();
        if (c < 0) {
            throw malformed("the answer broke off");
        }
        return c;
    }

    private int skipSpace() throws IOException {
        int c;
        do {
            in.mark(1);
            c = next();
        } while (c == ' ' || c == '\t' || c == '\r' || c == '\n');
        in.reset();
        return c;
    }

    private void expect(char want) throws IOException {
        skipSpace();
        if (next() != want) {
            throw malformed("'" + want + "' expected");
        }
    }

    private String readName() throws IOException {
        next(); // the opening quote
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        while (true) {
            int c = next();
            if (c == '"') {
                return b.toString(StandardCharsets.UTF_8);
            }
            if (c == '\\') {
                c = next(); // names of interest have no escapes; keep the escaped character
            }
            if (b.size() >= MAX_NAME) {
                throw malformed("a member name longer than " + MAX_NAME + " bytes");
            }
            b.write(c);
        }
    }

    /** Skips one value whose first character {@code c} is not yet consumed. */
    private void skipValue(int c, int depth) throws IOException {
        if (depth > MAX_DEPTH) {
            throw malformed("nested deeper than " + MAX_DEPTH);
        }
        if (c == '"') {
            next();
            while (true) {
                int x = next();
                if (x == '"') {
                    return;
                }
                if (x == '\\') {
                    next();
                }
            }
        }
        if (c == '{' || c == '[') {
            next();
            int close = c == '{' ? '}' : ']';
            int d = skipSpace();
            if (d == close) {
                next();
                return;
            }
            while (true) {
                if (c == '{') {
                    skipValue(skipSpace(), depth + 1); // the name
                    expect(':');
                }
                skipValue(skipSpace(), depth + 1);
                int sep = skipSpace();
                next();
                if (sep == close) {
                    return;
                }
                if (sep != ',') {
                    throw malformed("',' expected");
                }
            }
        }
        // A number, true, false or null: up to a delimiter.
        int n = 0;
        while (true) {
            in.mark(1);
            int x = next();
            if (x == ',' || x == '}' || x == ']' || x == ' ' || x == '\t' || x == '\r' || x == '\n') {
                in.reset();
                if (n == 0) {
                    throw malformed("a value expected");
                }
                return;
            }
            n++;
        }
    }
}
