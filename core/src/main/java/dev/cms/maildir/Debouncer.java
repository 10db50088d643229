package dev.cms.maildir;

import dev.cms.time.Ticker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The watcher's timer: gathers the Maildirs that changed into bursts and reports each burst
 * once, on its own thread, when {@code quiet} has passed with no further change or
 * {@code maxDelay} has passed since the burst's first change, whichever comes first. While
 * some directory is lost it also calls {@link Rewatch} every {@code rewatch}. All its waiting
 * is on a {@link Ticker}, so tests drive it with a fake clock.
 */
final class Debouncer {
    private static final Logger LOG = LoggerFactory.getLogger(Debouncer.class);
    /** How long an idle timer waits before it looks again (a change wakes it at once). */
    private static final Duration IDLE = Duration.ofDays(365);

    /** Watches the lost directories that are back again. */
    interface Rewatch {
        /** Adds the roots watched again to {@code changed}; true while some directory is still lost. */
        boolean rewatch(Set<Path> changed);
    }

    private final Ticker ticker;
    private final long quietNanos;
    private final long maxDelayNanos;
    private final long rewatchNanos;
    private final Consumer<Set<Path>> onChange;
    private final Rewatch rewatch;
    private final Object lock = new Object();
    // Guarded by lock.
    private Set<Path> changed = new LinkedHashSet<>();
    private long first;
    private long last;
    private boolean lost;
    /** A directory was lost while {@link Rewatch} ran: it may not have seen it. */
    private boolean lostMeanwhile;
    private long nextRewatch;
    private boolean closed;

    Debouncer(Ticker ticker, Duration quiet, Duration maxDelay, Duration rewatchEvery, Consumer<Set<Path>> onChange,
            Rewatch rewatch) {
        this.ticker = ticker;
        this.quietNanos = quiet.toNanos();
        this.maxDelayNanos = maxDelay.toNanos();
        this.rewatchNanos = rewatchEvery.toNanos();
        this.onChange = onChange;
        this.rewatch = rewatch;
    }

    /** Notes a change of {@code root} now: starts a burst, or extends the current one's quiet time. */
    void changed(Path root) {
        synchronized (lock) {
            long now = ticker.nanoTime();
            if (changed.isEmpty()) {
                first = now;
            }
            last = now;
            changed.add(root);
            ticker.wakeAll(lock);
        }
    }

    /** Notes that a directory was lost: it is looked for again every {@code rewatch} from now. */
    void lost() {
        synchronized (lock) {
            lostMeanwhile = true;
            if (!lost) {
                lost = true;
                nextRewatch = ticker.nanoTime() + rewatchNanos;
                ticker.wakeAll(lock);
            }
        }
    }

    void close() {
        synchronized (lock) {
            closed = true;
            ticker.wakeAll(lock);
        }
    }

    /** The timer thread's loop: runs until {@link #close()}. */
    void run() {
        try {
            while (true) {
                Set<Path> due;
                boolean rewatchDue;
                synchronized (lock) {
                    if (closed) {
                        return;
                    }
                    long now = ticker.nanoTime();
                    rewatchDue = lost && now - nextRewatch >= 0;
                    due = !changed.isEmpty() && now - deadline() >= 0 ? takeBurst() : null;
                    if (due == null && !rewatchDue) {
                        await(now);
                        continue;
                    }
                }
                if (rewatchDue) {
                    rewatchNow();
                }
                if (due != null) {
                    report(due);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.error("Maildir watcher's timer stopped unexpectedly", e);
        }
    }

    /** When the current burst is due: quiet after its last change, capped by its first. */
    private long deadline() {
        long quietEnd = last + quietNanos;
        long cap = first + maxDelayNanos;
        return quietEnd - cap < 0 ? quietEnd : cap;
    }

    private Set<Path> takeBurst() {
        Set<Path> burst = changed;
        changed = new LinkedHashSet<>();
        return burst;
    }

    /** Waits, holding the lock, for a change or for the next deadline (the burst's, the rewatch's). */
    private void await(long now) throws InterruptedException {
        boolean timed = !changed.isEmpty() || lost;
        long until = now;
        if (!changed.isEmpty()) {
            until = deadline();
        }
        if (lost && (changed.isEmpty() || nextRewatch - until < 0)) {
            until = nextRewatch;
        }
        // Idle, it still waits through the ticker (with no deadline to speak of): a fake clock sees it.
        ticker.waitUntil(lock, timed ? until : now + IDLE.toNanos());
    }

    private void rewatchNow() {
        synchronized (lock) {
            lostMeanwhile = false;
        }
        Set<Path> back = new LinkedHashSet<>();
        boolean stillLost = rewatch.rewatch(back);
        synchronized (lock) {
            lost = stillLost || lostMeanwhile;
            nextRewatch = ticker.nanoTime() + rewatchNanos;
        }
        for (Path root : back) {
            changed(root);
        }
    }

    private void report(Set<Path> burst) {
        synchronized (lock) {
            if (closed) {
                return;
            }
        }
        try {
            onChange.accept(Set.copyOf(burst));
        } catch (RuntimeException e) {
            LOG.error("Maildir change handler failed for {}", burst, e);
        }
    }
}
