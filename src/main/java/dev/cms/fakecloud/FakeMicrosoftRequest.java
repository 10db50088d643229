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
 * One request to the Microsoft fake, buffered and detached from its exchange so that the parts
 * of a Graph {@code $batch} are served by the same code as top-level requests.
 *
 * @param path the decoded path, starting with {@code /}
 * @param rawQuery the query string as sent, empty when none
 * @param headers values by lower-case header name
 * @param batchPart whether it arrived inside a {@code $batch}
 */
record FakeMicrosoftRequest(String method, String path, String rawQuery, Map<String, List<String>> query,
                            Map<String, List<String>> headers, byte[] body, boolean batchPart) {

    static FakeMicrosoftRequest of(String method, String path, String rawQuery,
                                   Map<String, List<String>> headers, byte[] body, boolean batchPart) {
        Map<String, List<String>> lower = new LinkedHashMap<>();
        headers.forEach((name, values) -> lower.computeIfAbsent(name.toLowerCase(Locale.ROOT),
                k -> new ArrayList<>()).addAll(values));
        String q = rawQuery == null ? "" : rawQuery;
        return new FakeMicrosoftRequest(method.toUpperCase(Locale.ROOT), path, q, parseForm(q), lower, body,
                batchPart);
    }

    /** Parses {@code a=1&b=2} (a query string or a form body); {@code +} means a space. */
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

    /** The first value of a header, or null. */
    String header(String name) {
        List<String> values = headers.getOrDefault(name.toLowerCase(Locale.ROOT), Collections.emptyList());
        return values.isEmpty() ? null : values.get(0);
    }

    /** All values of a header (a header sent twice, or a comma list, counts each part). */
    List<String> headerValues(String name) {
        List<String> out = new ArrayList<>();
        for (String v : headers.getOrDefault(name.toLowerCase(Locale.ROOT), Collections.emptyList())) {
            for (String part : v.split(",")) {
                out.add(part.strip());
            }
        }
        return out;
    }

    String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** The fields of a form body merged over the query's (MSAL4J posts forms; some clients use the query). */
    Map<String, List<String>> formAndQuery() {
        Map<String, List<String>> out = new LinkedHashMap<>(query);
        out.putAll(parseForm(bodyText()));
        return out;
    }
}
