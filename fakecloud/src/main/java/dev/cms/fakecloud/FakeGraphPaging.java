package dev.cms.fakecloud;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The pages of the fake Graph's listings and deltas: how many items a page holds, the query
 * options that choose a page, and the absolute links ({@code @odata.nextLink},
 * {@code @odata.deltaLink}, {@code @odata.context}) that point at this server.
 */
final class FakeGraphPaging {

    private static final Pattern MAX_PAGE = Pattern.compile("(?i)odata\\.maxpagesize\\s*=\\s*(\\d+)");

    volatile URI base;
    /** See {@link FakeGraph#setPageLimit}. */
    volatile int pageLimit = 1000;

    /** The page size a client prefers, or {@code fallback}, never over the {@link FakeGraph#setPageLimit limit}. */
    int pageSize(FakeMicrosoftRequest r, int fallback) {
        int limit = pageLimit;
        for (String p : r.headerValues("prefer")) {
            Matcher matcher = MAX_PAGE.matcher(p);
            if (matcher.matches()) {
                return Math.max(1, Math.min(limit, Integer.parseInt(matcher.group(1))));
            }
        }
        return Math.min(limit, fallback);
    }

    /** Query option {@code name} as a number, {@code fallback} when absent, -1 when not a number. */
    static int intParam(FakeMicrosoftRequest r, String name, int fallback) {
        String v = r.param(name);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Carries query option {@code name}, when the request has it, into the next page's query. */
    static void copy(FakeMicrosoftRequest r, Map<String, String> q, String name) {
        String v = r.param(name);
        if (v != null) {
            q.put(name, v);
        }
    }

    String root() {
        String s = base.toString();
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    String link(String path, Map<String, String> query) {
        StringBuilder sb = new StringBuilder(root()).append(path);
        char sep = '?';
        for (Map.Entry<String, String> e : query.entrySet()) {
            sb.append(sep).append(e.getKey()).append('=')
                    .append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8).replace("+", "%20"));
            sep = '&';
        }
        return sb.toString();
    }
}
