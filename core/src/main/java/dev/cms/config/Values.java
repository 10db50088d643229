package dev.cms.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/** Checks of argument values that several calls share, and how a value is shown in a message. */
final class Values {
    private Values() {}

    /** The argument {@code p} (else {@code dflt}): an http(s) URL with a host name. */
    static String url(CallArgs a, String p, String dflt) throws ConfigException {
        String u = a.str(p, dflt);
        @Nullable String problem = null;
        try {
            URI uri = new URI(u);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                problem = "must start with http:// or https://";
            } else if (uri.getHost() == null) {
                problem = "has no host name";
            }
        } catch (URISyntaxException e) {
            problem = "is not a valid URL (" + e.getReason() + ")";
        }
        if (problem != null) {
            throw a.error(p, "`" + p + "` " + problem + ", got " + repr(u));
        }
        return u;
    }

    /** A URL that names a server only: API paths such as Graph's {@code /v1.0} go after it. */
    static String rootUrl(CallArgs a, String p, String dflt) throws ConfigException {
        String u = url(a, p, dflt);
        String path = URI.create(u).getRawPath();
        if (path != null && !path.isEmpty() && !path.equals("/")) {
            throw a.error(p, "`" + p + "` must be a server's root URL such as " + repr(dflt)
                    + ", without a path, got " + repr(u));
        }
        return u;
    }

    /** {@code v}, the value of {@code p}, unless it is blank. */
    static String nonBlank(CallArgs a, String p, String v) throws ConfigException {
        if (v.isBlank()) {
            throw a.error(p, "`" + p + "` must not be empty");
        }
        return v;
    }

    /** A string as Python would show it, with quotes and escapes. */
    static String repr(String s) {
        StringBuilder b = new StringBuilder("\"");
        s.codePoints().forEach(c -> {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '\r' -> b.append("\\r");
                default -> {
                    if (c < 0x20 || c == 0x7f || Character.getType(c) == Character.SURROGATE) {
                        b.append(String.format(c <= 0xff ? "\\x%02x" : "\\u%04x", c));
                    } else {
                        b.appendCodePoint(c);
                    }
                }
            }
        });
        return b.append('"').toString();
    }
}
