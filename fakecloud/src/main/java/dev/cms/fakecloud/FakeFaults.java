package dev.cms.fakecloud;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Fault injection shared by every half of a {@link FakeCloud}. A rule applies to requests
 * whose path (with its leading {@code /}, without the query) contains a match of its regular
 * expression (and, for rules made with {@link #next}, whose method is the rule's). "Next n"
 * rules are used up in the order they were added; throttles stay until {@link #clear()}. Paths
 * under {@code /_admin/} are never faulted.
 *
 * <p>Parts of an HTTP batch (Gmail's multipart batch, Graph's JSON {@code $batch}) meet the
 * rules like top-level requests, so a rule on a part's path scripts that part's answer inside
 * the batch answer.
 */
public final class FakeFaults {

    /** A count for {@link #next}: the rule never runs out (until {@link #clear()}). */
    public static final int ALWAYS = Integer.MAX_VALUE;

    /** What to do with one request instead of (or on top of) serving it. */
    enum Kind { NONE, STATUS, RESET, MALFORMED, HTML, ANSWER, SERVED_THEN_ANSWER }

    /**
     * The verdict for one request.
     *
     * @param answer what to answer when the kind is {@link Kind#ANSWER} or {@link Kind#SERVED_THEN_ANSWER}
     * @param hold what to wait for before the request is answered (or served), never null
     */
    record Decision(Kind kind, int status, int retryAfterSeconds, Answer answer, Hold hold) {
        static final Decision NONE = new Decision(Kind.NONE, 0, 0, null, Hold.NOTHING);

        Decision(Kind kind, int status, int retryAfterSeconds) {
            this(kind, status, retryAfterSeconds, null, Hold.NOTHING);
        }

        /** Waits for the hold; false when interrupted (the server is stopping). */
        boolean awaitHold() {
            try {
                hold.await();
                return true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    /**
     * An answer given as written instead of the fake's own: any status, headers and body, so a
     * test can script what a real service (or a proxy in front of it) sends on a bad day.
     */
    public static final class Answer {
        private final int status;
        private final Map<String, String> headers;
        private final byte[] body;

        private Answer(int status, Map<String, String> headers, byte[] body) {
            this.status = status;
            this.headers = headers;
            this.body = body;
        }

        /** An answer with this status, no header and no body. */
        public static Answer status(int status) {
            if (status < 100 || status > 599) {
                throw new IllegalArgumentException("an HTTP status is 100 to 599, got " + status);
            }
            return new Answer(status, Map.of(), new byte[0]);
        }

        /** The same answer with this header added (or replaced). */
        public Answer header(String name, String value) {
            Map<String, String> copy = new LinkedHashMap<>(headers);
            copy.put(name, value);
            return new Answer(status, copy, body);
        }

        /** The same answer with this body, sent with this {@code Content-Type} (none when null). */
        public Answer body(String contentType, String text) {
            Answer a = contentType == null ? this : header("Content-Type", contentType);
            return a.withBody(text.getBytes(StandardCharsets.UTF_8));
        }

        /** The same answer with this text as an {@code application/json} body (valid JSON or not). */
        public Answer json(String text) {
            return body("application/json; charset=UTF-8", text);
        }

        private Answer withBody(byte[] bytes) {
            return new Answer(status, headers, bytes.clone());
        }

        public int statusCode() {
            return status;
        }

        public Map<String, String> headers() {
            return Map.copyOf(headers);
        }

        public byte[] bodyBytes() {
            return body.clone();
        }

        @Override
        public String toString() {
            return "HTTP " + status + " " + headers + " (" + body.length + " bytes)";
        }
    }

    /** What a request waits for, in the server's thread, before it is answered. */
    @FunctionalInterface
    public interface Hold {
        Hold NOTHING = () -> { };

        void await() throws InterruptedException;

        /** Real time: for a client's read timeout, or to keep requests in flight together. */
        static Hold delay(Duration d) {
            if (d.isNegative()) {
                throw new IllegalArgumentException("a delay must not be negative, got " + d);
            }
            return () -> Thread.sleep(d.toMillis());
        }
    }

    /**
     * A rule being written: which requests it takes and what is waited for; one of its terminal
     * methods ({@link #answer}, {@link #serve}, {@link #reset}, {@link #malformed}, {@link #html})
     * adds it. Until then it does nothing.
     */
    public final class Rule {
        private final int n;
        private final String method;
        private final String pathRegex;
        private Hold hold = Hold.NOTHING;

        private Rule(int n, String method, String pathRegex) {
            this.n = n;
            this.method = method;
            this.pathRegex = pathRegex;
        }

        /** Each matching request first waits for {@code h} (a delay, a latch, a call in the log). */
        public Rule after(Hold h) {
            this.hold = h;
            return this;
        }

        /** The matching requests are not served: they get {@code answer} as written. */
        public void answer(Answer answer) {
            add(new Decision(Kind.ANSWER, answer.statusCode(), 0, answer, hold));
        }

        /**
         * The matching requests are served (what they ask for is done), but answered with
         * {@code answer} instead: a server error, or a gateway's timeout, after the work was done.
         */
        public void serveThenAnswer(Answer answer) {
            add(new Decision(Kind.SERVED_THEN_ANSWER, answer.statusCode(), 0, answer, hold));
        }

        /** The matching requests are served as usual once their hold is over. */
        public void serve() {
            add(new Decision(Kind.NONE, 0, 0, null, hold));
        }

        /** The matching requests get their connection closed without an answer. */
        public void reset() {
            add(new Decision(Kind.RESET, 0, 0, null, hold));
        }

        /** The matching requests are served, but answer 200 with the JSON cut in half. */
        public void malformed() {
            add(new Decision(Kind.MALFORMED, 200, 0, null, hold));
        }

        /** The matching requests are not served: they answer 200 with an HTML sign-in page. */
        public void html() {
            add(new Decision(Kind.HTML, 200, 0, null, hold));
        }

        private void add(Decision d) {
            FakeFaults.this.add(method, pathRegex, n, d);
        }
    }

    private static final class Countdown {
        final String method;
        final Pattern path;
        final Decision decision;
        int remaining;

        Countdown(String method, Pattern path, Decision decision, int remaining) {
            this.method = method;
            this.path = path;
            this.decision = decision;
            this.remaining = remaining;
        }

        boolean matches(String m, String p) {
            return remaining > 0 && (method == null || method.equals(m)) && path.matcher(p).find();
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

    /**
     * A rule for the next {@code n} requests (or {@link #ALWAYS}) with this method ({@code "*"}:
     * any) whose path contains a match of {@code pathRegex}; finish it with one of its terminal
     * methods, e.g. {@code faults.next(1, "GET", "/history$").answer(Answer.status(503))}.
     */
    public Rule next(int n, String method, String pathRegex) {
        if (n < 0) {
            throw new IllegalArgumentException("fault count must be >= 0, got " + n + " for " + pathRegex);
        }
        Pattern.compile(pathRegex);
        return new Rule(n, "*".equals(method) ? null : method.toUpperCase(Locale.ROOT), pathRegex);
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

    private void add(String pathRegex, int n, Decision decision) {
        add(null, pathRegex, n, decision);
    }

    private synchronized void add(String method, String pathRegex, int n, Decision decision) {
        if (n < 0) {
            throw new IllegalArgumentException("fault count must be >= 0, got " + n + " for " + pathRegex);
        }
        countdowns.add(new Countdown(method, Pattern.compile(pathRegex), decision, n));
    }

    /** Decides the fate of one request, using up a matching "next n" rule or throttle slot. */
    synchronized Decision decide(String method, String path) {
        if (path.startsWith("/_admin/")) {
            return Decision.NONE;
        }
        for (var it = countdowns.iterator(); it.hasNext(); ) {
            Countdown c = it.next();
            if (c.matches(method, path)) {
                if (c.remaining != ALWAYS && --c.remaining == 0) {
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
