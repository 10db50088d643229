package dev.cms.fakecloud;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JDK {@code HttpServer} plumbing shared by {@link FakeCloud} and {@link FakeMicrosoft}:
 * TCP_NODELAY, a pool of daemon threads, writing an answer built in memory, stopping.
 */
final class LoopbackServer {
    private static final Logger log = LoggerFactory.getLogger(LoopbackServer.class);

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

    /** An answer built in memory before anything is written to the socket. */
    interface Answer {
        int status();

        Map<String, String> headers();

        byte[] body();
    }

    /** Serves one buffered request; may throw {@link ConnectionReset} to close the connection unanswered. */
    @FunctionalInterface
    interface Handler {
        Answer answer(String method, URI uri, Headers headers, byte[] body);
    }

    /**
     * Reads the request body (gunzipped when {@code gunzip} and the request says
     * {@code Content-Encoding: gzip}), lets {@code handler} answer and writes the answer; a
     * {@link ConnectionReset} closes the exchange with nothing sent, which closes the
     * connection. Failures are logged at debug level, naming {@code server}, and rethrown.
     */
    static void exchange(HttpExchange exchange, boolean gunzip, String server, Handler handler) throws IOException {
        try (exchange) {
            byte[] body;
            String encoding = exchange.getRequestHeaders().getFirst("Content-Encoding");
            try (InputStream in = gunzip && "gzip".equalsIgnoreCase(encoding)
                    ? new GZIPInputStream(exchange.getRequestBody()) : exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
            Answer answer;
            try {
                answer = handler.answer(method, exchange.getRequestURI(), exchange.getRequestHeaders(), body);
            } catch (ConnectionReset reset) {
                return; // closing an exchange that sent no headers closes the connection
            }
            send(exchange, method, answer.status(), answer.headers(), answer.body());
        } catch (IOException | RuntimeException e) {
            log.debug("{}: exchange failed", server, e);
            throw e;
        }
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
