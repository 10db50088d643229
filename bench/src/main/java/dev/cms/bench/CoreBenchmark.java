package dev.cms.bench;

import dev.cms.maildir.MaildirFile;
import dev.cms.maildir.MaildirFolder;
import dev.cms.model.FileStat;
import dev.cms.provider.memory.InMemoryMailbox;
import dev.cms.store.MessageStore;
import dev.cms.store.StatIndex;
import dev.cms.store.StatRows;
import dev.cms.store.StateDb;
import dev.cms.sync.CycleReport;
import dev.cms.sync.Daemon;
import dev.cms.sync.Progress;
import dev.cms.sync.Router;
import dev.cms.sync.SyncEngine;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The core benchmark: the real {@link SyncEngine}, message store, {@code state.db}, Maildir and
 * {@link Daemon} against the in-memory provider holding N generated messages. It measures the
 * initial sync, a restart that finds nothing to do, the latency from a local flag change to the
 * provider call, and the peak heap and RSS; it prints the figures next to their targets and
 * asserts nothing. See {@code bench/README.md}.
 */
public final class CoreBenchmark {
    private static final String MAILBOX_KEY = "bench:office365:inbox";
    private static final int FLAG_CHANGES = 5;
    private static final Duration WAIT_LIMIT = Duration.ofMinutes(5);

    private CoreBenchmark() {}

    public static void main(String[] args) {
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        int code;
        try {
            code = run(args, System.out, System.err);
        } catch (IllegalArgumentException e) {
            System.err.println("CoreBenchmark: " + e.getMessage());
            System.err.println(BenchOptions.USAGE);
            code = 2;
        } catch (Exception | OutOfMemoryError e) {
            System.err.println("CoreBenchmark failed: " + e);
            e.printStackTrace();
            code = 1;
        }
        System.exit(code);
    }

    /**
     * Runs the benchmark, printing the table on {@code out} and progress notes on {@code log}.
     * Returns 0 when every phase ran and every cycle succeeded (targets missed or not), else 1.
     *
     * @throws IllegalArgumentException for a bad command line or a non-empty {@code --dir}
     */
    static int run(String[] args, PrintStream out, PrintStream log) throws IOException, InterruptedException {
        BenchOptions o = BenchOptions.parse(args);
        ProcessStats.resetHeapPeaks();
        boolean temporary = o.dir() == null;
        Path dir = temporary ? Files.createTempDirectory("cms-bench-") : o.dir();
        if (!temporary && Files.isDirectory(dir) && !isEmpty(dir)) {
            throw new IllegalArgumentException("--dir " + dir + " is not empty; the benchmark starts from empty state");
        }
        try (ProcessStats.LiveHeapTracker live = new ProcessStats.LiveHeapTracker()) {
            Results r = measure(o, dir, log);
            r.liveHeapPeakBytes = live.maxBytes();
            r.print(out);
            if (o.json() != null) {
                Files.writeString(o.json(), r.toJson(), StandardCharsets.UTF_8);
            }
            return r.initialOk && r.restartIdle && r.flagMillis.size() == FLAG_CHANGES && r.idleRssBytes() >= 0 ? 0 : 1;
        } finally {
            if (temporary) {
                BenchFiles.deleteTree(dir);
            }
        }
    }

