package dev.cms.provider.graph;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.cms.model.Flag;
import dev.cms.model.Flags;
import dev.cms.provider.Change;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Downloads and $batch changes against answers scripted with WireMock, for what the embedded
 * fake Graph (see {@link GraphBodiesAndChangesTest}) cannot show: how many downloads are in
 * flight at once (a WireMock transformer holds each), and $batch answers with throttled,
 * unreadable or failed parts in a given order.
 */
class GraphFetchAndApplyTest extends GraphFixture {
    static final String BATCH = "/v1.0/$batch";

    /** Holds each body request for a while and records how many were held at once. */
    static final class InFlight implements ResponseDefinitionTransformerV2 {
        final AtomicInteger now = new AtomicInteger();
        final AtomicInteger max = new AtomicInteger();

        @Override
        public ResponseDefinition transform(ServeEvent event) {
            if (event.getRequest().getUrl().endsWith("/$value")) {
                max.accumulateAndGet(now.incrementAndGet(), Math::max);
                try {
                    Thread.sleep(150);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    // Counted down before the response is sent, so the client cannot have
                    // started its next request yet.
                    now.decrementAndGet();
                }
            }
            return event.getResponseDefinition();
        }

        @Override
        public String getName() {
            return "in-flight";
        }
    }

    final InFlight inFlight = new InFlight();

    @Override
    WireMockConfiguration configure(WireMockConfiguration c) {
        return c.extensions(inFlight).containerThreads(40);
    }

    void stubBody(String id, byte[] body) {
        wm.stubFor(get(urlPathEqualTo(path("messages/" + id + "/$value")))
                .willReturn(aResponse().withHeader("Content-Type", "message/rfc822").withBody(body)));
    }

    Map<String, byte[]> fetch(GraphMailbox mb, List<String> ids) throws Exception {
        Map<String, byte[]> got = new ConcurrentHashMap<>();
        mb.fetchBodies(ids, (id, in, received) -> {
            assertNull(received);
            got.put(id, in.readAllBytes());
        });
        return got;
    }

