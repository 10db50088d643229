package dev.cms.provider.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ConcurrencyWindowTest {
    @Test
    void aThrottledWindowAdmitsOneRequestThenWidensWithEachSuccess() throws Exception {
        ConcurrencyWindow w = new ConcurrencyWindow(4);
        assertEquals(4, w.limit());
        w.throttled();
        assertEquals(1, w.limit());
        w.acquireRetry();                   // the throttled request is sent again first
        CountDownLatch second = new CountDownLatch(1);
        Thread t = acquireInAnotherThread(w, second);
        assertTrue(!second.await(200, TimeUnit.MILLISECONDS), "a second request waits while the window is one");
        w.release(true);
        assertTrue(second.await(10, TimeUnit.SECONDS), "a success lets the next one in");
        assertEquals(2, w.limit());
        w.release(false);
        assertEquals(2, w.limit(), "a failure does not widen it");
        for (int i = 0; i < 5; i++) {
            w.acquire();
            w.release(true);
        }
        assertEquals(4, w.limit(), "never wider than the maximum");
        t.join();
    }

    @Test
    void aThrottledRequestGoesBeforeNewOnesAndAGivenUpRetryLetsThemIn() throws Exception {
        ConcurrencyWindow w = new ConcurrencyWindow(4);
        w.acquire();
        w.throttled();                      // the request in flight was throttled and will retry
        w.release(false);
        CountDownLatch fresh = new CountDownLatch(1);
        Thread t = acquireInAnotherThread(w, fresh);
        assertTrue(!fresh.await(200, TimeUnit.MILLISECONDS), "a new request waits while a retry is owed");
        w.acquireRetry();                   // the retry needs no more than a free slot
        w.release(true);
        assertTrue(fresh.await(10, TimeUnit.SECONDS), "once the retry started, new requests go again");
        w.release(true);
        t.join();

        w.acquire();
        w.throttled();
        w.release(false);
        CountDownLatch afterGivingUp = new CountDownLatch(1);
        Thread u = acquireInAnotherThread(w, afterGivingUp);
        assertTrue(!afterGivingUp.await(200, TimeUnit.MILLISECONDS), "a new request waits while a retry is owed");
        w.cancelRetry();                    // the throttled request gave up instead
        assertTrue(afterGivingUp.await(10, TimeUnit.SECONDS), "a given-up retry lets new requests in");
        w.release(true);
        u.join();
    }

    /** Starts a thread that {@link ConcurrencyWindow#acquire()}s and then counts {@code acquired} down. */
    private static Thread acquireInAnotherThread(ConcurrencyWindow w, CountDownLatch acquired) {
        Thread t = new Thread(() -> {
            try {
                w.acquire();
                acquired.countDown();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        t.start();
        return t;
    }

    @Test
    void theMaximumMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new ConcurrencyWindow(0));
    }
}
