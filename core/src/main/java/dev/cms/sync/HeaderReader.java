package dev.cms.sync;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Reads one header field from an RFC 5322 message file: the first occurrence, unfolded
 * (each line break followed by white space becomes one space) and trimmed. Only the header
 * block is read, at most {@link #MAX_HEADER_BYTES}. Encoded words are left as they are.
 */
final class HeaderReader {
    static final int MAX_HEADER_BYTES = 256 * 1024;

    private HeaderReader() {}

    static @Nullable String read(Path message, String name) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(message), 8192)) {
            return read(in, name);
        }
    }

    static @Nullable String read(InputStream in, String name) throws IOException {
        String want = name.toLowerCase(Locale.ROOT);
        String header = headerBlock(in);
        String found = null;
        StringBuilder current = null;
        for (String line : header.split("\n", -1)) {
            if (line.endsWith("\r")) {
                line = line.substring(0, line.length() - 1);
            }
            if (!line.isEmpty() && (line.charAt(0) == ' ' || line.charAt(0) == '\t')) {
                if (current != null) {
                    current.append(' ').append(line.strip());
                }
                continue;
            }
            if (current != null) {
                found = current.toString().strip();
                break;
            }
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).strip().toLowerCase(Locale.ROOT).equals(want)) {
                current = new StringBuilder(line.substring(colon + 1).strip());
            }
        }
        if (found == null && current != null) {
            found = current.toString().strip();
        }
        return found;
    }

    /** The bytes up to the first empty line, as ISO-8859-1 so no byte is lost or rejected. */
    private static String headerBlock(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(4096);
        int prev = -1;
        int c;
        while (buf.size() < MAX_HEADER_BYTES && (c = in.read()) >= 0) {
            if (c == '\n' && (prev == '\n')) {
                break;
            }
            if (c == '\r') {
                continue;
            }
            buf.write(c);
            prev = c;
        }
        String s = buf.toString(StandardCharsets.ISO_8859_1);
        // Headers are ASCII by the RFC; decode 8-bit as UTF-8 when it is valid UTF-8.
        byte[] raw = s.getBytes(StandardCharsets.ISO_8859_1);
        String utf8 = new String(raw, StandardCharsets.UTF_8);
        return utf8.indexOf('\uFFFD') >= 0 ? s : utf8;
    }
}
