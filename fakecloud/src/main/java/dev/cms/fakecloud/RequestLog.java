package dev.cms.fakecloud;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Every request a {@link FakeCloud} received, in arrival order of completion, including each
 * part of an HTTP batch (logged as its own call) and the batch envelope itself.
 *
 * <p>Tests use it as a recording fake: {@link #matching(String, String)} selects calls, and
 * {@link Calls#assertCount(int)} or {@link #assertCalls(String...)} fail with a message that
 * lists every call the fake received.
 */
public final class RequestLog {

    /**
     * One call.
     *
     * @param path the decoded path with its leading {@code /}
     * @param query the raw query string, empty when none
     * @param status the HTTP status answered, or {@link #NO_ANSWER} when the connection was reset
     * @param batchPart whether it arrived inside an HTTP batch
     * @param body the request body as UTF-8 text, empty when none; never part of
     *     {@link #toString()}, since a token request's body carries secrets
     * @param headers the request headers by lower-case name (a batch part's own, plus the
     *     envelope's Authorization where the fake passes it on); never part of
     *     {@link #toString()}, since they carry bearer tokens
     */
    public record Entry(String method, String path, String query, int status, boolean batchPart, String body,
                        Map<String, List<String>> headers) {
        static Entry of(BufferedRequest r, int status, boolean batchPart) {
            byte[] b = r.body();
            Map<String, List<String>> headers = new LinkedHashMap<>();
            r.headers().forEach((name, values) -> headers.put(name, List.copyOf(values)));
            return new Entry(r.method(), r.path(), r.rawQuery(), status, batchPart,
                    b == null || b.length == 0 ? "" : new String(b, StandardCharsets.UTF_8),
                    Collections.unmodifiableMap(headers));
        }

        /** The first value of a request header (any case), or null when it was not sent. */
        public String header(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null || values.isEmpty() ? null : values.get(0);
        }

        /** The decoded values of a query parameter, in order (empty when absent). */
        public List<String> queryParams(String name) {
            return Request.parseForm(query).getOrDefault(name, List.of());
        }

        /** {@code METHOD /path}, without the query: the form {@link #assertCalls} compares. */
        public String call() {
            return method + " " + path;
        }

        @Override
        public String toString() {
            return method + " " + path + (query.isEmpty() ? "" : "?" + query) + " -> " + status
                    + (batchPart ? " (batch part)" : "");
        }
    }

    /** The status recorded for a request whose connection was closed without an answer. */
    public static final int NO_ANSWER = -1;

    private final ConcurrentLinkedQueue<Entry> entries = new ConcurrentLinkedQueue<>();
    private int inFlight;
    private int maxInFlight;

    RequestLog() {
    }

    void record(Entry entry) {
        entries.add(entry);
        synchronized (this) {
            notifyAll();
        }
    }

    /** A top-level request arrived: it is in flight until {@link #exit()}. */
    synchronized void enter() {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
    }

    /** A top-level request was answered (or dropped). */
    synchronized void exit() {
        inFlight--;
    }

    /**
     * The most top-level requests the fake was serving at once since it started or the log was
     * last {@link #clear() cleared} (a batch counts once, whatever its parts).
     */
    public synchronized int maxInFlight() {
        return maxInFlight;
    }

    /** A snapshot of all entries. */
    public List<Entry> entries() {
        return List.copyOf(entries);
    }

    /** How many requests had this method and a path containing a match of {@code pathRegex}. */
    public long count(String method, String pathRegex) {
        Pattern p = Pattern.compile(pathRegex);
        return entries.stream().filter(e -> e.method().equals(method) && p.matcher(e.path()).find()).count();
    }

    /** How many requests, of any method, had a path containing a match of {@code pathRegex}. */
    public long count(String pathRegex) {
        Pattern p = Pattern.compile(pathRegex);
        return entries.stream().filter(e -> p.matcher(e.path()).find()).count();
    }

    /** The entries whose path contains a match of {@code pathRegex}. */
    public List<Entry> matching(String pathRegex) {
        Pattern p = Pattern.compile(pathRegex);
        return entries.stream().filter(e -> p.matcher(e.path()).find()).collect(Collectors.toList());
    }

    /**
     * The calls, so far, with this method and exactly this path (decoded, without the query:
     * {@code "/gmail/v1/users/me/labels"}); narrow them with {@link Calls#withQuery} or
     * {@link Calls#where} and check them with {@link Calls#assertCount}.
     */
    public Calls matching(String method, String path) {
        return new Calls(this, method + " " + path, e -> e.method().equals(method) && e.path().equals(path));
    }

    /** As {@link #matching(String, String)}, for the paths that {@code pathRegex} matches as a whole. */
    public Calls matchingRegex(String method, String pathRegex) {
        Pattern p = Pattern.compile(pathRegex);
        return new Calls(this, method + " " + pathRegex, e -> e.method().equals(method) && p.matcher(e.path()).matches());
    }

    /**
     * Asserts that the fake received exactly these calls, in this order, each written
     * {@code METHOD /path} (no query); a failure lists what was received.
     *
     * @throws AssertionError when the calls differ
     */
    public void assertCalls(String... expected) {
        List<String> got = entries().stream().map(Entry::call).toList();
        if (!got.equals(Arrays.asList(expected))) {
            throw new AssertionError("expected the calls " + Arrays.asList(expected) + " but the fake cloud received "
                    + describe(entries()));
        }
    }

    /**
     * Asserts that the fake received no request at all.
     *
     * @throws AssertionError listing what it received
     */
    public void assertNone() {
        assertCalls();
    }

    public int size() {
        return entries.size();
    }

    public void clear() {
        entries.clear();
        synchronized (this) {
            maxInFlight = inFlight;
        }
    }

    @Override
    public String toString() {
        return entries.stream().map(Entry::toString).collect(Collectors.joining("\n"));
    }

    static String describe(List<Entry> all) {
        if (all.isEmpty()) {
            return "no request";
        }
        StringBuilder sb = new StringBuilder(all.size() + (all.size() == 1 ? " request:" : " requests:"));
        for (Entry e : all) {
            sb.append("\n  ").append(e);
        }
        return sb.toString();
    }

    /** A selection of the log, re-read at each check: what {@link #matching(String, String)} returns. */
    public static final class Calls {
        private final RequestLog log;
        private final String what;
        private final Predicate<Entry> filter;

        Calls(RequestLog log, String what, Predicate<Entry> filter) {
            this.log = log;
            this.what = what;
            this.filter = filter;
        }

        /** Only the calls whose query has {@code name} with exactly these values, in order. */
        public Calls withQuery(String name, String... values) {
            List<String> want = List.of(values);
            return new Calls(log, what + " with " + name + "=" + String.join(",", values),
                    filter.and(e -> e.queryParams(name).equals(want)));
        }

        /** Only the calls without the query parameter {@code name}. */
        public Calls withoutQuery(String name) {
            return new Calls(log, what + " without " + name, filter.and(e -> e.queryParams(name).isEmpty()));
        }

        /** Only the calls answered with {@code status}. */
        public Calls withStatus(int status) {
            return new Calls(log, what + " answered " + status, filter.and(e -> e.status() == status));
        }

        /** Only the calls for which {@code test} holds; {@code description} names it in failures. */
        public Calls where(String description, Predicate<Entry> test) {
            return new Calls(log, what + " " + description, filter.and(test));
        }

        /** The matching entries, oldest first. */
        public List<Entry> entries() {
            List<Entry> out = new ArrayList<>();
            for (Entry e : log.entries()) {
                if (filter.test(e)) {
                    out.add(e);
                }
            }
            return out;
        }

        /** The matching requests' bodies, oldest first. */
        public List<String> bodies() {
            return entries().stream().map(Entry::body).toList();
        }

        public int count() {
            return entries().size();
        }

        /**
         * Asserts that exactly {@code n} calls match.
         *
         * @throws AssertionError naming the selection and listing every call received
         */
        public Calls assertCount(int n) {
            int got = count();
            if (got != n) {
                throw new AssertionError("expected " + n + (n == 1 ? " call of " : " calls of ") + what + " but got " + got
                        + "; the fake cloud received " + describe(log.entries()));
            }
            return this;
        }

        /**
         * Waits until at least {@code n} calls match, e.g. to hold another request's answer
         * until the client has sent this one ({@link FakeFaults.Hold}).
         *
         * @throws AssertionError when {@code timeout} passes first, listing every call received
         */
        public Calls awaitCount(int n, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            synchronized (log) {
                while (count() < n) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new AssertionError("waited " + timeout + " for " + n + (n == 1 ? " call of " : " calls of ")
                                + what + " but got " + count() + "; the fake cloud received " + describe(log.entries()));
                    }
                    log.wait(Math.max(1, left / 1_000_000));
                }
            }
            return this;
        }

        /** {@code assertCount(1)}. */
        public Calls assertOnce() {
            return assertCount(1);
        }

        /** {@code assertCount(0)}. */
        public void assertNone() {
            assertCount(0);
        }
    }
}
