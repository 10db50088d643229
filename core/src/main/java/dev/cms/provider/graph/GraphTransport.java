package dev.cms.provider.graph;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
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
import dev.cms.auth.AccessTokenSource;
import dev.cms.provider.AuthenticationRequiredException;
import dev.cms.provider.RetryTiming;
import dev.cms.provider.Sleeper;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.Buffer;
import okio.BufferedSource;
import okio.ForwardingSource;
import okio.Okio;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Microsoft Graph SDK client of one mailbox, and the OkHttp interceptor under it that
 * decides every retry. The SDK builds the requests and reads the answers; this interceptor,
 * last in the client's chain, adds the bearer token from the {@link AccessTokenSource}
 * (refreshed once on 401) and {@code Prefer: IdType="ImmutableId"}, keeps at most {@code
 * maxConcurrency} requests of the mailbox in flight, waits as long as {@code Retry-After}
 * says on 429/503 (holding back the mailbox's other requests meanwhile), and backs off
 * exponentially with jitter on 5xx and dropped connections. The SDK's own retry and
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
    private static final Logger log = LoggerFactory.getLogger(GraphTransport.class);

    static final int MAX_ATTEMPTS = 6;
    static final Duration BACKOFF_BASE = Duration.ofSeconds(1);
    static final Duration BACKOFF_CAP = Duration.ofMinutes(5);
    /** Outlook's throttling window is 10 minutes: no honest Retry-After asks for more. */
    static final Duration RETRY_AFTER_CAP = Duration.ofMinutes(10);
    static final String PREFER_IMMUTABLE_ID = "IdType=\"ImmutableId\"";
    private static final int ERROR_PEEK_BYTES = 8192;

    /** One SDK call; the SDK reports failures unchecked, which {@link #call} sorts out. */
    @FunctionalInterface
    interface SdkCall<T> {
        T run() throws IOException;
    }

    private final HttpUrl base;
    private final String user;
    private final AccessTokenSource tokens;
    private final ConcurrencyWindow permits;
    private final Sleeper sleeper;
    private final Random jitter;
    private final Clock clock;
    private final LongSupplier nanoTime;
    private final GraphServiceClient graph;
    private final Object pauseLock = new Object();
    private boolean paused;
    private long pauseUntilNanos;

    GraphTransport(String graphEndpoint, String user, AccessTokenSource tokens, GraphOptions options, Clock clock,
                   LongSupplier nanoTime) {
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
        this.tokens = tokens;
        this.permits = new ConcurrencyWindow(options.maxConcurrency());
        this.sleeper = options.sleeper();
        this.jitter = options.jitter();
        this.clock = clock;
        this.nanoTime = nanoTime;
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
        this.graph = new GraphServiceClient(new AnonymousAuthenticationProvider(), b.build());
        this.graph.getRequestAdapter().setBaseUrl(base.toString());
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
            if (io instanceof InterruptedIOException && Thread.currentThread().isInterrupted()) {
                InterruptedException ie = new InterruptedException("interrupted during Office365 " + call);
                ie.initCause(io);
                throw ie;
            }
            return io;
        }
        if (e instanceof ApiException api && api.getResponseStatusCode() > 0) {
            // Not expected: the interceptor answers every failed status itself.
            return new GraphStatusException("Office365 " + call + " for " + user + " failed: HTTP "
                    + api.getResponseStatusCode(), api.getResponseStatusCode(), null);
        }
        return new MalformedGraphResponse(call, describe(e), e);
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
            return execute(chain, call, replayable(original), tag != null && tag.streamed());
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
     * Sends {@code request} (named {@code call} in errors and logs) until it succeeds or a
     * failure is final. A JSON answer is read whole within the attempt; a streamed one is
     * handed on with its concurrency slot, released when the stream is closed.
     */
    private Response execute(Chain chain, String call, Request request, boolean streamed)
            throws IOException, InterruptedException {
        String prefer = String.join(", ", request.headers("Prefer"));
        Request.Builder builder = request.newBuilder()
                .header("Prefer", prefer.isEmpty() ? PREFER_IMMUTABLE_ID : PREFER_IMMUTABLE_ID + ", " + prefer);
        String rejected = null;
        boolean refreshed = false;
        int attempt = 0;
        boolean owesRetry = false;
        try {
            while (true) {
                attempt++;
                awaitPause();
                // After a 401: the token another request already got in its place, or one refresh.
                String token = rejected == null ? tokens.accessToken(false) : tokens.replaceRejected(rejected);
                rejected = null;
                Request r = builder.header("Authorization", "Bearer " + token).build();
                int status;
                String retryAfter;
                String detail;
                String code;
                IOException failure = null;
                boolean succeeded = false;
                boolean handedOn = false;
                if (owesRetry) {
                    permits.acquireRetry();
                    owesRetry = false;
                } else {
                    permits.acquire();
                }
                Response response = null;
                try {
                    response = chain.proceed(r);
                    status = response.code();
                    if (status >= 200 && status < 300) {
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
                    }
                    retryAfter = response.header("Retry-After");
                    String[] err = errorOf(response);
                    code = err[0];
                    detail = err[1];
                } catch (SSLHandshakeException | SSLPeerUnverifiedException e) {
                    throw new IOException("Office365 " + call + " for " + user + ": TLS failure: " + e.getMessage(), e);
                } catch (IOException e) {
                    if (e instanceof InterruptedIOException && Thread.currentThread().isInterrupted()) {
                        throw new InterruptedException("interrupted during Office365 " + call);
                    }
                    failure = e;
                    status = 0;
                    retryAfter = null;
                    detail = null;
                    code = null;
                } finally {
                    if (!handedOn) {
                        if (response != null) {
                            response.close();
                        }
                        permits.release(succeeded);
                    }
                }
                Duration wait;
                String what;
                boolean throttled = false;
                if (failure != null) {
                    wait = backoff(attempt);
                    what = failure.toString();
                } else {
                    what = "HTTP " + status + describe(code, detail);
                    if (status == 401) {
                        if (refreshed) {
                            throw new AuthenticationRequiredException(
                                    "Office365 refused the credentials for " + user + "; a new login is needed");
                        }
                        log.info("Office365 {} for {}: HTTP 401, refreshing the access token", call, user);
                        refreshed = true;
                        rejected = token;
                        attempt--;
                        continue;
                    }
                    Optional<Duration> asked = status == 429 || status == 503
                            ? retryAfter(retryAfter, clock.instant()) : Optional.empty();
                    if (asked.isPresent()) {
                        wait = asked.get();
                        throttled = true;
                    } else if (status == 429 || status == 500 || status == 502 || status == 503 || status == 504) {
                        wait = backoff(attempt);
                    } else {
                        throw new GraphStatusException("Office365 " + call + " for " + user + " failed: " + what,
                                status, code);
                    }
                }
                if (attempt >= MAX_ATTEMPTS) {
                    throw new IOException("Office365 " + call + " for " + user + " failed after " + attempt
                            + " attempts: " + what, failure);
                }
                log.info("Office365 {} for {} failed ({}); retrying in {} ms (attempt {} of {})",
                        call, user, what, wait.toMillis(), attempt + 1, MAX_ATTEMPTS);
                if (throttled) {
                    // Throttled: every request of this mailbox holds back, not only this one; the
                    // wait itself happens in awaitPause() before the next attempt, and the mailbox
                    // then resumes with one request at a time, widening as requests succeed, and
                    // the throttled requests go before any new one.
                    permits.throttled();
                    owesRetry = true;
                    pauseFor(wait);
                } else {
                    sleeper.sleep(wait);
                }
            }
        } finally {
            if (owesRetry) {
                permits.cancelRetry();
            }
        }
    }

    /** Holds back every request of this mailbox until {@code d} from now. */
    void pauseFor(Duration d) {
        synchronized (pauseLock) {
            long until = nanoTime.getAsLong() + d.toNanos();
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
            remaining = pauseUntilNanos - nanoTime.getAsLong();
            if (remaining <= 0) {
                paused = false;
                return;
            }
        }
        sleeper.sleep(Duration.ofNanos(remaining));
    }

    /** Graph's {@code error.code} and {@code error.message}, either null when absent. */
    static String[] errorOf(Response response) {
        try {
            JsonElement e = JsonParser.parseString(response.peekBody(ERROR_PEEK_BYTES).string());
            if (e.isJsonObject() && e.getAsJsonObject().get("error") instanceof JsonObject) {
                JsonObject err = e.getAsJsonObject().getAsJsonObject("error");
                return new String[] {stringOrNull(err, "code"), stringOrNull(err, "message")};
            }
        } catch (IOException | RuntimeException ignored) {
            // Not a Graph error body: the status alone has to do.
        }
        return new String[] {null, null};
    }

    static String stringOrNull(JsonObject o, String name) {
        JsonElement e = o.get(name);
        return e != null && e.isJsonPrimitive() ? e.getAsString() : null;
    }

    static String describe(String code, String message) {
        if (code == null && message == null) {
            return "";
        }
        String m = message == null ? "" : message.length() > 200 ? message.substring(0, 200) + "..." : message;
        return " (" + (code == null ? "" : code + (m.isEmpty() ? "" : ": ")) + m + ")";
    }

    /**
     * The wait a {@code Retry-After} value asks for (delta seconds or an HTTP date), at most
     * {@link #RETRY_AFTER_CAP}; empty when there is no usable value.
     */
    static Optional<Duration> retryAfter(String value, Instant now) {
        return RetryTiming.retryAfter(value, now, RETRY_AFTER_CAP);
    }

    /** Exponential backoff with jitter: 2^(attempt-1) seconds, capped, times a factor in [0.5, 1). */
    Duration backoff(int attempt) {
        return RetryTiming.backoff(attempt, BACKOFF_BASE, BACKOFF_CAP, jitter);
    }

    /** A streamed answer's body that gives its concurrency slot back when it is closed. */
    private static final class ReleasingBody extends ResponseBody {
        private final ResponseBody delegate;
        private final BufferedSource source;

        ReleasingBody(ResponseBody delegate, ConcurrencyWindow permits) {
            this.delegate = delegate;
            AtomicBoolean released = new AtomicBoolean();
            this.source = Okio.buffer(new ForwardingSource(delegate.source()) {
                @Override
                public void close() throws IOException {
                    try {
                        super.close();
                    } finally {
                        if (released.compareAndSet(false, true)) {
                            permits.release(true);
                        }
                    }
                }
            });
        }

        @Override
        public MediaType contentType() {
            return delegate.contentType();
        }

        @Override
        public long contentLength() {
            return delegate.contentLength();
        }

        @Override
        public BufferedSource source() {
            return source;
        }
    }
}
