package dev.cms.provider.gmail;

import com.google.api.client.googleapis.json.GoogleJsonError;
import com.google.api.client.googleapis.json.GoogleJsonResponseException;
import com.google.api.client.googleapis.services.AbstractGoogleClientRequest;
import com.google.api.client.http.HttpHeaders;
import com.google.api.client.http.HttpRequestInitializer;
import com.google.api.client.http.HttpResponse;
import com.google.api.client.http.HttpResponseException;
import com.google.api.client.http.javanet.NetHttpTransport;
import com.google.api.client.json.gson.GsonFactory;
import com.google.api.services.gmail.Gmail;
import dev.cms.auth.AccessTokenSource;
import dev.cms.provider.AuthenticationRequiredException;
import dev.cms.provider.RetryTiming;
import dev.cms.provider.Sleeper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Random;
import java.util.function.LongSupplier;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs Gmail calls: charges the quota, sets the bearer token, retries throttling, server
 * errors and dropped connections with backoff, refreshes the token once on 401, and parses
 * the answer. The Google client's own retries and logging are switched off so that this is
 * the only place that decides.
 */
final class GmailTransport {
    private static final Logger log = LoggerFactory.getLogger(GmailTransport.class);

    static final int MAX_ATTEMPTS = 6;
    static final Duration BACKOFF_BASE = Duration.ofSeconds(1);
    static final Duration BACKOFF_CAP = Duration.ofMinutes(5);

    private final Gmail gmail;
    private final String user;
    private final AccessTokenSource tokens;
    private final QuotaLimiter limiter;
    private final Sleeper sleeper;
    private final Random jitter;
    private final Clock clock;
    private final String root;

    GmailTransport(String apiEndpoint, String user, AccessTokenSource tokens, GmailOptions options, Clock clock,
                   LongSupplier nanoTime) {
        this.user = user;
        this.tokens = tokens;
        this.sleeper = options.sleeper();
        this.jitter = options.jitter();
        this.clock = clock;
        this.limiter = new QuotaLimiter(options.quotaUnitsPerSecond(), nanoTime, options.sleeper());
        int connectMs = (int) options.connectTimeout().toMillis();
        int readMs = (int) options.readTimeout().toMillis();
        HttpRequestInitializer init = request -> {
            request.setConnectTimeout(connectMs);
            request.setReadTimeout(readMs);
            request.setNumberOfRetries(0);
            request.setUnsuccessfulResponseHandler(null);
            request.setIOExceptionHandler(null);
            request.setLoggingEnabled(false);
            request.setCurlLoggingEnabled(false);
        };
        this.root = apiEndpoint.endsWith("/") ? apiEndpoint : apiEndpoint + "/";
        // The v1-rev20250331-2.0.0 client carries "gmail/v1/users/{userId}/..." in each
        // method's path, so the service path is empty; batches would go to batch/gmail/v1.
        this.gmail = new Gmail.Builder(new NetHttpTransport(), GsonFactory.getDefaultInstance(), init)
                .setRootUrl(root)
                .setServicePath("")
                .setBatchPath("batch/gmail/v1")
                .setApplicationName("cloud-mdir-sync")
                .build();
    }

    Gmail gmail() {
        return gmail;
    }

    /** The API root URL, ending in {@code /}. */
    String rootUrl() {
        return root;
    }

    String user() {
        return user;
    }

    /** Charges {@code units} of quota for a call made outside {@link #execute}. */
    void charge(int units) throws InterruptedException {
        limiter.acquire(units);
    }

    /**
     * An access token; never log it. With {@code rejected} (a token Gmail answered 401 to), one to
     * use instead, refreshed once for all requests refused that token.
     */
    String accessToken(String rejected) throws IOException, InterruptedException {
        return rejected == null ? tokens.accessToken(false) : tokens.replaceRejected(rejected);
    }

    /**
     * Executes {@code request} (named {@code call} in errors and logs, costing {@code units}
     * of quota per attempt) and parses its answer as {@code type}; {@code Void} for calls
     * whose answer is empty.
     */
    <T> T execute(String call, int units, AbstractGoogleClientRequest<?> request, Class<T> type)
            throws IOException, InterruptedException {
        return execute(call, units, request, in -> parse(call, in == null ? new byte[0] : in.readAllBytes(), type));
    }

    /** Reads a 2xx answer's body while the response is open; {@code in} is null when there is none. */
    @FunctionalInterface
    interface AnswerReader<T> {
        T read(InputStream in) throws IOException;
    }