    private static Results measure(BenchOptions o, Path dir, PrintStream log) throws IOException, InterruptedException {
        Results r = new Results();
        r.messages = o.messages();
        r.size = o.size();
        r.seed = o.seed();
        r.fetchThreads = o.fetchThreads();
        r.machine = machine();
        r.pollReferenceMillis = o.pollReferenceMillis();
        Path stateDir = dir.resolve("state");
        Path maildir = dir.resolve("Maildir");
        MailGenerator gen = new MailGenerator(o.seed(), o.size());
        InMemoryMailbox cloud = InMemoryMailbox.likeOffice365(MAILBOX_KEY);
        cloud.setPollInterval(Duration.ofHours(1));
        log.printf(Locale.ROOT, "[bench] generating %,d messages%n", o.messages());
        GeneratedMailbox box = GeneratedMailbox.filled(cloud, gen, o.messages(), o.fetchThreads());
        // The heap before any part of the product is built: the in-memory cloud and the benchmark.
        r.baselineHeapBytes = ProcessStats.usedAfterGc();

        log.printf(Locale.ROOT, "[bench] the provider's serving ceiling (%,d bodies to a reading sink)%n",
                Math.min(o.messages(), CEILING_MAX));
        ceiling(r, box);
        log.printf(Locale.ROOT, "[bench] initial sync of %,d messages into %s%n", o.messages(), dir);
        initialSync(r, box, stateDir, maildir);
        log.printf(Locale.ROOT, "[bench] initial sync took %.1f s; restarting %d time(s), each beside the floor%n",
                r.initialSeconds, o.restartRuns());
        TimerTicker ticker = new TimerTicker();
        Restarted restarted = null;
        r.restartRehashed = filesToRehash(stateDir, maildir);
        for (int k = 0; k < o.restartRuns(); k++) {
            if (restarted != null) {
                restarted.db().close();
            }
            r.floors.add(Floor.measure(maildir, stateDir));
            restarted = restart(r, box, stateDir, maildir, ticker);
        }
        log.printf(Locale.ROOT, "[bench] restart took %.2f s (floor %.2f s); %d unchanged timer polls%n",
                r.restartSeconds(), r.floorSeconds(), o.polls());
        try {
            polls(r, restarted.engine(), ticker, o.polls());
            log.printf(Locale.ROOT, "[bench] poll CPU %.1f ms (median); %d flag changes through the daemon%n",
                    Results.median(r.pollCpuMillis), FLAG_CHANGES);
            flagChanges(r, restarted.engine(), cloud, maildir);
        } finally {
            restarted.db().close();
        }
        r.heapPeakBytes = ProcessStats.heapPeakBytes();
        r.heapMaxBytes = ProcessStats.maxHeapBytes();
        r.oldGenPeakBytes = ProcessStats.oldGenPeakBytes();
        r.rssPeakBytes = ProcessStats.peakRssBytes();
        idleRss(r, o, stateDir, maildir, log);
        return r;
    }

    // ---- the provider's serving ceiling

    /** Bodies timed for the ceiling: all of them up to this many. */
    static final int CEILING_MAX = 200_000;

    /**
     * The rate at which the provider hands bodies over when the sink only reads them: what the
     * initial sync's download is compared with. Same mailbox, same fetch threads.
     */
    private static void ceiling(Results r, GeneratedMailbox box) throws IOException, InterruptedException {
        List<String> ids = new ArrayList<>();
        for (var m : box.inner().list(null).messages()) {
            ids.add(m.id());
            if (ids.size() == CEILING_MAX) {
                break;
            }
        }
        java.util.concurrent.atomic.AtomicLong n = new java.util.concurrent.atomic.AtomicLong();
        long t0 = System.nanoTime();
        box.fetchBodies(ids, (id, body, received) -> {
            body.transferTo(java.io.OutputStream.nullOutputStream());
            n.incrementAndGet();
        });
        double seconds = (System.nanoTime() - t0) / 1e9;
        r.ceilingMessages = n.get();
        r.ceilingSeconds = seconds;
        box.resetFirstServed();
    }

    // ---- 1. initial sync

    private static void initialSync(Results r, GeneratedMailbox box, Path stateDir, Path maildir)
            throws IOException, InterruptedException {
        MessageStore store = MessageStore.open(stateDir);
        FirstFileWatch visible = new FirstFileWatch(maildir);
        try (StateDb db = StateDb.open(stateDir.resolve("state.db"))) {
            SyncEngine engine = new SyncEngine(List.of(MaildirFolder.open(maildir)), List.of(box), Router.defaultOnly(),
                    store, db, false, dev.cms.time.Ticker.SYSTEM, Progress.NONE);
            visible.start();
            long cpu0 = ProcessStats.cpuNanos();
            long t0 = System.nanoTime();
            CycleReport rep = engine.runCycle();
            r.initialSeconds = (System.nanoTime() - t0) / 1e9;
            r.initialCpuSeconds = (ProcessStats.cpuNanos() - cpu0) / 1e9;
            r.initialBytes = box.bytesServed();
            r.initialDelivered = rep.delivered();
            r.initialOk = rep.ok() && rep.delivered() == r.messages;
            long first = box.firstServedNanos();
            long seen = visible.stop();
            r.firstVisibleSeconds = first == 0 || seen == 0 ? Double.NaN : Math.max(0, seen - first) / 1e9;
            if (!rep.ok()) {
                throw new IOException("the initial sync failed: " + rep.errors());
            }
        } finally {
            visible.stop();
        }
    }

