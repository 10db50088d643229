package dev.cms.fakecloud;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Every request a {@link FakeCloud} received, in arrival order of completion, including each
 * part of an HTTP batch (logged as its own call) and the batch envelope itself.
 */
public final class RequestLog {

    /**
     * One call.
     *
     * @param path the decoded path with its leading {@code /}
     * @param query the raw query string, empty when none
     * @param status the HTTP status answered, or {@link #NO_ANSWER} when the connection was reset
     * @param batchPart whether it arrived inside an HTTP batch
     */
    public record Entry(String method, String path, String query, int status, boolean batchPart) {
        @Override
        public String toString() {
            return method + " " + path + (query.isEmpty() ? "" : "?" + query) + " -> " + status
                    + (batchPart ? " (batch part)" : "");
        }
    }

    /** The status recorded for a request whose connection was closed without an answer. */
    public static final int NO_ANSWER = -1;

    private final ConcurrentLinkedQueue<Entry> entries = new ConcurrentLinkedQueue<>();

    RequestLog() {
    }

    void record(Entry entry) {
        entries.add(entry);
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

    public int size() {
        return entries.size();
    }

    public void clear() {
        entries.clear();
    }

    @Override
    public String toString() {
        return entries.stream().map(Entry::toString).collect(Collectors.joining("\n"));
    }
}
