package dev.cms.config;

import dev.cms.config.Token.Kind;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import org.jspecify.annotations.Nullable;

/**
 * Turns cms.cfg text into tokens on demand, so that errors come out in source order. Follows
 * Python's lexical rules where cms.cfg uses them: comments, implicit line joining inside
 * brackets, backslash continuation, string prefixes and escapes, integer literals.
 */
final class Lexer {
    /** Deeper bracket nesting than this is refused (it also bounds the parser's recursion). */
    static final int MAX_NESTING = 64;

    private final Path file;
    private final String src;
    private int pos;
    private int line = 1;
    private int col = 1;
    private final Deque<Token> brackets = new ArrayDeque<>();
    private boolean atLineStart = true;

    Lexer(Path file, String text) {
        this.file = file;
        String t = text.replace("\r\n", "\n").replace('\r', '\n');
        this.src = t.startsWith("\uFEFF") ? t.substring(1) : t;
    }

    Token next() throws ConfigException {
        while (true) {
            boolean indented = false;
            while (pos < src.length() && isBlank(src.charAt(pos))) {
                indented = true;
                advance();
            }
            if (pos >= src.length()) {
                if (!brackets.isEmpty()) {
                    Token open = brackets.peek();
                    throw error(open.line(), open.column(), "`" + open.text() + "` was never closed");
                }
                return token(Kind.EOF, "", null, line, col);
            }
            char c = src.charAt(pos);
            if (c == '#') {
                while (pos < src.length() && src.charAt(pos) != '\n') {
                    advance();
                }
                continue;
            }
            if (c == '\n') {
                int l = line;
                int k = col;
                advance();
                if (brackets.isEmpty() && !atLineStart) {
                    atLineStart = true;
                    return token(Kind.NEWLINE, "\n", null, l, k);
                }
                continue;
            }
            if (c == '\\') {
                if (pos + 1 < src.length() && src.charAt(pos + 1) == '\n') {
                    advance();
                    advance();
                    continue;
                }
                throw error(line, col, "unexpected character after line continuation character `\\`");
            }
            if (indented && atLineStart && brackets.isEmpty()) {
                throw error(line, col, "unexpected indentation: statements must start at the beginning of the line");
            }
            atLineStart = false;
            return lexToken(c);
        }
    }

    private Token lexToken(char c) throws ConfigException {
        int l = line;
        int k = col;
        if (c == '"' || c == '\'') {
            return string(l, k, false);
        }
        if (c >= '0' && c <= '9') {
            return number(l, k);
        }
        int cp = src.codePointAt(pos);
        if (c == '_' || Character.isUnicodeIdentifierStart(cp)) {
            return nameOrPrefixedString(l, k);
        }
        switch (c) {
            case '(':
            case '[':
                return open(c, l, k);
            case ')':
            case ']':
                return close(c, l, k);
            case ',':
                advance();
                return token(Kind.COMMA, ",", null, l, k);
            case ';':
                advance();
                return token(Kind.SEMI, ";", null, l, k);
            case '.':
                if (pos + 1 < src.length() && isDigit(src.charAt(pos + 1))) {
                    throw error(l, k, "Python floating-point numbers are not supported in cms.cfg");
                }
                advance();
                return token(Kind.DOT, ".", null, l, k);
            case '=':
                if (pos + 1 < src.length() && src.charAt(pos + 1) == '=') {
                    throw error(l, k, "Python comparison `==` is not supported in cms.cfg");
                }
                advance();
                return token(Kind.EQUALS, "=", null, l, k);
            default:
                break;
        }
        String op = pos + 1 < src.length() ? PythonOperators.describe(src.substring(pos, pos + 2)) : null;
        if (op == null) {
            op = PythonOperators.describe(String.valueOf(c));
        }
        if (op != null) {
            throw error(l, k, "Python " + op + " is not supported in cms.cfg");
        }
        String shown = cp >= 0x21 && cp < 0x7f || Character.isLetterOrDigit(cp)
                ? "`" + new String(Character.toChars(cp)) + "`"
                : String.format("U+%04X", cp);
        throw error(l, k, "unexpected character " + shown);
    }

