package dev.cms.config;

import static dev.cms.testing.TextAssert.assertThatText;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    /** A minimal valid body, so that tests of one feature can append to it. */
    private static final String BASE = "MailDir(\"~/mail/INBOX\")\nGMail(\"INBOX\", GMail_Account(user=\"u@gmail.com\"))\n";

    @TempDir
    Path dir;
    Path home;
    Path cfg;

    @BeforeEach
    void setUp() {
        home = dir.resolve("home");
        cfg = dir.resolve("etc").resolve("cms.cfg");
    }

    private SyncConfig parse(String text) throws ConfigException {
        return ConfigLoader.parse(cfg, text, home);
    }

    /** The decoded value of a string expression, read back through cfg.auth_notify_cmd. */
    private String stringValue(String expr) throws ConfigException {
        return parse(BASE + "cfg.auth_notify_cmd = " + expr + "\n").settings().authNotifyCmd();
    }

    private int intValue(String expr) throws ConfigException {
        return parse(BASE + "cfg.poll_interval = " + expr + "\n").settings().pollInterval();
    }

    // ---- the original program's example configurations, unchanged ----

    @Test
    void originalOffice365ConfigParses() throws Exception {
        SyncConfig c = parse("MailDir(\"~/mail/INBOX\")\n"
                + "Office365(\"inbox\", Office365_Account(user=\"user@domain.com\"))\n");
        assertEquals(List.of(home.resolve("mail/INBOX")), c.maildirs().stream().map(MaildirSpec::path).toList());
        CloudMailboxSpec m = c.cloudMailboxes().get(0);
        assertEquals(CloudMailboxSpec.Service.OFFICE365, m.service());
        assertEquals("inbox", m.mailbox());
        assertEquals(DeleteAction.ARCHIVE, m.deleteAction());
        Office365AccountSpec a = (Office365AccountSpec) m.account();
        assertEquals("user@domain.com", a.user());
        assertEquals("common", a.tenant());
        assertNull(a.clientId());
        assertFalse(a.deviceCode());
        assertEquals(Office365AccountSpec.DEFAULT_AUTHORITY_HOST, a.authorityHost());
        assertEquals(Office365AccountSpec.DEFAULT_GRAPH_ENDPOINT, a.graphEndpoint());
        assertEquals(4, a.maxConcurrency());
        assertEquals(List.of(a), c.accounts());
        assertEquals(new SourcePos(cfg, 2, 1), m.pos());
        assertEquals(new SourcePos(cfg, 2, 20), a.pos());
        assertTrue(c.routes().isEmpty());
    }

    @Test
    void originalOffice365ConfigWithTenantAndClientIdParses() throws Exception {
        SyncConfig c = parse("MailDir(\"~/mail/INBOX\")\n"
                + "Office365(\"inbox\", Office365_Account(user=\"user@domain.com\", tenant=\"<MSFT tenant id>\","
                + " client_id=\"<MSFT app client id>\"))\n");
        Office365AccountSpec a = (Office365AccountSpec) c.accounts().get(0);
        assertEquals("<MSFT tenant id>", a.tenant());
        assertEquals("<MSFT app client id>", a.clientId());
    }

    @Test
    void originalGmailConfigParses() throws Exception {
        SyncConfig c = parse("MailDir(\"~/mail/INBOX\")\nGMail(\"INBOX\", GMail_Account(user=\"user@gmail.com\"))\n");
        CloudMailboxSpec m = c.cloudMailboxes().get(0);
        assertEquals(CloudMailboxSpec.Service.GMAIL, m.service());
        assertEquals("INBOX", m.mailbox());
        GmailAccountSpec a = (GmailAccountSpec) m.account();
        assertEquals("user@gmail.com", a.user());
        assertEquals("gmail:user@gmail.com", a.key());
        assertNull(a.clientId());
        assertNull(a.clientSecret());
        assertEquals(GmailAccountSpec.DEFAULT_AUTH_ENDPOINT, a.authEndpoint());
        assertEquals(GmailAccountSpec.DEFAULT_TOKEN_ENDPOINT, a.tokenEndpoint());
        assertEquals(GmailAccountSpec.DEFAULT_API_ENDPOINT, a.apiEndpoint());
    }

    @Test
    void originalTwoServiceConfigWithRoutesParses() throws Exception {
        SyncConfig c = parse("gmail_md = MailDir(\"~/mail/gmail\")\n"
                + "gmail_cloud = GMail(\"INBOX\", GMail_Account(user=\"user@gmail.com\"))\n"
                + "\n"
                + "o365_md = MailDir(\"~/mail/o365\")\n"
                + "o365_cloud = Office365(\"inbox\", Office365_Account(user=\"user@domain.com\"))\n"
                + "Route(gmail_md, mailbox=gmail_cloud)\n"
                + "Route(o365_md, mailbox=o365_cloud)\n");
        assertEquals(2, c.maildirs().size());
        assertEquals(2, c.cloudMailboxes().size());
        assertEquals(2, c.accounts().size());
        assertEquals(2, c.routes().size());
        RouteSpec r0 = c.routes().get(0);
        assertSame(c.maildirs().get(0), r0.to());
        assertSame(c.cloudMailboxes().get(0), r0.mailbox());
        assertNull(r0.header());
        assertNull(r0.equals());
        assertNull(r0.matches());
        RouteSpec r1 = c.routes().get(1);
        assertEquals(home.resolve("mail/o365"), r1.to().path());
        assertSame(c.cloudMailboxes().get(1), r1.mailbox());
        assertEquals(new SourcePos(cfg, 7, 1), r1.pos());
    }

    @Test
    void originalCredentialServerConfigParses() throws Exception {
        SyncConfig c = parse("account = Office365_Account(user=\"user@domain.com\")\n"
                + "Office365(\"inbox\", account)\n"
                + "CredentialServer(\"/var/run/user/XXX/cms.sock\",\n"
                + "                 accounts=[account])\n");
        CredentialServerSpec s = c.credentialServers().get(0);
        assertEquals(Path.of("/var/run/user/XXX/cms.sock"), s.path());
        assertEquals(List.of(c.accounts().get(0)), s.accounts());
        assertSame(c.cloudMailboxes().get(0).account(), s.accounts().get(0));
        assertEquals(0600, s.umask());
        assertEquals(Set.of("SMTP"), s.protocols());
        assertEquals(1, c.accounts().size());
        assertTrue(c.authenticationOnly());
    }

    @Test
    void originalCredentialServerConfigWithTabsInsideTheCallParses() throws Exception {
        SyncConfig c = parse("account = Office365_Account(user=\"user@domain.com\")\n"
                + "Office365(\"inbox\", account)\n"
                + "CredentialServer(\"/var/run/user/XXX/cms.sock\",\n"
                + "                 accounts=[account],\n"
                + "\t\t\t\t umask=0o666)\n");
        assertEquals(0666, c.credentialServers().get(0).umask());
    }

    @Test
    void originalAuthenticationOnlyConfigParses() throws Exception {
        SyncConfig c = parse("account = Office365_Account(user=\"user@domain.com\")\n"
                + "CredentialServer(\"/var/run/user/XXX/cms.sock\",\n"
                + "                 accounts=[account],\n"
                + "                 protocols=[\"SMTP\", \"IMAP\"])\n");
        assertTrue(c.cloudMailboxes().isEmpty());
        assertTrue(c.maildirs().isEmpty());
        assertEquals(Set.of("SMTP", "IMAP"), c.credentialServers().get(0).protocols());
        assertEquals(1, c.accounts().size());
    }

    // ---- strings ----

    @Test
    void stringsDecodeEveryPythonEscape() throws Exception {
        assertEquals("a\\b'c\"d\ne\tf\rg\0h", stringValue("\"a\\\\b\\'c\\\"d\\ne\\tf\\rg\\0h\""));
        assertEquals("A\u00e9\u20ac\uD83D\uDE00", stringValue("'\\x41\\xe9\\u20ac\\U0001F600'"));
        assertEquals("\u0007\b\f\u000b", stringValue("'\\a\\b\\f\\v'"));
        assertEquals("\u0000" + "7" + "\u0053", stringValue("'\\0007\\123'"));
        assertEquals("\\d+", stringValue("'\\d+'"));
        assertEquals("joined", stringValue("'joi\\\nned'"));
    }

    @Test
    void singleAndDoubleQuotesAreEquivalent() throws Exception {
        assertEquals("it's", stringValue("\"it's\""));
        assertEquals("say \"hi\"", stringValue("'say \"hi\"'"));
        assertEquals("", stringValue("''"));
    }

    @Test
    void rawStringsKeepBackslashes() throws Exception {
        assertEquals("\\d+\\n", stringValue("r'\\d+\\n'"));
        assertEquals("a\\\"b", stringValue("R\"a\\\"b\""));
        assertEquals("x", stringValue("u'x'"));
    }

    @Test
    void tripleQuotedStringsSpanLines() throws Exception {
        assertEquals("one\ntwo 'q' \"\"", stringValue("'''one\ntwo 'q' \"\"'''"));
        assertEquals("a\nb", stringValue("\"\"\"a\\nb\"\"\""));
        assertEquals("x\\n", stringValue("r\"\"\"x\\n\"\"\""));
    }

    @Test
    void adjacentStringsConcatenateAcrossLinesInsideBrackets() throws Exception {
        assertEquals("abc", stringValue("'a' \"b\" r'c'"));
        SyncConfig c = parse(BASE + "cfg.auth_notify_cmd = ('notify-send '\n    \"'login needed'\")\n");
        assertEquals("notify-send 'login needed'", c.settings().authNotifyCmd());
    }

    // ---- integers ----

    @Test
    void integersInEveryForm() throws Exception {
        assertEquals(120, intValue("120"));
        assertEquals(1000, intValue("1_000"));
        assertEquals(0600, intValue("0o600"));
        assertEquals(0600, intValue("0O6_00"));
        assertEquals(255, intValue("0xff"));
        assertEquals(255, intValue("0X_F_F"));
        assertEquals(5, intValue("0b101"));
        assertEquals(5, intValue("0B1_01"));
        assertEquals(77, intValue("(77)"));
    }

    @Test
    void zeroIsAValidDecimal() throws Exception {
        SyncConfig c = parse("a = Office365_Account(user=\"u@d.com\")\n"
                + "CredentialServer(\"s\", [a], umask=0)\nCredentialServer(\"t\", [a], umask=00)\n");
        assertEquals(0, c.credentialServers().get(0).umask());
        assertEquals(0, c.credentialServers().get(1).umask());
    }

    // ---- structure ----

    @Test
    void listsAndTuplesWithTrailingCommas() throws Exception {
        String head = "a = Office365_Account(user=\"u@d.com\")\nb = GMail_Account(user=\"v@g.com\")\n";
        SyncConfig c = parse(head
                + "CredentialServer('/s1', [a, b,], protocols=('SMTP', 'IMAP',),)\n"
                + "CredentialServer('/s2', (a,), protocols=['IMAP'])\n"
                + "CredentialServer('/s3', (b, a), protocols=(('SMTP'),),)\n");
        assertEquals(List.of(c.accounts().get(0), c.accounts().get(1)), c.credentialServers().get(0).accounts());
        assertEquals(Set.of("SMTP", "IMAP"), c.credentialServers().get(0).protocols());
        assertEquals(List.of(c.accounts().get(0)), c.credentialServers().get(1).accounts());
        assertEquals(List.of(c.accounts().get(1), c.accounts().get(0)), c.credentialServers().get(2).accounts());
        assertEquals(Set.of("IMAP"), c.credentialServers().get(1).protocols());
    }

    @Test
    void parenthesisedStringIsAStringButAProtocolListMustBeAList() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(
                "a = Office365_Account(user=\"u@d.com\")\nCredentialServer('/s', [a], protocols=('SMTP'))\n"));
        assertThatText(e.detail(), e.getMessage()).contains("expected a list for `protocols`, got a string");
    }

    @Test
    void commentsSemicolonsContinuationsAndBlankLines() throws Exception {
        SyncConfig c = parse("# my mail\n"
                + "\n"
                + "   \n"
                + "\t# indented comment\n"
                + "md = MailDir('~/a')  # inline comment with \"quotes\" and (brackets\n"
                + "acct = GMail_Account(user='u@gmail.com'); box = GMail('INBOX', acct);\n"
                + "Route(md, \\\n"
                + "      mailbox=box, header='List-Id',\n"
                + "      # a comment inside the call\n"
                + "\tequals='<x.y.z>')\n"
                + "cfg.poll_interval = \\\n"
                + "    30\n");
        assertEquals(1, c.routes().size());
        assertEquals("<x.y.z>", c.routes().get(0).equals());
        assertEquals("List-Id", c.routes().get(0).header());
        assertEquals(30, c.settings().pollInterval());
        assertEquals(new SourcePos(cfg, 7, 1), c.routes().get(0).pos());
    }

    @Test
    void crlfLineEndingsAndByteOrderMarkAreAccepted() throws Exception {
        SyncConfig c = parse("\uFEFFMailDir('~/a')\r\nGMail('INBOX', GMail_Account(user='u@gmail.com'))\r\n");
        assertEquals(new SourcePos(cfg, 2, 1), c.cloudMailboxes().get(0).pos());
    }

    @Test
    void boundNamesCanBeReusedAndRebound() throws Exception {
        SyncConfig c = parse("acct = GMail_Account(user='u@gmail.com')\n"
                + "md = MailDir('~/a')\n"
                + "GMail('INBOX', acct)\n"
                + "GMail('Lists', acct, delete_action='trash')\n"
                + "md = MailDir('~/b')\n"
                + "label = 'Work'\n"
                + "GMail(label, acct)\n"
                + "Route(md, header='X-Label', matches=r'^work\\b')\n");
        assertEquals(1, c.accounts().size());
        assertEquals(List.of("INBOX", "Lists", "Work"),
                c.cloudMailboxes().stream().map(CloudMailboxSpec::mailbox).toList());
        assertEquals(DeleteAction.TRASH, c.cloudMailboxes().get(1).deleteAction());
        assertEquals(home.resolve("b"), c.routes().get(0).to().path());
        assertTrue(c.routes().get(0).matches().matcher("work done").find());
    }

    @Test
    void unboundCallsRegisterInDeclarationOrder() throws Exception {
        SyncConfig c = parse("MailDir('~/z')\n"
                + "Route(MailDir('~/y'), mailbox=Office365('Inbox/Lists/kernel', Office365_Account(user='k@d.com')),"
                + " header='list-id', equals='kernel')\n"
                + "MailDir('~/x')\n"
                + "GMail('INBOX', GMail_Account(user='g@gmail.com'))\n");
        assertEquals(List.of(home.resolve("z"), home.resolve("y"), home.resolve("x")),
                c.maildirs().stream().map(MaildirSpec::path).toList());
        assertEquals(List.of("o365:k@d.com", "gmail:g@gmail.com"), c.accounts().stream().map(AccountSpec::key).toList());
        assertEquals("Inbox/Lists/kernel", c.cloudMailboxes().get(0).mailbox());
        assertEquals("list-id", c.routes().get(0).header());
    }

    // ---- calls ----

    @Test
    void office365AccountTakesEveryArgument() throws Exception {
        SyncConfig c = parse("MailDir('~/m')\n"
                + "Office365(account=Office365_Account(user=None, tenant='contoso.onmicrosoft.com', client_id='cid',"
                + " device_code=True, authority_host='http://127.0.0.1:9000', graph_endpoint='https://graph.example/',"
                + " max_concurrency=16, use_default_registration=False), mailbox='Archive', delete_action='trash')\n");
        Office365AccountSpec a = (Office365AccountSpec) c.accounts().get(0);
        assertNull(a.user());
        assertEquals("o365:contoso.onmicrosoft.com", a.key());
        assertEquals("cid", a.clientId());
        assertTrue(a.deviceCode());
        assertEquals("http://127.0.0.1:9000", a.authorityHost());
        assertEquals("https://graph.example/", a.graphEndpoint());
        assertEquals(16, a.maxConcurrency());
        assertEquals(DeleteAction.TRASH, c.cloudMailboxes().get(0).deleteAction());
    }

    @Test
    void gmailAccountTakesEveryArgument() throws Exception {
        SyncConfig c = parse("MailDir('~/m')\n"
                + "GMail('INBOX', GMail_Account('me@example.org', 'id', 'secret', 'http://localhost:1/auth',"
                + " token_endpoint='http://localhost:1/token', api_endpoint='http://localhost:1/'), 'archive')\n");
        GmailAccountSpec a = (GmailAccountSpec) c.accounts().get(0);
        assertEquals("id", a.clientId());
        assertEquals("secret", a.clientSecret());
        assertEquals("http://localhost:1/auth", a.authEndpoint());
        assertEquals("http://localhost:1/token", a.tokenEndpoint());
        assertEquals("http://localhost:1/", a.apiEndpoint());
    }

    @Test
    void routeConditions() throws Exception {
        SyncConfig c = parse(BASE
                + "lists = MailDir('lists')\n"
                + "Route(lists, header='List-Id', matches='<(.*)\\\\.vger\\\\.kernel\\\\.org>')\n"
                + "Route(to=lists, mailbox=None, header='From', equals='boss@example.com', matches=None)\n"
                + "Route(lists)\n");
        assertEquals(3, c.routes().size());
        assertEquals("<(.*)\\.vger\\.kernel\\.org>", c.routes().get(0).matches().pattern());
        assertEquals("boss@example.com", c.routes().get(1).equals());
        assertNull(c.routes().get(1).matches());
        assertNull(c.routes().get(2).header());
        assertEquals(cfg.getParent().resolve("lists"), c.routes().get(0).to().path());
    }

    @Test
    void pathsExpandTildeAndResolveAgainstTheConfigDirectory() throws Exception {
        SyncConfig c = parse("MailDir('~')\ncfg.message_db_dir = '~/'\nMailDir('rel/dir')\nMailDir('/abs/./x/../y/')\n"
                + "MailDir('../up')\nMailDir('~//twice')\n"
                + "a = GMail_Account(user='u@gmail.com')\nCredentialServer('~/cms.sock', [a])\n");
        List<Path> paths = c.maildirs().stream().map(MaildirSpec::path).toList();
        assertEquals(home.toAbsolutePath(), paths.get(0));
        assertEquals(home.toAbsolutePath(), c.settings().messageDbDir());
        assertEquals(dir.resolve("etc/rel/dir"), paths.get(1));
        assertEquals(Path.of("/abs/y"), paths.get(2));
        assertEquals(dir.resolve("up"), paths.get(3));
        assertEquals(home.resolve("twice"), paths.get(4));
        assertEquals(home.resolve("cms.sock"), c.credentialServers().get(0).path());
    }

    @Test
    void settingsHaveDefaults() throws Exception {
        Settings s = parse(BASE).settings();
        assertEquals(home.resolve("mail/.cms"), s.messageDbDir());
        assertEquals(60, s.pollInterval());
        assertEquals(8080, s.webPort());
        assertNull(s.storageKeyFile());
        assertNull(s.authNotifyCmd());
    }

    @Test
    void settingsCanBeChanged() throws Exception {
        Settings s = parse(BASE + "cfg.message_db_dir = '~/state'\ncfg.poll_interval = 1\ncfg.web_port = 65535\n"
                + "cfg.storage_key_file = 'key'\ncfg.auth_notify_cmd = 'notify-send login'\n"
                + "cfg.web_port = 8081\ncfg.storage_key_file = None\n").settings();
        assertEquals(home.resolve("state"), s.messageDbDir());
        assertEquals(1, s.pollInterval());
        assertEquals(8081, s.webPort());
        assertNull(s.storageKeyFile());
        assertEquals("notify-send login", s.authNotifyCmd());
        Settings k = parse(BASE + "cfg.storage_key_file = 'key'\n").settings();
        assertEquals(dir.resolve("etc/key"), k.storageKeyFile());
    }

    @Test
    void sameAccountValueUsedTwiceIsOneAccount() throws Exception {
        SyncConfig c = parse("MailDir('~/m')\na = Office365_Account(user='u@d.com')\n"
                + "Office365('inbox', a)\nOffice365('Sent Items', a)\nCredentialServer('/s', [a, a])\n");
        assertEquals(1, c.accounts().size());
        assertEquals(1, c.credentialServers().get(0).accounts().size());
    }

    // ---- files ----

    @Test
    void loadReadsAFile() throws Exception {
        Files.createDirectories(cfg.getParent());
        Files.writeString(cfg, BASE, StandardCharsets.UTF_8);
        SyncConfig c = ConfigLoader.load(cfg);
        assertEquals(cfg, c.file());
        assertEquals(Path.of(System.getProperty("user.home"), "mail", "INBOX"), c.maildirs().get(0).path());
    }

    @Test
    void loadNamesAMissingFile() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(dir.resolve("nope.cfg")));
        assertEquals(dir.resolve("nope.cfg"), e.file());
        assertTrue(e.getMessage().startsWith(dir.resolve("nope.cfg") + ": "), e.getMessage());
        assertThatText(e.getMessage()).contains("not found");
    }

    @Test
    void loadNamesAFileThatIsNotUtf8() throws Exception {
        Path bad = dir.resolve("bad.cfg");
        Files.write(bad, new byte[] {'M', (byte) 0xff, (byte) 0xfe});
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(bad));
        assertThatText(e.getMessage()).contains("UTF-8");
    }

    @Test
    void loadNamesADirectory() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(dir));
        assertEquals(dir, e.file());
    }
}
