package dev.cms.bench;

import dev.cms.maildir.MaildirFolder;
import dev.cms.provider.CloudMailbox;
import dev.cms.provider.memory.InMemoryMailbox;
import dev.cms.store.MessageStore;
import dev.cms.store.StateDb;
import dev.cms.sync.CycleReport;
import dev.cms.sync.Daemon;
import dev.cms.sync.Progress;
import dev.cms.sync.Router;
import dev.cms.sync.SyncEngine;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The daemon restarted over a finished sync and left idle, in a JVM of its own started with the
 * launcher's flags ({@link LauncherFlags}): its resident set ({@code VmRSS}) once it is idle is
 * what a user's daemon holds. After the first cycle it runs {@link #POLLS} timer polls (the
 * engine's clock moved on by a poll interval, then the daemon woken), as a daemon that has been
 * running for a few minutes has, waits {@link #DEFAULT_SETTLE}, then reads {@code VmRSS}. It does
 * not ask for a garbage collection before that (the daemon does not); after it, one collection
 * gives the daemon's own live heap ({@code live_heap}: the heap in use less the same figure taken
 * before the daemon was built; nothing else lives in this process). Prints one line
 * {@code IDLE rss=... hwm=... heap_used=... heap_committed=... live_heap=... restart_seconds=...}.
 *
 * <p>Usage: {@code IdleDaemon STATE_DIR MAILDIR MAILBOX_KEY [SETTLE_SECONDS]}: the cloud is a
 * {@link QuietMailbox} (nothing changes) with the in-memory Office365 flags.
 */
public final class IdleDaemon {
    static final Duration DEFAULT_SETTLE = Duration.ofSeconds(3);
    /** Timer polls run before the RSS is read. */
    static final int POLLS = 3;

    private IdleDaemon() {}

    public static void main(String[] args) {
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        int code = 0;
        try {
            if (args.length != 3 && args.length != 4) {
                throw new IllegalArgumentException("usage: IdleDaemon STATE_DIR MAILDIR MAILBOX_KEY [SETTLE_SECONDS]");
            }
            Duration settle = args.length == 4 ? Duration.ofMillis((long) (Double.parseDouble(args[3]) * 1000))
                    : DEFAULT_SETTLE;
            CloudMailbox quiet = new QuietMailbox(args[2], InMemoryMailbox.likeOffice365(args[2]).supportedFlags());
            System.out.println("IDLE " + run(quiet, Path.of(args[0]), Path.of(args[1]), settle));
        } catch (Exception | OutOfMemoryError e) {
            System.err.println("IdleDaemon failed: " + e);
            e.printStackTrace();
            code = 1;
        }
        System.out.flush();
        System.exit(code);
    }

    /** Opens the state, runs the daemon until its first cycle ended and {@code settle} passed; returns the figures. */
    static String run(CloudMailbox cloud, Path stateDir, Path maildir, Duration settle) throws Exception {
        // The heap before any part of the daemon is built: what the idle heap is measured against.
        long baseline = ProcessStats.usedAfterGc();
        long t0 = System.nanoTime();
        TimerTicker ticker = new TimerTicker();
        MessageStore store = MessageStore.open(stateDir);
        try (StateDb db = StateDb.open(stateDir.resolve("state.db"))) {
            SyncEngine engine = new SyncEngine(List.of(MaildirFolder.open(maildir)), List.of(cloud), Router.defaultOnly(),
                    store, db, false, ticker, Progress.NONE);
            Daemon daemon = new Daemon(engine, List.of(maildir), Daemon.Options.defaults(cloud.pollInterval()),
                    dev.cms.time.Ticker.SYSTEM);
            DaemonThread running = DaemonThread.start(daemon, "idle-daemon");
            Thread thread = running.thread;
            AtomicReference<Throwable> crashed = running.crashed;
            try {
                long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
                while (daemon.lastReport() == null) {
                    if (crashed.get() != null || !thread.isAlive() || System.nanoTime() - deadline > 0) {
                        throw new IOException("the daemon's first cycle did not end", crashed.get());
                    }
                    Thread.sleep(5);
                }
                double restart = (System.nanoTime() - t0) / 1e9;
                CycleReport first = daemon.lastReport();
                if (!first.ok()) {
                    throw new IOException("the daemon's first cycle failed: " + first.errors());
                }
                ProcessStats.CpuMark cpu0 = ProcessStats.CpuMark.now();
                try (PollRecording recording = PollRecording.startIfAsked()) {
                    timerPolls(daemon, ticker, cloud.pollInterval(), thread, crashed, deadline);
                }
                double pollCpuMillis = cpu0.elapsedNanos() / 1e6 / POLLS;
                Thread.sleep(settle.toMillis());
                MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
                long rss = procStatusBytes("VmRSS:");
                // After the RSS, which a collection asked for here would change: the daemon's own live heap.
                long live = ProcessStats.usedAfterGc() - baseline;
                printHistogramIfAsked();
                return String.format(Locale.ROOT, "rss=%d hwm=%d heap_used=%d heap_committed=%d heap_max=%d"
                                + " live_heap=%d restart_seconds=%.3f poll_cpu_millis=%.1f idle=%s",
                        rss, procStatusBytes("VmHWM:"), heap.getUsed(), heap.getCommitted(),
                        heap.getMax(), live, restart, pollCpuMillis, first.idle());
            } finally {
                daemon.stop();
                daemon.awaitFinished(Duration.ofMinutes(1));
                thread.join(60_000);
            }
        }
    }

