package dev.cms.sync;

import dev.cms.maildir.MaildirWatcher;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import dev.cms.time.Ticker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.jspecify.annotations.Nullable;

/**
 * The daemon's main loop: runs a cycle, then waits for a local change (debounced file
 * events), the poll timer, or the retry timer after a failure. A jump of the wall clock
 * (a laptop resuming) triggers a poll at once. {@link #stop()} lets the current cycle stop
 * at its next safe point and returns from {@link #run()}.
 *
 * <p>Failures stay where they happen: a cloud mailbox whose listing, download or push failed
 * waits out its own backoff (left out of the cycles meanwhile) while the others keep their
 * poll interval; a file that cannot be handled is skipped and tried again at the next cycle.
 * Only a failure of the whole cycle (a Maildir that cannot be read, the commit) backs off
 * everything. {@link #retryNow} ends the backoff of some mailboxes and runs a cycle at once (an
 * account whose login just completed).
 */
public final class Daemon {
    private static final Logger log = LoggerFactory.getLogger(Daemon.class);
    /** How often the wait wakes to look for a wall-clock jump. */
    private static final Duration TICK = Duration.ofSeconds(5);
    private static final Duration CLOCK_JUMP = Duration.ofSeconds(30);

    private enum Trigger { LOCAL_CHANGE, WAKE, STOP }

    /**
     * Tunables; {@link #defaults(Duration)} gives the production values. {@code safetyScan}: how
     * often the Maildirs' names are listed to catch file events the watcher may have missed.
     */
    public record Options(Duration pollInterval, Duration debounce, Duration maxDebounce, Duration rerunDelay,
            Backoff backoff, Duration safetyScan) {
        public static final Duration DEFAULT_SAFETY_SCAN = Duration.ofMinutes(10);

        public Options(Duration pollInterval, Duration debounce, Duration maxDebounce, Duration rerunDelay,
                Backoff backoff) {
            this(pollInterval, debounce, maxDebounce, rerunDelay, backoff, DEFAULT_SAFETY_SCAN);
        }

        public static Options defaults(Duration pollInterval) {
            return new Options(pollInterval, Duration.ofMillis(150), Duration.ofSeconds(2), Duration.ofSeconds(1),
                    new Backoff(Duration.ofSeconds(10), Duration.ofMinutes(5), new Random()));
        }

        public Options withSafetyScan(Duration every) {
            return new Options(pollInterval, debounce, maxDebounce, rerunDelay, backoff, every);
        }
    }

    /** What the daemon runs from the next cycle on: the folders of a whole account changed. */
    public record Reconfigured(SyncEngine engine, List<Path> maildirRoots) {}

    /** Asked between cycles for a new engine and Maildirs. */
    public interface Reconfigure {
        /** Whether a new engine is needed (the watcher still runs: nothing on disk changes yet). */
        boolean due() throws InterruptedException;

        /** With the watcher stopped: the new engine and Maildirs, or null to go on as before. */
        @Nullable Reconfigured build() throws InterruptedException;
    }

    private static final Reconfigure NEVER = new Reconfigure() {
        @Override
        public boolean due() {
            return false;
        }

        @Override
        public @Nullable Reconfigured build() {
            return null;
        }
    };

    private volatile SyncEngine engine;
    private List<Path> maildirRoots;
    private Reconfigure reconfigure = NEVER;
    private @Nullable MaildirWatcher watcher;
    private final Options options;
    private final Ticker ticker;
    /** Triggers not yet taken; guarded by itself, the monitor the loop waits on. */
    private final ArrayDeque<Trigger> triggers = new ArrayDeque<>();
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean stopping;
    private volatile @Nullable CycleReport lastReport;
    /** Cycles run so far; the first is always logged (the user sees that the daemon is in step). */
    private long cycles;
    /** Per failing cloud mailbox: its backoff and when (Ticker.nanoTime) it may be tried again. */
    private final Map<String, Backoff> mailboxBackoff = new HashMap<>();
    /** Read by {@link #backingOff()} from any thread; written by the loop only. */
    private final Map<String, Long> retryAt = new java.util.concurrent.ConcurrentHashMap<>();
    /** Mailboxes whose backoff {@link #retryNow} ended, for the loop to forget. */
    private final java.util.Queue<String> retryNow = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private volatile java.util.function.Consumer<CycleReport> afterCycle = r -> { };
    private final IdleCollection idleCollection = new IdleCollection();

    public Daemon(SyncEngine engine, List<Path> maildirRoots, Options options, Ticker ticker) {
        this.engine = engine;
        this.maildirRoots = List.copyOf(maildirRoots);
        this.options = options;
        this.ticker = ticker;
    }

