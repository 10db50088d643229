package dev.cms.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The benchmark's command line: {@code --messages N}, {@code --size BYTES}, {@code --seed S},
 * {@code --dir DIR} (kept afterwards; default a temp dir that is deleted), {@code --json FILE},
 * {@code --fetch-threads T} (default 1: the in-memory provider's own, sequential download),
 * {@code --polls N} (unchanged timer polls timed, 20), {@code --restarts N} (restarts timed; 0, the
 * default, means 3 up to 200,000 messages and 1 above), {@code --poll-reference MS} (the 100k
 * run's poll CPU, for the 1M target of twice that) and {@code --rss-flags "FLAGS"} (repeatable:
 * JVM flags to measure the idle daemon's RSS with, besides the launcher's).
 */
record BenchOptions(int messages, int size, long seed, Path dir, Path json, int fetchThreads, int polls, int restarts,
        double pollReferenceMillis, List<String> rssFlags) {
    static final String USAGE = "usage: CoreBenchmark [--messages N (100000)] [--size BYTES (4096)] [--seed S (42)]"
            + " [--dir DIR (temp dir, deleted)] [--json FILE] [--fetch-threads T (1)] [--polls N (20)]"
            + " [--restarts N (3, 1 above 200000 messages)] [--poll-reference MS] [--rss-flags \"FLAGS\"]...";

    BenchOptions {
        if (messages < 1) {
            throw new IllegalArgumentException("--messages must be at least 1, not " + messages);
        }
        if (size < MailGenerator.MIN_SIZE) {
            throw new IllegalArgumentException("--size must be at least " + MailGenerator.MIN_SIZE + " bytes, not " + size);
        }
        if (fetchThreads < 1 || fetchThreads > 64) {
            throw new IllegalArgumentException("--fetch-threads must be between 1 and 64, not " + fetchThreads);
        }
        if (polls < 1) {
            throw new IllegalArgumentException("--polls must be at least 1, not " + polls);
        }
        if (restarts < 0) {
            throw new IllegalArgumentException("--restarts must be at least 1 (0: the default), not " + restarts);
        }
        rssFlags = List.copyOf(rssFlags);
    }

    /** The restarts to time: as given, else 3 up to 200,000 messages and 1 above. */
    int restartRuns() {
        return restarts > 0 ? restarts : messages <= 200_000 ? 3 : 1;
    }

    /** @throws IllegalArgumentException naming the option and value at fault */
    static BenchOptions parse(String[] args) {
        int messages = 100_000;
        int size = 4096;
        long seed = 42;
        Path dir = null;
        Path json = null;
        int fetchThreads = 1;
        int polls = 20;
        int restarts = 0;
        double pollReference = Double.NaN;
        List<String> rssFlags = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(name.startsWith("--") ? name + " needs a value" : "unknown argument " + name);
            }
            String value = args[++i];
            switch (name) {
                case "--messages" -> messages = parseInt(name, value);
                case "--size" -> size = parseInt(name, value);
                case "--seed" -> seed = parseLong(name, value);
                case "--dir" -> dir = Path.of(value);
                case "--json" -> json = Path.of(value);
                case "--fetch-threads" -> fetchThreads = parseInt(name, value);
                case "--polls" -> polls = parseInt(name, value);
                case "--restarts" -> restarts = parseInt(name, value);
                case "--poll-reference" -> pollReference = parseDouble(name, value);
                case "--rss-flags" -> rssFlags.add(value);
                default -> throw new IllegalArgumentException("unknown option " + name);
            }
        }
        return new BenchOptions(messages, size, seed, dir, json, fetchThreads, polls, restarts, pollReference, rssFlags);
    }

    private static int parseInt(String name, String value) {
        long v = parseLong(name, value);
        if (v > Integer.MAX_VALUE || v < Integer.MIN_VALUE) {
            throw new IllegalArgumentException(name + " is out of range: " + value);
        }
        return (int) v;
    }

    private static long parseLong(String name, String value) {
        try {
            return Long.parseLong(value.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " needs a whole number, not '" + value + "'", e);
        }
    }

    private static double parseDouble(String name, String value) {
        try {
            double d = Double.parseDouble(value);
            if (!(d > 0)) {
                throw new NumberFormatException("not positive");
            }
            return d;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " needs a positive number, not '" + value + "'", e);
        }
    }
}
