package dev.cms.provider;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches message bodies one id at a time on a small pool of daemon threads, for the
 * providers' {@link CloudMailbox#fetchBodies}.
 *
 * <p>Ids are fetched once each (duplicates dropped, first order kept), taken by the threads in
 * the order given (the engine gives the newest mail first), so they start in that order and
 * finish in about it. One failing id does not
 * stop the others, except {@link AuthenticationRequiredException}: every later call would fail
 * the same way, so the ids not yet started are skipped. After all tasks finish the first failure
 * is rethrown as it was ({@link IOException}, {@link InterruptedException}, unchecked), anything
 * else wrapped in an {@link IOException}. How many requests are really in flight is still up to
 * the provider's transport; this only bounds the threads.
 */
public final class ParallelFetch {
    private static final Logger log = LoggerFactory.getLogger(ParallelFetch.class);

    /** Fetches one body; called from a pool thread. */
    @FunctionalInterface
    public interface FetchOne {
        void fetch(String id) throws IOException, InterruptedException;
    }

    private ParallelFetch() {}

    /**
     * Runs {@code fetchOne} for every distinct id on at most {@code maxThreads} daemon threads named
     * {@code threadNamePrefix} + a number, and returns when all are done.
     *
     * @param mailboxKey names the mailbox in log lines and in the wrapping exception
     * @throws IllegalArgumentException if {@code maxThreads} is less than 1
     */
    public static void run(Collection<String> ids, int maxThreads, String threadNamePrefix, String mailboxKey,
                           FetchOne fetchOne) throws IOException, InterruptedException {
        if (maxThreads < 1) {
            throw new IllegalArgumentException("maxThreads must be at least 1: " + maxThreads);
        }
        List<String> todo = List.copyOf(new LinkedHashSet<>(ids));
        if (todo.isEmpty()) {
            return;
        }
        AtomicReference<Throwable> first = new AtomicReference<>();
        AtomicBoolean loginNeeded = new AtomicBoolean();
        ExecutorService pool = newPool(Math.min(maxThreads, todo.size()), threadNamePrefix);
        List<Future<?>> futures = new ArrayList<>(todo.size());
        try {
            for (String id : todo) {
                futures.add(pool.submit(() -> {
                    if (loginNeeded.get()) {
                        return null; // every further call would fail the same way
                    }
                    try {
                        fetchOne.fetch(id);
                    } catch (AuthenticationRequiredException e) {
                        loginNeeded.set(true);
                        first.compareAndSet(null, e);
                    } catch (IOException | RuntimeException e) {
                        log.debug("{}: fetching message {} failed: {}", mailboxKey, id, e.toString());
                        first.compareAndSet(null, e);
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    // An InterruptedException or Error escaped a task: keep it if it came first.
                    first.compareAndSet(null, e.getCause());
                }
            }
        } finally {
            pool.shutdownNow();
            awaitStopped(pool, mailboxKey);
        }
        rethrow(first.get(), mailboxKey);
    }

    /**
     * Waits (a bounded time) for the pool's threads to stop: a caller interrupted while they ran
     * must not go on while one is still handing a body to the engine, whose tables are not
     * made for two threads at once. The interrupt is kept for the caller.
     */
    private static void awaitStopped(ExecutorService pool, String mailboxKey) {
        boolean interrupted = Thread.interrupted();
        try {
            if (!pool.awaitTermination(STOP_WAIT_SECONDS, TimeUnit.SECONDS)) {
                log.warn("{}: body downloads still running {} s after they were stopped", mailboxKey,
                        STOP_WAIT_SECONDS);
            }
        } catch (InterruptedException e) {
            interrupted = true;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** How long {@link #awaitStopped} waits: an interrupted request ends well within it. */
    private static final long STOP_WAIT_SECONDS = 60;

    private static ExecutorService newPool(int threads, String threadNamePrefix) {
        AtomicInteger threadNo = new AtomicInteger();
        return Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, threadNamePrefix + threadNo.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    private static void rethrow(@Nullable Throwable t, String mailboxKey) throws IOException, InterruptedException {
        if (t instanceof IOException) {
            throw (IOException) t;
        } else if (t instanceof InterruptedException) {
            throw (InterruptedException) t;
        } else if (t instanceof RuntimeException) {
            throw (RuntimeException) t;
        } else if (t instanceof Error) {
            throw (Error) t;
        } else if (t != null) {
            throw new IOException(mailboxKey + ": fetching bodies failed", t);
        }
    }
}