    @Test
    void neverMoreThanFourBodyRequestsInFlight() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            ids.add("m" + i);
            stubBody("m" + i, ("body " + i + "\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }
        Map<String, byte[]> got = fetch(mailbox("inbox"), ids);
        assertEquals(20, got.size());
        assertTrue(inFlight.max.get() <= 4, "max in flight " + inFlight.max.get());
        assertTrue(inFlight.max.get() >= 2, "downloads run in parallel: " + inFlight.max.get());
    }

    // ---------------------------------------------------------------- $batch

    static String okBatch(int from, int to) {
        StringBuilder sb = new StringBuilder("{\"responses\":[");
        for (int i = from; i <= to; i++) {
            sb.append(i == from ? "" : ",").append("{\"id\":\"").append(i).append("\",\"status\":200,\"body\":{}}");
        }
        return sb.append("]}").toString();
    }

    List<JsonObject> batchBodies() {
        return served().stream().filter(e -> e.getRequest().getUrl().equals(BATCH))
                .map(e -> JsonParser.parseString(e.getRequest().getBodyAsString()).getAsJsonObject()).toList();
    }

    static JsonElement json(String s) {
        return JsonParser.parseString(s.replace('\'', '"'));
    }

    /**
     * A $batch body's parts reduced to what Graph acts on: id, method, URL, the Prefer header
     * (named in any case) and the body without the SDK's {@code @odata.type} annotation, whose
     * top-level names are compared in lower case (Graph matches action parameters in any case).
     */
    static JsonArray parts(JsonObject batch) {
        JsonArray out = new JsonArray();
        for (JsonElement e : batch.getAsJsonArray("requests")) {
            JsonObject part = e.getAsJsonObject();
            JsonObject o = new JsonObject();
            for (String k : List.of("id", "method", "url")) {
                o.add(k, part.get(k));
            }
            for (Map.Entry<String, JsonElement> h : part.getAsJsonObject("headers").entrySet()) {
                if (h.getKey().equalsIgnoreCase("prefer")) {
                    o.add("prefer", h.getValue());
                }
            }
            JsonObject body = new JsonObject();
            for (Map.Entry<String, JsonElement> b : part.getAsJsonObject("body").entrySet()) {
                if (!b.getKey().equals("@odata.type")) {
                    String k = b.getKey();
                    body.add(k.equalsIgnoreCase("destinationId") ? "destinationid" : k, b.getValue());
                }
            }
            o.add("body", body);
            out.add(o);
        }
        return out;
    }

    @Test
    void throttledSubRequestIsSentAgainAloneAndAGoneMessageIsNoError() throws Exception {
        sequence(BATCH,
                okJson("{\"responses\":[{\"id\":\"1\",\"status\":200,\"body\":{}},"
                        + "{\"id\":\"2\",\"status\":429,\"headers\":{\"Retry-After\":\"7\"},"
                        + "\"body\":{\"error\":{\"code\":\"TooManyRequests\",\"message\":\"Slow down\"}}},"
                        + "{\"id\":\"3\",\"status\":404,\"body\":{\"error\":{\"code\":\"ErrorItemNotFound\"}}}]}"),
                okJson(okBatch(2, 2)));
        mailbox("inbox").apply(List.of(
                Change.flags("m1", Flags.NONE, Flags.of(Flag.READ)),
                Change.flags("m2", Flags.NONE, Flags.of(Flag.READ)),
                Change.flags("m3", Flags.NONE, Flags.of(Flag.READ))));
        List<JsonObject> bodies = batchBodies();
        assertEquals(2, bodies.size());
        JsonArray again = bodies.get(1).getAsJsonArray("requests");
        assertEquals(1, again.size());
        assertEquals("2", again.get(0).getAsJsonObject().get("id").getAsString());
        assertEquals(List.of(Duration.ofSeconds(7)), ticker.sleeps());
    }

    @Test
    void throttledPartWhoseErrorCannotBeReadIsStillSentAgainAfterABackoff() throws Exception {
        // OData errors carry a message; without one the SDK cannot rebuild the part, so its
        // Retry-After is unknown and the part waits a jittered backoff instead.
        sequence(BATCH,
                okJson("{\"responses\":[{\"id\":\"1\",\"status\":429,\"headers\":{\"Retry-After\":\"7\"},"
                        + "\"body\":{\"error\":{\"code\":\"TooManyRequests\"}}}]}"),
                okJson(okBatch(1, 1)));
        mailbox("inbox").apply(List.of(Change.flags("m1", Flags.NONE, Flags.of(Flag.READ))));
        assertEquals(2, batchBodies().size());
        assertEquals(1, ticker.sleeps().size());
        Duration d = ticker.sleeps().get(0);
        assertTrue(d.compareTo(Duration.ofMillis(500)) >= 0 && d.compareTo(Duration.ofSeconds(1)) < 0, d.toString());
    }

    @Test
    void failedSubRequestIsThrownAfterTheOthersAreDone() {
        sequence(BATCH,
                okJson("{\"responses\":[{\"id\":\"1\",\"status\":400,"
                        + "\"body\":{\"error\":{\"code\":\"ErrorInvalidProperty\",\"message\":\"nope\"}}}]}"),
                okJson(okBatch(2, 2)));
        IOException e = assertThrows(IOException.class, () -> mailbox("inbox").apply(List.of(
                Change.flags("m1", Flags.NONE, Flags.of(Flag.FLAGGED)),
                Change.delete("m2", Flags.NONE))));
        assertEquals("Office365 changes for o365:alice@example.com:inbox: 1 of 2 failed: "
                + "PATCH message m1: HTTP 400 (ErrorInvalidProperty: nope)", e.getMessage());
        assertEquals(2, batchBodies().size(), "the move was still sent");
    }
}
