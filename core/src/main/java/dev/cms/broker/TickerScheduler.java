package dev.cms.broker;

import dev.cms.time.Ticker;
import java.time.Duration;
import java.util.PriorityQueue;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks after delays measured on a {@link Ticker}: in production on one daemon thread
 * ({@link #start}) that waits with {@link Ticker#waitUntil}, so on a test's fake clock it runs a
 * task only when the fake is advanced past the task's time. A scheduler that is not started runs
 * nothing by itself: a test calls {@link #runDue} after moving its clock, on its own thread.
 */
final class TickerScheduler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TickerScheduler.class);
    /** With nothing scheduled the thread still looks at its queue this often (a new task wakes it anyway). */
    private static final Duration IDLE = Duration.ofHours(1);

    /** What {@link #schedule} returns: cancels the task if it has not started. */
    interface Cancellable {
        void cancel();
    }

    private record Task(long due, long seq, Runnable run) {
    }

    private final Ticker ticker;
    /** Earliest first; equal times in the order they were scheduled. Guarded by {@code this}. */
    private final PriorityQueue<Task> tasks = new PriorityQueue<>((a, b) -> a.due() != b.due()
            ? Long.signum(a.due() - b.due()) : Long.compare(a.seq(), b.seq()));
    private long seq;
    private long ran;
    private boolean closed;
    private @Nullable Thread thread;

    TickerScheduler(Ticker ticker) {
        this.ticker = ticker;
    }

    /** Starts the thread that runs the tasks as they fall due. */
    synchronized TickerScheduler start(String threadName) {
        if (thread == null && !closed) {
            Thread t = new Thread(this::loop, threadName);
            t.setDaemon(true);
            thread = t;
            t.start();
        }
        return this;
    }

    /** Runs {@code task} once {@code delay} has passed on the ticker (a negative delay: at once). */
    synchronized Cancellable schedule(Runnable task, Duration delay) {
        long due = ticker.nanoTime() + (delay.isNegative() ? 0 : delay.toNanos());
        Task t = new Task(due, seq++, task);
        if (!closed) {
            tasks.add(t);
            ticker.wakeAll(this);
        }
        return () -> {
            synchronized (this) {
                tasks.remove(t);
            }
        };
    }

    /** Runs, on the calling thread, every task due by the ticker's time, earliest first; returns how many ran. */
    int runDue() {
        int n = 0;
        while (true) {
            Task next;
            synchronized (this) {
                next = tasks.peek();
                if (closed || next == null || next.due() - ticker.nanoTime() > 0) {
                    return n;
                }
                tasks.remove();
                ran++;
            }
            n++;
            try {
                next.run().run();
            } catch (RuntimeException e) {
                log.error("A scheduled task failed", e);
            }
        }
    }

    /** When the earliest task is due on the ticker, or null when none waits. */
    synchronized @Nullable Long nextDue() {
        Task next = tasks.peek();
        return next == null ? null : next.due();
    }

    /** Tasks waiting to run. */
    synchronized int pending() {
        return tasks.size();
    }

    /** Tasks run so far. */
    synchronized long ran() {
        return ran;
    }

    private void loop() {
        try {
            while (true) {
                runDue();
                synchronized (this) {
                    if (closed) {
                        return;
                    }
                    Task next = tasks.peek();
                    long deadline = next != null ? next.due() : ticker.nanoTime() + IDLE.toNanos();
                    ticker.waitUntil(this, deadline);
                }
            }
        } catch (InterruptedException e) {
            // close()
        }
    }

    /** Drops the waiting tasks and stops the thread; a task under way finishes. */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            closed = true;
            tasks.clear();
            ticker.wakeAll(this);
            t = thread;
        }
        if (t != null) {
            t.interrupt();
        }
    }
}
