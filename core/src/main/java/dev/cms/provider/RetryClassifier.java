package dev.cms.provider;

import java.io.IOException;

/**
 * One service's reading of a failed attempt (an HTTP status with its headers, or a network
 * error): see {@link RetryPolicy} for the behaviour both services share.
 */
@FunctionalInterface
public interface RetryClassifier {
    /** What to do after attempt of {@code call} failed with {@code failure}. */
    RetryVerdict classify(String call, IOException failure);
}
