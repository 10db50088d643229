package dev.cms.broker;

import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** The SASL XOAUTH2 initial response: {@code user=<user>\x01auth=Bearer <token>\x01\x01}. */
final class Xoauth2 {
    private static final Pattern ANSWER = Pattern.compile("user=([^\\s\\x01]+)\\x01auth=Bearer ([^\\s\\x01]+)\\x01\\x01");
    /** Characters a bearer token may carry (RFC 6750 b64token, plus a few that real issuers use). */
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9\\-._~+/=!#$%&'*^`|]+");

    private Xoauth2() {}

    /** True when {@code token} can be put on the wire as is: printable ASCII, no spaces. */
    static boolean isUsableToken(String token) {
        return token != null && TOKEN.matcher(token).matches();
    }

    static String format(String user, String token) {
        return "user=" + user + "\u0001auth=Bearer " + token + "\u0001\u0001";
    }

    static byte[] encode(String user, String token) {
        return format(user, token).getBytes(StandardCharsets.UTF_8);
    }

    /** The access token inside an XOAUTH2 string, or null if {@code answer} is not one. */
    static @Nullable String tokenOf(String answer) {
        Matcher m = ANSWER.matcher(answer);
        return m.matches() ? m.group(2) : null;
    }

    /** The access token inside an answer already checked to be an XOAUTH2 string. */
    static String requireToken(String answer) {
        String token = tokenOf(answer);
        if (token == null) {
            throw new IllegalArgumentException("not an XOAUTH2 string"); // never the answer: it may hold a token
        }
        return token;
    }
}
