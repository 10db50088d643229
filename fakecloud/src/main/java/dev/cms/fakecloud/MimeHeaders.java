package dev.cms.fakecloud;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * The top-level header block of a message, for {@code format=metadata} and a shallow
 * {@code format=full} payload (headers and sizes only: the fake does not split MIME parts).
 */
final class MimeHeaders {

    private MimeHeaders() {
    }

    /** Unfolded {name, value} pairs of the header block, in order. */
    static List<String[]> parse(byte[] raw) {
        int end = headerEnd(raw);
        String block = new String(raw, 0, end, StandardCharsets.UTF_8);
        List<String[]> out = new ArrayList<>();
        StringBuilder current = null;
        for (String line : block.split("\r\n", -1)) {
            if (!line.isEmpty() && (line.charAt(0) == ' ' || line.charAt(0) == '\t') && current != null) {
                current.append(line);
                continue;
            }
            add(out, current);
            current = line.isEmpty() ? null : new StringBuilder(line);
        }
        add(out, current);
        return out;
    }

    static JsonObject payload(byte[] raw, List<String> wanted, boolean full) {
        Set<String> filter = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        if (!full) {
            filter.addAll(wanted);
        }
        JsonArray headers = new JsonArray();
        String mimeType = "text/plain";
        for (String[] h : parse(raw)) {
            if (h[0].equalsIgnoreCase("Content-Type")) {
                mimeType = h[1].split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
            }
            if (filter.isEmpty() || filter.contains(h[0])) {
                JsonObject o = new JsonObject();
                o.addProperty("name", h[0]);
                o.addProperty("value", h[1]);
                headers.add(o);
            }
        }
        JsonObject payload = new JsonObject();
        payload.addProperty("partId", "");
        payload.addProperty("mimeType", mimeType);
        payload.addProperty("filename", "");
        payload.add("headers", headers);
        if (full) {
            JsonObject body = new JsonObject();
            int start = Math.min(raw.length, headerEnd(raw) + 4);
            body.addProperty("size", raw.length - start);
            payload.add("body", body);
        }
        return payload;
    }

    private static void add(List<String[]> out, StringBuilder line) {
        if (line == null) {
            return;
        }
        int colon = line.indexOf(":");
        if (colon > 0) {
            out.add(new String[] {line.substring(0, colon).trim(), line.substring(colon + 1).trim()});
        }
    }

    private static int headerEnd(byte[] raw) {
        for (int i = 0; i + 3 < raw.length; i++) {
            if (raw[i] == '\r' && raw[i + 1] == '\n' && raw[i + 2] == '\r' && raw[i + 3] == '\n') {
                return i;
            }
        }
        return raw.length;
    }
}
