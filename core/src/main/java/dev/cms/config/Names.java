package dev.cms.config;

import java.util.Collection;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** Python's reserved words and "did you mean" suggestions for misspelt names. */
final class Names {
    /** Python keywords that have no meaning in cms.cfg ({@code True}, {@code False}, {@code None} do). */
    static final Set<String> PYTHON_KEYWORDS = Set.of(
            "def", "if", "elif", "else", "for", "while", "import", "from", "class", "return", "lambda",
            "with", "try", "except", "finally", "global", "nonlocal", "pass", "raise", "assert", "del",
            "yield", "async", "await", "and", "or", "not", "in", "is", "break", "continue", "as");

    private Names() {}

    static boolean isPythonKeyword(String name) {
        return PYTHON_KEYWORDS.contains(name);
    }

    /** The error text for a Python keyword where cms.cfg expected something else. */
    static String keywordMessage(String keyword) {
        if (keyword.equals("def")) {
            return "Python function definitions (`def`) are not supported in cms.cfg;"
                    + " instead of a direct_message function, declare Route(to, mailbox=..., header=...,"
                    + " equals=..., matches=...) rules";
        }
        String what = switch (keyword) {
            case "and", "or", "not", "in", "is" -> "operator `" + keyword + "`";
            case "lambda" -> "`lambda`";
            default -> "`" + keyword + "` statement";
        };
        return "Python " + what + " is not supported in cms.cfg";
    }

    /** The candidate closest to {@code name}, or null when none is close enough to suggest. */
    static @Nullable String closest(String name, Collection<String> candidates) {
        @Nullable String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = c.toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT)) ? 0 : distance(name, c);
            if (d < bestDistance) {
                bestDistance = d;
                best = c;
            }
        }
        int allowed = Math.max(1, Math.min(3, name.length() / 3));
        return bestDistance <= allowed ? best : null;
    }

    /** ", did you mean `X`?" or the empty string. */
    static String didYouMean(String name, Collection<String> candidates) {
        String c = closest(name, candidates);
        return c == null ? "" : "; did you mean `" + c + "`?";
    }

    private static int distance(String a, String b) {
        if (Math.abs(a.length() - b.length()) > 3) {
            return Integer.MAX_VALUE;
        }
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = Character.toLowerCase(a.charAt(i - 1)) == Character.toLowerCase(b.charAt(j - 1)) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
