package dev.cms.config;

import static dev.cms.testing.TextAssert.assertThatText;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Only {@link ConfigException} may escape the parser, whatever the input. Every case is seeded
 * by its index, so a failure names the case that reproduces it.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES) // hang detection only
class ConfigFuzzTest {
    private static final long SEED = 0x5eed_cf6L;

    private static final List<String> VALID = List.of(
            "MailDir(\"~/mail/INBOX\")\nOffice365(\"inbox\", Office365_Account(user=\"user@domain.com\"))\n",
            "MailDir(\"~/mail/INBOX\")\nGMail(\"INBOX\", GMail_Account(user=\"user@gmail.com\"))\n",
            "gmail_md = MailDir(\"~/mail/gmail\")\n"
                    + "gmail_cloud = GMail(\"INBOX\", GMail_Account(user=\"user@gmail.com\"))\n\n"
                    + "o365_md = MailDir(\"~/mail/o365\")\n"
                    + "o365_cloud = Office365(\"inbox\", Office365_Account(user=\"user@domain.com\"))\n"
                    + "Route(gmail_md, mailbox=gmail_cloud)\nRoute(o365_md, mailbox=o365_cloud)\n",
            "account = Office365_Account(user=\"user@domain.com\")\nOffice365(\"inbox\", account)\n"
                    + "CredentialServer(\"/var/run/user/XXX/cms.sock\",\n                 accounts=[account],\n"
                    + "\t\t\t\t umask=0o666)\n",
            "# rich\nmd = MailDir('~/m'); lists = MailDir(r'lists')\n"
                    + "a = GMail_Account('me@example.org', client_id='id', client_secret=\"s\\x41\\u00e9\",\n"
                    + "    token_endpoint='http://localhost:1/token')\n"
                    + "box = GMail('INBOX', a, delete_action='trash')\n"
                    + "Route(lists, mailbox=box, header='List-Id', matches='''<(.*)\\\\.org>''')\n"
                    + "Route(to=md, header='From', equals='boss' '@example.com',)\n"
                    + "CredentialServer('~/s', (a,), protocols=['SMTP', 'IMAP'], umask=0b110_000_000)\n"
                    + "cfg.poll_interval = 0x_3c\ncfg.web_port = 8_081\ncfg.storage_key_file = None\n"
                    + "cfg.auth_notify_cmd = \\\n  'notify-send \"login\"'\n");

    private static final List<String> SOUP = List.of(
            "MailDir", "GMail", "Office365", "GMail_Account", "Office365_Account", "CredentialServer", "Route",
            "cfg", "x", "acct", "True", "False", "None", "def", "if", "lambda", "direct_message", "poll_interval",
            "user=", "to=", "mailbox=", "header=", "equals=", "matches=", "accounts=", "umask=", "protocols=",
            "'~/m'", "\"INBOX\"", "'u@gmail.com'", "r'\\d'", "'''a\nb'''", "'(['", "'\\x4'", "'\\U0010ffff'",
            "\"", "'", "0", "0o600", "0600", "0x", "1_", "99999999999999999999999", "1.5", "-1",
            "(", ")", "[", "]", ",", "=", ".", ";", "\n", "\\\n", "\\", " ", "\t", "#c\n", "{", "}", ":", "+",
            "\r\n", "\uFEFF", "\uD800", "\u00e9", "_", "\0");

    @TempDir
    Path dir;

    /** True when the text parsed; false when it was refused with a ConfigException. */
    private boolean assertOnlyConfigException(String kind, int i, String text) {
        try {
            SyncConfig c = ConfigLoader.parse(dir.resolve("cms.cfg"), text, dir.resolve("home"));
            assertTrue(ConfigLoader.describe(c).startsWith("Configuration "));
            return true;
        } catch (ConfigException e) {
            assertTrue(e.line() >= 0 && e.column() >= 0, e.getMessage());
            return false;
        } catch (Throwable t) {
            throw new AssertionError(kind + " case " + i + " threw " + t + " for input:\n" + escape(text), t);
        }
    }

    @Test
    void randomBytesOnlyEverGiveConfigException() {
        for (int i = 0; i < 1500; i++) {
            Random r = new Random(SEED + i);
            byte[] b = new byte[r.nextInt(200)];
            r.nextBytes(b);
            String text = i % 2 == 0 ? new String(b, StandardCharsets.ISO_8859_1) : new String(b, StandardCharsets.UTF_8);
            assertOnlyConfigException("bytes", i, text);
        }
    }

