package dev.cms.fakecloud;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.cms.fakecloud.LoopbackServer.ConnectionReset;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.X509TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An embedded fake of Microsoft Graph mail ({@link #graph()}) and the Microsoft identity
 * platform ({@link #identity()}) over HTTPS on 127.0.0.1, with a self-signed certificate made
 * for this run. Only a process that installs {@link #clientSslContext()} (or passes
 * {@link #trustedSocketFactory()} / {@link #trustManager()} to its clients) trusts it.
 * Faults ({@link #faults()}) and the request log ({@link #requests()}) are the same kinds the
 * Gmail half uses; a {@code $batch} is logged as its envelope plus one entry per part.
 */
public final class FakeMicrosoft implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FakeMicrosoft.class);
    static final int MAX_BATCH = 20;

    static {
        LoopbackServer.useNoDelay(); // before the first server is created
    }

    private final HttpsServer server;
    private final ExecutorService executor;
    private final URI base;
    private final X509TrustManager trustManager;
    private final SSLContext clientContext;
    private final FakeIdentity identity;
    private final FakeGraph graph;
    private final FakeFaults faults;
    private final RequestLog requests = new RequestLog();
    private volatile Runnable afterChange = () -> { };

    private FakeMicrosoft(Clock clock, int port) throws IOException {
        FakeTlsCertificate cert = FakeTlsCertificate.generate();
        this.trustManager = cert.trustManager();
        this.clientContext = cert.clientContext(trustManager);
        this.faults = new FakeFaults(clock);
        this.identity = new FakeIdentity(clock);
        this.graph = new FakeGraph(clock, identity);
        this.server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
        server.setHttpsConfigurator(new HttpsConfigurator(cert.serverContext()));
        this.executor = LoopbackServer.daemonPool(16, "fake-microsoft-");
        server.setExecutor(executor);
        server.createContext("/", this::exchange);
        server.start();
        this.base = URI.create("https://localhost:" + server.getAddress().getPort() + "/");
        identity.base(base);
        graph.base(base);
    }

    /** Starts on 127.0.0.1 (port 0 = ephemeral) with the system clock. */
    public static FakeMicrosoft start(int port) throws IOException {
        return start(port, Clock.systemUTC());
    }

    /** Starts on 127.0.0.1 with a clock for token lifetimes, device codes, delta horizons and throttling. */
    public static FakeMicrosoft start(int port, Clock clock) throws IOException {
        return new FakeMicrosoft(clock, port);
    }

    /** {@code https://localhost:<port>/}. */
    public URI baseUri() {
        return base;
    }

    /** {@code https://localhost:<port>}: Graph paths start with {@code /v1.0/}. */
    public URI graphEndpoint() {
        return URI.create("https://localhost:" + base.getPort());
    }

    /** {@code https://localhost:<port>}: identity paths start with {@code /<tenant>/}. */
    public URI authorityHost() {
        return URI.create("https://localhost:" + base.getPort());
    }

    /** Trusts the JVM's default certificate authorities and this fake's certificate, nothing else. */
    public SSLContext clientSslContext() {
        return clientContext;
    }

    public SSLSocketFactory trustedSocketFactory() {
        return clientContext.getSocketFactory();
    }

    public X509TrustManager trustManager() {
        return trustManager;
    }

    public FakeGraph graph() {
        return graph;
    }

    public FakeIdentity identity() {
        return identity;
    }

    public FakeFaults faults() {
        return faults;
    }

    public RequestLog requests() {
        return requests;
    }

    /**
     * Runs {@code hook} after each request that may have changed something (any method but
     * GET), before its answer is sent: a client never sees a change the hook has not seen.
     */
    public void afterChange(Runnable hook) {
        afterChange = hook;
    }

    @Override
    public void close() {
        LoopbackServer.stop(server, executor);
    }

    private void exchange(HttpExchange exchange) throws IOException {
        LoopbackServer.exchange(exchange, false, "fake microsoft", (method, uri, headers, body) -> {
            FakeMicrosoftRequest request = FakeMicrosoftRequest.of(method, uri.getPath(), uri.getRawQuery(), headers,
                    body, false);
            FakeMicrosoftResponse response;
            requests.enter();
            try {
                response = serve(request);
            } finally {
                requests.exit();
            }
            if (!"GET".equals(method)) {
                afterChange.run();
            }
            String correlation = request.header("client-request-id");
            return correlation == null ? response : response.withHeader("client-request-id", correlation);
        });
    }

    /** Faults, then the service, then the log: the same path for top-level requests and batch parts. */
    private FakeMicrosoftResponse serve(FakeMicrosoftRequest request) {
        boolean graphPath = request.path().startsWith("/v1.0/");
        FakeFaults.Decision decision = faults.decide(request.method(), request.path());
        if (!decision.awaitHold()) {
            requests.record(entry(request, RequestLog.NO_ANSWER));
            throw new ConnectionReset(request.path());
        }
        FakeMicrosoftResponse response;
        switch (decision.kind()) {
            case ANSWER:
                FakeFaults.Answer a = decision.answer();
                response = new FakeMicrosoftResponse(a.statusCode(), a.headers(), a.bodyBytes());
                break;
            case RESET:
                requests.record(entry(request, RequestLog.NO_ANSWER));
                throw new ConnectionReset(request.path());
            case STATUS:
                response = graphPath ? FakeMicrosoftResponse.graphError(decision.status())
                        : FakeMicrosoftResponse.oauthError(decision.status(),
                                decision.status() >= 500 ? "temporarily_unavailable" : "invalid_request", 90033,
                                "Injected fault: HTTP " + decision.status() + ".");
                if (decision.retryAfterSeconds() > 0) {
                    response = response.withHeader("Retry-After", Integer.toString(decision.retryAfterSeconds()));
                }
                break;
            case MALFORMED:
                response = dispatch(request).truncated();
                break;
            case SERVED_THEN_ANSWER:
                dispatch(request);
                FakeFaults.Answer instead = decision.answer();
                response = new FakeMicrosoftResponse(instead.statusCode(), instead.headers(), instead.bodyBytes());
                break;
            case HTML:
                response = FakeMicrosoftResponse.bytes(200, "text/html; charset=UTF-8",
                        FakeFaults.HTML_PAGE.getBytes(StandardCharsets.UTF_8));
                break;
            default:
                response = dispatch(request);
        }
        requests.record(entry(request, response.status()));
        return response;
    }

    private FakeMicrosoftResponse dispatch(FakeMicrosoftRequest request) {
        try {
            if (request.path().equals("/v1.0/$batch")) {
                return request.method().equals("POST") ? batch(request)
                        : FakeMicrosoftResponse.graphError(405, "BadRequest", "$batch only accepts POST.");
            }
            if (request.path().startsWith("/v1.0/")) {
                return graph.handle(request);
            }
            FakeMicrosoftResponse r = identity.handle(request);
            return r != null ? r : FakeMicrosoftResponse.graphError(404, "NotFound",
                    "No such endpoint in the fake: " + request.method() + " " + request.path());
        } catch (ConnectionReset e) {
            throw e;
        } catch (RuntimeException e) {
            LOG.warn("fake microsoft: {} {} failed", request.method(), request.path(), e);
            return FakeMicrosoftResponse.graphError(500, "InternalServerError", "Fake failure: " + e);
        }
    }

    /**
     * JSON batching: each part is served like a top-level request (faults, throttling and the
     * log included) with the envelope's Authorization unless the part carries its own. Other
     * envelope headers (Prefer included) do not reach the parts: each part states its own.
     */
    private FakeMicrosoftResponse batch(FakeMicrosoftRequest envelope) {
        String envelopeType = envelope.header("Content-Type");
        if (envelopeType == null || !envelopeType.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
            return FakeMicrosoftResponse.graphError(415, "BadRequest",
                    "A $batch request must have Content-Type application/json, not " + envelopeType + ".");
        }
        JsonArray parts;
        try {
            JsonElement root = JsonParser.parseString(envelope.bodyText());
            parts = root.getAsJsonObject().getAsJsonArray("requests");
            if (parts == null) {
                throw new IllegalStateException("no requests array");
            }
        } catch (JsonParseException | IllegalStateException | ClassCastException e) {
            return FakeMicrosoftResponse.graphError(400, "BadRequest", "Invalid batch payload: " + e.getMessage());
        }
        if (parts.size() > MAX_BATCH) {
            return FakeMicrosoftResponse.graphError(400, "BadRequest",
                    "Too many requests in the batch: " + parts.size() + ", the limit is " + MAX_BATCH + ".");
        }
        JsonArray responses = new JsonArray();
        for (JsonElement e : parts) {
            JsonObject part = e.getAsJsonObject();
            String id = part.has("id") ? part.get("id").getAsString() : "";
            String method = part.has("method") ? part.get("method").getAsString() : "GET";
            String url = part.has("url") ? part.get("url").getAsString() : "";
            if (url.startsWith("https://") || url.startsWith("http://")) {
                URI u = URI.create(url);
                url = u.getRawPath().replaceFirst("^/v1\\.0", "") + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
            }
            if (!url.startsWith("/")) {
                url = "/" + url;
            }
            int q = url.indexOf('?');
            String path = "/v1.0" + URI.create(q < 0 ? url : url.substring(0, q)).getPath();
            String rawQuery = q < 0 ? null : url.substring(q + 1);
            Map<String, List<String>> headers = new LinkedHashMap<>();
            String auth = envelope.header("authorization");
            if (auth != null) {
                headers.put("authorization", List.of(auth));
            }
            if (part.has("headers") && part.get("headers").isJsonObject()) {
                for (Map.Entry<String, JsonElement> h : part.getAsJsonObject("headers").entrySet()) {
                    headers.put(h.getKey().toLowerCase(java.util.Locale.ROOT), List.of(h.getValue().getAsString()));
                }
            }
            byte[] body = part.has("body") ? FakeMicrosoftResponse.GSON.toJson(part.get("body"))
                    .getBytes(StandardCharsets.UTF_8) : new byte[0];
            FakeMicrosoftResponse sub = serve(FakeMicrosoftRequest.of(method, path, rawQuery, headers, body, true));
            JsonObject out = new JsonObject();
            out.addProperty("id", id);
            out.addProperty("status", sub.status());
            JsonObject h = new JsonObject();
            sub.headers().forEach(h::addProperty);
            out.add("headers", h);
            if (sub.body().length > 0) {
                String type = sub.headers().getOrDefault("Content-Type", "");
                if (type.startsWith("application/json")) {
                    try {
                        out.add("body", JsonParser.parseString(new String(sub.body(), StandardCharsets.UTF_8)));
                    } catch (JsonParseException malformed) {
                        out.addProperty("body", new String(sub.body(), StandardCharsets.UTF_8));
                    }
                } else {
                    out.addProperty("body", Base64.getEncoder().encodeToString(sub.body()));
                }
            }
            responses.add(out);
        }
        JsonObject root = new JsonObject();
        root.add("responses", responses);
        return FakeMicrosoftResponse.json(200, root);
    }

    private static RequestLog.Entry entry(FakeMicrosoftRequest r, int status) {
        return RequestLog.Entry.of(r, status, r.batchPart());
    }
}