    /**
     * Like {@link #execute(String, int, AbstractGoogleClientRequest, Class)}, with the answer
     * read by {@code reader} as it arrives (so a large answer is never held whole). An
     * {@link IOException} from the reader is retried like a dropped connection, except a
     * {@link MalformedGmailResponse}; an unchecked exception ends the call at once.
     */
    <T> T execute(String call, int units, AbstractGoogleClientRequest<?> request, AnswerReader<T> reader)
            throws IOException, InterruptedException {
        request.setDisableGZipContent(true);
        String rejected = null;
        boolean refreshed = false;
        int attempt = 0;
        while (true) {
            attempt++;
            limiter.acquire(units);
            String token = accessToken(rejected);
            rejected = null;
            request.setRequestHeaders(new HttpHeaders().setAuthorization("Bearer " + token));
            Duration wait;
            IOException failure;
            try {
                return executeAndRead(call, request, reader);
            } catch (HttpResponseException e) {
                int status = e.getStatusCode();
                if (status == 401) {
                    if (refreshed) {
                        throw new AuthenticationRequiredException(
                                "Gmail refused the credentials for " + user + "; a new login is needed");
                    }
                    log.info("Gmail {} for {}: HTTP 401, refreshing the access token", call, user);
                    refreshed = true;
                    rejected = token;
                    attempt--;
                    continue;
                }
                failure = e;
                if (isThrottled(e) || status == 500 || status == 502 || status == 503 || status == 504) {
                    wait = waitFor(e, attempt);
                } else {
                    throw new GmailStatusException("Gmail " + call + " for " + user + " failed: HTTP " + status
                            + describe(e), status, e);
                }
            } catch (SSLException e) {
                throw e;
            } catch (MalformedGmailResponse e) {
                throw e;
            } catch (IOException e) {
                failure = e;
                wait = backoff(attempt);
            }
            if (attempt >= MAX_ATTEMPTS) {
                throw new IOException("Gmail " + call + " for " + user + " failed after " + attempt
                        + " attempts: " + summary(failure), failure);
            }
            log.info("Gmail {} for {} failed ({}); retrying in {} ms (attempt {} of {})",
                    call, user, summary(failure), wait.toMillis(), attempt + 1, MAX_ATTEMPTS);
            sleeper.sleep(wait);
        }
    }

    private Duration waitFor(HttpResponseException e, int attempt) {
        Optional<Duration> asked = retryAfter(e.getHeaders(), clock.instant());
        return asked.isPresent() ? asked.get() : backoff(attempt);
    }

    private static <T> T executeAndRead(String call, AbstractGoogleClientRequest<?> request, AnswerReader<T> reader)
            throws IOException {
        HttpResponse response;
        try {
            response = request.executeUnparsed();
        } catch (RuntimeException e) {
            // The client library failed on an odd answer (an error body it could not parse).
            throw new MalformedGmailResponse(call, unreadable(e), e);
        }
        try (InputStream in = response.getContent()) {
            return reader.read(in);
        } finally {
            response.disconnect();
        }
    }

    private static <T> T parse(String call, byte[] body, Class<T> type) throws MalformedGmailResponse {
        if (type == Void.class) {
            // Calls such as batchModify answer 204 with no body; anything else (a proxy's HTML
            // page, a JSON error with a 2xx status) means the change may never have been made.
            if (!isBlank(body)) {
                throw new MalformedGmailResponse(call, "expected an empty answer, got " + kindOf(body));
            }
            return null;
        }
        if (body.length == 0) {
            throw new MalformedGmailResponse(call, "empty body");
        }
        if (type == com.google.api.services.gmail.model.Message.class) {
            return type.cast(parseRawMessage(call, body));
        }
        try {
            T value = GsonFactory.getDefaultInstance()
                    .createJsonParser(new ByteArrayInputStream(body), StandardCharsets.UTF_8)
                    .parseAndClose(type);
            if (value == null) {
                throw new MalformedGmailResponse(call, "no JSON object");
            }
            return value;
        } catch (MalformedGmailResponse e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // Gson reports truncation as EOFException, wrong types as IllegalArgumentException.
            throw new MalformedGmailResponse(call, unreadable(e), e);
        }
    }

