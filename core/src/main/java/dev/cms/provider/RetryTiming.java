package dev.cms.provider;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.Random;
import org.jspecify.annotations.Nullable;

/** How long a provider's transport waits before retrying a request: what the server asks, or backoff. */
public final class RetryTiming {
    private RetryTiming() {}

    /**
     * The wait a {@code Retry-After} value asks for, given as delta seconds or an HTTP date
     * (RFC 1123) measured from {@code now}; a date in the past is zero, anything longer than
     * {@code cap} is {@code cap}. Empty when the value is missing, blank or neither form.
     */
    public static Optional<Duration> retryAfter(@Nullable String value, Instant now, Duration cap) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        String v = value.trim();
        Duration d;
        try {
            d = Duration.ofSeconds(Long.parseLong(v));
        } catch (NumberFormatException notSeconds) {
            try {
                d = Duration.between(now, ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
            } catch (DateTimeParseException notDate) {
                return Optional.empty();
            }
        }
        if (d.isNegative()) {
            d = Duration.ZERO;
        }
        return Optional.of(d.compareTo(cap) > 0 ? cap : d);
    }

    /**
     * Exponential backoff with jitter before retry number {@code attempt} (1 for the first
     * failure): {@code base} × 2^(attempt-1), at most {@code cap}, times a factor in [0.5, 1)
     * drawn from {@code jitter}.
     */
    public static Duration backoff(int attempt, Duration base, Duration cap, Random jitter) {
        long baseMs = base.toMillis() << Math.max(0, Math.min(attempt - 1, 20));
        long capped = Math.min(baseMs, cap.toMillis());
        return Duration.ofMillis((long) (capped * (0.5 + 0.5 * jitter.nextDouble())));
    }
}
