package dev.cms.provider;

import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a service's {@link RetryClassifier} makes of one failed attempt: try again (after the
 * wait the service asked for, or a backoff), refresh the access token and try again, or give
 * up with a final error.
 *
 * @param kind what to do
 * @param asked the wait the service asked for ({@code Retry-After}, already capped), or null for a backoff
 * @param summary the failure in words for logs and the final error, never a token or a body
 * @param error the exception to throw for {@link Kind#FAIL}; null otherwise
 */
public record RetryVerdict(Kind kind, @Nullable Duration asked, String summary, @Nullable IOException error) {
    /** The three outcomes of a failed attempt. */
    public enum Kind { RETRY, REFRESH_TOKEN, FAIL }

    public RetryVerdict {
        Objects.requireNonNull(kind, "kind");
        if ((kind == Kind.FAIL) != (error != null)) {
            throw new IllegalArgumentException("a FAIL verdict, and only that, carries an error: " + kind);
        }
    }

    /** Try again after {@code asked} (null: after a backoff). */
    public static RetryVerdict retry(@Nullable Duration asked, String summary) {
        return new RetryVerdict(Kind.RETRY, asked, summary, null);
    }

    /** The service refused the access token (HTTP 401): refresh it and try again, once. */
    public static RetryVerdict refreshToken() {
        return new RetryVerdict(Kind.REFRESH_TOKEN, null, "HTTP 401", null);
    }

    /** Retrying cannot help: {@code error} is what the caller sees. */
    public static RetryVerdict fail(IOException error) {
        return new RetryVerdict(Kind.FAIL, null, String.valueOf(error.getMessage()), error);
    }
}
