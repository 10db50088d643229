package dev.cms.provider;

import java.io.IOException;
import java.time.Instant;

/**
 * One service's reading of a failed attempt (an HTTP status with its headers, or a network
 * error): see {@link RetryPolicy} for the behaviour both services share.
 */
@FunctionalInterface
public interface RetryClassifier {
    /** Which call failed, for whom, and when (an HTTP-date {@code Retry-After} is measured from {@code now}). */
    record Attempt(String service, String call, String user, Instant now) {
        /** "Gmail history.list for alice@example.com", to begin an error message. */
        public String what() {
            return service + " " + call + " for " + user;
        }
    }

    /** What to do after {@code attempt} failed with {@code failure}. */
    RetryVerdict classify(Attempt attempt, IOException failure);
}
