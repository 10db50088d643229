package dev.cms.broker;

import static dev.cms.broker.Sockets.exchange;
import static dev.cms.broker.Sockets.spec;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.time.FakeTicker;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CredentialServerTest {
    private static final String ALICE = "alice@example.com";
    private static final String ALICE_SMTP = "user=alice@example.com\u0001auth=Bearer tok-alice-SMTP\u0001\u0001";

    @TempDir
    Path dir;

    private final FakeTokens tokens = new FakeTokens();
    /** The servers' clock: their read timeouts run out only when a test advances it. */
    private final FakeTicker ticker = new FakeTicker();
    private final List<CredentialServer> servers = new ArrayList<>();

    @AfterEach
    void closeServers() {
        servers.forEach(CredentialServer::close);
    }

    private CredentialServer start(Set<String> protocols, Duration readTimeout) throws IOException {
        CredentialServer s = CredentialServer.start(spec(dir.resolve("cms.sock"), 0600, protocols, ALICE,
                "bob@example.org"), tokens, ticker, readTimeout);
        servers.add(s);
        return s;
    }

    private CredentialServer start() throws IOException {
        return start(Set.of("SMTP"), CredentialServer.DEFAULT_READ_TIMEOUT);
    }

    @Test
    void goodRequestGetsExactXoauth2Bytes() throws Exception {
        CredentialServer s = start();
        byte[] answer = exchange(s.path(), "SMTP alice@example.com".getBytes(StandardCharsets.US_ASCII));
        assertArrayEquals(ALICE_SMTP.getBytes(StandardCharsets.US_ASCII), answer);
        assertEquals(List.of("SMTP alice@example.com"), tokens.calls);
    }

    @Test
    void trailingNewlineAndOptionsAreTolerated() throws Exception {
        CredentialServer s = start();
        assertEquals(ALICE_SMTP, exchange(s.path(), "SMTP alice@example.com\n"));
        assertEquals(ALICE_SMTP, exchange(s.path(), "SMTP alice@example.com\r\n"));
        assertEquals(ALICE_SMTP, exchange(s.path(), "SMTP,opt1,opt2 alice@example.com"));
    }

    @Test
    void userMatchesCaseInsensitivelyAndAnswersWithTheAccountsAddress() throws Exception {
        CredentialServer s = start();
        assertEquals(ALICE_SMTP, exchange(s.path(), "SMTP Alice@Example.COM"));
    }

    @Test
    void eachAccountAndProtocolGetsItsOwnToken() throws Exception {
        CredentialServer s = start(Set.of("SMTP", "IMAP"), CredentialServer.DEFAULT_READ_TIMEOUT);
        assertEquals("user=bob@example.org\u0001auth=Bearer tok-bob-IMAP\u0001\u0001",
                exchange(s.path(), "IMAP bob@example.org"));
        assertEquals(List.of("IMAP bob@example.org"), tokens.calls);
    }

    @Test
    void unknownUserIsClosedWithoutAnswer() throws Exception {
        CredentialServer s = start();
        assertEquals("", exchange(s.path(), "SMTP mallory@example.com"));
        assertTrue(tokens.calls.isEmpty());
    }

    @Test
    void protocolNotServedIsClosedWithoutAnswer() throws Exception {
        CredentialServer s = start();
        assertEquals("", exchange(s.path(), "IMAP alice@example.com"));
        assertEquals("", exchange(s.path(), "smtp alice@example.com"));
        assertTrue(tokens.calls.isEmpty());
    }

    @Test
    void garbageIsClosedWithoutAnswer() throws Exception {
        CredentialServer s = start();
        List<byte[]> garbage = List.of(
                new byte[0],
                new byte[] {0, 1, 2, (byte) 0xff, (byte) 0xfe, 10},
                "SMTPalice@example.com".getBytes(StandardCharsets.US_ASCII),
                "SMTP alice".getBytes(StandardCharsets.US_ASCII),
                "SMTP alice@example.com extra".getBytes(StandardCharsets.US_ASCII),
                "SMTP  alice@example.com".getBytes(StandardCharsets.US_ASCII),
                "SMTP alice@exa\u0001mple.com".getBytes(StandardCharsets.US_ASCII),
                " SMTP alice@example.com".getBytes(StandardCharsets.US_ASCII),
                "SMTP alice@example.com\n\n".getBytes(StandardCharsets.US_ASCII));
        for (byte[] g : garbage) {
            assertEquals(0, exchange(s.path(), g).length, () -> "answered " + new String(g, StandardCharsets.UTF_8));
        }
        assertTrue(tokens.calls.isEmpty());
    }

    @Test
    void oversizedRequestIsClosedWithoutAnswer() throws Exception {
        CredentialServer s = start();
        byte[] big = ("SMTP alice@example.com" + " ".repeat(10_000)).getBytes(StandardCharsets.US_ASCII);
        assertEquals(0, exchange(s.path(), big).length);
        byte[] justOver = ("SMTP " + "a".repeat(CredentialServer.MAX_REQUEST_BYTES) + "@example.com")
                .getBytes(StandardCharsets.US_ASCII);
        assertEquals(0, exchange(s.path(), justOver).length);
        assertTrue(tokens.calls.isEmpty());
        assertEquals(ALICE_SMTP, exchange(s.path(), "SMTP alice@example.com"), "still serving afterwards");
    }

    @Test
    void tokenProviderFailureClosesWithoutAnswer() throws Exception {
        CredentialServer s = start();
        tokens.failure = new dev.cms.provider.AuthenticationRequiredException("login needed for alice");
        assertEquals("", exchange(s.path(), "SMTP alice@example.com"));
        tokens.failure = new IOException("network down");
        assertEquals("", exchange(s.path(), "SMTP alice@example.com"));
        tokens.failure = null;
        assertEquals(ALICE_SMTP, exchange(s.path(), "SMTP alice@example.com"));
    }

    @Test
    void malformedTokenFromProviderIsNotSent() throws Exception {
        TokenProvider bad = (user, protocol, minValidity) -> "two words";
        CredentialServer s = CredentialServer.start(spec(dir.resolve("bad.sock"), 0600, Set.of("SMTP"), ALICE), bad);
        servers.add(s);
        assertEquals("", exchange(s.path(), "SMTP alice@example.com"));
    }

    @Test
    void clientThatNeverFinishesItsRequestIsClosedAfterTheTimeout() throws Exception {
        // An hour on the fake clock: only the fake's time can run it out within the test.
        CredentialServer s = start(Set.of("SMTP"), Duration.ofHours(1));
        try (SocketChannel silent = SocketChannel.open(UnixDomainSocketAddress.of(s.path()))) {
            silent.write(ByteBuffer.wrap("SMTP alice@example.com".getBytes(StandardCharsets.US_ASCII)));
            // No shutdownOutput(): the server must give up on its own. A complete request after it
            // is answered only once the server has accepted both, so the silent one's clock runs.
            assertEquals(ALICE_SMTP, exchange(s.path(), "SMTP alice@example.com"));
            ticker.advance(Duration.ofHours(1).minusMillis(1));
            assertEquals(ALICE_SMTP, exchange(s.path(), "SMTP alice@example.com"), "wakes the server: 1 ms left");
            silent.configureBlocking(false);
            assertEquals(0, silent.read(ByteBuffer.allocate(16)), "still open, unanswered");
            silent.configureBlocking(true);
            ticker.advance(Duration.ofMillis(1));
            // The server looks at its deadlines whenever it wakes: another client wakes it at once.
            exchange(s.path(), "SMTP alice@example.com");
            assertEquals(0, Sockets.readAll(silent).length);
        }
    }

    @Test
    void stalledClientsDoNotDelayOthers() throws Exception {
        // A long timeout, so the stalled clients are certainly still pending while the others are served.
        CredentialServer s = start(Set.of("SMTP"), Duration.ofMinutes(10));
        List<SocketChannel> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < 10; i++) {
                SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(s.path()));
                c.write(ByteBuffer.wrap("SMTP alice@".getBytes(StandardCharsets.US_ASCII)));
                stalled.add(c);
            }
            for (int i = 0; i < 3; i++) {
                assertEquals(ALICE_SMTP, exchange(s.path(), "SMTP alice@example.com"));
            }
            for (SocketChannel c : stalled) {
                c.configureBlocking(false);
                assertEquals(0, c.read(ByteBuffer.allocate(16)), "stalled client still open, unanswered");
            }
        } finally {
            for (SocketChannel c : stalled) {
                c.close();
            }
        }
    }

    @Test
    void fiftyConcurrentClientsAreAllServed() throws Exception {
        CredentialServer s = start();
        ExecutorService pool = Executors.newFixedThreadPool(50);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<String>> answers = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                String user = i % 2 == 0 ? ALICE : "bob@example.org";
                answers.add(pool.submit(() -> {
                    go.await();
                    return exchange(s.path(), "SMTP " + user);
                }));
            }
            go.countDown();
            for (int i = 0; i < 50; i++) {
                String user = i % 2 == 0 ? ALICE : "bob@example.org";
                assertEquals(Xoauth2.format(user, FakeTokens.tokenFor(user, "SMTP")),
                        answers.get(i).get(30, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(2, tokens.calls.size(), "each user's token fetched once and then served from memory");
    }

    @Test
    void umask0o600MakesTheSocketOwnerOnly() throws Exception {
        CredentialServer s = CredentialServer.start(spec(dir.resolve("a.sock"), 0600, Set.of("SMTP"), ALICE), tokens);
        servers.add(s);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(s.path())));
        assertTrue(SocketFiles.isSocket(s.path()));
    }

    @Test
    void umask0o666MakesTheSocketUsableByEveryoneWhoReachesTheDirectory() throws Exception {
        CredentialServer s = CredentialServer.start(spec(dir.resolve("b.sock"), 0666, Set.of("SMTP"), ALICE), tokens);
        servers.add(s);
        assertEquals("rw-rw-rw-", PosixFilePermissions.toString(Files.getPosixFilePermissions(s.path())));
        assertEquals(ALICE_SMTP, exchange(s.path(), "SMTP alice@example.com"));
    }

    @Test
    void noStagingDirectoryIsLeftBehind() throws Exception {
        start();
        try (var list = Files.list(dir)) {
            assertEquals(List.of(dir.resolve("cms.sock")), list.toList());
        }
    }

    @Test
    void missingParentDirectoryIsCreatedPrivate() throws Exception {
        Path sock = dir.resolve("run/cms/cms.sock");
        CredentialServer s = CredentialServer.start(spec(sock, 0600, Set.of("SMTP"), ALICE), tokens);
        servers.add(s);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock.getParent())));
        assertEquals(ALICE_SMTP, exchange(sock, "SMTP alice@example.com"));
    }

    @Test
    void staleSocketIsReplaced() throws Exception {
        Path sock = dir.resolve("cms.sock");
        try (ServerSocketChannel old = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            old.bind(UnixDomainSocketAddress.of(sock));
        }
        assertTrue(SocketFiles.isSocket(sock), "closing a channel leaves its socket file");
        CredentialServer s = start();
        assertEquals(ALICE_SMTP, exchange(s.path(), "SMTP alice@example.com"));
    }

    @Test
    void liveSocketIsRefusedAndKeepsServing() throws Exception {
        CredentialServer first = start();
        CredentialServerException e = assertThrows(CredentialServerException.class,
                () -> CredentialServer.start(spec(dir.resolve("cms.sock"), 0600, Set.of("SMTP"), ALICE), tokens));
        assertEquals(dir.resolve("cms.sock") + " is in use by another running cloud-mdir-sync", e.getMessage());
        assertEquals(ALICE_SMTP, exchange(first.path(), "SMTP alice@example.com"));
    }

    @Test
    void regularFileAtThePathIsRefusedAndKept() throws Exception {
        Path sock = dir.resolve("cms.sock");
        Files.writeString(sock, "precious");
        CredentialServerException e = assertThrows(CredentialServerException.class, this::start);
        assertTrue(e.getMessage().startsWith(sock + " exists and is not a socket"), e.getMessage());
        assertEquals("precious", Files.readString(sock));
    }

    @Test
    void socketIsRemovedOnClose() throws Exception {
        CredentialServer s = start();
        s.close();
        assertFalse(Files.exists(s.path()));
        s.close(); // idempotent
    }

    @Test
    void closeLeavesASocketThatReplacedOurs() throws Exception {
        CredentialServer s = start();
        Files.delete(s.path());
        Files.writeString(s.path(), "someone else's");
        s.close();
        assertEquals("someone else's", Files.readString(s.path()));
    }
}
