package dev.cms.fakecloud;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.cms.fakecloud.LoopbackServer.ConnectionReset;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An HTTP server on the loopback interface hosting the fake cloud's halves. Every request
 * first passes {@link FakeFaults}, is then served by the first half that claims its path, and
 * is finally recorded in the {@link RequestLog}.
 */
public final class FakeCloud implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FakeCloud.class);
    private static final int THREADS = 8;

    static {
        LoopbackServer.useNoDelay(); // before the first server is created
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final FakeFaults faults;
    private final RequestLog requests = new RequestLog();
    private final FakeGmail gmail;
    private final List<CloudService> services;
    private volatile Runnable afterChange = () -> { };

    private FakeCloud(HttpServer server, ExecutorService executor, Clock clock) {
        this.server = server;
        this.executor = executor;
        this.faults = new FakeFaults(clock);
        this.gmail = new FakeGmail(clock, this::dispatch);
        this.services = List.of(gmail);
    }

    /** Starts an HTTP server on 127.0.0.1 (port 0 = ephemeral) with an executor of a few threads. */
    public static FakeCloud start(int port) throws IOException {
        return start(port, Clock.systemUTC());
    }

    /** As {@link #start(int)}, with the clock used for token lifetimes, code expiry and throttles. */
    public static FakeCloud start(int port, Clock clock) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 256);
        ExecutorService executor = LoopbackServer.daemonPool(THREADS, "fakecloud-");
        FakeCloud cloud = new FakeCloud(server, executor, clock);
        server.createContext("/", cloud::serve);
        server.setExecutor(executor);
        server.start();
        LOG.info("fake cloud listening on {}", cloud.baseUri());
        return cloud;
    }

    /** {@code http://127.0.0.1:<port>/}. */
    public URI baseUri() {
        InetSocketAddress address = server.getAddress();
        return URI.create("http://" + address.getAddress().getHostAddress() + ":" + address.getPort() + "/");
    }

    /** The Gmail half, mounted at {@code /gmail/v1/}, {@code /batch/gmail/v1} and {@code /oauth2/}. */
    public FakeGmail gmail() {
        return gmail;
    }

    /** Fault injection shared by all halves. */
    public FakeFaults faults() {
        return faults;
    }

    /** Every request: method, path, query, status. */
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

    private void serve(HttpExchange exchange) throws IOException {
        // Google's Java client gzips JSON request bodies.
        LoopbackServer.exchange(exchange, true, "fake cloud", (method, uri, headers, body) -> {
            requests.enter();
            try {
                Response response = dispatch(Request.of(method, uri.getPath(), uri.getRawQuery(), headers, body),
                        false);
                if (!"GET".equals(method)) {
                    afterChange.run();
                }
                return response;
            } finally {
                requests.exit();
            }
        });
    }

    /** Faults, then the owning half, then the log: used for top-level requests and batch parts alike. */
    Response dispatch(Request request, boolean batchPart) {
        FakeFaults.Decision decision = faults.decide(request.method(), request.path());
        if (!decision.awaitHold()) {
            requests.record(entry(request, RequestLog.NO_ANSWER, batchPart));
            throw new ConnectionReset(request.path());
        }
        Response response;
        switch (decision.kind()) {
            case ANSWER:
                FakeFaults.Answer a = decision.answer();
                response = new Response(a.statusCode(), a.headers(), a.bodyBytes());
                break;
            case RESET:
                requests.record(entry(request, RequestLog.NO_ANSWER, batchPart));
                throw new ConnectionReset(request.path());
            case STATUS:
                response = Response.googleError(decision.status());
                if (decision.retryAfterSeconds() > 0) {
                    response = response.withHeader("Retry-After", Integer.toString(decision.retryAfterSeconds()));
                }
                break;
            case MALFORMED:
                response = truncate(serveByHalves(request, batchPart));
                break;
            case SERVED_THEN_ANSWER:
                serveByHalves(request, batchPart);
                FakeFaults.Answer instead = decision.answer();
                response = new Response(instead.statusCode(), instead.headers(), instead.bodyBytes());
                break;
            case HTML:
                response = Response.bytes(200, "text/html; charset=UTF-8",
                        FakeFaults.HTML_PAGE.getBytes(StandardCharsets.UTF_8));
                break;
            default:
                response = serveByHalves(request, batchPart);
        }
        requests.record(entry(request, response.status(), batchPart));
        return response;
    }

    private Response serveByHalves(Request request, boolean batchPart) {
        try {
            for (CloudService service : services) {
                Response r = service.handle(request, batchPart);
                if (r != null) {
                    return r;
                }
            }
            return Response.googleError(404, "notFound", "No fake endpoint at " + request.path());
        } catch (ConnectionReset e) {
            throw e;
        } catch (RuntimeException e) {
            LOG.warn("fake cloud: {} {} failed", request.method(), request.path(), e);
            return Response.googleError(500, "backendError", "Fake cloud failure: " + e);
        }
    }

    private static Response truncate(Response real) {
        byte[] body = real.body().length < 4 ? new byte[] {'{', '"'}
                : Arrays.copyOf(real.body(), real.body().length / 2);
        return Response.bytes(200, Response.JSON, body);
    }

    private static RequestLog.Entry entry(Request r, int status, boolean batchPart) {
        return RequestLog.Entry.of(r, status, batchPart);
    }
}
