package dev.cms.provider.graph;

import java.nio.charset.StandardCharsets;

/** Percent-encoding for ids in paths and OData expressions in queries. */
final class GraphUrls {
    private GraphUrls() {}

    /** A path segment: everything but RFC 3986 unreserved characters and '=' is encoded. */
    static String segment(String s) {
        return encode(s, "-._~=");
    }

    /** An OData query value: spaces and specials encoded, the OData punctuation kept readable. */
    static String queryValue(String s) {
        return encode(s, "-._~$'(),=:");
    }

    private static String encode(String s, String keep) {
        StringBuilder sb = new StringBuilder(s.length() + 16);
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || (c < 0x80 && keep.indexOf(c) >= 0)) {
                sb.append((char) c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return sb.toString();
    }
}
