package dev.cms.provider.gmail;

import com.google.api.client.http.ByteArrayContent;
import com.google.api.client.http.GenericUrl;
import com.google.api.client.http.HttpHeaders;
import com.google.api.client.http.HttpRequest;
import com.google.api.client.http.HttpResponse;
import com.google.api.services.gmail.model.Message;
import dev.cms.provider.AuthenticationRequiredException;
import dev.cms.provider.BodySink;
import dev.cms.provider.RetryClassifier;
import dev.cms.provider.RetryPolicy;
import dev.cms.provider.RetryVerdict;
import dev.cms.provider.gmail.GmailBatchWire.Outcome;
import dev.cms.provider.gmail.GmailBatchWire.Part;
import dev.cms.provider.gmail.GmailBatchWire.PartHandler;
import dev.cms.provider.gmail.GmailTransport.MalformedGmailResponse;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Downloads raw bodies with Google's HTTP batch: one {@code POST batch/gmail/v1} whose
 * multipart/mixed body holds one {@code application/http} part per {@code messages.get?format=raw},
 * answered by a multipart/mixed response of {@code application/http} responses.
 *
 * <p>The batch is charged {@link GmailMailbox#COST_MESSAGES_GET} units per part before it is
 * sent (Gmail counts each part as a call). Per part: 200 is delivered, 404 skipped (the message
 * is gone), throttling (429, 403 rate limit), 401 and 5xx are fetched again on their own through
 * the single-get path with its retries, anything else is a failure of that id. A batch that fails
 * as a whole (dropped connection, 5xx, 429, an answer that is not multipart) is fetched again as
 * single gets; a 401 refreshes the token once and resends.
 *
 * <p>Memory is bounded by bytes, not by the number of parts: the answer is read part by part
 * and each part is delivered as soon as it is read, so one part at a time is held. A part
 * larger than {@link #PART_CAP} (a message of more than about 1.5 MB) is not read at all: the
 * batch is closed there and that message is streamed on its own. Gmail's listings carry no
 * size, so the batch cannot be sized by bytes before it is sent.
 */
final class GmailBatchFetch {
    private static final Logger log = LoggerFactory.getLogger(GmailBatchFetch.class);

    static final String BATCH_PATH = "batch/gmail/v1";
    private static final SecureRandom RANDOM = new SecureRandom();
    /** The largest part held in memory: a whole small answer plus room for the part's headers. */
    static final int PART_CAP = GmailMailbox.LARGE_ANSWER_BYTES + 16 * 1024;

    /** Fetches one id on its own (the single-get path, with its retries). */
    @FunctionalInterface
    interface SingleFetch {
        void fetch(String id) throws IOException, InterruptedException;
    }

    private final GmailTransport transport;
    private final String mailboxKey;

    GmailBatchFetch(GmailTransport transport, String mailboxKey) {
        this.transport = transport;
        this.mailboxKey = mailboxKey;
    }

    /**
     * Fetches {@code ids} (distinct) in one batch, delivering to {@code sink} as the parts
     * arrive; ids that need another try go through {@code single} after the batch is closed.
     * A part larger than {@link #PART_CAP} is not read: the batch is closed there, that id goes
     * through {@code streamed} and the ids without a part yet go into a new batch. Failures of
     * single ids are thrown after the rest.
     */
    void fetch(List<String> ids, BodySink sink, SingleFetch single, SingleFetch streamed)
            throws IOException, InterruptedException {
        IOException[] first = new IOException[1];
        List<String> alone = new ArrayList<>();
        List<String> tooLarge = new ArrayList<>();
        List<String> pending = ids;
        while (!pending.isEmpty()) {
            if (pending.size() == 1) {
                alone.add(pending.get(0)); // a batch of one saves no round trip
                break;
            }
            List<String> batch = pending;
            boolean[] seen = new boolean[batch.size()];
            Outcome outcome = send(batch, (key, part) -> {
                int i = GmailBatchWire.position(key, batch.size());
                if (i < 0 || seen[i]) {
                    log.debug("{}: ignoring an unexpected batch part {}", mailboxKey, key);
                    return;
                }
                seen[i] = true;
                try {
                    if (handle(batch.get(i), part, sink)) {
                        alone.add(batch.get(i));
                    }
                } catch (IOException e) {
                    log.debug("{}: fetching message {} failed: {}", mailboxKey, batch.get(i), e.toString());
                    if (first[0] == null) {
                        first[0] = e;
                    }
                }
            });
            int large = outcome.largeKey() == null ? -1 : GmailBatchWire.position(outcome.largeKey(), batch.size());
            List<String> unseen = new ArrayList<>();
            for (int i = 0; i < batch.size(); i++) {
                if (!seen[i] && i != large) {
                    unseen.add(batch.get(i));
                }
            }
            if (large < 0 || seen[large]) {
                // Complete, failed as a whole, or parts missing: what is left goes one by one.
                alone.addAll(unseen);
                break;
            }
            log.debug("{}: message {} is too large for a batch; fetching it on its own", mailboxKey,
                    batch.get(large));
            tooLarge.add(batch.get(large));
            pending = unseen;
        }
        IOException failed = oneByOne(alone, single, first[0]);
        failed = oneByOne(tooLarge, streamed, failed);
        if (failed != null) {
            throw failed;
        }
    }

    /**
     * Fetches {@code ids} one at a time with {@code fetch}; a failure is logged and the rest still
     * fetched. Returns {@code first}, else the first failure (a needed login ends it at once).
     */
    private IOException oneByOne(List<String> ids, SingleFetch fetch, IOException first)
            throws IOException, InterruptedException {
        for (String id : ids) {
            try {
                fetch.fetch(id);
            } catch (AuthenticationRequiredException e) {
                throw e;
            } catch (IOException e) {
                log.debug("{}: fetching message {} failed: {}", mailboxKey, id, e.toString());
                if (first == null) {
                    first = e;
                }
            }
        }
        return first;
    }

    /** Handles one part; true when the id should be fetched again on its own. */
    private boolean handle(String id, Part part, BodySink sink) throws IOException {
        int status = part.status();
        if (status == 200) {
            deliver(id, part.body(), sink);
        } else if (status == 404) {
            log.debug("{}: message {} is gone (HTTP 404 in batch); skipped", mailboxKey, id);
        } else if (status == 429 || status == 401 || status >= 500 || (status == 403 && rateLimited(part.body()))) {
            log.debug("{}: message {} got HTTP {} in a batch; fetching it on its own", mailboxKey, id, status);
            return true;
        } else {
            throw new GmailStatusException("Gmail messages.get (batched) of message " + id + " for "
                    + transport.user() + " failed: HTTP " + status, status, null);
        }
        return false;
    }

    private static boolean rateLimited(byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8);
        return text.contains("\"rateLimitExceeded\"") || text.contains("\"userRateLimitExceeded\"");
    }

    private static void deliver(String id, byte[] json, BodySink sink) throws IOException {
        String call = "messages.get (batched)";
        if (json.length == 0) {
            throw new MalformedGmailResponse(call, "empty body for message " + id);
        }
        // The body is decoded from the answer's bytes; the parser reads the rest (see RawAnswer).
        RawAnswer.Span span = RawAnswer.find(json);
        Message m = null;
        if (span != null) {
            try {
                m = GmailTransport.parseRawMessage(call, span.cut(json));
            } catch (MalformedGmailResponse e) {
                m = null; // the whole answer is parsed below, and says what is wrong with it
            }
            if (m != null && !"".equals(m.getRaw())) {
                m = null; // not the member the parser takes: read the whole answer
            }
        }
        boolean fromSpan = m != null;
        if (m == null) {
            m = GmailTransport.parseRawMessage(call, json);
        }
        if (m.getRaw() == null) {
            throw new MalformedGmailResponse(call, "missing raw for message " + id);
        }
        ByteBuffer body;
        try {
            body = fromSpan && span != null
                    ? Base64.getUrlDecoder().decode(ByteBuffer.wrap(json, span.from(), span.to() - span.from()))
                    : ByteBuffer.wrap(Base64.getUrlDecoder().decode(m.getRaw()));
        } catch (IllegalArgumentException e) {
            throw new MalformedGmailResponse(call, "raw of message " + id + " is not base64url", e);
        }
        Instant received = m.getInternalDate() == null ? null : Instant.ofEpochMilli(m.getInternalDate());
        sink.accept(id, new ByteArrayInputStream(body.array(), body.arrayOffset() + body.position(), body.remaining()),
                received);
    }

    // ---------------------------------------------------------------- request

    /**
     * Sends the batch and hands its parts to {@code handler} as they are read (Content-ID
     * {@code item-N}, N from 1). Not {@link Outcome#complete()} when the batch failed as a
     * whole or broke off; the ids without a part should then be fetched one by one.
     */
    private Outcome send(List<String> ids, PartHandler handler) throws IOException, InterruptedException {
        String boundary = "batch_cms_" + Long.toHexString(RANDOM.nextLong()) + Long.toHexString(RANDOM.nextLong());
        byte[] body = GmailBatchWire.requestBody(ids, boundary);
        GenericUrl url = new GenericUrl(transport.rootUrl() + BATCH_PATH);
        // Only a 401 is retried here (once, after a token refresh); anything else falls back to single gets.
        RetryPolicy once = transport.retries(BatchRefusal.INSTANCE);
        try {
            return once.run("batch", transport.charging(GmailMailbox.COST_MESSAGES_GET * ids.size()), token -> {
                HttpRequest request = transport.gmail().getRequestFactory().buildPostRequest(url,
                        new ByteArrayContent("multipart/mixed; boundary=" + boundary, body));
                request.setHeaders(new HttpHeaders().setAuthorization("Bearer " + token));
                request.setThrowExceptionOnExecuteError(false);
                return read(ids, request.execute(), handler);
            });
        } catch (AuthenticationRequiredException e) {
            throw e;
        } catch (IOException e) {
            log.info("{}: Gmail batch of {} failed ({}); fetching them one by one", mailboxKey, ids.size(),
                    e.toString());
            return Outcome.FAILED;
        }
    }

    /** A batch answer: its parts to {@code handler}; a 401 thrown for the retry loop. */
    private Outcome read(List<String> ids, HttpResponse response, PartHandler handler) throws IOException {
        try {
            int status = response.getStatusCode();
            if (status == 401) {
                throw new BatchUnauthorized();
            }
            if (status != 200) {
                log.info("{}: Gmail batch of {} got HTTP {}; fetching them one by one", mailboxKey, ids.size(),
                        status);
                return Outcome.FAILED;
            }
            try (InputStream in = response.getContent()) {
                return GmailBatchWire.readParts(response.getContentType(), in, PART_CAP, handler);
            } catch (MalformedGmailResponse e) {
                log.info("{}: {}; fetching the rest of the batch one by one", mailboxKey, e.getMessage());
                return Outcome.FAILED;
            } catch (IOException e) {
                log.info("{}: reading a Gmail batch answer failed ({}); fetching the rest one by one",
                        mailboxKey, e.toString());
                return Outcome.FAILED;
            }
        } finally {
            disconnect(response);
        }
    }

    /** The batch envelope was answered 401. */
    private static final class BatchUnauthorized extends IOException {
        private static final long serialVersionUID = 1L;

        BatchUnauthorized() {
            super("HTTP 401");
        }
    }

    /** A batch retries nothing but a refused token: the single gets have the full retries. */
    private enum BatchRefusal implements RetryClassifier {
        INSTANCE;

        @Override
        public RetryVerdict classify(Attempt attempt, IOException failure) {
            return failure instanceof BatchUnauthorized ? RetryVerdict.refreshToken() : RetryVerdict.fail(failure);
        }
    }

    private static void disconnect(HttpResponse response) {
        try {
            response.disconnect();
        } catch (IOException e) {
            log.debug("closing a Gmail batch answer: {}", e.toString());
        }
    }

    /** The ids in groups of at most {@code size}, in order. */
    static List<List<String>> groups(List<String> ids, int size) {
        List<List<String>> out = new ArrayList<>();
        for (int i = 0; i < ids.size(); i += size) {
            out.add(List.copyOf(ids.subList(i, Math.min(ids.size(), i + size))));
        }
        return out;
    }
}
