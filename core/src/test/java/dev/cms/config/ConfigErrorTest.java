package dev.cms.config;

import static dev.cms.testing.TextAssert.assertThatText;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Malformed configurations: each must fail at an exact line and column with a helpful message. */
class ConfigErrorTest {
    private static final String M = "MailDir(\"~/m\")\n";
    private static final String G = "GMail(\"INBOX\", GMail_Account(user=\"u@gmail.com\"))\n";

    @TempDir
    Path dir;

    private static Arguments bad(String name, String text, int line, int column, String fragment) {
        return Arguments.of(name, text, line, column, fragment);
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                bad("def direct_message", "def direct_message(msg):\n    return None\n", 1, 1,
                        "Route(to, mailbox=..., header=..., equals=..., matches=...)"),
                bad("cfg.direct_message", M + G + "cfg.direct_message = direct_message\n", 3, 5,
                        "Route(to, mailbox=..., header=..., equals=..., matches=...) rules instead"),
                bad("if statement", "if x:\n  MailDir('a')\n", 1, 1, "Python `if` statement is not supported in cms.cfg"),
                bad("import", M + "import os\n", 2, 1, "Python `import` statement is not supported in cms.cfg"),
                bad("while", "while True:\n  pass\n", 1, 1, "Python `while` statement is not supported"),
                bad("class", "class Foo:\n", 1, 1, "Python `class` statement is not supported"),
                bad("lambda", "x = lambda: 1\n", 1, 5, "Python `lambda` is not supported in cms.cfg"),
                bad("and operator", M + "x = 'a' and 'b'\n", 2, 9, "Python operator `and` is not supported"),
                bad("unterminated string", "MailDir(\"~/mail)\n", 1, 9, "unterminated string literal"),
                bad("unterminated triple string", M + "x = '''abc\ndef\n", 2, 5, "unterminated string literal"),
                bad("unterminated raw string at end of file", "x = r'abc\\", 1, 6, "unterminated string literal"),
                bad("leading zero octal", M + "a = GMail_Account(user='u@gmail.com')\n"
                        + "CredentialServer('/s', [a], umask=0600)\n", 3, 35, "write octal as 0o600"),
                bad("bad hex digit", "x = 0xfg\n", 1, 5, "invalid digit `g` in hexadecimal literal"),
                bad("trailing underscore", "x = 1_\n", 1, 5, "invalid decimal literal"),
                bad("float", M + G + "cfg.poll_interval = 1.5\n", 3, 21, "floating-point numbers are not supported"),
                bad("safety scan too often", M + G + "cfg.safety_scan_interval = 10\n", 3, 28, "at least 60 (seconds)"),
                bad("truncated hex escape", "x = 'ab\\x4'\n", 1, 8, "truncated \\xHH escape"),
                bad("f-string", "MailDir(f\"~/{x}\")\n", 1, 9, "f-strings are not supported"),
                bad("unknown call", M + "Frobnicate('x')\n", 2, 1, "unknown call `Frobnicate(...)`; the calls are"),
                bad("misspelt MailDir", "Maildir(\"~/m\")\n", 1, 1, "did you mean `MailDir`?"),
                bad("misspelt GMail", M + "Gmail('INBOX', GMail_Account(user='u@gmail.com'))\n", 2, 1,
                        "did you mean `GMail`?"),
                bad("print is not a call", "print('hello')\n", 1, 1, "unknown call `print(...)`"),
                bad("unknown keyword", M + "GMail('INBOX', GMail_Account(user='u@gmail.com', secret='x'))\n", 2, 50,
                        "unknown keyword argument `secret` for GMail_Account(); allowed: user, client_id, client_secret"),
                bad("missing required argument", M + "GMail('INBOX')\n", 2, 1,
                        "GMail() is missing the required argument `account`"),
                bad("too many positional arguments", "MailDir('~/a', '~/b')\n", 1, 16,
                        "MailDir() takes at most 1 positional argument (path), got 2"),
                bad("wrong type", M + "GMail('INBOX', GMail_Account(user=42))\n", 2, 35,
                        "expected a string for `user`, got an integer"),
                bad("maildir where an account is needed", M + "md = MailDir('~/x')\nGMail('INBOX', md)\n", 3, 16,
                        "expected a GMail_Account(...) for `account`, got a MailDir"),
                bad("office365 account for gmail", M + "GMail('INBOX', Office365_Account())\n", 2, 16,
                        "expected a GMail_Account(...) for `account`, got an Office365_Account"),
                bad("undefined name", M + "GMail('INBOX', foo)\n", 2, 16, "name 'foo' is not defined"),
                bad("unknown setting", M + G + "cfg.pol_interval = 5\n", 3, 5,
                        "unknown setting `cfg.pol_interval`; known settings: cfg.message_db_dir, cfg.poll_interval"),
                bad("wrong setting type", M + G + "cfg.poll_interval = '60'\n", 3, 21,
                        "expected an integer for `cfg.poll_interval`, got a string"),
                bad("port out of range", M + G + "cfg.web_port = 70000\n", 3, 16, "between 1 and 65535, got 70000"),
                bad("unbalanced parentheses", M + "GMail('INBOX', GMail_Account(user='u@gmail.com')\n", 2, 6,
                        "`(` was never closed"),
                bad("mismatched bracket", "MailDir(\"a\"]\n", 1, 12, "closing `]` does not match `(` at line 1 column 8"),
                bad("unmatched close", M + ")\n", 2, 1, "unmatched `)`"),
                bad("stray brace", M + G + "}\n", 3, 1, "Python dictionary or set `}` is not supported in cms.cfg"),
                bad("dict literal", "x = {}\n", 1, 5, "Python dictionary or set `{` is not supported"),
                bad("addition", "x = 1 + 2\n", 1, 7, "Python operator `+` is not supported in cms.cfg"),
                bad("comparison", "x == 1\n", 1, 3, "Python comparison `==` is not supported"),
                bad("decorator", "@decorate\n", 1, 1, "Python decorator or operator `@` is not supported"),
                bad("attribute access", M + "x = os.path\n", 2, 5, "name 'os' is not defined"),
                bad("positional after keyword", M + "GMail(label='INBOX', GMail_Account(user='u@gmail.com'))\n", 2, 22,
                        "positional argument follows keyword argument"),
                bad("duplicate keyword", M + "GMail('INBOX', account=GMail_Account(user='u@gmail.com'), account=None)\n",
                        2, 59, "keyword argument `account` repeated"),
                bad("given twice", "MailDir('~/a', path='~/b')\n", 1, 16, "both as a positional and as a keyword"),
                bad("bad regex", M + G + "Route(MailDir('~/x'), header='Subject', matches='([a-z')\n", 3, 49,
                        "bad regular expression in `matches`: Unclosed character class"),
                bad("equals without header", M + G + "Route(MailDir('~/x'), equals='x')\n", 3, 23,
                        "`equals` needs `header=`"),
                bad("header alone", M + G + "Route(MailDir('~/x'), header='List-Id')\n", 3, 23,
                        "`header` needs `equals=` or `matches=`"),
                bad("equals and matches", M + G + "Route(MailDir('~/x'), header='A', equals='x', matches='y')\n", 3, 47,
                        "either `equals` or `matches`, not both"),
                bad("route to a non-maildir", M + "acct = GMail_Account(user='u@gmail.com')\nGMail('INBOX', acct)\n"
                        + "Route(acct)\n", 4, 7, "expected a MailDir(...) for `to`, got a GMail_Account"),
                bad("route from a maildir", M + G + "Route(MailDir('~/x'), mailbox=MailDir('~/y'))\n", 3, 31,
                        "expected a cloud mailbox (Office365(...) or GMail(...)) or None for `mailbox`, got a MailDir"),
                bad("delete_action shred", M + "GMail('INBOX', GMail_Account(user='u@gmail.com'), delete_action='shred')\n",
                        2, 65, "`delete_action` must be \"archive\" or \"trash\", got \"shred\""),
                bad("use_default_registration", M + "Office365('inbox', Office365_Account(use_default_registration=True))\n",
                        2, 63, "App registrations -> New registration"),
                bad("max_concurrency", M + "Office365('inbox', Office365_Account(max_concurrency=17))\n", 2, 54,
                        "`max_concurrency` must be between 1 and 16, got 17"),
                bad("endpoint not http", M + "Office365('inbox', Office365_Account(graph_endpoint='ftp://x'))\n", 2, 53,
                        "`graph_endpoint` must start with http:// or https://"),
                bad("endpoint with a path", M + "Office365('inbox', Office365_Account(graph_endpoint='https://g.example/v1.0'))\n",
                        2, 53, "`graph_endpoint` must be a server's root URL such as \"https://graph.microsoft.com\", "
                                + "without a path, got \"https://g.example/v1.0\""),
                bad("gmail user without @", M + "GMail('INBOX', GMail_Account('someone'))\n", 2, 30,
                        "`user` must be an e-mail address"),
                bad("empty office365 folder", M + "Office365('Inbox//x', Office365_Account())\n", 2, 11,
                        "must be a folder path like \"inbox\" or \"Inbox/Lists/kernel\""),
                bad("bad protocol", "a = GMail_Account(user='u@gmail.com')\nCredentialServer('/s', [a], protocols=['POP3'])\n",
                        2, 40, "each protocol must be \"SMTP\" or \"IMAP\", got \"POP3\""),
                bad("empty accounts", "CredentialServer('/s', [])\n", 1, 24, "must list at least one account"),
                bad("tilde user", "MailDir('~bob/mail')\n", 1, 9, "`~user` paths are not supported"),
                bad("indentation", M + "  " + G, 2, 3, "unexpected indentation"),
                bad("tab indentation", M + "\t" + G, 2, 2, "unexpected indentation"),
                bad("statement that is not a call", M + G + "'just a string'\n", 3, 1, "a statement must be a call"),
                bad("uncalled builtin", "x = MailDir\n", 1, 5, "`MailDir` must be called"),
                bad("assignment to builtin", "MailDir = 3\n", 1, 1, "cannot assign to `MailDir`"),
                bad("two statements on a line", "x = 1 y = 2\n", 1, 7, "expected the end of the statement, found `y`"),
                bad("missing comma", "MailDir('a' 'b' 3)\n", 1, 17, "expected `,` or `)`, found the integer 3"),
                bad("no maildir", G, 1, 1, "no MailDir(...) declared: messages need somewhere to go"),
                bad("maildir declared twice", M + G + "MailDir('~/m/')\n", 3, 1, "is declared twice (first at line 1)"),
                bad("account declared twice", M + G + "GMail('Work', GMail_Account(user='u@gmail.com'))\n", 3, 15,
                        "account gmail:u@gmail.com is declared twice"),
                bad("cloud mailbox declared twice", M + "a = GMail_Account(user='u@gmail.com')\nGMail('INBOX', a)\n"
                        + "GMail('INBOX', a, delete_action='trash')\n", 4, 1, "declared twice (first at line 3)"),
                bad("nothing to sync", M, 0, 0, "nothing to sync: declare"),
                bad("empty file", "", 0, 0, "nothing to sync: declare"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void malformedConfigFailsAtItsPosition(String name, String text, int line, int column, String fragment) {
        Path file = dir.resolve("cms.cfg");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(file, text, dir));
        assertThatText(e.detail(), "the detail of '" + e.getMessage() + "'").contains(fragment);
        assertEquals(line + ":" + column, e.line() + ":" + e.column(), () -> "message was: " + e.getMessage());
        assertEquals(file, e.file());
        String prefix = line == 0 ? file + ": " : file + ":" + line + ":" + column + ": ";
        assertEquals(prefix + e.detail(), e.getMessage());
    }

    @Test
    void malformedCorpusHasAtLeastTwentyFiveCases() {
        assertTrue(malformed().count() >= 25);
    }

    @Test
    void errorsComeInSourceOrder() {
        // the lexer runs on demand, so a bad token on line 3 does not hide an error on line 2
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse(dir.resolve("c"), M + "Maildir('x')\nx = 1 + 2\n", dir));
        assertEquals(2, e.line());
    }
}
