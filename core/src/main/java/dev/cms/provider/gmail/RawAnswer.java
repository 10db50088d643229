package dev.cms.provider.gmail;

import org.jspecify.annotations.Nullable;

/**
 * Finds the top-level {@code "raw"} member's value in a {@code messages.get?format=raw} answer
 * held in memory (a part of a batch), by scanning the bytes: the base64url body can then be
 * decoded straight from them, and the JSON parser given the answer without it, so that no
 * 30 KB JSON string (its UTF-16 copy, its builder, its second copy for the decoder) is made
 * per message. The parser still reads every other member and reports malformed answers
 * as before; this scan only needs to find the value, and gives up (null: the caller parses
 * the whole answer) on anything it does not take as plain: an escape or control character in
 * the value, "raw" twice, or a shape it does not follow.
 */
final class RawAnswer {
    private static final int MAX_DEPTH = 64;

    /** Where the raw value is: {@code json[from..to)}, the characters between its quotes. */
    record Span(int from, int to) {
        /** The answer without the value: {@code "raw": ""} in its place. */
        byte[] cut(byte[] json) {
            byte[] out = new byte[json.length - (to - from)];
            System.arraycopy(json, 0, out, 0, from);
            System.arraycopy(json, to, out, from, json.length - to);
            return out;
        }
    }

    private final byte[] b;
    private int i;

    private RawAnswer(byte[] json) {
        this.b = json;
    }

    /** Where the top-level raw string is, or null when the whole answer should go to the JSON parser. */
    static @Nullable Span find(byte[] json) {
        try {
            return new RawAnswer(json).object();
        } catch (IndexOutOfBoundsException e) {
            return null; // cut short: the parser says so
        }
    }

    private @Nullable Span object() {
        if (next() != '{') {
            return null;
        }
        Span raw = null;
        int c = next();
        while (c != '}') {
            if (c != '"') {
                return null;
            }
            int nameFrom = i;
            int nameTo = plainStringEnd();
            if (nameTo < 0 || next() != ':') {
                return null;
            }
            int v = next();
            if (is(nameFrom, nameTo, "raw")) {
                int from = i;
                int to = v == '"' ? plainStringEnd() : -1;
                if (to < 0 || raw != null) {
                    return null;
                }
                raw = new Span(from, to);
            } else if (!skip(v, 0)) {
                return null;
            }
            c = next();
            if (c == ',') {
                c = next();
            } else if (c != '}') {
                return null;
            }
        }
        return raw;
    }

    /** Whether {@code b[from..to)} is the ASCII name {@code name}. */
    private boolean is(int from, int to, String name) {
        if (to - from != name.length()) {
            return false;
        }
        for (int k = 0; k < name.length(); k++) {
            if (b[from + k] != name.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    /** After an opening quote: consumes the string; its end (the closing quote's index), or -1 if it has an escape. */
    private int plainStringEnd() {
        // This runs over every byte of each body's 30 KB of base64: eight bytes at a time while
        // none of them is a quote, a backslash or a control character, then byte by byte.
        byte[] bytes = b;
        int k = i;
        for (int last = bytes.length - Long.BYTES; k <= last; k += Long.BYTES) {
            long w = Words.at(bytes, k);
            long hit = Words.hasByte(w, QUOTES) | Words.hasByte(w, BACKSLASHES) | Words.hasByteBelow(w, SPACES);
            if (hit != 0) {
                k += Words.firstMarked(hit);
                break;
            }
        }
        while (true) {
            byte x = bytes[k++]; // past the end: cut short (see find)
            if (x == '"') {
                i = k;
                return k - 1;
            }
            if (x == '\\' || (x >= 0 && x < 0x20)) {
                i = k;
                return -1;
            }
        }
    }

    private static final long QUOTES = Words.of((byte) '"');
    private static final long BACKSLASHES = Words.of((byte) '\\');
    private static final long SPACES = Words.of((byte) ' ');

    /** Skips a value whose first non-space byte {@code c} is consumed; false when it is not one this scan knows. */
    private boolean skip(int c, int depth) {
        if (c == '"') {
            while (true) {
                byte x = b[i++];
                if (x == '"') {
                    return true;
                }
                if (x == '\\') {
                    i++;
                }
            }
        }
        if (c == '{' || c == '[') {
            if (depth > MAX_DEPTH) {
                return false;
            }
            int close = c == '{' ? '}' : ']';
            int d = next();
            while (d != close) {
                if (c == '{') {
                    if (d != '"' || !skip(d, depth + 1) || next() != ':') {
                        return false;
                    }
                    d = next();
                }
                if (!skip(d, depth + 1)) {
                    return false;
                }
                d = next();
                if (d == ',') {
                    d = next();
                } else if (d != close) {
                    return false;
                }
            }
            return true;
        }
        // A number, true, false or null: up to the next delimiter.
        if (!(c == '-' || (c >= '0' && c <= '9') || c == 't' || c == 'f' || c == 'n')) {
            return false;
        }
        while (i < b.length && b[i] != ',' && b[i] != '}' && b[i] != ']' && !space(b[i])) {
            i++;
        }
        return true;
    }

    /** The next byte that is not white space, consumed. */
    private int next() {
        while (space(b[i])) {
            i++;
        }
        return b[i++];
    }

    private static boolean space(byte x) {
        return x == ' ' || x == '\t' || x == '\r' || x == '\n';
    }
}
