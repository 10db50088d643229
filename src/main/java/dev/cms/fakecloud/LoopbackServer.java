package dev.cms.fakecloud;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The JDK {@code HttpServer} plumbing shared by {@link FakeCloud} and {@link FakeMicrosoft}:
 * TCP_NODELAY, a pool of daemon threads, writing an answer built in memory, stopping.
 */
final class LoopbackServer {
    private LoopbackServer() {}

    /** Thrown while serving when a fault says to close the connection unanswered. */
    static final class ConnectionReset extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ConnectionReset(String path) {
            super("injected connection reset for " + path, null, false, false);
        }
    }

    /**
     * Turns Nagle's algorithm off for the JDK server unless the property is already set. The
     * server writes headers and body separately; with Nagle on, each answer then waits for the
     * client's delayed ACK (~40 ms). The JDK reads the property once, when the first server of
     * the JVM is made, so call this before creating one.
     */
    static void useNoDelay() {
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    /** A fixed pool of daemon threads named {@code prefix1}, {@code prefix2}... */
    static ExecutorService daemonPool(int threads, String prefix) {
        AtomicInteger n = new AtomicInteger();
        return Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** Writes status, headers and body; no body for an empty one or a HEAD request. */
    static void send(HttpExchange exchange, String method, int status, Map<String, String> headers, byte[] body)
            throws IOException {
        for (Map.Entry<String, String> h : headers.entrySet()) {
            exchange.getResponseHeaders().set(h.getKey(), h.getValue());
        }
        boolean noBody = body.length == 0 || "HEAD".equals(method);
        exchange.sendResponseHeaders(status, noBody ? -1 : body.length);
        if (!noBody) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** Stops the server at once and waits up to 5 seconds for its threads. */
    static void stop(HttpServer server, ExecutorService executor) {
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
