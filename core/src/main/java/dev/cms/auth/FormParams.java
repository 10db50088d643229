package dev.cms.auth;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Strict parsing of {@code application/x-www-form-urlencoded} text (a query string or a POST
 * body): bad percent-encoding, invalid UTF-8, repeated names (RFC 6749 §3.1) and oversized input
 * are refused with a message that never repeats the input.
 */
final class FormParams {
    static final int MAX_LENGTH = 16 * 1024;
    static final int MAX_PARAMS = 64;

    private FormParams() {}

    static final class MalformedException extends Exception {
        private static final long serialVersionUID = 1L;

        MalformedException(String reason) {
            super(reason);
        }
    }

    static Map<String, String> parse(String raw) throws MalformedException {
        Map<String, String> params = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return params;
        }
        if (raw.length() > MAX_LENGTH) {
            throw new MalformedException("the request is too long");
        }
        String[] pairs = raw.split("&", -1);
        if (pairs.length > MAX_PARAMS) {
            throw new MalformedException("the request has too many parameters");
        }
        for (String pair : pairs) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            if (params.putIfAbsent(name, value) != null) {
                throw new MalformedException("a parameter appears more than once");
            }
        }
        return Collections.unmodifiableMap(params);
    }

    /** Decodes bytes that must be UTF-8 text (a POST body). */
    static String utf8(byte[] bytes) throws MalformedException {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new MalformedException("the request is not UTF-8 text");
        }
    }

    private static String decode(String text) throws MalformedException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '+') {
                bytes.write(' ');
            } else if (c == '%') {
                if (i + 2 >= text.length()) {
                    throw new MalformedException("the request has a truncated %-escape");
                }
                int hi = hex(text.charAt(i + 1));
                int lo = hex(text.charAt(i + 2));
                if (hi < 0 || lo < 0) {
                    throw new MalformedException("the request has an invalid %-escape");
                }
                bytes.write(hi << 4 | lo);
                i += 2;
            } else if (c < 0x20 || c >= 0x7f) {
                throw new MalformedException("the request has characters that should have been %-escaped");
            } else {
                bytes.write(c);
            }
        }
        return utf8(bytes.toByteArray());
    }

    private static int hex(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }
}
