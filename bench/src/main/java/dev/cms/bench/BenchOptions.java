package dev.cms.bench;

import java.nio.file.Path;

/**
 * The benchmark's command line: {@code --messages N}, {@code --size BYTES}, {@code --seed S},
 * {@code --dir DIR} (kept afterwards; default a temp dir that is deleted), {@code --json FILE} and
 * {@code --fetch-threads T} (default 1: the in-memory provider's own, sequential download).
 */
record BenchOptions(int messages, int size, long seed, Path dir, Path json, int fetchThreads) {
    static final String USAGE = "usage: CoreBenchmark [--messages N (100000)] [--size BYTES (4096)] [--seed S (42)]"
            + " [--dir DIR (temp dir, deleted)] [--json FILE] [--fetch-threads T (1)]";

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
    }

    /** @throws IllegalArgumentException naming the option and value at fault */
    static BenchOptions parse(String[] args) {
        int messages = 100_000;
        int size = 4096;
        long seed = 42;
        Path dir = null;
        Path json = null;
        int fetchThreads = 1;
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
                default -> throw new IllegalArgumentException("unknown option " + name);
            }
        }
        return new BenchOptions(messages, size, seed, dir, json, fetchThreads);
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
}
