package dev.cms.provider.gmail;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.cli.AccountOptions;
import dev.cms.config.DeleteAction;
import dev.cms.config.GmailAccountSpec;
import dev.cms.fakecloud.FakeCloud;
import dev.cms.fakecloud.FakeGmail;
import dev.cms.fakecloud.MessageGenerator;
import dev.cms.provider.BodySink;
import dev.cms.provider.gmail.GmailFetchAndApplyTest.Collecting;
import java.io.IOException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Messages larger than {@link GmailMailbox#LARGE_ANSWER_BYTES} against the embedded fake Gmail
 * over real HTTP: a batch is cut where such a message starts, the message is streamed on its
 * own, and the rest of the batch still comes in batches.
 */
class GmailLargeMessagesTest {
    static final String USER = "dave@gmail.example";

    FakeCloud cloud;
    FakeGmail gmail;

    @BeforeEach
    void start() throws Exception {
        cloud = FakeCloud.start(0);
        gmail = cloud.gmail();
        gmail.addAccount(USER, "client", "secret");
    }

    @AfterEach
    void stop() {
        cloud.close();
    }

    private GmailMailbox mailbox() {
        GmailAccountSpec account = new GmailAccountSpec(USER, "client", "secret",
                cloud.baseUri() + "oauth2/auth", cloud.baseUri() + "oauth2/token", cloud.baseUri().toString(),
                1_000_000, null);
        GmailOptions options = new GmailOptions(1_000_000, 2, Duration.ofSeconds(10), Duration.ofSeconds(30),
                GmailOptions.defaults().ticker(), new Random(1));
        return new GmailMailbox(AccountOptions.gmail(account), "INBOX", DeleteAction.ARCHIVE,
                force -> gmail.issueAccessToken(USER, Set.of("https://www.googleapis.com/auth/gmail.modify")), options);
    }

    private final Map<String, byte[]> raws = new LinkedHashMap<>();
    private final Map<String, Instant> dates = new LinkedHashMap<>();

    private String add(byte[] raw, int n) {
        Instant date = Instant.parse("2026-11-01T10:00:00Z").plusSeconds(n);
        String id = gmail.addMessage(USER, raw, date, Set.of("INBOX"));
        raws.put(id, raw);
        dates.put(id, date);
        return id;
    }

    /** A message of about {@code size} bytes: headers and a base64 attachment-like body (CRLF). */
    static byte[] largeMessage(int n, int size) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(size + 1024);
        out.writeBytes(("From: big@example.com\r\nSubject: large " + n + "\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        Random random = new Random(n);
        byte[] chunk = new byte[57];
        while (out.size() < size) {
            random.nextBytes(chunk);
            out.writeBytes(Base64.getEncoder().encode(chunk));
            out.writeBytes(new byte[] {'\r', '\n'});
        }
        return out.toByteArray();
    }

    @Test
    void largeMessagesAreStreamedAloneAndEveryBodyArrivesByteExact() throws Exception {
        MessageGenerator gen = new MessageGenerator(3, USER);
        for (int i = 0; i < 8; i++) {
            add(i == 1 || i == 4 ? largeMessage(i, 3 * 1024 * 1024)
                    : gen.text(1000).raw(), i);
        }
        Collecting sink = new Collecting();

        mailbox().fetchBodies(List.copyOf(raws.keySet()), sink);

        assertEquals(raws.keySet(), sink.bodies.keySet());
        for (String id : raws.keySet()) {
            assertArrayEquals(raws.get(id), sink.bodies.get(id), id);
            assertEquals(dates.get(id), sink.received.get(id), id);
        }
        // Each large one cuts its batch short (the rest goes in a new batch) and is fetched alone,
        // minimal then raw; no small message is fetched on its own.
        List<String> alone = cloud.requests().entries().stream()
                .filter(e -> e.method().equals("GET") && !e.batchPart() && e.path().contains("/messages/"))
                .map(e -> e.path().substring(e.path().lastIndexOf('/') + 1) + "?" + e.query()).toList();
        List<String> ids = List.copyOf(raws.keySet());
        assertEquals(List.of(ids.get(1) + "?format=minimal", ids.get(1) + "?format=raw",
                ids.get(4) + "?format=minimal", ids.get(4) + "?format=raw"), alone);
        assertEquals(3, cloud.requests().count("POST", ".*batch.*"));
    }

    @Test
    void aFailingLargeMessageLeavesTheOthersDelivered() throws Exception {
        MessageGenerator gen = new MessageGenerator(4, USER);
        String bad = null;
        for (int i = 0; i < 6; i++) {
            String id = add(i == 2 ? largeMessage(i, 3 * 1024 * 1024)
                    : gen.text(1000).raw(), i);
            if (i == 2) {
                bad = id;
            }
        }
        String failing = bad;
        // The sink fails on the large one, as on a full disk: the others are delivered all the same.
        Collecting sink = new Collecting();
        BodySink failingSink = (id, body, when) -> {
            if (id.equals(failing)) {
                body.readNBytes(1000);
                throw new IOException("No space left on device");
            }
            sink.accept(id, body, when);
        };

        IOException e = assertThrows(IOException.class, () -> mailbox().fetchBodies(List.copyOf(raws.keySet()), failingSink));

        assertEquals("No space left on device", e.getMessage());
        assertEquals(5, sink.bodies.size());
        for (String id : sink.bodies.keySet()) {
            assertArrayEquals(raws.get(id), sink.bodies.get(id), id);
        }
        // Its batch part, then minimal and raw on its own; not retried: a sink failure is no network fault.
        assertEquals(3, cloud.requests().count("GET", ".*/messages/" + failing));
    }
}
