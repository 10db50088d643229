package dev.cms.store;

import dev.cms.model.ContentHash;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/**
 * The line format of an id record ({@link IdRecords}): {@code <cloud id> <64 hex digits>\n}, the
 * id UTF-8 without spaces or control characters and at most {@link IdRecords#MAX_ID_BYTES} bytes.
 */
final class IdRecordLines {
    private static final int MAX_LINE = IdRecords.MAX_ID_BYTES + 1 + 64;

    private IdRecordLines() {}

    /**
     * Calls {@code entry} for each valid line of {@code file} in order and returns how many lines
     * were not valid (an unfinished last line included); none when there is no file.
     */
    static long read(Path file, BiConsumer<String, ContentHash> entry) throws IOException {
        var decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        byte[] line = new byte[MAX_LINE];
        long bad = 0;
        InputStream raw;
        try {
            raw = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return 0;
        }
        try (InputStream in = raw) {
            // Bulk reads and a scan for newlines: a record has a line per message ever recorded.
            byte[] buf = new byte[64 * 1024];
            int len = 0;
            boolean overlong = false;
            for (int n; (n = in.read(buf)) != -1; ) {
                for (int i = 0; i < n; i++) {
                    byte b = buf[i];
                    if (b != '\n') {
                        if (len < MAX_LINE) {
                            line[len++] = b;
                        } else {
                            overlong = true;
                        }
                        continue;
                    }
                    ParsedLine p = overlong ? null : parse(line, len, decoder);
                    if (p == null) {
                        bad++;
                    } else {
                        entry.accept(p.id(), p.hash());
                    }
                    len = 0;
                    overlong = false;
                }
            }
            if (len > 0 || overlong) {
                bad++; // an unfinished last line: never trusted
            }
        }
        return bad;
    }

    private record ParsedLine(String id, ContentHash hash) {}

    private static @Nullable ParsedLine parse(byte[] line, int len, java.nio.charset.CharsetDecoder decoder) {
        int space = -1;
        for (int i = 0; i < len; i++) {
            if (line[i] == ' ') {
                space = i;
                break;
            }
        }
        if (space <= 0 || len - space - 1 != 64 || space > IdRecords.MAX_ID_BYTES) {
            return null;
        }
        ContentHash hash = ContentHash.parseAscii(line, space + 1, 64);
        if (hash == null) {
            return null;
        }
        String id;
        if (ascii(line, space)) {
            id = new String(line, 0, space, StandardCharsets.ISO_8859_1);
        } else {
            try {
                CharBuffer chars = decoder.reset().decode(ByteBuffer.wrap(line, 0, space));
                id = chars.toString();
            } catch (CharacterCodingException e) {
                return null;
            }
        }
        if (!validId(id, space)) {
            return null;
        }
        return new ParsedLine(id, hash);
    }

    private static boolean ascii(byte[] b, int len) {
        for (int i = 0; i < len; i++) {
            if (b[i] < 0) {
                return false;
            }
        }
        return true;
    }

    /** An id fit for a line: not empty, not too long, no space, no control character. */
    static boolean validId(String id, int utf8Length) {
        if (id.isEmpty() || utf8Length > IdRecords.MAX_ID_BYTES) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c <= ' ' || c == 0x7f || (c >= 0x80 && c < 0xa0) || Character.isWhitespace(c)) {
                return false;
            }
        }
        return true;
    }
}
