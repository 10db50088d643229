package dev.cms.send;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The header fields of an RFC 5322 message and where its body starts, read from bytes whose
 * lines end in LF. Only checks what matters for sending: every header line is a field or a
 * continuation, field names are printable ASCII, and header text is 7-bit (RFC 2047 words for
 * anything else).
 */
final class HeaderSection {
    /** One field as written: its name and its raw text after the colon, continuation lines included. */
    record Field(String name, String raw) {
        /** The value unfolded and trimmed. */
        String value() {
            return raw.replaceAll("\r?\n[ \t]", " ").trim();
        }

        boolean is(String other) {
            return name.equalsIgnoreCase(other);
        }
    }

    final List<Field> fields;
    /** Offset of the body (after the blank line), or the length when there is no body. */
    final int bodyStart;

    private HeaderSection(List<Field> fields, int bodyStart) {
        this.fields = fields;
        this.bodyStart = bodyStart;
    }

    /**
     * Parses the header section of {@code msg} (LF line ends).
     *
     * @throws SendmailException {@link SysExits#DATAERR} naming the line that is wrong
     */
    static HeaderSection parse(byte[] msg) throws SendmailException {
        List<Field> fields = new ArrayList<>();
        int pos = 0;
        int line = 0;
        @Nullable StringBuilder current = null;
        @Nullable String currentName = null;
        while (pos < msg.length) {
            int end = pos;
            while (end < msg.length && msg[end] != '\n') {
                end++;
            }
            line++;
            if (end == pos) { // the blank line
                if (current != null && currentName != null) { // set together
                    fields.add(new Field(currentName, current.toString()));
                }
                return new HeaderSection(fields, Math.min(msg.length, end + 1));
            }
            for (int i = pos; i < end; i++) {
                if ((msg[i] & 0x80) != 0) {
                    throw new SendmailException(SysExits.DATAERR, "8-bit byte in the header on line " + line
                            + (current != null || colon(msg, pos, end) > 0 ? " (" + nameAt(msg, pos, end, currentName)
                            + ")" : "") + ": header text must be ASCII (RFC 2047 encoded words for other characters)");
                }
            }
            byte first = msg[pos];
            if (first == ' ' || first == '\t') {
                if (current == null) {
                    throw new SendmailException(SysExits.DATAERR, "not an RFC 5322 message: line " + line
                            + " continues a header field but none came before it");
                }
                current.append('\n').append(new String(msg, pos, end - pos, StandardCharsets.US_ASCII));
            } else {
                int colon = colon(msg, pos, end);
                if (colon <= 0) {
                    if (fields.isEmpty() && current == null) {
                        throw new SendmailException(SysExits.DATAERR, "not an RFC 5322 message: line 1 is not a"
                                + " header field (\"Name: value\")");
                    }
                    throw new SendmailException(SysExits.DATAERR, "not an RFC 5322 message: line " + line
                            + " is neither a header field (\"Name: value\") nor a continuation, and no blank line"
                            + " separates the headers from the body before it");
                }
                if (current != null && currentName != null) { // set together
                    fields.add(new Field(currentName, current.toString()));
                }
                currentName = new String(msg, pos, colon, StandardCharsets.US_ASCII).stripTrailing();
                current = new StringBuilder(new String(msg, pos + colon + 1, end - pos - colon - 1,
                        StandardCharsets.US_ASCII));
            }
            pos = end + 1;
        }
        if (current != null && currentName != null) { // set together
            fields.add(new Field(currentName, current.toString()));
        }
        return new HeaderSection(fields, msg.length);
    }

    /** The colon's offset from {@code pos} when the line starts with a valid field name, else -1. */
    private static int colon(byte[] msg, int pos, int end) {
        for (int i = pos; i < end; i++) {
            byte b = msg[i];
            if (b == ':') {
                // Trailing white space before the colon is obsolete syntax, still met in the wild.
                int nameEnd = i;
                while (nameEnd > pos && (msg[nameEnd - 1] == ' ' || msg[nameEnd - 1] == '\t')) {
                    nameEnd--;
                }
                return nameEnd > pos ? i - pos : -1;
            }
            if ((b < 33 || b > 126) && b != ' ' && b != '\t') {
                return -1;
            }
            if (b == ' ' || b == '\t') {
                // Only allowed between the name and the colon.
                for (int j = i; j < end && msg[j] != ':'; j++) {
                    if (msg[j] != ' ' && msg[j] != '\t') {
                        return -1;
                    }
                }
            }
        }
        return -1;
    }

    private static @Nullable String nameAt(byte[] msg, int pos, int end, @Nullable String currentName) {
        int c = colon(msg, pos, end);
        return c > 0 ? new String(msg, pos, c, StandardCharsets.US_ASCII).strip() : currentName;
    }

    /** Every field named {@code name}, in order. */
    List<Field> all(String name) {
        List<Field> out = new ArrayList<>();
        for (Field f : fields) {
            if (f.is(name)) {
                out.add(f);
            }
        }
        return out;
    }

    /** The first field named {@code name}'s unfolded value, or null. */
    @Nullable String first(String name) {
        for (Field f : fields) {
            if (f.is(name)) {
                return f.value();
            }
        }
        return null;
    }

    boolean has(String name) {
        return first(name) != null;
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
