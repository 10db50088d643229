package dev.cms.provider.gmail;

import com.google.api.services.gmail.Gmail;
import com.google.api.services.gmail.model.Message;
import dev.cms.provider.BodySink;
import dev.cms.provider.gmail.GmailTransport.MalformedGmailResponse;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.jspecify.annotations.Nullable;

/**
 * Downloads one message body with {@code messages.get}: read whole when the answer is at most
 * {@link GmailMailbox#LARGE_ANSWER_BYTES}, else streamed and decoded into the sink as it arrives
 * ({@link #fetchLarge}), so memory per download is bounded whatever Gmail serves.
 */
final class GmailBodies {
    private static final Logger log = LoggerFactory.getLogger(GmailBodies.class);

    private final GmailTransport transport;
    private final Gmail gmail;
    private final String mailboxKey;

    GmailBodies(GmailTransport transport, String mailboxKey) {
        this.transport = transport;
        this.gmail = transport.gmail();
        this.mailboxKey = mailboxKey;
    }

    /** Fetches one message whole, or streamed when its answer is too large to hold; a gone message is skipped. */
    void fetchOne(String id, BodySink sink) throws IOException, InterruptedException {
        Message m;
        try {
            m = transport.execute("messages.get", GmailMailbox.COST_MESSAGES_GET,
                    gmail.users().messages().get(GmailMailbox.ME, id).setFormat("raw"),
                    in -> GmailTransport.parseRawMessage("messages.get", readSmall(in)));
        } catch (GmailStatusException e) {
            skipIfGone(id, e);
            return;
        } catch (LargeAnswer e) {
            fetchLarge(id, sink);
            return;
        }
        if (m.getRaw() == null) {
            throw new MalformedGmailResponse("messages.get", "missing raw for message " + id);
        }
        byte[] body;
        try {
            body = Base64.getUrlDecoder().decode(m.getRaw());
        } catch (IllegalArgumentException e) {
            throw new MalformedGmailResponse("messages.get", "raw of message " + id + " is not base64url", e);
        }
        Instant received = m.getInternalDate() == null ? null : Instant.ofEpochMilli(m.getInternalDate());
        sink.accept(id, new ByteArrayInputStream(body), received);
    }

    /** An answer longer than {@link GmailMailbox#LARGE_ANSWER_BYTES}: the message is fetched by {@link #fetchLarge}. */
    static final class LargeAnswer extends RuntimeException {
        private static final long serialVersionUID = 1L;

        LargeAnswer() {
            super("answer larger than " + GmailMailbox.LARGE_ANSWER_BYTES + " bytes", null, false, false);
        }
    }

    /** The whole answer when it is at most {@link GmailMailbox#LARGE_ANSWER_BYTES}, else {@link LargeAnswer}. */
    static byte[] readSmall(@Nullable InputStream in) throws IOException {
        if (in == null) {
            return new byte[0];
        }
        byte[] b = in.readNBytes(GmailMailbox.LARGE_ANSWER_BYTES + 1);
        if (b.length > GmailMailbox.LARGE_ANSWER_BYTES) {
            throw new LargeAnswer();
        }
        return b;
    }

    /**
     * A message too large to hold: its received time from {@code format=minimal}, then the raw
     * answer streamed into the sink, decoded as it arrives (two calls, 10 units).
     */
    void fetchLarge(String id, BodySink sink) throws IOException, InterruptedException {
        Instant received;
        try {
            Message meta = transport.execute("messages.get", GmailMailbox.COST_MESSAGES_GET,
                    gmail.users().messages().get(GmailMailbox.ME, id).setFormat("minimal"), Message.class);
            received = meta.getInternalDate() == null ? null : Instant.ofEpochMilli(meta.getInternalDate());
            log.debug("{}: message {} is large; streaming it", mailboxKey, id);
            // The answer goes to the sink; the reader's Void result (null) is never read.
            @SuppressWarnings("NullAway")
            GmailTransport.AnswerReader<Void> raw = in -> {
                RawMessageReader.deliver(in, "messages.get", id, received, sink);
                return null;
            };
            transport.execute("messages.get", GmailMailbox.COST_MESSAGES_GET,
                    gmail.users().messages().get(GmailMailbox.ME, id).setFormat("raw"), raw);
        } catch (GmailStatusException e) {
            skipIfGone(id, e);
            return;
        } catch (UncheckedIOException e) {
            throw e.getCause(); // the sink failed: not a network fault to retry
        }
    }

    /** A message deleted since it was listed (HTTP 404) is skipped; any other status is thrown. */
    private void skipIfGone(String id, GmailStatusException e) throws GmailStatusException {
        if (e.status() != 404) {
            throw e;
        }
        log.debug("{}: message {} is gone (HTTP 404); skipped", mailboxKey, id);
    }
}
