package dev.cms.broker;

import static dev.cms.testing.TextAssert.assertThatText;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cms.time.FakeTicker;
import java.io.ByteArrayOutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cms-oauth}'s side of the socket, against a daemon stand-in that reads the request and never answers. */
class BrokerClientTest {
    @TempDir
    Path dir;

    @Test
    void aDaemonThatNeverAnswersTimesOutOnTheClientsClock() throws Exception {
        Path socket = dir.resolve("cms.sock");
        FakeTicker ticker = new FakeTicker();
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            CompletableFuture<String> answer = CompletableFuture.supplyAsync(() -> {
                try {
                    return BrokerClient.fetch(socket, "SMTP", "alice@example.com", Duration.ofSeconds(60), ticker);
                } catch (BrokerClientException e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            try (SocketChannel daemon = server.accept()) {
                // The whole request arrived: the client has started its clock and waits for the answer.
                ByteArrayOutputStream request = new ByteArrayOutputStream();
                Channels.newInputStream(daemon).transferTo(request);
                assertEquals("SMTP alice@example.com", request.toString(StandardCharsets.US_ASCII));
                ticker.advance(Duration.ofSeconds(59));
                assertFalse(answer.isDone(), "a second is left");
                ticker.advance(Duration.ofSeconds(1));
                ExecutionException e = assertThrows(ExecutionException.class, () -> answer.get(10, TimeUnit.SECONDS));
                BrokerClientException timeout = assertInstanceOf(BrokerClientException.class, e.getCause());
                assertThatText(timeout.getMessage()).contains("did not answer within 60000 ms");
            }
        }
    }
}