    /**
     * With {@code BENCH_HISTOGRAM=N} in the environment, prints the idle daemon's N largest
     * classes by live bytes (the JDK's {@code jcmd GC.class_histogram}) to stderr: what the heap
     * per message is made of.
     */
    static void printHistogramIfAsked() throws IOException, InterruptedException {
        String n = System.getenv("BENCH_HISTOGRAM");
        if (n == null || !n.matches("[0-9]+")) {
            return;
        }
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(ProcessHandle.current().pid()), "GC.class_histogram")
                .redirectErrorStream(true).start();
        List<String> lines;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            lines = r.lines().toList();
        }
        p.waitFor();
        System.err.println("live heap of the idle daemon, largest classes (jcmd GC.class_histogram):");
        lines.stream().limit(Integer.parseInt(n) + 3L).forEach(System.err::println);
        lines.stream().filter(l -> l.startsWith("Total")).forEach(System.err::println);
    }

    /** Runs {@link #POLLS} timer polls: the engine's clock moved on by a poll interval, then the daemon woken. */
    private static void timerPolls(Daemon daemon, TimerTicker ticker, Duration interval, Thread thread,
            AtomicReference<Throwable> crashed, long deadline) throws IOException, InterruptedException {
        for (int k = 0; k < POLLS; k++) {
            CycleReport before = daemon.lastReport();
            ticker.advance(interval.plusSeconds(1));
            daemon.wake();
            while (daemon.lastReport() == before) {
                if (crashed.get() != null || !thread.isAlive() || System.nanoTime() - deadline > 0) {
                    throw new IOException("a timer poll of the idle daemon did not end", crashed.get());
                }
                Thread.sleep(5);
            }
        }
    }

    /**
     * Starts {@code mainClass args} in a JVM with the launcher's flags plus {@code extraFlags},
     * on this JVM's class path; returns the fields of its {@code IDLE} line.
     *
     * @throws IOException when the child failed or printed no such line (its stderr is passed on)
     */
    static Map<String, String> measure(List<String> flags, String mainClass, List<String> args)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(JavaProcess.java());
        cmd.addAll(flags);
        cmd.add("-cp");
        cmd.add(JavaProcess.classPath());
        cmd.add(mainClass);
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Map<String, String> result = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("IDLE ")) {
                    result = new TreeMap<>();
                    for (String kv : line.substring(5).trim().split(" ")) {
                        int eq = kv.indexOf('=');
                        result.put(kv.substring(0, eq), kv.substring(eq + 1));
                    }
                }
            }
        }
        int code = p.waitFor();
        if (code != 0 || result == null) {
            throw new IOException("the idle daemon (" + String.join(" ", flags) + ") failed, exit " + code);
        }
        return result;
    }

    static long procStatusBytes(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key)) {
                    String v = line.substring(key.length()).trim();
                    return Long.parseLong(v.substring(0, v.indexOf(' '))) * 1024;
                }
            }
        } catch (IOException | NumberFormatException | StringIndexOutOfBoundsException e) {
            return -1;
        }
        return -1;
    }
}
