package dev.cms.provider.graph;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.cms.provider.RetryClassifier;
import dev.cms.provider.RetryPolicy;
import dev.cms.provider.RetryVerdict;
import dev.cms.provider.UploadOutcomeUnknownException;
import java.io.IOException;
import okhttp3.Response;
import org.jspecify.annotations.Nullable;

/**
 * Graph's reading of a failed call, per Microsoft's throttling guidance: 401 refreshes the
 * token; 429, 503 and 504 (throttling, with {@code Retry-After}) and 500 and 502 are retried,
 * after {@code Retry-After} when the answer has one; any other status fails at once as a
 * {@link GraphStatusException}; network failures as {@link RetryPolicy#network}.
 */
enum GraphRetry implements RetryClassifier {
    INSTANCE;

    private static final int ERROR_PEEK_BYTES = 8192;

    @Override
    public RetryVerdict classify(Attempt attempt, IOException failure) {
        if (failure instanceof GraphStatusException e) {
            if (e.status() == 401) {
                return RetryVerdict.refreshToken();
            }
            if (isRetryable(e.status())) {
                return RetryVerdict.retry(RetryPolicy.retryAfter(e.retryAfter(), attempt.now()), e.summary());
            }
            return RetryVerdict.fail(e);
        }
        return RetryPolicy.network(attempt, failure);
    }

    /**
     * The reading for a call that creates something: as {@link #classify}, except that a request
     * that may have reached Graph (a connection lost after it was sent, a server error that may
     * have come after the work was done) is not sent again.
     */
    static RetryVerdict once(Attempt attempt, IOException failure) {
        if (failure instanceof GraphStatusException e && RetryPolicy.mayHaveActed(e.status())) {
            return RetryVerdict.fail(new UploadOutcomeUnknownException(attempt.what() + " may or may not have been"
                    + " taken: " + e.summary(), failure));
        }
        if (failure instanceof GraphStatusException || failure instanceof java.net.ConnectException
                || failure instanceof java.net.UnknownHostException) {
            return INSTANCE.classify(attempt, failure);
        }
        return RetryVerdict.fail(new UploadOutcomeUnknownException(attempt.what() + " may or may not have been taken: "
                + RetryPolicy.inWords(failure), failure));
    }

    /** A status worth sending the request again for: throttling or a server error. */
    static boolean isRetryable(int status) {
        return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
    }

    /** The failure of {@code call} for {@code user} answered by {@code response}, which is not 2xx. */
    static GraphStatusException failure(String call, String user, Response response) {
        String[] err = errorOf(response);
        String summary = "HTTP " + response.code() + describe(err[0], err[1]);
        return new GraphStatusException("Office365 " + call + " for " + user + " failed: " + summary,
                response.code(), err[0], summary, response.header("Retry-After"));
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

    static @Nullable String stringOrNull(JsonObject o, String name) {
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
}
