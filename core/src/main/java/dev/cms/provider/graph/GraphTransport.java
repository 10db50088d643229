package dev.cms.provider.graph;

import com.microsoft.graph.core.CoreConstants;
import com.microsoft.graph.core.requests.middleware.GraphTelemetryHandler;
import com.microsoft.graph.core.requests.options.GraphClientOption;
import com.microsoft.graph.serviceclient.GraphServiceClient;
import com.microsoft.kiota.ApiException;
import com.microsoft.kiota.BaseRequestConfiguration;
import com.microsoft.kiota.authentication.AnonymousAuthenticationProvider;
import com.microsoft.kiota.http.middleware.ParametersNameDecodingHandler;
import com.microsoft.kiota.http.middleware.UrlReplaceHandler;
import com.microsoft.kiota.http.middleware.options.UrlReplaceHandlerOption;
import dev.cms.provider.AccessTokenSource;
import dev.cms.provider.RetryPolicy;
import dev.cms.time.Ticker;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Consumer;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.Buffer;

/**
 * The Microsoft Graph SDK client of one mailbox, and the OkHttp interceptor under it that
 * decides every retry. The SDK builds the requests and reads the answers; this interceptor,
 * last in the client's chain, adds the bearer token from the {@link AccessTokenSource}
 * and {@code Prefer: IdType="ImmutableId"}, keeps at most {@code maxConcurrency} requests of
 * the mailbox in flight, and retries through the shared {@link RetryPolicy} with Graph's
 * reading of failures ({@link GraphRetry}); while Graph asks to wait ({@code Retry-After}) the
 * mailbox's other requests hold back too. The SDK's own retry and
 * redirect handlers are not in the chain and OkHttp's silent retries are off, so nothing
 * else retries; nothing here logs headers or bodies.
 *
 * <p>A JSON answer is read whole inside the interceptor, so a connection lost while reading
 * it is retried like any other failure; a streamed answer ({@link GraphCall#streamed()})
 * keeps its concurrency slot until the caller closes the stream. A final failure leaves the
 * interceptor as an {@link IOException} ({@link GraphStatusException} for an HTTP status),
 * which {@link #call} takes back out of the SDK's wrapping.
 */
final class GraphTransport implements Interceptor {

    static final String PREFER_IMMUTABLE_ID = "IdType=\"ImmutableId\"";

    /** One SDK call; the SDK reports failures unchecked, which {@link #call} sorts out. */
    @FunctionalInterface
    interface SdkCall<T> {
        T run() throws IOException;
    }

    private final HttpUrl base;
    private final String user;
    private final ConcurrencyWindow permits;
    private final Ticker ticker;
    private final RetryPolicy retries;
    /** For calls that create something ({@link GraphCall#once()}). */
    private final RetryPolicy once;
    private final GraphServiceClient graph;
    /** The SDK client's connections and threads with only this interceptor: for the body downloads. */
    private final OkHttpClient direct;
    private final Object pauseLock = new Object();
    private boolean paused;
    private long pauseUntilNanos;

    GraphTransport(String graphEndpoint, String user, AccessTokenSource tokens, GraphOptions options) {
        String root = graphEndpoint.endsWith("/") ? graphEndpoint.substring(0, graphEndpoint.length() - 1)
                : graphEndpoint;
        HttpUrl parsed = HttpUrl.parse(root + "/v1.0");
        if (parsed == null) {
            throw new IllegalArgumentException("graph_endpoint is not an http(s) URL: " + graphEndpoint);
        }
        if (!parsed.encodedPath().equals("/v1.0")) {
            // The SDK's $batch writes each part's URL relative to the version segment.
            throw new IllegalArgumentException("graph_endpoint must be a bare scheme://host[:port], without a path: "
                    + graphEndpoint);
        }
        this.base = parsed;
        this.user = user;
        this.permits = new ConcurrencyWindow(options.maxConcurrency());
        this.ticker = options.ticker();
        this.retries = new RetryPolicy("Office365", user, tokens, GraphRetry.INSTANCE, ticker, options.jitter());
        this.once = new RetryPolicy("Office365", user, tokens, GraphRetry::once, ticker, options.jitter());
        OkHttpClient.Builder b = new OkHttpClient.Builder()
                .connectTimeout(options.connectTimeout())
                .readTimeout(options.readTimeout())
                .writeTimeout(options.readTimeout())
                .retryOnConnectionFailure(false)
                .followRedirects(false)
                .followSslRedirects(false)
                // The SDK's me() builds /users/me-token-to-replace/...; this handler makes it /me/...
                .addInterceptor(new UrlReplaceHandler(new UrlReplaceHandlerOption(
                        CoreConstants.ReplacementConstants.getDefaultReplacementPairs())))
                .addInterceptor(new ParametersNameDecodingHandler())
                .addInterceptor(new GraphTelemetryHandler(new GraphClientOption()))
                .addInterceptor(this);
        if (options.sslSocketFactory() != null) {
            b.sslSocketFactory(options.sslSocketFactory(), options.trustManager());
        }
        OkHttpClient client = b.build();
        this.graph = new GraphServiceClient(new AnonymousAuthenticationProvider(), client);
        this.graph.getRequestAdapter().setBaseUrl(base.toString());
        OkHttpClient.Builder plain = client.newBuilder();
        plain.interceptors().clear();
        this.direct = plain.addInterceptor(this).build();
    }

