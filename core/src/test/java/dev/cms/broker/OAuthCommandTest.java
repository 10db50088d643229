package dev.cms.broker;

import static dev.cms.broker.Sockets.spec;
import static dev.cms.testing.TextAssert.assertThatText;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class OAuthCommandTest {
    private static final String XOAUTH2 = "user=alice@example.com\u0001auth=Bearer tok-alice-SMTP\u0001\u0001";

    /** The two ways in: the JDK-only fast path of {@code cms-oauth}, and the picocli command. */
    enum Entry { FAST_PATH, PICOCLI }

    @TempDir
    Path dir;

    private final FakeTokens tokens = new FakeTokens();
    private CredentialServer server;
    private Path sock;

    record Result(int exit, String out, String err) {}

    @BeforeEach
    void startServer() throws Exception {
        server = CredentialServer.start(spec(dir.resolve("cms.sock"), 0600, Set.of("SMTP"), "alice@example.com"),
                tokens);
        sock = server.path();
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    static Result run(Entry entry, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = entry == Entry.FAST_PATH
                ? OAuthMain.run(args, new PrintWriter(out), new PrintWriter(err))
                : OAuthCommand.execute(args, new PrintWriter(out), new PrintWriter(err));
        return new Result(exit, out.toString(), err.toString());
    }

    private Result token(Entry entry, String... more) {
        List<String> args = new ArrayList<>(List.of("--cms_sock=" + sock, "--user", "alice@example.com"));
        args.addAll(List.of(more));
        return run(entry, args.toArray(String[]::new));
    }

    @ParameterizedTest
    @EnumSource(Entry.class)
    void defaultOutputIsTheXoauth2StringAndANewline(Entry entry) {
        assertEquals(new Result(0, XOAUTH2 + "\n", ""), token(entry));
    }

    @ParameterizedTest
    @EnumSource(Entry.class)
    void xoauth2B64IsBase64OfTheString(Entry entry) {
        String b64 = Base64.getEncoder().encodeToString(XOAUTH2.getBytes(StandardCharsets.UTF_8));
        assertEquals(new Result(0, b64 + "\n", ""), token(entry, "--output=xoauth2-b64"));
    }

    @ParameterizedTest
    @EnumSource(Entry.class)
    void tokenIsTheBareAccessToken(Entry entry) {
        assertEquals(new Result(0, "tok-alice-SMTP\n", ""), token(entry, "--output", "token", "--proto=SMTP"));
    }

    @ParameterizedTest
    @EnumSource(Entry.class)
    void noNewlineLeavesTheNewlineOut(Entry entry) {
        assertEquals(new Result(0, "tok-alice-SMTP", ""), token(entry, "--output=token", "--no_newline"));
        assertEquals(new Result(0, XOAUTH2, ""), token(entry, "--no_newline"));
    }

    @ParameterizedTest
    @EnumSource(Entry.class)
    void refusedRequestSaysWhatToCheck(Entry entry) {
        Result r = token(entry, "--proto=IMAP");
        assertEquals(1, r.exit());
        assertEquals("", r.out());
        assertEquals("cms-oauth: the daemon at " + sock + " does not serve alice@example.com for IMAP: the account"
                + " needs a login, or is not in CredentialServer(accounts=...) or the protocol not in its protocols in"
                + " cms.cfg; the daemon's log says which\n", r.err());
    }

    @ParameterizedTest
    @EnumSource(Entry.class)
    void unknownUserIsRefused(Entry entry) {
        Result r = run(entry, "--cms_sock=" + sock, "--user=bob@example.com");
        assertEquals(1, r.exit());
        assertTrue(r.err().startsWith("cms-oauth: the daemon at " + sock + " does not serve bob@example.com for SMTP:"),
                r.err());
    }

    @ParameterizedTest
    @EnumSource(Entry.class)
    void missingSocketSaysNoDaemonIsListening(Entry entry) {
        Path missing = dir.resolve("nowhere.sock");
        Result r = run(entry, "--cms_sock=" + missing, "--user=alice@example.com", "--output=token");
        assertEquals(1, r.exit());
        assertEquals("", r.out());
        assertTrue(r.err().startsWith("cms-oauth: no cloud-mdir-sync is listening on " + missing + " ("), r.err());
    }

    @ParameterizedTest
    @EnumSource(Entry.class)
    void staleSocketSaysNoDaemonIsListening(Entry entry) throws Exception {
        Path stale = dir.resolve("stale.sock");
        try (ServerSocketChannel old = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            old.bind(UnixDomainSocketAddress.of(stale));
        }
        Result r = run(entry, "--cms_sock=" + stale, "--user=alice@example.com");
        assertEquals(1, r.exit());
        assertTrue(r.err().startsWith("cms-oauth: no cloud-mdir-sync is listening on " + stale + " (connection refused"),
                r.err());
    }

    @Test
    void badCommandLinesAreUsageErrors() {
        assertEquals(2, run(Entry.FAST_PATH, "--user=alice@example.com").exit(), "--cms_sock is required");
        assertEquals(2, run(Entry.FAST_PATH, "--cms_sock=" + sock).exit(), "--user is required");
        Result bad = run(Entry.FAST_PATH, "--cms_sock=" + sock, "--user=alice@example.com", "--output=json");
        assertEquals(2, bad.exit());
        assertThatText(bad.err()).contains("expected one of xoauth2, xoauth2-b64, token but was 'json'");
        assertEquals(2, run(Entry.FAST_PATH, "--cms_sock=" + sock, "--user=a@b", "--proto=POP").exit());
        assertEquals(2, run(Entry.FAST_PATH, "--cms_sock=" + sock, "--user=a@b", "--test-smtp=localhost",
                "--test-imap=localhost").exit());
        assertEquals(2, run(Entry.FAST_PATH, "--cms_sock=" + sock, "--user=a@b", "--test-plain").exit());
    }

    @Test
    void helpListsTheOptions() {
        Result r = run(Entry.FAST_PATH, "--help");
        assertEquals(0, r.exit());
        for (String o : List.of("--user", "--cms_sock", "--proto", "--output", "--no_newline", "--test-smtp",
                "--test-imap", "--test-plain")) {
            assertThatText(r.out(), o).contains(o);
        }
    }

    @Test
    void fastPathTakesOnlyPlainTokenRequests() {
        assertNotNull(OAuthMain.fastOptions(new String[] {"--cms_sock", "s", "--user", "a@b"}));
        assertNotNull(OAuthMain.fastOptions(new String[] {"--cms_sock=s", "--user=a@b", "--proto=IMAP",
                "--output=xoauth2-b64", "--no_newline"}));
        assertNull(OAuthMain.fastOptions(new String[] {"--cms_sock=s"}));
        assertNull(OAuthMain.fastOptions(new String[] {"--cms_sock=s", "--user=a@b", "--user=c@d"}));
        assertNull(OAuthMain.fastOptions(new String[] {"--cms_sock=s", "--user=a@b", "--test-smtp=h"}));
        assertNull(OAuthMain.fastOptions(new String[] {"--cms_sock=s", "--user=a@b", "--proto=smtp"}));
        assertNull(OAuthMain.fastOptions(new String[] {"--cms_sock=s", "--user=a@b", "--no_newline=true"}));
        assertNull(OAuthMain.fastOptions(new String[] {"--cms_sock=s", "--user"}));
        assertNull(OAuthMain.fastOptions(new String[] {"--cms_sock=s", "--user=a@b", "-h"}));
    }
}
