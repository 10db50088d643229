package dev.cms.provider;

import static dev.cms.testing.TextAssert.assertThatText;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ParallelFetchTest {
    private final List<String> fetched = Collections.synchronizedList(new ArrayList<>());

    @Test
    void fetchesEachDistinctIdOnce() throws Exception {
        ParallelFetch.run(List.of("a", "b", "a", "c", "b"), 3, "t-", "box", fetched::add);

        assertEquals(Set.of("a", "b", "c"), Set.copyOf(fetched));
        assertEquals(3, fetched.size());
    }

    @Test
    void idsAreTakenInTheOrderGivenTheEngineGivesTheNewestFirst() throws Exception {
        ParallelFetch.run(List.of("z", "a", "m", "a", "b"), 1, "t-", "box", fetched::add);

        assertEquals(List.of("z", "a", "m", "b"), fetched);
    }

    @Test
    void nothingToFetchCallsNothing() throws Exception {
        ParallelFetch.run(List.of(), 4, "t-", "box", id -> fetched.add(id));

        assertTrue(fetched.isEmpty());
    }

    @Test
    void runsOnNamedDaemonThreadsNoMoreThanAsked() throws Exception {
        Set<String> names = ConcurrentHashMap.newKeySet();
        Set<Boolean> daemon = ConcurrentHashMap.newKeySet();
        CountDownLatch bothStarted = new CountDownLatch(2);
        ParallelFetch.run(List.of("a", "b", "c", "d", "e"), 2, "test-fetch-", "box", id -> {
            names.add(Thread.currentThread().getName());
            daemon.add(Thread.currentThread().isDaemon());
            bothStarted.countDown();
            assertTrue(bothStarted.await(10, TimeUnit.SECONDS), "two threads ran side by side");
        });

        assertEquals(Set.of("test-fetch-1", "test-fetch-2"), names);
        assertEquals(Set.of(true), daemon);
    }

    @Test
    void loginNeededSkipsTheIdsNotYetStartedAndIsRethrown() {
        AuthenticationRequiredException login = new AuthenticationRequiredException("log in again");
        AuthenticationRequiredException thrown = assertThrows(AuthenticationRequiredException.class,
                () -> ParallelFetch.run(List.of("a", "b", "c"), 1, "t-", "box", id -> {
                    fetched.add(id);
                    throw login;
                }));

        assertSame(login, thrown);
        assertEquals(List.of("a"), fetched);
    }

    @Test
    void otherFailuresLetTheRestBeFetchedAndTheFirstIsRethrown() {
        IOException firstFailure = new IOException("a failed");
        IOException thrown = assertThrows(IOException.class,
                () -> ParallelFetch.run(List.of("a", "b", "c"), 1, "t-", "box", id -> {
                    fetched.add(id);
                    if (id.equals("a")) {
                        throw firstFailure;
                    }
                    if (id.equals("b")) {
                        throw new IllegalStateException("b failed");
                    }
                }));

        assertSame(firstFailure, thrown);
        assertEquals(List.of("a", "b", "c"), fetched);
    }

    @Test
    void uncheckedFailureIsRethrownAsItIs() {
        IllegalStateException bad = new IllegalStateException("bad body");
        IllegalStateException thrown = assertThrows(IllegalStateException.class,
                () -> ParallelFetch.run(List.of("a", "b"), 2, "t-", "box", id -> {
                    if (id.equals("b")) {
                        throw bad;
                    }
                }));

        assertSame(bad, thrown);
    }

    @Test
    void interruptedTaskIsRethrownAsInterrupted() {
        assertThrows(InterruptedException.class,
                () -> ParallelFetch.run(List.of("a"), 1, "t-", "box", id -> {
                    throw new InterruptedException("stop");
                }));
    }

    /**
     * A caller interrupted while bodies download returns only once no fetch runs any more: a
     * fetch still handing a body over must not race the engine that goes on. The fetch here
     * ignores the interrupt until the caller is seen waiting.
     */
    @Test
    void anInterruptedCallerReturnsOnlyOnceItsFetchesHaveStopped() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean returned = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicBoolean returnedWhileFetching = new java.util.concurrent.atomic.AtomicBoolean();
        Thread caller = new Thread(() -> {
            try {
                ParallelFetch.run(List.of("a"), 1, "t-", "box", id -> {
                    started.countDown();
                    boolean done = false;
                    while (!done) {
                        try {
                            release.await();
                            done = true;
                        } catch (InterruptedException ignored) {
                            // a fetch in the middle of handing over a body finishes it
                        }
                    }
                    returnedWhileFetching.set(returned.get());
                });
            } catch (IOException | InterruptedException expected) {
                // interrupted, as asked
            } finally {
                returned.set(true);
            }
        });
        caller.start();
        started.await();
        caller.interrupt();
        // Either the caller is back already (the defect) or it waits for the fetch to stop.
        while (caller.isAlive() && caller.getState() != Thread.State.TIMED_WAITING) {
            Thread.onSpinWait();
        }
        release.countDown();
        caller.join();
        assertTrue(!returnedWhileFetching.get(), "the caller returned while a fetch still ran");
    }

    @Test
    void zeroThreadsIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ParallelFetch.run(List.of("a"), 0, "t-", "box", fetched::add));

        assertThatText(e.getMessage()).contains("0");
    }
}
