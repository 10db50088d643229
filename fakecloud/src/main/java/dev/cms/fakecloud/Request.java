package dev.cms.fakecloud;

import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP request as the Gmail half sees it: decoded, buffered and detached from the exchange,
 * so that the parts of an HTTP batch can be served by the same code.
 *
 * @param path the decoded path, always starting with {@code /}
 * @param headers header values by lower-case name
 */
record Request(String method, String path, String rawQuery, Map<String, List<String>> query,
               Map<String, List<String>> headers, byte[] body) implements BufferedRequest {

    static Request of(String method, String path, String rawQuery,
                      Map<String, List<String>> headers, byte[] body) {
        String q = rawQuery == null ? "" : rawQuery;
        return new Request(method.toUpperCase(Locale.ROOT), path, q, parseForm(q),
                BufferedRequest.lowerCaseNames(headers), body);
    }

    /** Parses {@code a=1&b=2&a=3} (a query string or a form body) into values by name. */
    static Map<String, List<String>> parseForm(String encoded) {
        return BufferedRequest.parseForm(encoded);
    }

    /** All values of a query parameter, in order (empty when absent). */
    List<String> params(String name) {
        return query.getOrDefault(name, Collections.emptyList());
    }

    /** The form fields of an {@code application/x-www-form-urlencoded} body. */
    Map<String, List<String>> form() {
        return parseForm(bodyText());
    }
}
