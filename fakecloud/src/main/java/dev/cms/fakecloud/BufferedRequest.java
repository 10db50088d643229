package dev.cms.fakecloud;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the Gmail half's {@link Request} and the Microsoft half's {@link FakeMicrosoftRequest}
 * share: a request read to the end and detached from its exchange, with its query parsed and
 * its header names in lower case.
 */
interface BufferedRequest {
    /** Upper case. */
    String method();

    /** Decoded, starting with {@code /}. */
    String path();

    /** As sent, empty when none. */
    String rawQuery();

    Map<String, List<String>> query();

    /** Values by lower-case name. */
    Map<String, List<String>> headers();

    byte[] body();

    /** The first value of a query parameter, or null. */
    default String param(String name) {
        List<String> values = query().get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    /** The first value of a header (any case), or null. */
    default String header(String name) {
        List<String> values = headers().get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    default String bodyText() {
        return new String(body(), StandardCharsets.UTF_8);
    }

    /** The same headers keyed by lower-case name; values of names differing only in case are joined. */
    static Map<String, List<String>> lowerCaseNames(Map<String, List<String>> headers) {
        Map<String, List<String>> lower = new LinkedHashMap<>();
        headers.forEach((name, values) -> lower.computeIfAbsent(name.toLowerCase(Locale.ROOT),
                k -> new ArrayList<>()).addAll(values));
        return lower;
    }

    /** Parses {@code a=1&b=2&a=3} (a query string or a form body) into values by name; {@code +} means a space. */
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
}
