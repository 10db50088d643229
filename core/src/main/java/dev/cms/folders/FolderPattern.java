package dev.cms.folders;

import java.util.regex.Pattern;

/**
 * A shell-style pattern over a folder path: {@code *} matches any run of characters,
 * {@code /} included (so {@code "*"} is every folder at every depth and {@code "Inbox/*"} every
 * folder below the inbox); {@code ?} matches one character; {@code [abc]}, {@code [a-z]} and
 * {@code [!abc]} (or {@code [^abc]}) match one character of (not of) a class, and a {@code ]}
 * right after the opening {@code [} or {@code [!} belongs to the class. Every other character
 * matches itself, case included; write {@code [*]}, {@code [?]} or {@code [[]} for the literal.
 * The whole path must match.
 */
public final class FolderPattern {
    private final String text;
    private final Pattern regex;

    private FolderPattern(String text, Pattern regex) {
        this.text = text;
        this.regex = regex;
    }

    /**
     * Compiles {@code text}.
     *
     * @throws IllegalArgumentException for an empty pattern or a {@code [} without its {@code ]},
     *     with a message that says which
     */
    public static FolderPattern compile(String text) {
        if (text.isEmpty()) {
            throw new IllegalArgumentException("an empty pattern matches no folder");
        }
        StringBuilder re = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '*') {
                re.append(".*");
                i++;
            } else if (c == '?') {
                re.append('.');
                i++;
            } else if (c == '[') {
                i = charClass(text, i, re);
            } else {
                int cp = text.codePointAt(i);
                re.append(Pattern.quote(new String(Character.toChars(cp))));
                i += Character.charCount(cp);
            }
        }
        return new FolderPattern(text, Pattern.compile(re.toString(), Pattern.DOTALL));
    }

    /** Appends the class that starts at {@code text[open]} and returns the index after its {@code ]}. */
    private static int charClass(String text, int open, StringBuilder re) {
        int i = open + 1;
        boolean negated = i < text.length() && (text.charAt(i) == '!' || text.charAt(i) == '^');
        if (negated) {
            i++;
        }
        StringBuilder body = new StringBuilder();
        boolean first = true;
        while (i < text.length() && (first || text.charAt(i) != ']')) {
            char c = text.charAt(i);
            if (c == '-' && !first && i + 1 < text.length() && text.charAt(i + 1) != ']') {
                body.append('-');
            } else {
                body.append(quoteInClass(c));
            }
            first = false;
            i++;
        }
        if (i >= text.length()) {
            throw new IllegalArgumentException("the [ at character " + (open + 1) + " has no closing ]"
                    + " (write [[] for a literal [)");
        }
        checkRanges(text, open, body);
        re.append('[').append(negated ? "^" : "").append(body).append(']');
        return i + 1;
    }

    private static String quoteInClass(char c) {
        return Character.isLetterOrDigit(c) || c > 127 ? String.valueOf(c) : "\\" + c;
    }

    /** A reversed range such as {@code [z-a]} is a mistake, not a class that matches nothing. */
    private static void checkRanges(String text, int open, StringBuilder body) {
        try {
            Pattern.compile("[" + body + "]");
        } catch (java.util.regex.PatternSyntaxException e) {
            throw new IllegalArgumentException("the class starting at character " + (open + 1)
                    + " is not valid: " + e.getDescription());
        }
    }

    /** Whether the whole of {@code path} matches. */
    public boolean matches(String path) {
        return regex.matcher(path).matches();
    }

    /** The pattern as written. */
    public String text() {
        return text;
    }

    @Override
    public String toString() {
        return text;
    }
}
