package dev.cms.broker;

import static dev.cms.broker.Sockets.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --test-imap} against a tiny clear-text IMAP server on loopback. */
class ImapCheckTest {
    private static final String B64 = Base64.getEncoder().encodeToString(
            "user=alice@example.com\u0001auth=Bearer tok-alice-IMAP\u0001\u0001".getBytes(StandardCharsets.UTF_8));

    @TempDir
    Path dir;

    private CredentialServer broker;
    private ServerSocket imap;
    private final List<String> received = new CopyOnWriteArrayList<>();
    private volatile boolean accept = true;

    @BeforeEach
    void start() throws Exception {
        broker = CredentialServer.start(spec(dir.resolve("cms.sock"), 0600, Set.of("SMTP", "IMAP"),
                "alice@example.com"), new FakeTokens());
        imap = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::serveOne, "fake-imap");
        t.setDaemon(true);
        t.start();
    }

    @AfterEach
    void stop() throws IOException {
        broker.close();
        imap.close();
    }

    private void serveOne() {
        try (Socket s = imap.accept()) {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            send(out, "* OK [CAPABILITY IMAP4rev1 AUTH=XOAUTH2] fake ready");
            String line;
            while ((line = in.readLine()) != null) {
                received.add(line);
                String[] w = line.split(" ");
                String tag = w[0];
                switch (w.length > 1 ? w[1].toUpperCase(Locale.ROOT) : "") {
                    case "CAPABILITY" -> send(out, "* CAPABILITY IMAP4rev1 AUTH=XOAUTH2\r\n" + tag + " OK done");
                    case "AUTHENTICATE" -> {
                        if (w.length < 4) {
                            send(out, "+ ");
                            received.add(in.readLine());
                        }
                        send(out, accept ? tag + " OK authenticated" : tag + " NO AUTHENTICATE failed.");
                    }
                    case "EXAMINE", "SELECT" -> send(out, "* FLAGS (\\Seen)\r\n* 0 EXISTS\r\n* 0 RECENT\r\n"
                            + "* OK [UIDVALIDITY 1] ok\r\n" + tag + " OK [READ-ONLY] done");
                    case "LOGOUT" -> {
                        send(out, "* BYE bye\r\n" + tag + " OK done");
                        return;
                    }
                    default -> send(out, tag + " OK done");
                }
            }
        } catch (IOException e) {
            // The test has ended.
        }
    }

    private static void send(OutputStream out, String text) throws IOException {
        out.write((text + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private OAuthCommandTest.Result testImap() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = OAuthMain.run(new String[] {"--cms_sock=" + broker.path(), "--user=alice@example.com",
            "--test-imap=localhost:" + imap.getLocalPort(), "--test-plain"}, new PrintWriter(out), new PrintWriter(err));
        return new OAuthCommandTest.Result(exit, out.toString(), err.toString());
    }

    @Test
    void authenticatesWithXoauth2AndOpensInbox() {
        OAuthCommandTest.Result r = testImap();
        assertEquals(new OAuthCommandTest.Result(0, "IMAP authentication succeeded (localhost:" + imap.getLocalPort()
                + ", clear text)\n", ""), r);
        assertTrue(received.stream().anyMatch(l -> l.endsWith("AUTHENTICATE XOAUTH2 " + B64) || l.equals(B64)),
                received.toString());
        assertTrue(received.stream().anyMatch(l -> l.toUpperCase(Locale.ROOT).contains("EXAMINE INBOX")),
                received.toString());
    }

    @Test
    void serversRefusalIsReported() {
        accept = false;
        OAuthCommandTest.Result r = testImap();
        assertEquals(1, r.exit());
        assertTrue(r.err().startsWith("cms-oauth: IMAP authentication to localhost:" + imap.getLocalPort() + " failed: "),
                r.err());
        assertTrue(r.err().contains("AUTHENTICATE failed."), r.err());
    }
}
