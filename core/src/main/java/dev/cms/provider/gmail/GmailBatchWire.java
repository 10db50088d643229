package dev.cms.provider.gmail;

import dev.cms.provider.gmail.GmailTransport.MalformedGmailResponse;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The wire format of Google's HTTP batch: the multipart/mixed request of {@code application/http}
 * parts (Content-ID {@code item-N}, N from 1) and the multipart/mixed answer, read one part at a
 * time with its inner status line, headers and body.
 */
final class GmailBatchWire {
    static final String ITEM_PREFIX = "item-";
    private static final Pattern BOUNDARY = Pattern.compile("boundary=(?:\"([^\"]+)\"|([^;\\s]+))",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern STATUS_LINE = Pattern.compile("^HTTP/\\d(?:\\.\\d)?\\s+(\\d{3})\\b.*");

    private GmailBatchWire() {}

    /** One inner response: status, headers (lower-case names) and body. */
    record Part(int status, Map<String, String> headers, byte[] body) {}

    /** Takes the parts of a batch answer as they arrive, keyed like {@link #parseResponse}. */
    @FunctionalInterface
    interface PartHandler {
        void part(String key, Part part);
    }

    /**
     * How a batch ended: every part read ({@code complete}), or cut short, with the key of a part
     * too large to hold when that was the reason ({@code largeKey}).
     */
    record Outcome(boolean complete, @Nullable String largeKey) {
        static final Outcome COMPLETE = new Outcome(true, null);
        static final Outcome FAILED = new Outcome(false, null);
    }

    /** The 0-based position of {@code item-N}, or -1. */
    static int position(String key, int size) {
        if (!key.startsWith(ITEM_PREFIX)) {
            return -1;
        }
        try {
            int n = Integer.parseInt(key.substring(ITEM_PREFIX.length()));
            return n >= 1 && n <= size ? n - 1 : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static byte[] requestBody(List<String> ids, String boundary) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < ids.size(); i++) {
            b.append("--").append(boundary).append("\r\n")
                    .append("Content-Type: application/http\r\n")
                    .append("Content-ID: <").append(ITEM_PREFIX).append(i + 1).append(">\r\n")
                    .append("\r\n")
                    .append("GET /gmail/v1/users/me/messages/").append(pathSegment(ids.get(i)))
                    .append("?format=raw\r\n")
                    .append("\r\n");
        }
        b.append("--").append(boundary).append("--\r\n");
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Percent-encodes everything but RFC 3986 unreserved characters (Gmail ids are hex). */
    static String pathSegment(String id) {
        StringBuilder out = new StringBuilder();
        for (byte c : id.getBytes(StandardCharsets.UTF_8)) {
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.' || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(String.format(Locale.ROOT, "%02X", c & 0xff));
            }
        }
        return out.toString();
    }

    /**
     * Splits a multipart/mixed batch answer held in memory into its inner responses, keyed by
     * the request's Content-ID ({@code response-item-3} becomes {@code item-3}); a part without
     * one is keyed by its position.
     */
    static Map<String, Part> parseResponse(String contentType, byte[] body) throws MalformedGmailResponse {
        Map<String, Part> parts = new LinkedHashMap<>();
        try {
            readParts(contentType, new ByteArrayInputStream(body), Integer.MAX_VALUE - 1024, parts::put);
        } catch (MalformedGmailResponse e) {
            throw e;
        } catch (IOException e) {
            throw new MalformedGmailResponse("batch", GmailTransport.unreadable(e), e);
        }
        return parts;
    }

    /**
     * Reads a multipart/mixed batch answer part by part, holding one part at a time: a part
     * longer than {@code cap} bytes ends the reading with its key in {@link Outcome#largeKey()}.
     */
    static Outcome readParts(String contentType, InputStream body, int cap, PartHandler handler)
            throws IOException {
        String call = "batch";
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("multipart/mixed")) {
            throw new MalformedGmailResponse(call, "answer is " + contentType + ", not multipart/mixed");
        }
        Matcher bm = BOUNDARY.matcher(contentType);
        if (!bm.find()) {
            throw new MalformedGmailResponse(call, "no boundary in " + contentType);
        }
        if (body == null) {
            throw new MalformedGmailResponse(call, "no parts");
        }
        MultipartReader reader = new MultipartReader(body, bm.group(1) != null ? bm.group(1) : bm.group(2));
        int n = 0;
        while (true) {
            byte[] part;
            try {
                part = reader.next(cap);
            } catch (MultipartReader.PartTooLarge e) {
                return new Outcome(false, keyOf(e.head(), 0, e.head().length, n + 1));
            }
            if (part == null) {
                return Outcome.COMPLETE;
            }
            n++;
            handler.part(keyOf(part, 0, part.length, n), parsePart(part, n));
        }
    }

    /** The key of a part from its outer headers: its Content-ID, else {@code item-n}. */
    private static String keyOf(byte[] part, int from, int to, int n) {
        Map<String, String> outer = new HashMap<>();
        readHeaders(part, from, to, outer, null);
        String id = outer.get("content-id");
        return id == null ? ITEM_PREFIX + n : contentIdKey(id);
    }

    private static Part parsePart(byte[] body, int n) throws MalformedGmailResponse {
        int to = body.length;
        int inner = readHeaders(body, 0, to, new HashMap<>(), null);
        String[] statusLine = new String[1];
        Map<String, String> innerHeaders = new HashMap<>();
        int content = readHeaders(body, inner, to, innerHeaders, statusLine);
        Matcher sm = statusLine[0] == null ? null : STATUS_LINE.matcher(statusLine[0]);
        if (sm == null || !sm.matches()) {
            throw new MalformedGmailResponse("batch", "part " + n + " has no HTTP status line");
        }
        int end = to;
        String length = innerHeaders.get("content-length");
        if (length != null) {
            try {
                long l = Long.parseLong(length.trim());
                if (l >= 0 && l <= to - content) {
                    end = content + (int) l;
                }
            } catch (NumberFormatException e) {
                // keep the part's end
            }
        }
        return new Part(Integer.parseInt(sm.group(1)), innerHeaders, java.util.Arrays.copyOfRange(body, content, end));
    }

    private static String contentIdKey(String contentId) {
        String id = contentId.trim();
        if (id.startsWith("<") && id.endsWith(">")) {
            id = id.substring(1, id.length() - 1);
        }
        return id.startsWith("response-") ? id.substring("response-".length()) : id;
    }

    /**
     * Reads header lines from {@code from} up to a blank line; the first line goes to
     * {@code firstLine[0]} when given. Returns the offset after the blank line (or {@code to}).
     */
    private static int readHeaders(byte[] b, int from, int to, Map<String, String> into, String @Nullable [] firstLine) {
        int pos = from;
        boolean first = firstLine != null;
        // Blank lines before an inner status line are tolerated.
        while (first && pos < to && (b[pos] == '\r' || b[pos] == '\n')) {
            pos++;
        }
        while (pos < to) {
            int eol = pos;
            while (eol < to && b[eol] != '\n') {
                eol++;
            }
            int lineEnd = eol > pos && b[eol - 1] == '\r' ? eol - 1 : eol;
            String line = new String(b, pos, lineEnd - pos, StandardCharsets.ISO_8859_1);
            pos = Math.min(to, eol + 1);
            if (line.isEmpty()) {
                return pos;
            }
            if (first && firstLine != null) {
                firstLine[0] = line;
                first = false;
                continue;
            }
            int colon = line.indexOf(':');
            if (colon > 0) {
                into.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
            }
        }
        return to;
    }
}
