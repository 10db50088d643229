package dev.cms.broker;

import static dev.cms.broker.Sockets.exchange;
import static dev.cms.broker.Sockets.spec;
import static dev.cms.testing.TextAssert.assertThatText;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the server logs (slf4j-simple writes to System.err) never holds a token or a request's bytes. */
class NoSecretsInLogsTest {
    private static final String SECRET = "ya29.SECRET-TOKEN-VALUE";

    @TempDir
    Path dir;

    @Test
    void servedRefusedAndFailedRequestsLogNoSecrets() throws Exception {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream saved = System.err;
        TokenProvider provider = (user, protocol, minValidity) -> {
            if (protocol.equals("IMAP")) {
                throw new IOException("refresh failed");
            }
            return SECRET;
        };
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try (CredentialServer s = CredentialServer.start(spec(dir.resolve("cms.sock"), 0600, Set.of("SMTP", "IMAP"),
                "alice@example.com"), provider)) {
            assertThatText(exchange(s.path(), "SMTP alice@example.com")).contains(SECRET);
            assertEquals("", exchange(s.path(), "IMAP alice@example.com"));
            assertEquals("", exchange(s.path(), "SMTP mallory@example.com"));
            assertEquals("", exchange(s.path(), "password " + SECRET));
            assertEquals("", exchange(s.path(), SECRET + "\u0001\u0001"));
        } finally {
            System.setErr(saved);
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        assertThatText(log, "the log (the refusals are logged)").contains("refused");
        assertThatText(log).doesNotContain("SECRET");
    }
}