    private static boolean isBlank(byte[] body) {
        for (byte b : body) {
            if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
                return false;
            }
        }
        return true;
    }

    /** What an unexpected body looks like, in words; the body itself is never quoted. */
    static String kindOf(byte[] body) {
        String head = new String(body, 0, Math.min(body.length, 64), StandardCharsets.ISO_8859_1).strip()
                .toLowerCase(java.util.Locale.ROOT);
        String what = head.startsWith("<!doctype html") || head.startsWith("<html") ? "an HTML page"
                : head.startsWith("{\"error\"") ? "a JSON error"
                : head.startsWith("{") || head.startsWith("[") ? "a JSON body"
                : "a body";
        return what + " of " + body.length + " bytes";
    }

    /**
     * Reads a {@code messages.get?format=raw} answer with Gson's streaming reader. The
     * client library's parser lower-cases every string value it reads, which for the
     * base64 body of every message was the largest CPU cost of a Gmail download.
     */
    static com.google.api.services.gmail.model.Message parseRawMessage(String call, byte[] body)
            throws MalformedGmailResponse {
        com.google.api.services.gmail.model.Message m = new com.google.api.services.gmail.model.Message();
        try (com.google.gson.stream.JsonReader r = new com.google.gson.stream.JsonReader(
                new java.io.InputStreamReader(new ByteArrayInputStream(body), StandardCharsets.UTF_8))) {
            r.beginObject();
            while (r.hasNext()) {
                String name = r.nextName();
                if (r.peek() == com.google.gson.stream.JsonToken.NULL) {
                    r.nextNull();
                    continue;
                }
                switch (name) {
                    case "id" -> m.setId(r.nextString());
                    case "threadId" -> m.setThreadId(r.nextString());
                    case "raw" -> m.setRaw(r.nextString());
                    case "internalDate" -> m.setInternalDate(Long.parseLong(r.nextString()));
                    case "historyId" -> m.setHistoryId(new java.math.BigInteger(r.nextString()));
                    case "labelIds" -> {
                        java.util.List<String> labels = new java.util.ArrayList<>();
                        r.beginArray();
                        while (r.hasNext()) {
                            labels.add(r.nextString());
                        }
                        r.endArray();
                        m.setLabelIds(labels);
                    }
                    default -> r.skipValue();
                }
            }
            r.endObject();
            return m;
        } catch (IOException | RuntimeException e) {
            // Truncation is an EOFException, wrong shapes IllegalStateException, bad numbers NumberFormatException.
            throw new MalformedGmailResponse(call, unreadable(e), e);
        }
    }

    /** 429, or 403 with reason rateLimitExceeded / userRateLimitExceeded. */
    static boolean isThrottled(HttpResponseException e) {
        if (e.getStatusCode() == 429) {
            return true;
        }
        if (e.getStatusCode() != 403 || !(e instanceof GoogleJsonResponseException)) {
            return false;
        }
        GoogleJsonError details = ((GoogleJsonResponseException) e).getDetails();
        if (details == null || details.getErrors() == null) {
            return false;
        }
        for (GoogleJsonError.ErrorInfo info : details.getErrors()) {
            String reason = info.getReason();
            if ("rateLimitExceeded".equals(reason) || "userRateLimitExceeded".equals(reason)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The wait a {@code Retry-After} header asks for (delta seconds or an HTTP date), capped
     * at {@link #BACKOFF_CAP}; empty when there is no usable header.
     */
    static Optional<Duration> retryAfter(HttpHeaders headers, Instant now) {
        String value = headers == null ? null : headers.getFirstHeaderStringValue("Retry-After");
        return RetryTiming.retryAfter(value, now, BACKOFF_CAP);
    }

    /** Exponential backoff with jitter: base 2^(attempt-1), capped, times a factor in [0.5, 1). */
    Duration backoff(int attempt) {
        return RetryTiming.backoff(attempt, BACKOFF_BASE, BACKOFF_CAP, jitter);
    }

    private static String describe(HttpResponseException e) {
        if (e instanceof GoogleJsonResponseException) {
            GoogleJsonError details = ((GoogleJsonResponseException) e).getDetails();
            if (details != null && details.getMessage() != null) {
                return " (" + details.getMessage() + ")";
            }
        }
        return e.getStatusMessage() == null ? "" : " (" + e.getStatusMessage() + ")";
    }

    private static String summary(IOException e) {
        if (e instanceof HttpResponseException) {
            HttpResponseException h = (HttpResponseException) e;
            return "HTTP " + h.getStatusCode() + describe(h);
        }
        return inWords(e);
    }

    /** A network failure in words, without Java class names (the exception stays the cause). */
    static String inWords(IOException e) {
        String m = e.getMessage();
        if (e instanceof java.net.SocketTimeoutException) {
            return "no answer in time (" + (m == null ? "timed out" : m) + ")";
        }
        if (e instanceof java.net.ConnectException) {
            return "cannot connect" + (m == null ? "" : " (" + m + ")");
        }
        if (e instanceof java.net.UnknownHostException) {
            return "unknown host " + m;
        }
        if (e instanceof java.io.EOFException || e instanceof java.net.SocketException) {
            return "the connection broke off" + (m == null ? "" : " (" + m + ")");
        }
        return m == null || m.isBlank() ? "a network error" : m;
    }

    /** Why an answer could not be read, in words: truncated, or not the JSON expected. */
    static String unreadable(Throwable e) {
        return e instanceof java.io.EOFException ? "the answer ended early" : "the answer is not the JSON expected";
    }

    /** Gmail answered 2xx with a body we cannot use; retrying the same call would not help. */
    static final class MalformedGmailResponse extends IOException {
        private static final long serialVersionUID = 1L;

        MalformedGmailResponse(String call, String detail) {
            super("malformed Gmail response to " + call + ": " + detail);
        }

        MalformedGmailResponse(String call, String detail, Throwable cause) {
            super("malformed Gmail response to " + call + ": " + detail, cause);
        }
    }
}
