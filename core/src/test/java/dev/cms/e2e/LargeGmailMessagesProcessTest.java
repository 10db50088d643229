package dev.cms.e2e;

import static dev.cms.testing.MaildirAssert.assertThatMaildir;
import static dev.cms.testing.TextAssert.assertThatText;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.fakecloud.MessageGenerator;
import dev.cms.model.ContentHash;
import dev.cms.store.MessageStore;
import dev.cms.testing.FakeGmailCloud;
import dev.cms.testing.MaildirAssert.MessageFile;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 18 item 2: large Gmail messages under a small heap. The real daemon runs as a child JVM
 * with {@code -Xmx48m} against the embedded fake Gmail (in this JVM) serving four 20 MB
 * messages among small ones, one of the large ones failing for good. Every other message must
 * arrive byte-exact and the daemon must stay up: a download holds a bounded amount of memory,
 * not a whole batch answer (which here would be over 100 MB of base64).
 */
class LargeGmailMessagesProcessTest extends ChildDaemonTestBase {
    static final String USER = "carol@gmail.example";
    static final int LARGE = 20 * 1024 * 1024;

    @RegisterExtension
    final FakeGmailCloud fake = FakeGmailCloud.withAccount(USER, "demo-client", "demo-secret");
    Process daemon;

    /** A message of about {@code size} bytes: headers and a base64 attachment-like body (CRLF). */
    static byte[] largeMessage(int n, int size) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(size + 1024);
        out.writeBytes(("From: big@example.com\r\nTo: " + USER + "\r\nSubject: large " + n
                + "\r\nMessage-ID: <large-" + n + "@example.com>\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        Random random = new Random(n);
        byte[] chunk = new byte[57];
        Base64.Encoder enc = Base64.getEncoder();
        while (out.size() < size) {
            random.nextBytes(chunk);
            out.writeBytes(enc.encode(chunk));
            out.writeBytes(new byte[] {'\r', '\n'});
        }
        return out.toByteArray();
    }

    private Set<ContentHash> delivered() {
        return assertThatMaildir(tmp.resolve("mail")).messages().stream().map(MessageFile::hash)
                .collect(Collectors.toSet());
    }

    private String log() throws IOException {
        return daemons.log(0);
    }

    @Test
    void largeMessagesArriveUnderASmallHeapAndOneFailingLeavesTheOthers() throws Exception {
        Set<ContentHash> expected = new HashSet<>();
        MessageGenerator gen = new MessageGenerator(5, USER);
        Instant date = Instant.parse("2026-11-01T10:00:00Z");
        String failing = null;
        for (int i = 0; i < 10; i++) {
            byte[] raw = i % 2 == 0 && i < 8 ? largeMessage(i, LARGE) : gen.text(2000).raw();
            String id = fake.gmail().addMessage(USER, raw, date.plusSeconds(i), Set.of("INBOX"));
            if (i == 2) {
                failing = id; // refused for good: the others must still arrive
            } else {
                expected.add(MessageStore.hashOf(new ByteArrayInputStream(raw)));
            }
        }
        fake.cloud().faults().failNext(".*/messages/" + failing, 1_000_000, 400, 0);

        daemon = daemons.start(true, List.of("-Xmx48m", "-XX:+UseSerialGC"), "-c",
                daemons.gmailConfig(fake.cloud(), USER).toString());

        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (!delivered().equals(expected)) {
            if (!daemon.isAlive()) {
                throw new AssertionError("the daemon exited (" + daemon.exitValue() + ") with "
                        + delivered().size() + " of " + expected.size() + " messages delivered:\n" + log());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(delivered().size() + " of " + expected.size() + " messages delivered:\n"
                        + log());
            }
            Thread.sleep(100);
        }
        assertTrue(daemon.isAlive(), log());
        daemon.destroy(); // SIGTERM
        assertTrue(daemon.waitFor(60, TimeUnit.SECONDS), "the daemon stops on SIGTERM");
        assertEquals(0, daemon.exitValue(), log());
        assertThatText(log()).doesNotContain("OutOfMemoryError");
        assertThatMaildir(tmp.resolve("mail")).hasMessages(9).hasNothingIn("tmp");
    }
}
