package dev.cms.fakecloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
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
import java.util.zip.GZIPOutputStream;
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
        server.createContext("/gunzip", exchange -> LoopbackServer.exchange(exchange, true, "test", this::echo));
        server.createContext("/raw", exchange -> LoopbackServer.exchange(exchange, false, "test", this::echo));
        server.createContext("/reset", exchange -> LoopbackServer.exchange(exchange, false, "test",
                (method, uri, headers, body) -> {
                    throw new LoopbackServer.ConnectionReset(uri.getPath());
                }));
        server.start();
        base = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    private LoopbackServer.Answer echo(String method, URI uri, Headers headers, byte[] body) {
        String text = method + " " + uri.getPath() + " " + new String(body, StandardCharsets.ISO_8859_1);
        return Response.bytes(200, "application/octet-stream", text.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static byte[] gzip(String text) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }

    private HttpResponse<byte[]> postGzipped(String path, byte[] body) throws Exception {
        return client.send(HttpRequest.newBuilder(base.resolve(path)).header("Content-Encoding", "gzip")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void exchangeGunzipsTheRequestBodyOnlyWhenAskedTo() throws Exception {
        byte[] zipped = gzip("hello");

        HttpResponse<byte[]> gunzipped = postGzipped("/gunzip", zipped);
        HttpResponse<byte[]> raw = postGzipped("/raw", zipped);

        assertEquals("POST /gunzip hello", new String(gunzipped.body(), StandardCharsets.ISO_8859_1));
        assertEquals("POST /raw " + new String(zipped, StandardCharsets.ISO_8859_1),
                new String(raw.body(), StandardCharsets.ISO_8859_1));
    }

    @Test
    void exchangeClosesTheConnectionUnansweredOnAReset() {
        assertThrows(IOException.class, () -> client.send(HttpRequest.newBuilder(base.resolve("/reset")).build(),
                HttpResponse.BodyHandlers.ofString()));
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