    /** Runs until {@link #stop()}. */
    public void run() throws IOException, InterruptedException {
        try {
            startWatching();
            loop();
        } finally {
            stopWatching();
            finished.countDown();
        }
    }

    private void startWatching() throws IOException {
        if (!maildirRoots.isEmpty()) {
            MaildirWatcher w = MaildirWatcher.start(maildirRoots, options.debounce(), options.maxDebounce(), ticker,
                    this::localChange);
            watcher = w;
            SyncEngine e = engine;
            e.onOwnChanges(w::expectOwnChange);
            w.onFileEvents(e::journal);
            w.onEventsLost(e::eventsLost);
            // From here on a cycle looks only at the files the watcher names.
            e.useFileEvents(options.safetyScan());
        }
    }

    private void stopWatching() throws IOException {
        MaildirWatcher w = watcher;
        if (w != null) {
            watcher = null;
            engine.useFileEvents(null);
            engine.onOwnChanges(path -> { });
            w.close();
        }
    }

    /**
     * From now on {@code r} is asked after each cycle for a new engine and Maildirs; when it
     * gives them, the watcher moves to the new Maildirs and the next cycle runs at once.
     */
    public Daemon reconfigureWith(Reconfigure r) {
        this.reconfigure = java.util.Objects.requireNonNull(r, "r");
        return this;
    }

    /**
     * Takes the engine and Maildirs {@link #reconfigure} gives, if any; true when it gave them.
     * The watcher is stopped while they are made, so that it neither reports the Maildirs being
     * moved as the user's changes nor journals a change the new engine would not load.
     */
    private boolean reconfigured() throws IOException, InterruptedException {
        if (!reconfigure.due()) {
            return false;
        }
        stopWatching();
        Reconfigured next = null;
        try {
            next = reconfigure.build();
            if (next != null) {
                engine = next.engine();
                maildirRoots = List.copyOf(next.maildirRoots());
                if (stopping) {
                    engine.requestStop();
                }
                Set<String> keys = new HashSet<>(engine.mailboxKeys());
                mailboxBackoff.keySet().retainAll(keys);
                retryAt.keySet().retainAll(keys);
            }
        } finally {
            startWatching();
        }
        return next != null;
    }

    private void localChange(Set<Path> changed) {
        log.debug("local change in {}", changed);
        offer(Trigger.LOCAL_CHANGE);
    }

    private void offer(Trigger t) {
        synchronized (triggers) {
            triggers.add(t);
            ticker.wakeAll(triggers);
        }
    }

    private void loop() throws IOException, InterruptedException {
        while (!stopping) {
            for (String key; (key = retryNow.poll()) != null; ) {
                boolean wasBackingOff = retryAt.remove(key) != null;
                if (mailboxBackoff.remove(key) != null || wasBackingOff) {
                    log.info("{}: trying again now", key);
                }
            }
            long started = ticker.nanoTime();
            Set<String> paused = new HashSet<>();
            retryAt.forEach((key, at) -> {
                if (at - started > 0) {
                    paused.add(key);
                }
            });
            CycleReport r = engine.runCycle(paused);
            lastReport = r;
            cycles++;
            if (r.aborted() || stopping) {
                if (r.aborted()) {
                    log.info("{}", r.stopSummary());
                }
                break;
            }
            Duration wait = schedule(r, paused);
            idleCollection.afterCycle(r, cycles == 1, wait.compareTo(options.pollInterval()) >= 0,
                    () -> engine.snapshotCounts().values().stream().mapToLong(Integer::longValue).sum());
            afterCycle.accept(r);
            if (reconfigured()) {
                continue;
            }
            if (!awaitTrigger(wait)) {
                break;
            }
        }
    }

    /** For tests: what the collection when idle runs instead of a full collection, and from what size. */
    Daemon collectWith(Runnable c, int fromSize) {
        idleCollection.configure(c, fromSize);
        return this;
    }

    /** Logs the cycle and decides how long to wait for the next one. */
    private Duration schedule(CycleReport r, Set<String> paused) {
        Duration wait;
        if (r.failedAsAWhole()) {
            wait = options.backoff().next();
            for (String e : r.errors()) {
                log.error("{}", e);
            }
            log.warn("cycle failed ({}); retrying in {} s", r, Math.max(1, wait.toSeconds()));
        } else {
            options.backoff().reset();
            if (r.ok() && r.idle() && cycles > 1) {
                log.debug("cycle done: nothing to do");
            } else {
                log.info("cycle done: {}", r);
            }
            wait = r.rerunSoon() ? options.rerunDelay() : options.pollInterval();
            wait = min(wait, scheduleMailboxRetries(r, paused));
        }
        return wait;
    }

