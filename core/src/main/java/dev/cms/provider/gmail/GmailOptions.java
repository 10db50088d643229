package dev.cms.provider.gmail;

import dev.cms.time.Ticker;
import java.time.Duration;
import java.util.Objects;
import java.util.Random;

/**
 * Tuning of a {@link GmailMailbox}: the client-side quota ({@code quotaUnitsPerSecond}, see
 * {@link GmailMailbox} for the figure and the per-call costs), how many bodies are downloaded
 * at once, the HTTP timeouts, the ticker (clocks and sleeping) and random source used for backoff, and how many
 * {@code messages.get} calls go into one HTTP batch request ({@code batchSize}; 1 sends each on
 * its own). A batch answer is read one part at a time and large messages are streamed on
 * their own, so {@code batchSize} does not bound memory; it trades round trips for the
 * work redone when a batch fails.
 */
public record GmailOptions(double quotaUnitsPerSecond, int maxParallelFetches, Duration connectTimeout,
                           Duration readTimeout, Ticker ticker, Random jitter, int batchSize) {
    /** Below Gmail's per-user limit of 250 units a second (15,000 a minute). */
    public static final double DEFAULT_QUOTA_UNITS_PER_SECOND = 200.0;
    public static final int DEFAULT_MAX_PARALLEL_FETCHES = 8;
    /** Bodies per HTTP batch; Google allows 100 calls a batch and advises at most 50. */
    public static final int DEFAULT_BATCH_SIZE = 20;
    public static final int MAX_BATCH_SIZE = 100;

    public GmailOptions {
        if (!(quotaUnitsPerSecond > 0) || Double.isInfinite(quotaUnitsPerSecond)) {
            throw new IllegalArgumentException("quotaUnitsPerSecond must be positive and finite: "
                    + quotaUnitsPerSecond);
        }
        if (maxParallelFetches < 1) {
            throw new IllegalArgumentException("maxParallelFetches must be at least 1: " + maxParallelFetches);
        }
        requirePositive(connectTimeout, "connectTimeout");
        requirePositive(readTimeout, "readTimeout");
        Objects.requireNonNull(ticker, "ticker");
        Objects.requireNonNull(jitter, "jitter");
        if (batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
            throw new IllegalArgumentException("batchSize must be between 1 and " + MAX_BATCH_SIZE + ": "
                    + batchSize);
        }
    }

    /** With the default {@link #DEFAULT_BATCH_SIZE}. */
    public GmailOptions(double quotaUnitsPerSecond, int maxParallelFetches, Duration connectTimeout,
                        Duration readTimeout, Ticker ticker, Random jitter) {
        this(quotaUnitsPerSecond, maxParallelFetches, connectTimeout, readTimeout, ticker, jitter,
                DEFAULT_BATCH_SIZE);
    }

    /** These options with {@code batchSize} changed. */
    public GmailOptions withBatchSize(int batchSize) {
        return new GmailOptions(quotaUnitsPerSecond, maxParallelFetches, connectTimeout, readTimeout, ticker,
                jitter, batchSize);
    }

    public static GmailOptions defaults() {
        return new GmailOptions(DEFAULT_QUOTA_UNITS_PER_SECOND, DEFAULT_MAX_PARALLEL_FETCHES,
                Duration.ofSeconds(30), Duration.ofSeconds(120), Ticker.SYSTEM, new Random());
    }

    private static void requirePositive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero() || d.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(name + " must be between 1 ms and " + Integer.MAX_VALUE
                    + " ms: " + d);
        }
    }
}