    private Token open(char c, int l, int k) throws ConfigException {
        if (brackets.size() >= MAX_NESTING) {
            throw error(l, k, "brackets nested more than " + MAX_NESTING + " deep");
        }
        advance();
        Token t = token(c == '(' ? Kind.LPAREN : Kind.LBRACKET, String.valueOf(c), null, l, k);
        brackets.push(t);
        return t;
    }

    private Token close(char c, int l, int k) throws ConfigException {
        Token open = brackets.peek();
        if (open == null) {
            throw error(l, k, "unmatched `" + c + "`");
        }
        char expected = open.is(Kind.LPAREN) ? ')' : ']';
        if (c != expected) {
            throw error(l, k, "closing `" + c + "` does not match `" + open.text() + "` at line "
                    + open.line() + " column " + open.column());
        }
        brackets.pop();
        advance();
        return token(c == ')' ? Kind.RPAREN : Kind.RBRACKET, String.valueOf(c), null, l, k);
    }

    private Token nameOrPrefixedString(int l, int k) throws ConfigException {
        int start = pos;
        while (pos < src.length()) {
            int cp = src.codePointAt(pos);
            if (cp != '_' && !Character.isUnicodeIdentifierPart(cp) || Character.isIdentifierIgnorable(cp)) {
                break;
            }
            advance();
            if (Character.charCount(cp) == 2) {
                advance();
            }
        }
        String name = src.substring(start, pos);
        if (pos < src.length() && (src.charAt(pos) == '"' || src.charAt(pos) == '\'') && name.length() <= 2) {
            String p = name.toLowerCase(java.util.Locale.ROOT);
            switch (p) {
                case "r":
                    return string(l, k, true);
                case "u":
                    return string(l, k, false);
                case "b": case "br": case "rb":
                    throw error(l, k, "Python bytes literals are not supported in cms.cfg");
                case "f": case "fr": case "rf":
                    throw error(l, k, "Python f-strings are not supported in cms.cfg");
                default:
                    break;
            }
        }
        return token(Kind.NAME, name, name, l, k);
    }

    private Token string(int l, int k, boolean raw) throws ConfigException {
        int start = pos - (col - k); // the token includes its prefix
        int ql = line;
        int qk = col;
        char q = src.charAt(pos);
        boolean triple = src.startsWith(String.valueOf(q).repeat(3), pos);
        advance();
        if (triple) {
            advance();
            advance();
        }
        StringBuilder out = new StringBuilder();
        while (true) {
            if (pos >= src.length()) {
                throw error(ql, qk, "unterminated string literal");
            }
            char c = src.charAt(pos);
            if (c == '\n' && !triple) {
                throw error(ql, qk, "unterminated string literal (a string ends on its line;"
                        + " use a triple-quoted string or \\n for a newline)");
            }
            if (c == q && (!triple || src.startsWith(String.valueOf(q).repeat(3), pos))) {
                advance();
                if (triple) {
                    advance();
                    advance();
                }
                return token(Kind.STRING, src.substring(start, pos), out.toString(), l, k);
            }
            if (c == '\\') {
                if (pos + 1 >= src.length()) {
                    throw error(ql, qk, "unterminated string literal");
                }
                if (raw) {
                    out.append(c).append(src.charAt(pos + 1));
                    advance();
                    advance();
                } else {
                    escape(out);
                }
                continue;
            }
            out.append(c);
            advance();
        }
    }

    /** Decodes one escape sequence at {@code pos} (a backslash) into {@code out}. */
    private void escape(StringBuilder out) throws ConfigException {
        int l = line;
        int k = col;
        advance();
        char e = src.charAt(pos);
        advance();
        switch (e) {
            case '\n': return;
            case '\\': out.append('\\'); return;
            case '\'': out.append('\''); return;
            case '"': out.append('"'); return;
            case 'n': out.append('\n'); return;
            case 't': out.append('\t'); return;
            case 'r': out.append('\r'); return;
            case 'a': out.append('\u0007'); return;
            case 'b': out.append('\b'); return;
            case 'f': out.append('\f'); return;
            case 'v': out.append('\u000b'); return;
            case 'x': out.appendCodePoint(hex(2, "\\xHH", l, k)); return;
            case 'u': out.appendCodePoint(hex(4, "\\uHHHH", l, k)); return;
            case 'U': {
                int cp = hex(8, "\\UHHHHHHHH", l, k);
                if (cp > Character.MAX_CODE_POINT) {
                    throw error(l, k, "\\U escape beyond the last Unicode code point");
                }
                out.appendCodePoint(cp);
                return;
            }
            case 'N':
                throw error(l, k, "\\N{...} escapes are not supported in cms.cfg; use \\uHHHH");
            default:
                break;
        }
        if (e >= '0' && e <= '7') {
            int v = e - '0';
            for (int i = 0; i < 2 && pos < src.length() && src.charAt(pos) >= '0' && src.charAt(pos) <= '7'; i++) {
                v = v * 8 + src.charAt(pos) - '0';
                advance();
            }
            out.append((char) v);
            return;
        }
        // Python keeps unknown escapes such as "\d" as they are.
        out.append('\\').append(e);
    }

