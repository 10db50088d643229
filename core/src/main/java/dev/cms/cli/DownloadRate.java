package dev.cms.cli;

import java.time.Duration;
import java.util.ArrayDeque;
import org.jspecify.annotations.Nullable;

/**
 * The speed of one download over its last {@link #WINDOW}, and the time left at that speed.
 *
 * <p>The speed is measured, not predicted from what a provider says of its limits: the bodies
 * counted over the window divided by the window's length up to the latest arrival. Every wait
 * the provider takes is time in the window without arrivals, so the figure includes them as
 * they are: Gmail's quota (a steady 40 bodies a second at the default 200 units a second, the
 * bucket's first second of burst soon outweighed), a {@code Retry-After} pause of Office365
 * (the whole mailbox holds back), retries after backoff. The window is ten minutes, the length
 * of Outlook's throttling window and the longest {@code Retry-After} honoured: a pause that
 * comes back once a window stays inside it, while a lasting change of speed (another client
 * taking the quota, a slower network) shows within ten minutes. Until {@link #WARM_UP} has
 * passed the time left is unknown: the first second of a download is a burst the quota has
 * not yet slowed.
 *
 * <p>Samples are kept at most one a second, so memory stays bounded whatever the download.
 * Not thread-safe: {@link ConsoleProgress} holds its lock around it.
 */
final class DownloadRate {
    static final Duration WINDOW = Duration.ofMinutes(10);
    static final Duration WARM_UP = Duration.ofSeconds(5);
    private static final long SAMPLE_EVERY_NANOS = 1_000_000_000L;

    /** A point of the download: at {@code nanos}, {@code done} bodies of {@code bytes} in all. */
    private record Sample(long nanos, int done, long bytes) {}

    private final long started;
    private final ArrayDeque<Sample> samples = new ArrayDeque<>();
    private Sample latest;

    /** A download that begins at {@code startNanos} (a {@link dev.cms.time.Ticker#nanoTime()} reading). */
    DownloadRate(long startNanos) {
        this.started = startNanos;
        this.latest = new Sample(startNanos, 0, 0);
        samples.add(latest);
    }

    /**
     * {@code done} bodies of {@code bytes} in all have arrived by {@code nanos}. Counts from
     * several threads may come slightly out of order: the highest seen counts.
     */
    void record(long nanos, int done, long bytes) {
        latest = new Sample(Math.max(nanos, latest.nanos()), Math.max(done, latest.done()),
                Math.max(bytes, latest.bytes()));
        if (latest.nanos() - samples.getLast().nanos() >= SAMPLE_EVERY_NANOS) {
            samples.add(latest);
        }
        // Keep one sample at or before the window's start, so the window is never shorter than WINDOW.
        long windowStart = latest.nanos() - WINDOW.toNanos();
        while (samples.size() > 1 && secondSample().nanos() - windowStart <= 0) {
            samples.removeFirst();
        }
    }

    private Sample secondSample() {
        var it = samples.iterator();
        it.next();
        return it.next();
    }

    /** Nothing more has arrived by {@code nanos}: the time since the last arrival counts. */
    void idle(long nanos) {
        record(nanos, latest.done(), latest.bytes());
    }

    int done() {
        return latest.done();
    }

    /** Bodies a second over the window; 0 before any time has passed. */
    double messagesPerSecond() {
        double secs = windowSeconds();
        return secs > 0 ? (latest.done() - samples.getFirst().done()) / secs : 0;
    }

    /** Bytes a second over the window; 0 before any time has passed. */
    double bytesPerSecond() {
        double secs = windowSeconds();
        return secs > 0 ? (latest.bytes() - samples.getFirst().bytes()) / secs : 0;
    }

    /**
     * The time the remaining {@code total - done} bodies take at the window's speed, rounded up
     * to a second; null while it cannot be told (in the first {@link #WARM_UP}, or nothing
     * arrived in the window).
     */
    @Nullable Duration timeLeft(int total) {
        int left = Math.max(0, total - latest.done());
        if (left == 0) {
            return Duration.ZERO;
        }
        double rate = messagesPerSecond();
        if (latest.nanos() - started < WARM_UP.toNanos() || !(rate > 0)) {
            return null;
        }
        return Duration.ofSeconds((long) Math.ceil(left / rate));
    }

    private double windowSeconds() {
        return (latest.nanos() - samples.getFirst().nanos()) / 1e9;
    }
}
