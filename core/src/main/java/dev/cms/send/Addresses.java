package dev.cms.send;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The addr-specs ({@code local@domain}) of an RFC 5322 address list: display names, quoted
 * strings, comments, angle brackets and groups ({@code undisclosed-recipients:;}) are
 * understood; what is left is returned as written, for {@link #check} to judge.
 */
final class Addresses {
    private Addresses() {}

    /** The addresses of {@code list} in order; an empty group yields nothing. */
    static List<String> parse(String list) {
        List<String> out = new ArrayList<>();
        StringBuilder plain = new StringBuilder(); // the text outside comments and quotes
        @Nullable String angle = null;
        int i = 0;
        int n = list.length();
        while (i < n) {
            char c = list.charAt(i);
            if (c == '"') {
                i = appendQuoted(list, i, plain);
            } else if (c == '(') {
                plain.append(' ');
                i = skipComment(list, i);
            } else if (c == '<') {
                int j = list.indexOf('>', i);
                if (j < 0) {
                    j = n;
                }
                angle = withoutRoute(list.substring(i + 1, j).strip());
                i = j + 1;
            } else if (c == ':' && angle == null && !plain.toString().contains("@")) {
                plain.setLength(0); // a group's display name
                i++;
            } else if (c == ',' || c == ';') {
                add(out, angle, plain);
                angle = null;
                plain.setLength(0);
                i++;
            } else {
                plain.append(c);
                i++;
            }
        }
        add(out, angle, plain);
        return out;
    }

    /** Appends the quoted string starting at {@code start} to {@code plain}; returns the index after it. */
    private static int appendQuoted(String list, int start, StringBuilder plain) {
        int n = list.length();
        int j = start + 1;
        StringBuilder q = new StringBuilder("\"");
        while (j < n && list.charAt(j) != '"') {
            if (list.charAt(j) == '\\' && j + 1 < n) {
                q.append(list.charAt(j));
                j++;
            }
            q.append(list.charAt(j));
            j++;
        }
        plain.append(q).append('"');
        return j + 1;
    }

    /** The index after the (nested) comment starting at {@code start}. */
    private static int skipComment(String list, int start) {
        int n = list.length();
        int depth = 1;
        int j = start + 1;
        while (j < n && depth > 0) {
            char d = list.charAt(j);
            if (d == '\\') {
                j++;
            } else if (d == '(') {
                depth++;
            } else if (d == ')') {
                depth--;
            }
            j++;
        }
        return j;
    }

    /** Drops the obsolete route syntax: {@code <@relay:user@host>}. */
    private static String withoutRoute(String angle) {
        return angle.startsWith("@") && angle.contains(":") ? angle.substring(angle.indexOf(':') + 1) : angle;
    }

    private static void add(List<String> out, @Nullable String angle, StringBuilder plain) {
        String a = angle != null ? angle : plain.toString().strip();
        if (!a.isEmpty()) {
            out.add(a);
        }
    }

    /**
     * Checks that {@code address} is an addr-spec the services accept.
     *
     * @throws SendmailException {@link SysExits#NOUSER} saying what is wrong with it
     */
    static void check(String address, String where) throws SendmailException {
        int at = address.lastIndexOf('@');
        String why = null;
        if (at < 0) {
            why = "has no domain (local delivery is not possible: write user@domain)";
        } else if (at == 0 || at == address.length() - 1) {
            why = "is not an address (user@domain)";
        } else {
            for (int i = 0; i < address.length(); i++) {
                char c = address.charAt(i);
                if (c <= ' ' || c >= 0x7f || c == '<' || c == '>' || c == ',') {
                    if (!(address.startsWith("\"") && at > 0 && i < at)) {
                        why = "contains a space or a character not allowed in an address";
                        break;
                    }
                }
            }
            String domain = address.substring(at + 1);
            if (why == null && (!domain.contains(".") && !domain.startsWith("[") || domain.startsWith(".")
                    || domain.endsWith(".") || domain.contains(".."))) {
                why = "has a domain that is not a host name";
            }
        }
        if (why != null) {
            throw new SendmailException(SysExits.NOUSER, where + " " + quote(address) + " " + why);
        }
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length() && i < 200; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return b.append(s.length() > 200 ? "...\"" : "\"").toString();
    }
}
