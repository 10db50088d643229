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
        Thread t = new Thread(() -> {
            try {
                w.acquire();
                second.countDown();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        t.start();
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
        Thread t = new Thread(() -> {
            try {
                w.acquire();
                fresh.countDown();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        t.start();
        assertTrue(!fresh.await(200, TimeUnit.MILLISECONDS), "a new request waits while a retry is owed");
        w.acquireRetry();                   // the retry needs no more than a free slot
        w.release(true);
        assertTrue(fresh.await(10, TimeUnit.SECONDS), "once the retry started, new requests go again");
        w.release(true);
        t.join();

        w.acquire();
        w.throttled();
        w.release(false);
        w.cancelRetry();                    // the throttled request gave up instead
        w.acquire();
        w.release(true);
    }

    @Test
    void theMaximumMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new ConcurrencyWindow(0));
    }
}
