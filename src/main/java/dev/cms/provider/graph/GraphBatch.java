package dev.cms.provider.graph;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import okhttp3.HttpUrl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends sub-requests through JSON {@code $batch}, at most {@link #MAX_PER_BATCH} a batch. A
 * sub-request answered 429 or 503 (or 500/502/504) is sent again alone in a later batch after
 * its {@code Retry-After} (or a backoff); a 404 means the message is gone and counts as done;
 * other failures are collected and thrown together once every sub-request had its turn.
 */
final class GraphBatch {
    private static final Logger log = LoggerFactory.getLogger(GraphBatch.class);
    static final int MAX_PER_BATCH = 20;
    static final String CALL = "$batch";

    /** One request inside a batch: {@code url} is relative to the API root, like {@code /me/messages/x}. */
    static final class Sub {
        final String id;
        final String method;
        final String url;
        final JsonObject body;
        final String what;
        int attempts;

        Sub(String id, String method, String url, JsonObject body, String what) {
            this.id = id;
            this.method = method;
            this.url = url;
            this.body = body;
            this.what = what;
        }

        JsonObject toJson() {
            JsonObject o = new JsonObject();
            o.addProperty("id", id);
            o.addProperty("method", method);
            o.addProperty("url", url);
            // Headers of the $batch envelope do not apply to its parts: each asks for immutable ids.
            JsonObject headers = new JsonObject();
            headers.addProperty("Prefer", GraphTransport.PREFER_IMMUTABLE_ID);
            if (body != null) {
                headers.addProperty("Content-Type", "application/json");
            }
            o.add("headers", headers);
            if (body != null) {
                o.add("body", body);
            }
            return o;
        }
    }

    private final GraphTransport transport;
    private final Clock clock;

    GraphBatch(GraphTransport transport, Clock clock) {
        this.transport = transport;
        this.clock = clock;
    }

    /** Runs {@code subs} to completion; returns the failures (empty when all went through). */
    List<String> run(List<Sub> subs) throws IOException, InterruptedException {
        Deque<Sub> pending = new ArrayDeque<>(subs);
        List<String> failures = new ArrayList<>();
        HttpUrl url = transport.base().newBuilder().addEncodedPathSegment("$batch").build();
        while (!pending.isEmpty()) {
            List<Sub> batch = new ArrayList<>(MAX_PER_BATCH);
            while (batch.size() < MAX_PER_BATCH && !pending.isEmpty()) {
                batch.add(pending.poll());
            }
            JsonArray requests = new JsonArray();
            for (Sub s : batch) {
                requests.add(s.toJson());
            }
            JsonObject body = new JsonObject();
            body.add("requests", requests);
            JsonObject answer = transport.postJson(CALL, url, body);
            Map<String, JsonObject> byId = responses(answer);
            Duration wait = null;
            for (Sub s : batch) {
                JsonObject r = byId.get(s.id);
                if (r == null) {
                    throw new MalformedGraphResponse(CALL, "no response for sub-request " + s.id);
                }
                int status = status(r, s.id);
                if (status >= 200 && status < 300) {
                    continue;
                }
                if (status == 404) {
                    log.debug("Office365 {} for {}: message gone (HTTP 404); nothing to do", s.what, transport.user());
                    continue;
                }
                s.attempts++;
                String what = s.what + ": HTTP " + status + errorText(r);
                boolean retryable = status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
                if (!retryable || s.attempts >= GraphTransport.MAX_ATTEMPTS) {
                    failures.add(what + (retryable ? " after " + s.attempts + " attempts" : ""));
                    continue;
                }
                Optional<Duration> asked = status == 429 || status == 503
                        ? GraphTransport.retryAfter(header(r, "Retry-After"), clock.instant()) : Optional.empty();
                Duration d = asked.orElseGet(() -> transport.backoff(s.attempts));
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

    private static Map<String, JsonObject> responses(JsonObject answer) throws MalformedGraphResponse {
        JsonElement rs = answer.get("responses");
        if (rs == null || !rs.isJsonArray()) {
            throw new MalformedGraphResponse(CALL, "no responses list");
        }
        Map<String, JsonObject> byId = new HashMap<>();
        for (JsonElement e : rs.getAsJsonArray()) {
            if (!e.isJsonObject()) {
                throw new MalformedGraphResponse(CALL, "a response that is not an object");
            }
            String id = GraphTransport.stringOrNull(e.getAsJsonObject(), "id");
            if (id == null) {
                throw new MalformedGraphResponse(CALL, "a response without an id");
            }
            byId.put(id, e.getAsJsonObject());
        }
        return byId;
    }

    private static int status(JsonObject r, String id) throws MalformedGraphResponse {
        JsonElement s = r.get("status");
        try {
            if (s != null && s.isJsonPrimitive()) {
                return s.getAsInt();
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new MalformedGraphResponse(CALL, "sub-request " + id + " has no numeric status");
    }

    private static String header(JsonObject r, String name) {
        JsonElement h = r.get("headers");
        if (h == null || !h.isJsonObject()) {
            return null;
        }
        for (Map.Entry<String, JsonElement> e : h.getAsJsonObject().entrySet()) {
            if (e.getKey().equalsIgnoreCase(name) && e.getValue().isJsonPrimitive()) {
                return e.getValue().getAsString();
            }
        }
        return null;
    }

    private static String errorText(JsonObject r) {
        JsonElement b = r.get("body");
        if (b != null && b.isJsonObject() && b.getAsJsonObject().get("error") instanceof JsonObject) {
            JsonObject err = b.getAsJsonObject().getAsJsonObject("error");
            String code = GraphTransport.stringOrNull(err, "code");
            String message = GraphTransport.stringOrNull(err, "message");
            if (code != null || message != null) {
                return " (" + (code == null ? "" : code) + (code != null && message != null ? ": " : "")
                        + (message == null ? "" : message) + ")";
            }
        }
        return "";
    }
}
