package dev.cms.testing;

import java.util.Arrays;
import java.util.List;

/**
 * Assertions on a program's text (output, a log, an error message, a page): which parts it must
 * hold and which it must not. A failure names every missing (or unwanted) part and shows the
 * whole text, so one run tells all that is wrong.
 *
 * <pre>{@code
 * assertThatText(r.err()).contains(cfg + ":3:1:", "Route");
 * assertThatText(log, "the daemon's log").doesNotContain("demo-secret");
 * }</pre>
 */
public final class TextAssert {
    private final String text;
    private final String what;

    private TextAssert(String text, String what) {
        this.text = text;
        this.what = what;
    }

    /** Checks on {@code text}. */
    public static TextAssert assertThatText(String text) {
        return new TextAssert(text, "the text");
    }

    /** Checks on {@code text}; {@code what} names it in failures ("the man page"). */
    public static TextAssert assertThatText(String text, String what) {
        return new TextAssert(text, what);
    }

    /** Each part occurs somewhere in the text. */
    public TextAssert contains(String... parts) {
        if (text == null) {
            throw new AssertionError("expected " + what + " to contain " + quote(List.of(parts)) + " but it is null");
        }
        List<String> missing = Arrays.stream(parts).filter(p -> !text.contains(p)).toList();
        if (!missing.isEmpty()) {
            throw new AssertionError("expected " + what + " to contain " + quote(missing) + " but it is:\n" + text);
        }
        return this;
    }

    /** No part occurs in the text. */
    public TextAssert doesNotContain(String... parts) {
        if (text == null) {
            throw new AssertionError("expected " + what + " but it is null");
        }
        List<String> present = Arrays.stream(parts).filter(text::contains).toList();
        if (!present.isEmpty()) {
            throw new AssertionError("expected " + what + " not to contain " + quote(present) + " but it is:\n" + text);
        }
        return this;
    }

    private static String quote(List<String> parts) {
        StringBuilder sb = new StringBuilder();
        for (String p : parts) {
            sb.append(sb.length() == 0 ? "" : ", ").append('\'').append(p).append('\'');
        }
        return sb.toString();
    }
}
