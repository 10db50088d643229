package dev.cms.config;

import dev.cms.config.CallArgs.Keyword;
import dev.cms.config.Token.Kind;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Recursive-descent parser for cms.cfg that evaluates as it goes (calls register what they
 * declare in source order):
 *
 * <pre>
 * program   := { statement ( NEWLINE | ";" ) }
 * statement := NAME "=" expr | "cfg" "." NAME "=" expr | call
 * expr      := STRING { STRING } | INT | NAME | call | "[" [ expr { "," expr } [ "," ] ] "]"
 *            | "(" ")" | "(" expr ")" | "(" expr "," [ expr { "," expr } [ "," ] ] ")"
 * call      := NAME "(" [ arg { "," arg } [ "," ] ] ")"     arg := expr | NAME "=" expr
 * </pre>
 */
final class Parser {
    private static final String ROUTE_HINT = "declare Route(to, mailbox=..., header=..., equals=..., matches=...)"
            + " rules instead";

    private final Path file;
    private final Lexer lexer;
    private final Interpreter interp;
    private final List<Token> ahead = new ArrayList<>();
    private final Map<String, Object> names = new HashMap<>();

    Parser(Path file, String text, Interpreter interp) {
        this.file = file;
        this.lexer = new Lexer(file, text);
        this.interp = interp;
    }

    void parseProgram() throws ConfigException {
        while (true) {
            Token t = peek(0);
            if (t.is(Kind.EOF)) {
                return;
            }
            if (t.is(Kind.NEWLINE) || t.is(Kind.SEMI)) {
                take();
                continue;
            }
            statement();
            Token end = peek(0);
            if (end.is(Kind.NEWLINE) || end.is(Kind.SEMI)) {
                take();
            } else if (!end.is(Kind.EOF)) {
                throw unexpected(end, "the end of the statement");
            }
        }
    }

    private void statement() throws ConfigException {
        Token t = peek(0);
        if (t.is(Kind.NAME)) {
            if (Names.isPythonKeyword(t.text())) {
                throw error(t, Names.keywordMessage(t.text()));
            }
            if (t.text().equals("cfg") && peek(1).is(Kind.DOT)) {
                setting();
                return;
            }
            if (peek(1).is(Kind.EQUALS)) {
                assignment();
                return;
            }
            if (peek(1).is(Kind.LPAREN)) {
                expr();
                return;
            }
        }
        Val v = expr();
        throw new ConfigException(v.pos(), "a statement must be a call like MailDir(...), an assignment like"
                + " `name = ...` or a setting like `cfg.poll_interval = 60`, not " + v.typeName());
    }

    private void assignment() throws ConfigException {
        Token name = take();
        take();
        String n = name.text();
        if (Interpreter.isCall(n) || n.equals("cfg") || n.equals("True") || n.equals("False") || n.equals("None")) {
            throw error(name, "cannot assign to `" + n + "`: it is a built-in name of cms.cfg");
        }
        names.put(n, expr().v());
    }

    private void setting() throws ConfigException {
        take();
        take();
        Token name = take();
        if (!name.is(Kind.NAME)) {
            throw unexpected(name, "a setting name after `cfg.`");
        }
        if (name.text().equals("direct_message")) {
            throw error(name, "cfg.direct_message is not supported in cms.cfg: Python functions cannot be"
                    + " configured; " + ROUTE_HINT);
        }
        if (!Interpreter.SETTINGS.contains(name.text())) {
            throw error(name, "unknown setting `cfg." + name.text() + "`; known settings: cfg."
                    + String.join(", cfg.", Interpreter.SETTINGS) + Names.didYouMean(name.text(), Interpreter.SETTINGS));
        }
        expect(Kind.EQUALS, "`=` after `cfg." + name.text() + "`");
        interp.setting(name.text(), expr());
    }

    private Val expr() throws ConfigException {
        Token t = take();
        SourcePos pos = pos(t);
        switch (t.kind()) {
            case STRING: {
                StringBuilder s = new StringBuilder((String) t.decoded());
                while (peek(0).is(Kind.STRING)) {
                    s.append((String) take().decoded());
                }
                return new Val(s.toString(), pos);
            }
            case INT:
                return new Val((BigInteger) t.decoded(), pos);
            case LBRACKET:
                return new Val(sequence(Kind.RBRACKET, new ArrayList<>()), pos);
            case LPAREN: {
                if (peek(0).is(Kind.RPAREN)) {
                    take();
                    return new Val(List.of(), pos);
                }
                Val first = expr();
                if (peek(0).is(Kind.RPAREN)) {
                    take();
                    return first;
                }
                expect(Kind.COMMA, "`,` or `)`");
                List<Val> items = new ArrayList<>();
                items.add(first);
                return new Val(sequence(Kind.RPAREN, items), pos);
            }
            case NAME:
                return name(t, pos);
            default:
                throw unexpected(t, "a value");
        }
    }