    @Test
    void randomCharactersOnlyEverGiveConfigException() {
        String alphabet = "MailDir(\"'~/)[],=.;#\\\n\t rbuf0123456789oxXabcdef_@{}+-:\u00e9\uD83D\uDE00";
        for (int i = 0; i < 1500; i++) {
            Random r = new Random(SEED * 3 + i);
            StringBuilder s = new StringBuilder();
            int n = r.nextInt(120);
            for (int k = 0; k < n; k++) {
                s.append(r.nextInt(10) == 0 ? (char) r.nextInt(0x10000) : alphabet.charAt(r.nextInt(alphabet.length())));
            }
            assertOnlyConfigException("chars", i, s.toString());
        }
    }

    @Test
    void tokenSoupsOnlyEverGiveConfigException() {
        for (int i = 0; i < 3000; i++) {
            Random r = new Random(SEED * 5 + i);
            StringBuilder s = new StringBuilder();
            int n = r.nextInt(40);
            for (int k = 0; k < n; k++) {
                s.append(SOUP.get(r.nextInt(SOUP.size())));
                if (r.nextInt(3) == 0) {
                    s.append(' ');
                }
            }
            assertOnlyConfigException("soup", i, s.toString());
        }
    }

    @Test
    void mutatedValidConfigsOnlyEverGiveConfigException() {
        for (String v : VALID) {
            assertOnlyConfigException("valid", -1, v);
        }
        int parsed = 0;
        for (int i = 0; i < 4000; i++) {
            Random r = new Random(SEED * 7 + i);
            StringBuilder s = new StringBuilder(VALID.get(r.nextInt(VALID.size())));
            int edits = 1 + r.nextInt(4);
            for (int k = 0; k < edits; k++) {
                mutate(r, s);
            }
            parsed += assertOnlyConfigException("mutation", i, s.toString()) ? 1 : 0;
        }
        // the mutations must exercise both outcomes, or the test proves little
        assertTrue(parsed > 100 && parsed < 3900, "mutations that still parsed: " + parsed);
    }

    @Test
    void deepNestingIsAConfigErrorNotAStackOverflow() {
        String deep = "x = " + "[".repeat(100_000) + "]".repeat(100_000) + "\n";
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse(dir.resolve("c"), deep, dir));
        assertThatText(e.detail(), e.getMessage()).contains("nested more than");
        assertEquals(1, e.line());
    }

    @Test
    void validCorpusParses() throws Exception {
        for (String v : VALID) {
            ConfigLoader.parse(dir.resolve("cms.cfg"), v, dir);
        }
    }

    private static void mutate(Random r, StringBuilder s) {
        int at = s.length() == 0 ? 0 : r.nextInt(s.length());
        switch (r.nextInt(6)) {
            case 0 -> {
                if (s.length() > 0) {
                    s.delete(at, Math.min(s.length(), at + 1 + r.nextInt(5)));
                }
            }
            case 1 -> s.insert(at, SOUP.get(r.nextInt(SOUP.size())));
            case 2 -> s.insert(at, (char) (r.nextInt(2) == 0 ? r.nextInt(128) : r.nextInt(0x10000)));
            case 3 -> {
                int end = Math.min(s.length(), at + r.nextInt(20));
                s.insert(r.nextInt(s.length() + 1), s.substring(at, end));
            }
            case 4 -> {
                if (s.length() > 0) {
                    String punct = "()[]'\",=.;\\\n \t#0o_x";
                    s.setCharAt(at, punct.charAt(r.nextInt(punct.length())));
                }
            }
            default -> {
                if (s.length() > 1) {
                    int b = r.nextInt(s.length());
                    char c = s.charAt(at);
                    s.setCharAt(at, s.charAt(b));
                    s.setCharAt(b, c);
                }
            }
        }
    }

    private static String escape(String s) {
        StringBuilder b = new StringBuilder();
        s.chars().forEach(c -> b.append(c >= 0x20 && c < 0x7f || c == '\n' ? String.valueOf((char) c)
                : String.format("\\u%04x", c)));
        return b.toString();
    }
}
