package dev.cms.bench;

import dev.cms.maildir.MaildirFolder;
import dev.cms.provider.memory.InMemoryMailbox;
import dev.cms.store.MessageStore;
import dev.cms.store.StateDb;
import dev.cms.sync.CycleReport;
import dev.cms.sync.Progress;
import dev.cms.sync.Router;
import dev.cms.sync.SyncEngine;
import dev.cms.time.Ticker;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * A restart in a fresh process, as a restarted daemon does it: open the message store and
 * {@code state.db}, build the {@link SyncEngine} over the same state and run one cycle that finds
 * nothing to do. {@code bench/run-restart} prepares the state once ({@code --prepare}: an initial
 * sync from the in-memory provider) and then starts one process per measurement, so each restart
 * pays the JVM's warm-up like a real one. Prints one line of {@code key=value} figures: wall and
 * CPU seconds of the restart (the whole process's CPU: JIT and GC included), the bytes the
 * restarting thread allocated, the heap in use after a full GC with the engine loaded, and
 * whether the cycle was idle. See {@code bench/README.md}.
 */
public final class RestartBenchmark {
    private static final String MAILBOX_KEY = "bench:office365:inbox";

    private RestartBenchmark() {}

    public static void main(String[] args) throws Exception {
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        int messages = 100_000;
        int size = 4096;
        long seed = 42;
        Path dir = null;
        boolean prepare = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--messages" -> messages = Integer.parseInt(value(args, ++i));
                case "--size" -> size = Integer.parseInt(value(args, ++i));
                case "--seed" -> seed = Long.parseLong(value(args, ++i));
                case "--dir" -> dir = Path.of(value(args, ++i));
                case "--prepare" -> prepare = true;
                default -> usage("unknown argument " + args[i]);
            }
        }
        if (dir == null) {
            usage("--dir is required");
            return;
        }
        Path stateDir = dir.resolve("state");
        Path maildir = dir.resolve("Maildir");
        GeneratedMailbox box = box(messages, size, seed);
        if (prepare) {
            if (Files.exists(stateDir.resolve("state.db"))) {
                System.err.println("RestartBenchmark: " + dir + " already holds state; not preparing again");
                System.exit(0);
            }
            System.exit(cycle(box, stateDir, maildir, true) ? 0 : 1);
        }
        System.exit(cycle(box, stateDir, maildir, false) ? 0 : 1);
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            usage(args[i - 1] + " needs a value");
        }
        return args[i];
    }

    private static void usage(String problem) {
        System.err.println("RestartBenchmark: " + problem);
        System.err.println("usage: RestartBenchmark [--prepare] --dir DIR [--messages N] [--size BYTES] [--seed S]");
        System.exit(2);
    }

    /** The in-memory mailbox, filled the same way in every process, so the stored sync token stays valid. */
    private static GeneratedMailbox box(int messages, int size, long seed) {
        InMemoryMailbox cloud = InMemoryMailbox.likeOffice365(MAILBOX_KEY);
        cloud.setPollInterval(Duration.ofHours(1));
        return GeneratedMailbox.filled(cloud, new MailGenerator(seed, size), messages, 1);
    }

    /** Opens the state, builds the engine, runs one cycle; prints the figures. True when the cycle succeeded. */
    private static boolean cycle(GeneratedMailbox box, Path stateDir, Path maildir, boolean initial)
            throws IOException, InterruptedException {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long alloc0 = threads.getCurrentThreadAllocatedBytes();
        long cpu0 = ProcessStats.cpuNanos();
        long t0 = System.nanoTime();
        MessageStore store = MessageStore.open(stateDir);
        try (StateDb db = StateDb.open(stateDir.resolve("state.db"))) {
            SyncEngine engine = new SyncEngine(List.of(MaildirFolder.open(maildir)), List.of(box),
                    Router.defaultOnly(), store, db, false, Ticker.SYSTEM, Progress.NONE);
            long t1 = System.nanoTime();
            long cpu1 = ProcessStats.cpuNanos();
            CycleReport rep = engine.runCycle();
            long t2 = System.nanoTime();
            long cpu2 = ProcessStats.cpuNanos();
            long alloc = threads.getCurrentThreadAllocatedBytes() - alloc0;
            long live = ProcessStats.usedAfterGc();
            System.out.printf(Locale.ROOT,
                    "%s wall=%.3f cpu=%.3f open_wall=%.3f open_cpu=%.3f cycle_wall=%.3f cycle_cpu=%.3f"
                            + " alloc_mib=%.1f live_mib=%.1f idle=%b delivered=%d ok=%b%n",
                    initial ? "initial" : "restart", (t2 - t0) / 1e9, (cpu2 - cpu0) / 1e9, (t1 - t0) / 1e9,
                    (cpu1 - cpu0) / 1e9, (t2 - t1) / 1e9, (cpu2 - cpu1) / 1e9, alloc / 1048576.0,
                    live / 1048576.0, rep.idle(), rep.delivered(), rep.ok());
            if (!rep.ok()) {
                System.err.println("RestartBenchmark: the cycle failed: " + rep.errors());
            }
            return rep.ok();
        }
    }
}