    /** The rest of a list or tuple after its opening bracket (and any items already read). */
    private List<Val> sequence(Kind close, List<Val> items) throws ConfigException {
        String closing = close == Kind.RBRACKET ? "]" : ")";
        while (true) {
            if (peek(0).is(close)) {
                take();
                return List.copyOf(items);
            }
            items.add(expr());
            Token t = peek(0);
            if (t.is(Kind.COMMA)) {
                take();
            } else if (!t.is(close)) {
                throw unexpected(t, "`,` or `" + closing + "`");
            }
        }
    }

    private Val name(Token t, SourcePos pos) throws ConfigException {
        String n = t.text();
        if (Names.isPythonKeyword(n)) {
            throw error(t, Names.keywordMessage(n));
        }
        switch (n) {
            case "True":
                return new Val(Boolean.TRUE, pos);
            case "False":
                return new Val(Boolean.FALSE, pos);
            case "None":
                return new Val(Val.NONE, pos);
            default:
                break;
        }
        if (peek(0).is(Kind.LPAREN)) {
            return call(t, pos);
        }
        if (Interpreter.isCall(n)) {
            throw error(t, "`" + n + "` must be called, e.g. " + n + "(...)");
        }
        if (n.equals("cfg")) {
            throw error(t, "`cfg` can only be used to change a setting: cfg.<setting> = value");
        }
        Object v = names.get(n);
        if (v == null) {
            Set<String> known = new HashSet<>(names.keySet());
            throw error(t, "name '" + n + "' is not defined" + Names.didYouMean(n, known));
        }
        return new Val(v, pos);
    }

    private Val call(Token name, SourcePos pos) throws ConfigException {
        String n = name.text();
        if (!Interpreter.isCall(n)) {
            if (names.containsKey(n)) {
                throw error(name, "`" + n + "` is " + Val.typeName(names.get(n)) + ", which cannot be called");
            }
            throw error(name, "unknown call `" + n + "(...)`" + Names.didYouMean(n, Interpreter.callNames())
                    + (Names.closest(n, Interpreter.callNames()) == null
                            ? "; the calls are " + String.join(", ", sorted(Interpreter.callNames())) : ""));
        }
        take();
        List<Val> positional = new ArrayList<>();
        List<Keyword> keywords = new ArrayList<>();
        Set<String> given = new HashSet<>();
        while (!peek(0).is(Kind.RPAREN)) {
            Token t = peek(0);
            if (t.is(Kind.NAME) && peek(1).is(Kind.EQUALS) && !Names.isPythonKeyword(t.text())) {
                take();
                take();
                if (!given.add(t.text())) {
                    throw error(t, "keyword argument `" + t.text() + "` repeated in " + n + "(...)");
                }
                keywords.add(new Keyword(t.text(), pos(t), expr()));
            } else {
                if (!keywords.isEmpty()) {
                    throw error(t, "positional argument follows keyword argument in " + n + "(...)");
                }
                positional.add(expr());
            }
            Token sep = peek(0);
            if (sep.is(Kind.COMMA)) {
                take();
            } else if (!sep.is(Kind.RPAREN)) {
                throw unexpected(sep, "`,` or `)`");
            }
        }
        take();
        return interp.call(n, pos, positional, keywords);
    }

    private static List<String> sorted(Set<String> s) {
        List<String> l = new ArrayList<>(s);
        l.sort(null);
        return l;
    }

    private Token expect(Kind kind, String what) throws ConfigException {
        Token t = take();
        if (!t.is(kind)) {
            throw unexpected(t, what);
        }
        return t;
    }

    private ConfigException unexpected(Token t, String expected) {
        if (t.is(Kind.NAME) && Names.isPythonKeyword(t.text())) {
            return error(t, Names.keywordMessage(t.text()));
        }
        if (t.is(Kind.DOT)) {
            return error(t, "Python attribute access `.` is not supported in cms.cfg (expected " + expected + ")");
        }
        return error(t, "expected " + expected + ", found " + t.describe());
    }

    private Token peek(int k) throws ConfigException {
        while (ahead.size() <= k) {
            if (!ahead.isEmpty() && ahead.get(ahead.size() - 1).is(Kind.EOF)) {
                return ahead.get(ahead.size() - 1);
            }
            ahead.add(lexer.next());
        }
        return ahead.get(k);
    }

    private Token take() throws ConfigException {
        Token t = peek(0);
        if (!t.is(Kind.EOF)) {
            ahead.remove(0);
        }
        return t;
    }

    private SourcePos pos(Token t) {
        return new SourcePos(file, t.line(), t.column());
    }

    private ConfigException error(Token t, String message) {
        return new ConfigException(file, t.line(), t.column(), message);
    }
}
