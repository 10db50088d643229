package dev.cms.fakecloud;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Fault injection shared by every half of a {@link FakeCloud}. A rule applies to requests
 * whose path (with its leading {@code /}, without the query) contains a match of its regular
 * expression. "Next n" rules are used up in the order they were added; throttles stay until
 * {@link #clear()}. Paths under {@code /_admin/} are never faulted.
 */
public final class FakeFaults {

    /** What to do with one request instead of (or on top of) serving it. */
    enum Kind { NONE, STATUS, RESET, MALFORMED, HTML }

    /** The verdict for one request. */
    record Decision(Kind kind, int status, int retryAfterSeconds) {
        static final Decision NONE = new Decision(Kind.NONE, 0, 0);
    }

    private static final class Countdown {
        final Pattern path;
        final Decision decision;
        int remaining;

        Countdown(Pattern path, Decision decision, int remaining) {
            this.path = path;
            this.decision = decision;
            this.remaining = remaining;
        }
    }

    private static final class Throttle {
        final Pattern path;
        final int requests;
        final Duration window;
        final Deque<Instant> accepted = new ArrayDeque<>();

        Throttle(Pattern path, int requests, Duration window) {
            this.path = path;
            this.requests = requests;
            this.window = window;
        }
    }

    private final Clock clock;
    private final List<Countdown> countdowns = new ArrayList<>();
    private final List<Throttle> throttles = new ArrayList<>();

    FakeFaults(Clock clock) {
        this.clock = clock;
    }

    /** The next n requests whose path matches `pathRegex` answer `status` (with Retry-After when retryAfterSeconds > 0). */
    public void failNext(String pathRegex, int n, int status, int retryAfterSeconds) {
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("failNext status must be 4xx or 5xx, got " + status);
        }
        add(pathRegex, n, new Decision(Kind.STATUS, status, retryAfterSeconds));
    }

    /** The next n matching requests get their connection closed without an answer. */
    public void resetNext(String pathRegex, int n) {
        add(pathRegex, n, new Decision(Kind.RESET, 0, 0));
    }

    /** The next n matching requests are served, but answer 200 with the JSON cut in half. */
    public void malformedNext(String pathRegex, int n) {
        add(pathRegex, n, new Decision(Kind.MALFORMED, 200, 0));
    }

    /**
     * The next n matching requests are NOT served: they answer 200 with an HTML page (a
     * captive portal or a proxy's sign-in page), so a client that trusts any 2xx believes a
     * change was made that never reached the mailbox.
     */
    public void htmlNext(String pathRegex, int n) {
        add(pathRegex, n, new Decision(Kind.HTML, 200, 0));
    }

    /** The page {@link #htmlNext} answers with. */
    static final String HTML_PAGE = "<!DOCTYPE html>\n<html><head><title>Sign in to the network</title></head>"
            + "<body><p>Please sign in to continue.</p></body></html>\n";

    /** Emulate a quota: more than `requests` in `window` → 429 with Retry-After. */
    public synchronized void throttle(String pathRegex, int requests, Duration window) {
        if (requests < 0 || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("throttle needs requests >= 0 and a positive window, got "
                    + requests + " per " + window);
        }
        throttles.add(new Throttle(Pattern.compile(pathRegex), requests, window));
    }

    /** Removes every rule. */
    public synchronized void clear() {
        countdowns.clear();
        throttles.clear();
    }

    private synchronized void add(String pathRegex, int n, Decision decision) {
        if (n < 0) {
            throw new IllegalArgumentException("fault count must be >= 0, got " + n + " for " + pathRegex);
        }
        countdowns.add(new Countdown(Pattern.compile(pathRegex), decision, n));
    }

    /** Decides the fate of one request, using up a matching "next n" rule or throttle slot. */
    synchronized Decision decide(String path) {
        if (path.startsWith("/_admin/")) {
            return Decision.NONE;
        }
        for (var it = countdowns.iterator(); it.hasNext(); ) {
            Countdown c = it.next();
            if (c.remaining > 0 && c.path.matcher(path).find()) {
                if (--c.remaining == 0) {
                    it.remove();
                }
                return c.decision;
            }
        }
        Instant now = clock.instant();
        for (Throttle t : throttles) {
            if (!t.path.matcher(path).find()) {
                continue;
            }
            Instant horizon = now.minus(t.window);
            while (!t.accepted.isEmpty() && !t.accepted.peekFirst().isAfter(horizon)) {
                t.accepted.removeFirst();
            }
            if (t.accepted.size() >= t.requests) {
                Instant freeAt = t.accepted.isEmpty() ? now.plus(t.window) : t.accepted.peekFirst().plus(t.window);
                long millis = Duration.between(now, freeAt).toMillis();
                int seconds = (int) Math.max(1, (millis + 999) / 1000);
                return new Decision(Kind.STATUS, 429, seconds);
            }
            t.accepted.addLast(now);
        }
        return Decision.NONE;
    }
}
