package dev.cms.config;

import org.jspecify.annotations.Nullable;

/**
 * One lexical token of {@code cms.cfg}. {@code value} is the decoded string for
 * {@link Kind#STRING}, a {@link java.math.BigInteger} for {@link Kind#INT} and the identifier
 * for {@link Kind#NAME}.
 */
record Token(Kind kind, String text, @Nullable Object value, int line, int column) {
    enum Kind {
        NAME, STRING, INT, LPAREN, RPAREN, LBRACKET, RBRACKET, COMMA, EQUALS, DOT, SEMI, NEWLINE, EOF
    }

    /** The decoded value of a NAME, STRING or INT token. */
    Object decoded() {
        if (value == null) {
            throw new IllegalStateException("a " + kind + " token has no value");
        }
        return value;
    }

    boolean is(Kind k) {
        return kind == k;
    }

    /** How the token reads in an error message. */
    String describe() {
        switch (kind) {
            case NAME:
                return "`" + text + "`";
            case STRING:
                return "a string";
            case INT:
                return "the integer " + text;
            case NEWLINE:
                return "the end of the line";
            case EOF:
                return "the end of the file";
            default:
                return "`" + text + "`";
        }
    }
}
