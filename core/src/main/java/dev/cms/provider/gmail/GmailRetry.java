package dev.cms.provider.gmail;

import com.google.api.client.googleapis.json.GoogleJsonError;
import com.google.api.client.googleapis.json.GoogleJsonResponseException;
import com.google.api.client.http.HttpResponseException;
import dev.cms.provider.RetryClassifier;
import dev.cms.provider.RetryPolicy;
import dev.cms.provider.RetryVerdict;
import dev.cms.provider.gmail.GmailTransport.MalformedGmailResponse;
import java.io.IOException;

/**
 * Gmail's reading of a failed call, per Google's guidance for the Gmail API: 401 refreshes the
 * token; 429 and 403 with reason {@code rateLimitExceeded} or {@code userRateLimitExceeded}
 * (throttling) and 500, 502, 503, 504 are retried, after {@code Retry-After} when the answer
 * has one; any other status fails at once as a {@link GmailStatusException}; an answer that is
 * not what was asked for ({@link MalformedGmailResponse}) fails at once; network failures as
 * {@link RetryPolicy#network}.
 */
enum GmailRetry implements RetryClassifier {
    INSTANCE;

    @Override
    public RetryVerdict classify(Attempt attempt, IOException failure) {
        if (failure instanceof HttpResponseException e) {
            int status = e.getStatusCode();
            if (status == 401) {
                return RetryVerdict.refreshToken();
            }
            String summary = "HTTP " + status + describe(e);
            if (isRetryable(status, isRateLimit(e))) {
                String value = e.getHeaders() == null ? null : e.getHeaders().getFirstHeaderStringValue("Retry-After");
                return RetryVerdict.retry(RetryPolicy.retryAfter(value, attempt.now()), summary);
            }
            return RetryVerdict.fail(new GmailStatusException(attempt.what() + " failed: " + summary,
                    status, e));
        }
        if (failure instanceof MalformedGmailResponse) {
            return RetryVerdict.fail(failure);
        }
        return RetryPolicy.network(attempt, failure);
    }

    /** A status worth sending the call again for: throttling or a server error. */
    static boolean isRetryable(int status, boolean rateLimitReason) {
        return status == 429 || (status == 403 && rateLimitReason) || status == 500 || status == 502
                || status == 503 || status == 504;
    }

    /** 403's reasons that mean throttling, not a refusal. */
    static boolean isRateLimitReason(String reason) {
        return "rateLimitExceeded".equals(reason) || "userRateLimitExceeded".equals(reason);
    }

    private static boolean isRateLimit(HttpResponseException e) {
        if (e.getStatusCode() != 403 || !(e instanceof GoogleJsonResponseException json)) {
            return false;
        }
        GoogleJsonError details = json.getDetails();
        if (details == null || details.getErrors() == null) {
            return false;
        }
        return details.getErrors().stream().anyMatch(info -> isRateLimitReason(info.getReason()));
    }

    static String describe(HttpResponseException e) {
        if (e instanceof GoogleJsonResponseException json) {
            GoogleJsonError details = json.getDetails();
            if (details != null && details.getMessage() != null) {
                return " (" + details.getMessage() + ")";
            }
        }
        return e.getStatusMessage() == null ? "" : " (" + e.getStatusMessage() + ")";
    }
}
