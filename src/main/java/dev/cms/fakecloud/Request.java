package dev.cms.fakecloud;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP request as the halves see it: decoded, buffered and detached from the exchange, so
 * that the parts of an HTTP batch can be served by the same code.
 *
 * @param path the decoded path, always starting with {@code /}
 * @param headers header values by lower-case name
 */
record Request(String method, String path, String rawQuery, Map<String, List<String>> query,
               Map<String, List<String>> headers, byte[] body) {

    static Request of(String method, String path, String rawQuery,
                      Map<String, List<String>> headers, byte[] body) {
        Map<String, List<String>> lower = new LinkedHashMap<>();
        headers.forEach((name, values) -> lower.computeIfAbsent(name.toLowerCase(Locale.ROOT),
                k -> new ArrayList<>()).addAll(values));
        String q = rawQuery == null ? "" : rawQuery;
        return new Request(method.toUpperCase(Locale.ROOT), path, q, parseForm(q), lower, body);
    }

    /** Parses {@code a=1&b=2&a=3} (a query string or a form body) into values by name. */
    static Map<String, List<String>> parseForm(String encoded) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (encoded == null || encoded.isEmpty()) {
            return out;
        }
        for (String pair : encoded.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            out.computeIfAbsent(URLDecoder.decode(name, StandardCharsets.UTF_8), k -> new ArrayList<>())
                    .add(URLDecoder.decode(value, StandardCharsets.UTF_8));
        }
        return out;
    }

    /** The first value of a query parameter, or null. */
    String param(String name) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    /** All values of a query parameter, in order (empty when absent). */
    List<String> params(String name) {
        return query.getOrDefault(name, Collections.emptyList());
    }

    /** The first value of a header, or null. */
    String header(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** The form fields of an {@code application/x-www-form-urlencoded} body. */
    Map<String, List<String>> form() {
        return parseForm(bodyText());
    }
}
