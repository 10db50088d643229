package dev.cms.provider.graph;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.cms.cli.AccountOptions;
import dev.cms.config.DeleteAction;
import dev.cms.config.Office365AccountSpec;
import dev.cms.fakecloud.FakeFaults;
import dev.cms.fakecloud.FakeFaults.Answer;
import dev.cms.fakecloud.FakeGraph;
import dev.cms.fakecloud.FakeMicrosoft;
import dev.cms.fakecloud.RequestLog;
import dev.cms.provider.AccessTokenSource;
import dev.cms.time.FakeTicker;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * The embedded fake Microsoft cloud (Graph over real HTTPS) shared by the Graph test classes, a fresh user
 * for each test, a {@link GraphMailbox} on it with a token source that counts what it is asked
 * and a ticker that records the sleeps, and the fake's request log as the record of what the
 * adapter sent. Answers a correct server never gives are scripted with {@link #faults()}.
 */
abstract class GraphCloudFixture {
    static final String CLIENT = "client-id";
    static final String API = "/v1.0/me/";
    static final String BATCH = "/v1.0/$batch";
    /** The adapter's clock: what it writes as the time of a reply. */
    static final Instant NOW = Instant.parse("2026-01-02T03:04:05Z");

    static FakeMicrosoft ms;
    /**
     * One fake for every Graph test class of the run: making its TLS certificate takes about a
     * second. Each test has a user of its own; faults and the page limit are reset after each.
     */
    private static FakeMicrosoft shared;
    private static int users;

    FakeGraph graph;
    String user;
    /** Real tokens from the fake's identity half, counted. */
    CountingTokens tokens;
    /** The adapter's clock: stands at NOW; its sleeps are recorded. */
    FakeTicker ticker;

    @BeforeAll
    static synchronized void startCloud() throws Exception {
        if (shared == null) {
            shared = FakeMicrosoft.start(0); // never closed: it ends with the test JVM
        }
        ms = shared;
    }

    @BeforeEach
    void newUser() {
        graph = ms.graph();
        user = "alice" + (++users) + "@example.com";
        graph.addUser(user, CLIENT);
        tokens = new CountingTokens(ms, user);
        ticker = new FakeTicker(NOW);
        ms.requests().clear();
    }

    @AfterEach
    void clearFaults() {
        ms.faults().clear();
        graph.setPageLimit(1000);
    }

    /** Every request the adapter made in this test. */
    RequestLog requests() {
        return ms.requests();
    }

    /** The calls to {@code API + rest} with this method. */
    RequestLog.Calls calls(String method, String rest) {
        return ms.requests().matching(method, API + rest);
    }

    /** The requests sent on their own (batch parts left out). */
    List<RequestLog.Entry> topLevel() {
        return requests().entries().stream().filter(e -> !e.batchPart()).toList();
    }

    FakeFaults faults() {
        return ms.faults();
    }

    /** The path regex of exactly {@code API + rest}. */
    static String path(String rest) {
        return "^" + Pattern.quote(API + rest) + "$";
    }

    /** The next {@code n} requests of this method to exactly {@code API + rest} get {@code answer}. */
    void answerNext(int n, String method, String rest, Answer answer) {
        faults().next(n, method, path(rest)).answer(answer);
    }

    /** The next {@code n} {@code $batch} envelopes get {@code answer}. */
    void answerBatch(int n, Answer answer) {
        faults().next(n, "POST", "^" + Pattern.quote(BATCH) + "$").answer(answer);
    }

    /** A 200 with this text as a JSON body. */
    static Answer okJson(String json) {
        return Answer.status(200).json(json);
    }

    /** Graph's error shape with this code and the message {@code status <status>}. */
    static Answer error(int status, String code) {
        return Answer.status(status).json("{\"error\":{\"code\":\"" + code + "\",\"message\":\"status " + status + "\"}}");
    }

    /** Where a full listing of the folder starts. */
    static String deltaOf(String folderId) {
        return "mailFolders/" + folderId + "/messages/delta()";
    }

    /** Where a delta link (with its $deltatoken) resumes, as Graph writes it. */
    static String resumedDeltaOf(String folderId) {
        return "mailFolders/" + folderId + "/messages/delta";
    }

    GraphMailbox mailbox(String folder) {
        return mailbox(folder, DeleteAction.ARCHIVE);
    }

    GraphMailbox mailbox(String folder, DeleteAction action) {
        Office365AccountSpec account = new Office365AccountSpec(user, "common", CLIENT, false,
                ms.authorityHost().toString(), ms.graphEndpoint().toString(), 4, null);
        GraphOptions options = new GraphOptions(4, Duration.ofSeconds(10), Duration.ofSeconds(10), ticker,
                new Random(42), null, null).withTls(ms.trustedSocketFactory(), ms.trustManager());
        return new GraphMailbox(AccountOptions.graph(account), folder, action, tokens, options);
    }

    /** The JSON bodies of the {@code $batch} envelopes, oldest first. */
    List<JsonObject> batchBodies() {
        return requests().matching("POST", BATCH).bodies().stream()
                .map(b -> JsonParser.parseString(b).getAsJsonObject()).toList();
    }

    /** JSON written with single quotes for readability. */
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

    /**
     * Issues real access tokens from the fake's identity half (a new one when forced), and
     * records what it was asked: whether each was forced, the tokens it issued and those the
     * transport said were refused.
     */
    static final class CountingTokens implements AccessTokenSource {
        private final FakeMicrosoft ms;
        private final String user;
        final List<Boolean> forced = Collections.synchronizedList(new ArrayList<>());
        final List<String> issued = Collections.synchronizedList(new ArrayList<>());
        final List<String> rejected = Collections.synchronizedList(new ArrayList<>());
        private String current;

        CountingTokens(FakeMicrosoft ms, String user) {
            this.ms = ms;
            this.user = user;
        }

        @Override
        public synchronized String accessToken(boolean forceRefresh) {
            forced.add(forceRefresh);
            if (current == null || forceRefresh) {
                current = ms.identity().issueAccessToken(user, CLIENT, List.of("https://graph.microsoft.com/Mail.ReadWrite"));
                issued.add(current);
            }
            return current;
        }

        @Override
        public String replaceRejected(String token) {
            rejected.add(token);
            return accessToken(true);
        }

        /** {@code Authorization} as the n-th issued token (from 0) is sent. */
        String bearer(int n) {
            return "Bearer " + issued.get(n);
        }
    }
}
