package dev.cms.provider.graph;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.cms.auth.AccessTokenSource;
import dev.cms.provider.AuthenticationRequiredException;
import dev.cms.provider.RetryTiming;
import dev.cms.provider.Sleeper;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.LongSupplier;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs every Graph request of one mailbox: at most {@code maxConcurrency} in flight, the
 * bearer token from the {@link AccessTokenSource} (refreshed once on 401), {@code Prefer:
 * IdType="ImmutableId"} on every request (an OkHttp interceptor), 429/503 waits as long as
 * {@code Retry-After} says (and holds back this mailbox's other requests meanwhile), 5xx and
 * dropped connections back off exponentially with jitter. OkHttp's own silent retries and
 * redirects are off, so this is the only place that decides; nothing here logs headers or
 * bodies.
 */
final class GraphTransport {
    private static final Logger log = LoggerFactory.getLogger(GraphTransport.class);

    static final int MAX_ATTEMPTS = 6;
    static final Duration BACKOFF_BASE = Duration.ofSeconds(1);
    static final Duration BACKOFF_CAP = Duration.ofMinutes(5);
    /** Outlook's throttling window is 10 minutes: no honest Retry-After asks for more. */
    static final Duration RETRY_AFTER_CAP = Duration.ofMinutes(10);
    static final String PREFER_IMMUTABLE_ID = "IdType=\"ImmutableId\"";
    static final MediaType JSON = MediaType.get("application/json");
    private static final int ERROR_PEEK_BYTES = 8192;

    /** Reads a 2xx response; runs while the request's concurrency permit is held. */
    @FunctionalInterface
    interface ResponseReader<T> {
        T read(Response response) throws IOException, InterruptedException;
    }

    private final OkHttpClient http;
    private final HttpUrl base;
    private final String user;
    private final AccessTokenSource tokens;
    private final ConcurrencyWindow permits;
    private final Sleeper sleeper;
    private final Random jitter;
    private final Clock clock;
    private final LongSupplier nanoTime;
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
                .addInterceptor(chain -> {
                    Request r = chain.request();
                    String prefer = r.header("Prefer");
                    String value = prefer == null ? PREFER_IMMUTABLE_ID : PREFER_IMMUTABLE_ID + ", " + prefer;
                    return chain.proceed(r.newBuilder().header("Prefer", value).build());
                });
        if (options.sslSocketFactory() != null) {
            b.sslSocketFactory(options.sslSocketFactory(), options.trustManager());
        }
        this.http = b.build();
    }

    /** The API root, e.g. {@code https://graph.microsoft.com/v1.0}. */
    HttpUrl base() {
        return base;
    }

    String user() {
        return user;
    }

    /** A URL handed out by Graph (nextLink, deltaLink), accepted only on the configured host. */
    HttpUrl sameHost(String call, String link) throws IOException {
        HttpUrl u = link == null ? null : HttpUrl.parse(link);
        if (u == null || !u.scheme().equals(base.scheme()) || !u.host().equalsIgnoreCase(base.host())
                || u.port() != base.port()) {
            throw new MalformedGraphResponse(call, "a link that is not on " + base.scheme() + "://" + base.host()
                    + ":" + base.port());
        }
        return u;
    }

    JsonObject getJson(String call, HttpUrl url, Map<String, String> headers)
            throws IOException, InterruptedException {
        Request.Builder b = new Request.Builder().url(url).get();
        headers.forEach(b::header);
        return parseObject(call, execute(call, b, r -> r.body() == null ? new byte[0] : r.body().bytes(), true));
    }

    JsonObject postJson(String call, HttpUrl url, JsonElement body) throws IOException, InterruptedException {
        Request.Builder b = new Request.Builder().url(url)
                .post(RequestBody.create(body.toString(), JSON));
        return parseObject(call, execute(call, b, r -> r.body() == null ? new byte[0] : r.body().bytes(), true));
    }

    static JsonObject parseObject(String call, byte[] body) throws MalformedGraphResponse {
        if (body.length == 0) {
            throw new MalformedGraphResponse(call, "empty body");
        }
        try {
            JsonElement e = JsonParser.parseString(new String(body, StandardCharsets.UTF_8));
            if (!e.isJsonObject()) {
                throw new MalformedGraphResponse(call, "not a JSON object");
            }
            return e.getAsJsonObject();
        } catch (RuntimeException e) {
            throw new MalformedGraphResponse(call, e.getClass().getSimpleName(), e);
        }
    }

    /**
     * Sends {@code request} (named {@code call} in errors and logs) until it succeeds or a
     * failure is final, and hands the 2xx response to {@code reader}. With {@code retryBody}
     * a connection failure while the reader reads counts as a failed attempt; without it
     * (streamed bodies already handed on) it is thrown as it is.
     */
    <T> T execute(String call, Request.Builder request, ResponseReader<T> reader, boolean retryBody)
            throws IOException, InterruptedException {
        boolean forceRefresh = false;
        boolean refreshed = false;
        int attempt = 0;
        while (true) {
            attempt++;
            awaitPause();
            String token = tokens.accessToken(forceRefresh);
            forceRefresh = false;
            Request r = request.header("Authorization", "Bearer " + token).build();
            int status;
            String retryAfter;
            String detail;
            String code;
            IOException failure = null;
            boolean succeeded = false;
            permits.acquire();
            try (Response response = http.newCall(r).execute()) {
                status = response.code();
                if (status >= 200 && status < 300) {
                    try {
                        T result = reader.read(response);
                        succeeded = true;
                        return result;
                    } catch (MalformedGraphResponse e) {
                        throw new FinalFailure(e);
                    } catch (IOException e) {
                        if (!retryBody) {
                            throw new FinalFailure(e);
                        }
                        throw e;
                    }
                }
                retryAfter = response.header("Retry-After");
                String[] err = errorOf(response);
                code = err[0];
                detail = err[1];
            } catch (FinalFailure e) {
                throw (IOException) e.getCause();
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
                permits.release(succeeded);
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
                    forceRefresh = true;
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
                // then resumes with one request at a time, widening as requests succeed.
                permits.throttled();
                pauseFor(wait);
            } else {
                sleeper.sleep(wait);
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
    private static String[] errorOf(Response response) {
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

    private static String describe(String code, String message) {
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

    /** Carries a failure out of the try block that must not be retried. */
    private static final class FinalFailure extends IOException {
        private static final long serialVersionUID = 1L;

        FinalFailure(IOException cause) {
            super(cause);
        }
    }
}