    /**
     * A message's MIME ({@code GET /me/messages/{id}/$value}) as a stream, closed by the caller.
     * The request goes straight to this interceptor, not through the SDK's request adapter: the
     * same URL, token, retries and concurrency, without the adapter's URL template, middleware
     * and tracing, which cost about as much CPU per message as the download itself
     * (bench/README, "The launcher's heap ratios at a start, and the downloads' CPU").
     */
    InputStream messageContent(String call, String id) throws IOException, InterruptedException {
        HttpUrl url = base.newBuilder().addPathSegment("me").addPathSegment("messages")
                .addEncodedPathSegment(pathSegment(id)).addPathSegment("$value").build();
        Request request = new Request.Builder().url(url).tag(GraphCall.class, GraphCall.streamed(call)).build();
        Response response;
        try {
            response = direct.newCall(request).execute();
        } catch (IOException e) {
            throw orInterrupt(call, e);
        } catch (RuntimeException e) { // as call() reports what the SDK path threw unchecked
            throw new MalformedGraphResponse(call, describe(e), e);
        }
        ResponseBody body = response.body();
        if (body == null || response.code() == 204) {
            response.close();
            throw new MalformedGraphResponse(call, "empty body");
        }
        return body.byteStream();
    }

    /**
     * {@code s} as one path segment, every byte but letters, digits and {@code - . _ *}
     * percent-encoded: as the SDK's URI templates write a message id.
     */
    static String pathSegment(String s) {
        StringBuilder out = new StringBuilder(s.length() + 8);
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xFF;
            if (c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.'
                    || c == '_' || c == '*') {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
            }
        }
        return out.toString();
    }

    /** The SDK client; its requests run through this transport. */
    GraphServiceClient graph() {
        return graph;
    }

    String user() {
        return user;
    }

    /** A request configuration that names the call (a JSON answer, read whole). */
    static <C extends BaseRequestConfiguration> Consumer<C> named(String call) {
        return rc -> rc.options.add(GraphCall.json(call));
    }

    /** A URL handed out by Graph (nextLink, deltaLink), accepted only on the configured host. */
    String sameHost(String call, String link) throws MalformedGraphResponse {
        HttpUrl u = link == null ? null : HttpUrl.parse(link);
        if (u == null || !u.scheme().equals(base.scheme()) || !u.host().equalsIgnoreCase(base.host())
                || u.port() != base.port()) {
            throw new MalformedGraphResponse(call, "a link that is not on " + base.scheme() + "://" + base.host()
                    + ":" + base.port());
        }
        return link;
    }

    /**
     * Runs one SDK call named {@code call}: what the interceptor threw comes back out as it
     * was (an interrupt as {@link InterruptedException}), an answer the SDK could not read or
     * an empty one is a {@link MalformedGraphResponse}.
     */
    <T> T call(String call, SdkCall<T> sdk) throws IOException, InterruptedException {
        T result;
        try {
            result = sdk.run();
        } catch (RuntimeException e) {
            throw unwrap(call, e);
        }
        if (result == null) {
            throw new MalformedGraphResponse(call, "empty body");
        }
        return result;
    }

    /** Reads an answer the SDK has already fetched; the SDK's parsers fail unchecked. */
    static <T> T parse(String call, SdkCall<T> read) throws IOException {
        try {
            return read.run();
        } catch (RuntimeException e) {
            throw new MalformedGraphResponse(call, describe(e), e);
        }
    }

    private IOException unwrap(String call, RuntimeException e) throws InterruptedException {
        // The Kiota adapter wraps what the HTTP client threw in a bare RuntimeException; all of
        // that comes from this interceptor and is already phrased for the user.
        if (e.getClass() == RuntimeException.class && e.getCause() instanceof IOException io) {
            return orInterrupt(call, io);
        }
        if (e instanceof ApiException api && api.getResponseStatusCode() > 0) {
            // Not expected: the interceptor answers every failed status itself.
            return new GraphStatusException("Office365 " + call + " for " + user + " failed: HTTP "
                    + api.getResponseStatusCode(), api.getResponseStatusCode(), null);
        }
        return new MalformedGraphResponse(call, describe(e), e);
    }

    /** {@code io}, or an {@link InterruptedException} when it is this thread's interrupt. */
    private static IOException orInterrupt(String call, IOException io) throws InterruptedException {
        if (io instanceof InterruptedIOException && Thread.currentThread().isInterrupted()) {
            InterruptedException ie = new InterruptedException("interrupted during Office365 " + call);
            ie.initCause(io);
            throw ie;
        }
        return io;
    }

    private static String describe(RuntimeException e) {
        String m = e.getMessage();
        if (m == null) {
            return e.getClass().getSimpleName();
        }
        return e.getClass().getSimpleName() + ": " + (m.length() > 200 ? m.substring(0, 200) + "..." : m);
    }

    @Override
    public Response intercept(Chain chain) throws IOException {
        Request original = chain.request();
        GraphCall tag = original.tag(GraphCall.class);
        String call = tag != null ? tag.name() : nameOf(original);
        try {
            return execute(chain, call, replayable(original), tag != null && tag.streamed(), tag != null && tag.once());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            InterruptedIOException io = new InterruptedIOException("interrupted during Office365 " + call);
            io.initCause(e);
            throw io;
        }
    }

    /** A call the SDK made without naming it: {@code $batch}, or its method and path. */
    private static String nameOf(Request r) {
        String path = r.url().encodedPath();
        return path.endsWith("/$batch") ? "$batch" : r.method() + " " + path;
    }

    /** The request with its body held in memory, so every attempt can send it again. */
    private static Request replayable(Request r) throws IOException {
        RequestBody body = r.body();
        if (body == null) {
            return r;
        }
        Buffer buffer = new Buffer();
        body.writeTo(buffer);
        MediaType type = body.contentType();
        return r.newBuilder().method(r.method(), RequestBody.create(buffer.readByteArray(), type)).build();
    }

    /**
     * Sends {@code request} (named {@code call} in errors and logs) through the shared
     * {@link RetryPolicy} until it succeeds or a failure is final. A JSON answer is read whole
     * within the attempt; a streamed one is handed on with its concurrency slot, released when
     * the stream is closed.
     */
    private Response execute(Chain chain, String call, Request request, boolean streamed, boolean onlyOnce)
            throws IOException, InterruptedException {
        String prefer = String.join(", ", request.headers("Prefer"));
        Request.Builder builder = request.newBuilder()
                .header("Prefer", prefer.isEmpty() ? PREFER_IMMUTABLE_ID : PREFER_IMMUTABLE_ID + ", " + prefer);
        Throttling pace = new Throttling();
        try {
            return (onlyOnce ? once : retries).run(call, pace, token -> {
                pace.acquire();
                return attempt(chain, call, builder.header("Authorization", "Bearer " + token).build(), streamed);
            });
        } finally {
            pace.cancel();
        }
    }

    /** One attempt, holding a concurrency slot: the answer when 2xx, else a {@link GraphStatusException}. */
    private Response attempt(Chain chain, String call, Request r, boolean streamed) throws IOException {
        boolean succeeded = false;
        boolean handedOn = false;
        Response response = null;
        try {
            response = chain.proceed(r);
            int status = response.code();
            if (status < 200 || status >= 300) {
                throw GraphRetry.failure(call, user, response);
            }
            ResponseBody body = response.body();
            if (streamed && body != null) {
                Response out = response.newBuilder().body(new ReleasingBody(body, permits)).build();
                handedOn = true;
                return out;
            }
            byte[] bytes = body == null ? new byte[0] : body.bytes();
            succeeded = true;
            return response.newBuilder()
                    .body(ResponseBody.create(bytes, body == null ? null : body.contentType())).build();
        } finally {
            if (!handedOn) {
                if (response != null) {
                    response.close();
                }
                permits.release(succeeded);
            }
        }
    }

    /**
     * The pacing of one call. When Graph asks to wait ({@code Retry-After}), every request of
     * this mailbox holds back, not only this one: the wait itself happens in {@link #awaitPause}
     * before the next attempt, and the mailbox then resumes with one request at a time, widening
     * as requests succeed, the throttled requests going before any new one.
     */
    private final class Throttling implements RetryPolicy.Pacing {
        private boolean owesRetry;

        @Override
        public void beforeAttempt() throws InterruptedException {
            awaitPause();
        }

        @Override
        public boolean holdBack(Duration wait) {
            permits.throttled();
            owesRetry = true;
            pauseFor(wait);
            return true;
        }

        void acquire() throws InterruptedException {
            if (owesRetry) {
                permits.acquireRetry();
                owesRetry = false;
            } else {
                permits.acquire();
            }
        }

        void cancel() {
            if (owesRetry) {
                permits.cancelRetry();
            }
        }
    }

    /** Holds back every request of this mailbox until {@code d} from now. */
    void pauseFor(Duration d) {
        synchronized (pauseLock) {
            long until = ticker.nanoTime() + d.toNanos();
            if (!paused || until - pauseUntilNanos > 0) {
                pauseUntilNanos = until;
                paused = true;
            }
        }
    }

    private void awaitPause() throws InterruptedException {
        long remaining;
        synchronized (pauseLock) {
            if (!paused) {
                return;
            }
            remaining = pauseUntilNanos - ticker.nanoTime();
            if (remaining <= 0) {
                paused = false;
                return;
            }
        }
        ticker.sleep(Duration.ofNanos(remaining));
    }

    /** The wait before a request's retry number {@code attempt} when Graph asked for none. */
    Duration backoff(int attempt) {
        return retries.backoff(attempt);
    }

    /** The wall clock and sleeping of this mailbox. */
    Ticker ticker() {
        return ticker;
    }
}
