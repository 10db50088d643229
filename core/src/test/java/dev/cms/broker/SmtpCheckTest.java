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
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --test-smtp} against a tiny clear-text SMTP server on loopback. */
class SmtpCheckTest {
    @TempDir
    Path dir;

    private CredentialServer broker;
    private ServerSocket smtp;
    private final List<String> received = new CopyOnWriteArrayList<>();
    private volatile String authReply = "235 2.7.0 Authentication successful";

    @BeforeEach
    void start() throws Exception {
        broker = CredentialServer.start(spec(dir.resolve("cms.sock"), 0600, Set.of("SMTP"), "alice@example.com"),
                new FakeTokens());
        smtp = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::serveOne, "fake-smtp");
        t.setDaemon(true);
        t.start();
    }

    @AfterEach
    void stop() throws IOException {
        broker.close();
        smtp.close();
    }

    private void serveOne() {
        try (Socket s = smtp.accept()) {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            reply(out, "220 fake.test ESMTP");
            String line;
            while ((line = in.readLine()) != null) {
                received.add(line);
                String verb = line.split(" ", 2)[0].toUpperCase(java.util.Locale.ROOT);
                switch (verb) {
                    case "EHLO" -> reply(out, "250-fake.test\r\n250-AUTH XOAUTH2\r\n250 8BITMIME");
                    case "AUTH" -> reply(out, authReply);
                    case "QUIT" -> {
                        reply(out, "221 2.0.0 bye");
                        return;
                    }
                    default -> reply(out, "502 5.5.2 not implemented");
                }
            }
        } catch (IOException e) {
            // The test has ended.
        }
    }

    private static void reply(OutputStream out, String text) throws IOException {
        out.write((text + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private OAuthCommandTest.Result testSmtp() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = OAuthMain.run(new String[] {"--cms_sock=" + broker.path(), "--user=alice@example.com",
            "--test-smtp=127.0.0.1:" + smtp.getLocalPort(), "--test-plain"}, new PrintWriter(out), new PrintWriter(err));
        return new OAuthCommandTest.Result(exit, out.toString(), err.toString());
    }

    @Test
    void authLineCarriesBase64OfTheXoauth2String() {
        OAuthCommandTest.Result r = testSmtp();
        assertEquals(new OAuthCommandTest.Result(0, "SMTP authentication succeeded (127.0.0.1:" + smtp.getLocalPort()
                + ", clear text)\n", ""), r);
        String b64 = Base64.getEncoder().encodeToString(
                "user=alice@example.com\u0001auth=Bearer tok-alice-SMTP\u0001\u0001".getBytes(StandardCharsets.UTF_8));
        assertTrue(received.contains("AUTH XOAUTH2 " + b64), received.toString());
    }

    @Test
    void serversRefusalIsReported() {
        authReply = "535 5.7.3 Authentication unsuccessful";
        OAuthCommandTest.Result r = testSmtp();
        assertEquals(1, r.exit());
        assertEquals("", r.out());
        assertTrue(r.err().startsWith("cms-oauth: SMTP authentication to 127.0.0.1:" + smtp.getLocalPort() + " failed: "),
                r.err());
        assertTrue(r.err().contains("535 5.7.3 Authentication unsuccessful"), r.err());
    }

    @Test
    void clearTextIsRefusedForANonLoopbackHost() {
        StringWriter err = new StringWriter();
        int exit = OAuthMain.run(new String[] {"--cms_sock=" + broker.path(), "--user=alice@example.com",
            "--test-smtp=192.0.2.1", "--test-plain"}, new PrintWriter(new StringWriter()), new PrintWriter(err));
        assertEquals(2, exit);
        assertTrue(err.toString().contains("--test-plain is only allowed for a loopback host"), err.toString());
        assertTrue(received.isEmpty());
    }
}