    /**
     * Backs off each mailbox that failed in {@code r}, forgets the backoff of those that
     * succeeded, and returns the time until the earliest retry (the poll interval when none).
     */
    private Duration scheduleMailboxRetries(CycleReport r, Set<String> paused) {
        long now = ticker.nanoTime();
        for (String key : engine.mailboxKeys()) {
            if (paused.contains(key)) {
                continue;
            }
            if (r.failedMailboxes().contains(key)) {
                Duration d = mailboxBackoff.computeIfAbsent(key, k -> options.backoff().sibling()).next();
                retryAt.put(key, now + d.toNanos());
                // A login being waited for is expected, not an error: the log says where to log in.
                boolean login = r.waitingForLogin().contains(key);
                for (String e : r.errors()) {
                    if (e.startsWith(key + ": ")) {
                        if (login) {
                            log.warn("{}", e);
                        } else {
                            log.error("{}", e);
                        }
                    }
                }
                log.warn("{}: retrying this mailbox in {} s; the others go on", key, Math.max(1, d.toSeconds()));
            } else if (mailboxBackoff.remove(key) != null) {
                retryAt.remove(key);
                log.info("{}: working again", key);
            }
        }
        Duration earliest = options.pollInterval();
        for (long at : retryAt.values()) {
            earliest = min(earliest, Duration.ofNanos(Math.max(0, at - now)));
        }
        return earliest;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /**
     * Waits up to {@code wait} for a trigger, waking every {@link #TICK} to compare the wall
     * clock with the monotonic one; false when stopping.
     */
    private boolean awaitTrigger(Duration wait) throws InterruptedException {
        long deadline = ticker.nanoTime() + wait.toNanos();
        synchronized (triggers) {
            while (true) {
                if (stopping || triggers.contains(Trigger.STOP)) {
                    return false;
                }
                if (!triggers.isEmpty()) {
                    triggers.clear();
                    return true;
                }
                long now = ticker.nanoTime();
                if (deadline - now <= 0) {
                    return true;
                }
                if (tickedPastAJump(deadline, now)) {
                    return true;
                }
            }
        }
    }

    /**
     * Waits (holding the triggers' monitor) until a trigger, the deadline or the next tick; true
     * when the wall clock moved more than {@link #CLOCK_JUMP} further than the monotonic clock
     * meanwhile (a laptop resuming from suspend).
     */
    private boolean tickedPastAJump(long deadline, long monoBefore) throws InterruptedException {
        Instant wallBefore = ticker.now();
        long tick = monoBefore + TICK.toNanos();
        ticker.waitUntil(triggers, deadline - tick < 0 ? deadline : tick);
        Duration wall = Duration.between(wallBefore, ticker.now());
        Duration mono = Duration.ofNanos(ticker.nanoTime() - monoBefore);
        if (wall.minus(mono).compareTo(CLOCK_JUMP) > 0) {
            log.info("the clock jumped {} s (resumed from suspend?); polling now", wall.minus(mono).toSeconds());
            return true;
        }
        return false;
    }

    /** Runs a cycle at once (after the current one, if one is running). */
    public void wake() {
        offer(Trigger.WAKE);
    }

    /**
     * Ends the backoff of the cloud mailboxes {@code mailboxKeys} (their account can work again:
     * its login just completed) and runs a cycle at once that includes them.
     */
    public void retryNow(java.util.Collection<String> mailboxKeys) {
        retryNow.addAll(mailboxKeys);
        wake();
    }

    /** The cloud mailboxes waiting out a backoff now (left out of the cycles until it ends). */
    public Set<String> backingOff() {
        return Set.copyOf(retryAt.keySet());
    }

    /** Tells {@code listener} each cycle's report, on the daemon's thread, before it waits for the next. */
    public Daemon afterEachCycle(java.util.function.Consumer<CycleReport> listener) {
        this.afterCycle = java.util.Objects.requireNonNull(listener, "listener");
        return this;
    }

    /** Asks the daemon to finish: the current cycle stops at its next safe point. */
    public void stop() {
        stopping = true;
        engine.requestStop();
        offer(Trigger.STOP);
    }

    /** Waits for {@link #run()} to return after {@link #stop()}. */
    public boolean awaitFinished(Duration timeout) throws InterruptedException {
        return finished.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public @Nullable CycleReport lastReport() {
        return lastReport;
    }
}