    /** Looks every 5 ms for the first file in the Maildir's cur/ or new/, and notes when it appeared. */
    private static final class FirstFileWatch {
        private final Path maildir;
        private final java.util.concurrent.atomic.AtomicLong seen = new java.util.concurrent.atomic.AtomicLong();
        private volatile boolean stopped;
        private Thread thread;

        FirstFileWatch(Path maildir) {
            this.maildir = maildir;
        }

        void start() {
            thread = new Thread(() -> {
                while (!stopped && seen.get() == 0) {
                    if (anyFile(maildir.resolve("cur")) || anyFile(maildir.resolve("new"))) {
                        seen.compareAndSet(0, System.nanoTime());
                        return;
                    }
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "bench-first-file");
            thread.setDaemon(true);
            thread.start();
        }

        /** Stops looking; returns when (System.nanoTime) the first file was seen, 0 if never. */
        long stop() throws InterruptedException {
            stopped = true;
            if (thread != null) {
                thread.join();
            }
            return seen.get();
        }

        private static boolean anyFile(Path dir) {
            try (var d = Files.newDirectoryStream(dir)) {
                return d.iterator().hasNext();
            } catch (IOException e) {
                return false;
            }
        }
    }

    // ---- 2. restart to idle

    /** An engine after its first cycle, and its open database. */
    private record Restarted(SyncEngine engine, StateDb db) {}

    /** Opens everything again over the same state, as a restarted daemon does, and runs one cycle. */
    private static Restarted restart(Results r, GeneratedMailbox box, Path stateDir, Path maildir, TimerTicker ticker)
            throws IOException, InterruptedException {
        long read0 = ProcessStats.bytesRead();
        PollRecording recording = PollRecording.startIfAsked(PollRecording.RESTART_PROPERTY);
        long cpu0 = ProcessStats.cpuNanos();
        long t0 = System.nanoTime();
        MessageStore store = MessageStore.open(stateDir);
        StateDb db = StateDb.open(stateDir.resolve("state.db"));
        SyncEngine engine = new SyncEngine(List.of(MaildirFolder.open(maildir)), List.of(box), Router.defaultOnly(),
                store, db, false, ticker, Progress.NONE);
        long t1 = System.nanoTime();
        CycleReport rep = engine.runCycle();
        long t2 = System.nanoTime();
        if (recording != null) {
            recording.close();
        }
        long read1 = ProcessStats.bytesRead();
        r.restartOpenSeconds = (t1 - t0) / 1e9;
        r.restartCycleSeconds = (t2 - t1) / 1e9;
        r.restartWallSeconds.add((t2 - t0) / 1e9);
        r.restartCpuSeconds.add((ProcessStats.cpuNanos() - cpu0) / 1e9);
        r.restartBytesRead = read0 < 0 || read1 < 0 ? -1 : read1 - read0;
        r.restartIdle = rep.ok() && rep.idle();
        if (!rep.ok()) {
            db.close();
            throw new IOException("the cycle after the restart failed: " + rep.errors());
        }
        return new Restarted(engine, db);
    }

    // ---- 3. unchanged timer polls

    /**
     * Runs the cycle of a timer poll with nothing changed, locally or in the cloud, {@code n}
     * times: the engine's clock is moved on by a poll interval first, so each is the cycle the
     * daemon runs when its poll timer fires, the engine fed by file events as under the daemon.
     */
    private static void polls(Results r, SyncEngine engine, TimerTicker ticker, int n)
            throws IOException, InterruptedException {
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long self = Thread.currentThread().getId();
        // As the daemon does once its watcher runs: a poll looks only at the files the watcher
        // named (none here), with a names-only safety scan every ten minutes.
        engine.useFileEvents(Daemon.Options.DEFAULT_SAFETY_SCAN);
        try (PollRecording recording = PollRecording.startIfAsked()) {
            timedPolls(r, engine, ticker, n, threads, self);
        }
    }

    private static void timedPolls(Results r, SyncEngine engine, TimerTicker ticker, int n,
            com.sun.management.ThreadMXBean threads, long self) throws IOException, InterruptedException {
        for (int k = 0; k < n; k++) {
            ticker.advance(POLL_INTERVAL.plusSeconds(1));
            long alloc0 = threads.getThreadAllocatedBytes(self);
            long thread0 = threads.getCurrentThreadCpuTime();
            ProcessStats.CpuMark cpu0 = ProcessStats.CpuMark.now();
            long t0 = System.nanoTime();
            CycleReport rep = engine.runCycle();
            r.pollWallMillis.add((System.nanoTime() - t0) / 1e6);
            r.pollCpuMillis.add(cpu0.elapsedNanos() / 1e6);
            r.pollThreadCpuMillis.add((threads.getCurrentThreadCpuTime() - thread0) / 1e6);
            r.pollAllocatedBytes.add((double) (threads.getThreadAllocatedBytes(self) - alloc0));
            if (!rep.ok() || !rep.idle()) {
                throw new IOException("an unchanged poll was not idle: ok " + rep.ok() + ", errors " + rep.errors());
            }
        }
    }

    /** The daemon's default poll interval (a cloud mailbox's {@code pollInterval()} unless it says otherwise). */
    static final Duration POLL_INTERVAL = Duration.ofSeconds(60);

    // ---- RSS of the idle daemon under the launcher's flags, in a JVM of its own

    private static void idleRss(Results r, BenchOptions o, Path stateDir, Path maildir, PrintStream log)
            throws IOException, InterruptedException {
        List<String> launcher = LauncherFlags.read();
        List<String> args = List.of(stateDir.toString(), maildir.toString(), MAILBOX_KEY);
        log.printf(Locale.ROOT, "[bench] idle daemon in a JVM with the launcher's flags: %s%n", String.join(" ", launcher));
        r.rssFlags = String.join(" ", launcher);
        r.idle = IdleDaemon.measure(launcher, IdleDaemon.class.getName(), args);
        for (String extra : o.rssFlags()) {
            List<String> flags = new ArrayList<>(List.of(extra.trim().split("\\s+")));
            log.printf(Locale.ROOT, "[bench] idle daemon with %s%n", extra);
            r.idleCandidates.put(extra, IdleDaemon.measure(flags, IdleDaemon.class.getName(), args));
        }
    }

    /**
     * How many Maildir files the restarted engine will read and hash: those whose stat data
     * differs from the stat index in {@code state.db} (the rule of {@link StatIndex#hashOf}).
     * Counted before the restart, because the restart's commit updates the index.
     */
    private static long filesToRehash(Path stateDir, Path maildir) throws IOException {
        StatRows index;
        try (StateDb db = StateDb.openReadOnly(stateDir.resolve("state.db"))) {
            index = db.loadStatIndex();
        }
        long n = 0;
        for (MaildirFile f : MaildirFolder.open(maildir).scan()) {
            StatIndex.Entry e = index.get(f.stat().inode());
            FileStat st = f.stat();
            if (e == null || !e.stat().equals(st)) {
                n++;
            }
        }
        return n;
    }

    // ---- 3. local flag change → provider call, through the real daemon

    private static void flagChanges(Results r, SyncEngine engine, InMemoryMailbox cloud, Path maildir)
            throws IOException, InterruptedException {
        Daemon daemon = new Daemon(engine, List.of(maildir), Daemon.Options.defaults(Duration.ofHours(1)),
                dev.cms.time.Ticker.SYSTEM);
        DaemonThread running = DaemonThread.start(daemon, "bench-daemon");
        Thread thread = running.thread;
        AtomicReference<Throwable> crashed = running.crashed;
        try {
            awaitTrue(() -> daemon.lastReport() != null, thread, crashed, "the daemon's first cycle");
            // Only the files to change are kept: a list of every unread file would be live at the
            // heap measurement below and counted as the daemon's (60,000 files at 100k: ~190 B/message).
            List<MaildirFile> chosen = unreadFiles(maildir, FLAG_CHANGES);
            for (MaildirFile f : chosen) {
                CycleReport before = daemon.lastReport();
                long applied = cloud.changesApplied();
                long t0 = System.nanoTime();
                Files.move(f.path(), maildir.resolve("cur").resolve(f.name().base() + ":2,S"));
                awaitTrue(() -> cloud.changesApplied() > applied, thread, crashed, "the flag change to reach the provider");
                r.flagMillis.add((System.nanoTime() - t0) / 1e6);
                awaitTrue(() -> daemon.lastReport() != before, thread, crashed, "the cycle that pushed the change to end");
                CycleReport after = daemon.lastReport();
                if (!after.ok()) {
                    throw new IOException("the daemon's cycle failed: " + after.errors());
                }
                Thread.sleep(700); // more than the debounce: let any follow-up cycle start and end
                awaitTrue(() -> daemon.lastReport() != null, thread, crashed, "the daemon to settle");
            }
            // The daemon is idle: what the heap holds now, less what it held before the product was built.
            r.liveAfterRestartBytes = ProcessStats.usedAfterGc();
            r.idleHeapBytes = r.liveAfterRestartBytes - r.baselineHeapBytes;
        } finally {
            daemon.stop();
            if (!daemon.awaitFinished(WAIT_LIMIT)) {
                throw new IOException("the daemon did not stop within " + WAIT_LIMIT);
            }
            thread.join();
        }
        if (crashed.get() != null) {
            throw new IOException("the daemon failed: " + crashed.get(), crashed.get());
        }
    }

    /** Files without flags in new/, in name order, so the same seed picks the same messages. */
    /** {@code n} unread files spread evenly over the unread ones in name order. */
    private static List<MaildirFile> unreadFiles(Path maildir, int n) throws IOException {
        List<MaildirFile> unread = new ArrayList<>();
        for (MaildirFile f : MaildirFolder.open(maildir).scan()) {
            if (f.inNew() && f.flags().isEmpty()) {
                unread.add(f);
            }
        }
        unread.sort(Comparator.comparing(f -> f.path().getFileName().toString()));
        List<MaildirFile> out = new ArrayList<>();
        for (int k = 0; k < n && k < unread.size(); k++) {
            out.add(unread.get(k * unread.size() / n));
        }
        return out;
    }

    @FunctionalInterface
    private interface Condition {
        boolean holds();
    }

    private static void awaitTrue(Condition c, Thread daemon, AtomicReference<Throwable> crashed, String what)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + WAIT_LIMIT.toNanos();
        while (!c.holds()) {
            if (crashed.get() != null || !daemon.isAlive()) {
                throw new IOException("the daemon ended while waiting for " + what, crashed.get());
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IOException("gave up waiting for " + what + " after " + WAIT_LIMIT);
            }
            Thread.sleep(1);
        }
    }

    // ---- helpers

    private static String machine() {
        String model = procField("/proc/cpuinfo", "model name");
        String mem = procField("/proc/meminfo", "MemTotal");
        return String.format(Locale.ROOT, "%s, %d CPUs (%s), memory %s, Java %s, max heap %d MiB",
                Instant.now().truncatedTo(ChronoUnit.SECONDS), Runtime.getRuntime().availableProcessors(),
                model == null ? "unknown CPU" : model, mem == null ? "unknown" : mem,
                System.getProperty("java.version"), ProcessStats.maxHeapBytes() >> 20);
    }

    private static String procField(String file, String key) {
        try {
            for (String line : Files.readAllLines(Path.of(file))) {
                if (line.startsWith(key)) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

}