    private int hex(int digits, String form, int l, int k) throws ConfigException {
        if (pos + digits > src.length()) {
            throw error(l, k, "truncated " + form + " escape");
        }
        int v = 0;
        for (int i = 0; i < digits; i++) {
            char h = src.charAt(pos);
            int d = h < 0x80 ? Character.digit(h, 16) : -1;
            if (d < 0) {
                throw error(l, k, "truncated " + form + " escape");
            }
            v = (v << 4) | d;
            advance();
        }
        return v < 0 ? Integer.MAX_VALUE : v;
    }

    private Token number(int l, int k) throws ConfigException {
        int start = pos;
        int radix = 10;
        if (src.charAt(pos) == '0' && pos + 1 < src.length()) {
            char p = Character.toLowerCase(src.charAt(pos + 1));
            radix = p == 'x' ? 16 : p == 'o' ? 8 : p == 'b' ? 2 : 10;
        }
        if (radix != 10) {
            advance();
            advance();
        }
        int digitsStart = pos;
        while (pos < src.length() && (isAsciiAlnum(src.charAt(pos)) || src.charAt(pos) == '_')) {
            if (radix == 10 && !isDigit(src.charAt(pos)) && src.charAt(pos) != '_') {
                break;
            }
            advance();
        }
        String text = src.substring(start, pos);
        String digits = src.substring(digitsStart, pos);
        if (radix == 10 && pos < src.length()) {
            char c = src.charAt(pos);
            if (c == '.' || c == 'e' || c == 'E') {
                throw error(l, k, "Python floating-point numbers are not supported in cms.cfg");
            }
            if (c == 'j' || c == 'J') {
                throw error(l, k, "Python complex numbers are not supported in cms.cfg");
            }
            if (c == '_' || Character.isUnicodeIdentifierPart(src.codePointAt(pos))) {
                throw error(l, k, "invalid decimal literal `" + text + c + "`");
            }
        }
        String name = radix == 16 ? "hexadecimal" : radix == 8 ? "octal" : radix == 2 ? "binary" : "decimal";
        String clean = radix == 10 ? digits : digits.startsWith("_") ? digits.substring(1) : digits;
        if (clean.isEmpty() || clean.startsWith("_") || clean.endsWith("_") || clean.contains("__")) {
            throw error(l, k, "invalid " + name + " literal `" + text + "`");
        }
        clean = clean.replace("_", "");
        for (int i = 0; i < clean.length(); i++) {
            if (Character.digit(clean.charAt(i), radix) < 0) {
                throw error(l, k, "invalid digit `" + clean.charAt(i) + "` in " + name + " literal `" + text + "`");
            }
        }
        if (radix == 10 && clean.length() > 1 && clean.charAt(0) == '0' && !clean.matches("0+")) {
            throw error(l, k, "leading zeros are not allowed in decimal integers; write octal as 0o"
                    + clean.replaceFirst("^0+", ""));
        }
        return token(Kind.INT, text, new BigInteger(clean, radix), l, k);
    }

    private void advance() {
        char c = src.charAt(pos++);
        if (c == '\n') {
            line++;
            col = 1;
        } else if (!(Character.isLowSurrogate(c) && pos >= 2 && Character.isHighSurrogate(src.charAt(pos - 2)))) {
            col++;
        }
    }

    private Token token(Kind kind, String text, @Nullable Object value, int l, int k) {
        return new Token(kind, text, value, l, k);
    }

    private ConfigException error(int l, int k, String message) {
        return new ConfigException(file, l, k, message);
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t' || c == '\f';
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isAsciiAlnum(char c) {
        return isDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z';
    }
}
