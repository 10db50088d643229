package dev.cms.fakecloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LoopbackServerTest {
    private HttpServer server;
    private ExecutorService executor;
    private URI base;
    private final HttpClient client = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        executor = LoopbackServer.daemonPool(2, "loopback-test-");
        server.setExecutor(executor);
        server.createContext("/", exchange -> {
            try (exchange) {
                byte[] body = exchange.getRequestURI().getPath().equals("/empty") ? new byte[0]
                        : Thread.currentThread().getName().getBytes(StandardCharsets.UTF_8);
                LoopbackServer.send(exchange, exchange.getRequestMethod(), 201, Map.of("X-Fake", "yes"), body);
            }
        });
        server.start();
        base = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    @AfterEach
    void stop() {
        LoopbackServer.stop(server, executor);
    }

    @Test
    void sendWritesStatusHeadersAndBodyFromThePoolsThreads() throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(base.resolve("/x")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertEquals(201, r.statusCode());
        assertEquals("yes", r.headers().firstValue("X-Fake").orElseThrow());
        assertTrue(r.body().startsWith("loopback-test-"), r.body());
    }

    @Test
    void headAndEmptyAnswersCarryNoBody() throws Exception {
        HttpResponse<String> head = client.send(HttpRequest.newBuilder(base.resolve("/x"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> empty = client.send(HttpRequest.newBuilder(base.resolve("/empty")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertEquals(201, head.statusCode());
        assertEquals("", head.body());
        assertEquals(201, empty.statusCode());
        assertEquals("", empty.body());
    }

    @Test
    void poolThreadsAreDaemonsAndStopEndsThem() throws Exception {
        Future<Boolean> daemon = executor.submit(() -> Thread.currentThread().isDaemon());
        assertTrue(daemon.get());

        LoopbackServer.stop(server, executor);

        assertTrue(executor.isTerminated());
    }
}
