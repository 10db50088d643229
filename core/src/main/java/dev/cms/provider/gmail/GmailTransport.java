package dev.cms.provider.gmail;

import com.google.api.client.googleapis.services.AbstractGoogleClientRequest;
import com.google.api.client.http.HttpHeaders;
import com.google.api.client.http.HttpRequestInitializer;
import com.google.api.client.http.HttpResponse;
import com.google.api.client.http.javanet.NetHttpTransport;
import com.google.api.client.json.gson.GsonFactory;
import com.google.api.services.gmail.Gmail;
import dev.cms.provider.AccessTokenSource;
import dev.cms.provider.RetryClassifier;
import dev.cms.provider.RetryPolicy;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * Runs Gmail calls: charges the quota, sets the bearer token, and hands each call to the shared
 * {@link RetryPolicy} with Gmail's {@link GmailRetry} reading of failures (throttling, server
 * errors and dropped connections retried, one token refresh on 401), and parses the answer. The
 * Google client's own retries and logging are switched off so that this is the only place that
 * decides.
 */
final class GmailTransport {
    private final Gmail gmail;
    private final String user;
    private final AccessTokenSource tokens;
    private final QuotaLimiter limiter;
    private final RetryPolicy retries;
    private final GmailOptions options;
    private final String root;

    GmailTransport(String apiEndpoint, String user, AccessTokenSource tokens, GmailOptions options) {
        this.user = user;
        this.tokens = tokens;
        this.options = options;
        this.limiter = new QuotaLimiter(options.quotaUnitsPerSecond(), options.ticker());
        this.retries = new RetryPolicy("Gmail", user, tokens, GmailRetry.INSTANCE,
                options.ticker(), options.jitter());
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

    /** The retry loop of this mailbox, reading failures with {@code classifier} instead of Gmail's. */
    RetryPolicy retries(RetryClassifier classifier) {
        return new RetryPolicy("Gmail", user, tokens, classifier, options.ticker(), options.jitter());
    }

    /** Charges {@code units} of quota for a call made outside {@link #execute}. */
    void charge(int units) throws InterruptedException {
        limiter.acquire(units);
    }

    /** Charges {@code units} of quota before each attempt. */
    RetryPolicy.Pacing charging(int units) {
        return new RetryPolicy.Pacing() {
            @Override
            public void beforeAttempt() throws InterruptedException {
                limiter.acquire(units);
            }
        };
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

    /** Like {@link #execute(String, int, AbstractGoogleClientRequest, Class)}, retried by {@code policy}. */
    <T> T execute(String call, int units, AbstractGoogleClientRequest<?> request, Class<T> type, RetryPolicy policy)
            throws IOException, InterruptedException {
        request.setDisableGZipContent(true);
        return policy.run(call, charging(units), token -> {
            request.setRequestHeaders(new HttpHeaders().setAuthorization("Bearer " + token));
            return executeAndRead(call, request, in -> parse(call, in == null ? new byte[0] : in.readAllBytes(), type));
        });
    }

    /** Reads a 2xx answer's body while the response is open; {@code in} is null when there is none. */
    @FunctionalInterface
    interface AnswerReader<T> {
        T read(@Nullable InputStream in) throws IOException;
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
        return retries.run(call, charging(units), token -> {
            request.setRequestHeaders(new HttpHeaders().setAuthorization("Bearer " + token));
            return executeAndRead(call, request, reader);
        });
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

    // For Void the result is null, which no caller asking for Void reads; NullAway (without
    // generic nullness) cannot see that T is Void there.
    @SuppressWarnings("NullAway")
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
