package dev.cms.provider.graph;

import com.microsoft.graph.core.content.BatchRequestContent;
import com.microsoft.graph.core.content.BatchResponseContent;
import com.microsoft.graph.core.models.BatchRequestStep;
import com.microsoft.kiota.RequestInformation;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import dev.cms.provider.RetryPolicy;
import okhttp3.Request;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.jspecify.annotations.Nullable;

/**
 * Sends SDK requests through JSON {@code $batch} (the SDK's {@link BatchRequestContent}), at
 * most {@link #MAX_PER_BATCH} a batch. A part answered with a status {@link GraphRetry} retries
 * is sent again in a later batch after its {@code Retry-After} (or a backoff); a 404 means the
 * message is gone and counts as done; other failures are collected and returned together
 * once every part had its turn. The envelope itself goes through the transport's retries.
 */
final class GraphBatch {
    private static final Logger log = LoggerFactory.getLogger(GraphBatch.class);
    static final int MAX_PER_BATCH = 20;
    static final String CALL = "$batch";

    /** One request inside a batch, built with the SDK's request builders. */
    static final class Sub {
        final String id;
        final RequestInformation request;
        final String what;
        int attempts;
        private @Nullable Request converted;

        Sub(String id, RequestInformation request, String what) {
            this.id = id;
            this.request = request;
            this.what = what;
        }
    }

    private final GraphTransport transport;

    GraphBatch(GraphTransport transport) {
        this.transport = transport;
    }

    /** Runs {@code subs} to completion; returns the failures (empty when all went through). */
    List<String> run(List<Sub> subs) throws IOException, InterruptedException {
        Deque<Sub> pending = new ArrayDeque<>(subs);
        List<String> failures = new ArrayList<>();
        while (!pending.isEmpty()) {
            List<Sub> batch = new ArrayList<>(MAX_PER_BATCH);
            while (batch.size() < MAX_PER_BATCH && !pending.isEmpty()) {
                batch.add(pending.poll());
            }
            BatchRequestContent content = new BatchRequestContent(transport.graph());
            for (Sub s : batch) {
                if (s.converted == null) {
                    s.converted = transport.graph().getRequestAdapter().convertToNativeRequest(s.request);
                }
                content.addBatchRequestStep(new BatchRequestStep(s.id, s.converted));
            }
            BatchResponseContent answer = transport.call(CALL,
                    () -> transport.graph().getBatchRequestBuilder().post(content, null));
            Map<String, Integer> statuses = GraphTransport.parse(CALL, answer::getResponsesStatusCode);
            checkParts(batch, statuses);
            Duration wait = null;
            for (Sub s : batch) {
                Integer code = statuses.get(s.id);
                if (code == null) {
                    throw new MalformedGraphResponse(CALL, "no response for sub-request " + s.id);
                }
                int status = code;
                if (status >= 200 && status < 300) {
                    continue;
                }
                if (status == 404) {
                    log.debug("Office365 {} for {}: message gone (HTTP 404); nothing to do", s.what, transport.user());
                    continue;
                }
                s.attempts++;
                Response r = part(answer, s.id);
                String what = s.what + ": HTTP " + status + errorText(r);
                boolean retryable = GraphRetry.isRetryable(status);
                if (!retryable || s.attempts >= RetryPolicy.MAX_ATTEMPTS) {
                    failures.add(what + (retryable ? " after " + s.attempts + " attempts" : ""));
                    continue;
                }
                Duration asked = RetryPolicy.retryAfter(r == null ? null : r.header("Retry-After"),
                        transport.ticker().now());
                Duration d = asked != null ? asked : transport.backoff(s.attempts);
                wait = wait == null || d.compareTo(wait) > 0 ? d : wait;
                log.info("Office365 {} for {}: {}; sending it again in {} ms", s.what, transport.user(), what,
                        d.toMillis());
                pending.addLast(s);
            }
            if (wait != null) {
                transport.pauseFor(wait);
            }
        }
        return failures;
    }

    /**
     * A 2xx envelope is trusted only when it answers exactly the parts sent: one response per
     * request id and no other (an answer for ids this batch never sent belongs to something
     * else, such as a cache or a proxy replaying an old answer). A missing part is reported by
     * the caller, with the part's id.
     */
    private static void checkParts(List<Sub> batch, Map<String, Integer> statuses) throws MalformedGraphResponse {
        Set<String> sent = new HashSet<>();
        for (Sub s : batch) {
            sent.add(s.id);
        }
        for (String id : statuses.keySet()) {
            if (!sent.contains(id)) {
                throw new MalformedGraphResponse(CALL, "a response for sub-request " + id + ", which was not sent");
            }
        }
    }

    /**
     * A failed part's headers and body, or null when the SDK cannot rebuild them (its reader
     * insists on fields, such as the error message, that only the status line needs not have).
     */
    private static @Nullable Response part(BatchResponseContent answer, String id) {
        try {
            return answer.getResponseById(id);
        } catch (RuntimeException e) {
            log.debug("$batch part {}: unreadable headers or body ({})", id, e.toString());
            return null;
        }
    }

    private static String errorText(@Nullable Response r) {
        if (r == null) {
            return "";
        }
        String[] err = GraphRetry.errorOf(r);
        return GraphRetry.describe(err[0], err[1]);
    }
}
