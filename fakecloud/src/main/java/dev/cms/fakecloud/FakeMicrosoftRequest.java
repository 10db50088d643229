package dev.cms.fakecloud;

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
                            Map<String, List<String>> headers, byte[] body, boolean batchPart)
        implements BufferedRequest {

    static FakeMicrosoftRequest of(String method, String path, String rawQuery,
                                   Map<String, List<String>> headers, byte[] body, boolean batchPart) {
        String q = rawQuery == null ? "" : rawQuery;
        return new FakeMicrosoftRequest(method.toUpperCase(Locale.ROOT), path, q, parseForm(q),
                BufferedRequest.lowerCaseNames(headers), body, batchPart);
    }

    /** Parses {@code a=1&b=2} (a query string or a form body); {@code +} means a space. */
    static Map<String, List<String>> parseForm(String encoded) {
        return BufferedRequest.parseForm(encoded);
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

    /** The fields of a form body merged over the query's (MSAL4J posts forms; some clients use the query). */
    Map<String, List<String>> formAndQuery() {
        Map<String, List<String>> out = new LinkedHashMap<>(query);
        out.putAll(parseForm(bodyText()));
        return out;
    }
}
