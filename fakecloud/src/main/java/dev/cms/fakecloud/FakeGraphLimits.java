package dev.cms.fakecloud;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Outlook's per-mailbox limits in the fake Graph: at most so many requests in a sliding window
 * and so many at once, each answered 429 {@code ApplicationThrottled} with a {@code Retry-After}
 * when over. Both are off until {@link FakeGraph#limitMailboxes} turns them on.
 */
final class FakeGraphLimits {

    /** One mailbox's requests: when the recent ones came, and how many are being served. */
    private static final class Usage {
        final Deque<Instant> recent = new ArrayDeque<>();
        int inFlight;
    }

    private final Clock clock;
    private final Map<String, Usage> usage = new ConcurrentHashMap<>();
    private volatile int limitRequests;
    private volatile Duration limitWindow = Duration.ofMinutes(10);
    private volatile int limitConcurrent;

    FakeGraphLimits(Clock clock) {
        this.clock = clock;
    }

    /** Sets the limits (0 turns one off) and forgets the requests counted so far. */
    void set(int requests, Duration window, int maxConcurrent) {
        limitRequests = requests;
        limitWindow = window;
        limitConcurrent = maxConcurrent;
        usage.clear();
    }

    int inFlight(String upn) {
        Usage u = usage.get(FakeGraph.key(upn));
        if (u == null) {
            return 0;
        }
        synchronized (u) {
            return u.inFlight;
        }
    }

    /** Counts a request of mailbox {@code upn}; null when it may go on (then {@link #exit} follows), else the 429. */
    FakeMicrosoftResponse enter(String upn) {
        int maxRequests = limitRequests;
        int maxConcurrent = limitConcurrent;
        Usage u = usage.computeIfAbsent(FakeGraph.key(upn), k -> new Usage());
        synchronized (u) {
            if (maxConcurrent > 0 && u.inFlight >= maxConcurrent) {
                return FakeMicrosoftResponse.graphError(429, "ApplicationThrottled",
                        "Application is over its MailboxConcurrency limit.").withHeader("Retry-After", "1");
            }
            if (maxRequests > 0) {
                Instant now = clock.instant();
                Instant horizon = now.minus(limitWindow);
                while (!u.recent.isEmpty() && !u.recent.peekFirst().isAfter(horizon)) {
                    u.recent.removeFirst();
                }
                if (u.recent.size() >= maxRequests) {
                    long wait = Duration.between(now, u.recent.peekFirst().plus(limitWindow)).toSeconds() + 1;
                    return FakeMicrosoftResponse.graphError(429, "ApplicationThrottled",
                            "Application is over its MailboxRequests limit.")
                            .withHeader("Retry-After", Long.toString(Math.max(1, wait)));
                }
                u.recent.addLast(now);
            }
            u.inFlight++;
            return null;
        }
    }

    void exit(String upn) {
        Usage u = usage.get(FakeGraph.key(upn));
        if (u != null) {
            synchronized (u) {
                u.inFlight = Math.max(0, u.inFlight - 1);
            }
        }
    }
}
