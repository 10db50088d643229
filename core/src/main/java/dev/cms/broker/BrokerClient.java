package dev.cms.broker;

import dev.cms.time.Ticker;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

/**
 * Asks a {@link CredentialServer} for an XOAUTH2 string. JDK classes only (and the one-interface
 * {@link Ticker}): {@code cms-oauth} runs for every mail msmtp sends, so this path must start fast.
 */
final class BrokerClient {
    /** The daemon may be refreshing a token over the network before it answers. */
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    private static final int MAX_ANSWER_BYTES = 16 * 1024;
    /**
     * The longest the selector waits before the ticker is read again: an answer ends the wait at
     * once, and the timeout is seen within this even on a clock that is not the system's.
     */
    static final Duration SLICE = Duration.ofMillis(100);

    private BrokerClient() {}

    /** The XOAUTH2 string {@code user=<user>\x01auth=Bearer <token>\x01\x01}, on the system clock. */
    static String fetch(Path socket, String protocol, String user, Duration timeout) throws BrokerClientException {
        return fetch(socket, protocol, user, timeout, Ticker.SYSTEM);
    }

    /** The XOAUTH2 string, the answer awaited for up to {@code timeout} on {@code ticker}. */
    static String fetch(Path socket, String protocol, String user, Duration timeout, Ticker ticker)
            throws BrokerClientException {
        long deadline = ticker.nanoTime() + timeout.toNanos();
        if (!Files.exists(socket)) {
            throw new BrokerClientException("no cloud-mdir-sync is listening on " + socket
                    + " (the socket does not exist; is the daemon running with this CredentialServer path?)");
        }
        byte[] answer;
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            ch.write(ByteBuffer.wrap(BrokerRequest.encode(protocol, user)));
            ch.shutdownOutput();
            answer = readAll(ch, ticker, deadline, timeout, socket);
        } catch (ConnectException e) {
            throw new BrokerClientException("no cloud-mdir-sync is listening on " + socket
                    + " (connection refused: a stale socket left by a daemon that stopped)", e);
        } catch (SocketException e) {
            String why = String.valueOf(e.getMessage());
            if (why.toLowerCase(java.util.Locale.ROOT).contains("permission denied")) {
                throw new BrokerClientException("cannot connect to " + socket + ": permission denied"
                        + " (check CredentialServer(umask=...) in cms.cfg and the directory's permissions)", e);
            }
            throw new BrokerClientException("cannot talk to the daemon at " + socket + ": " + why, e);
        } catch (IOException e) {
            throw new BrokerClientException("cannot talk to the daemon at " + socket + ": " + e.getMessage(), e);
        }
        if (answer.length == 0) {
            throw new BrokerClientException("the daemon at " + socket + " does not serve " + user + " for " + protocol
                    + ": the account needs a login, or is not in CredentialServer(accounts=...) or the protocol not in"
                    + " its protocols in cms.cfg; the daemon's log says which");
        }
        String text = new String(answer, StandardCharsets.UTF_8);
        if (Xoauth2.tokenOf(text) == null) {
            throw new BrokerClientException("the daemon at " + socket + " gave an answer of " + answer.length
                    + " bytes that is not an XOAUTH2 string");
        }
        return text;
    }

    private static byte[] readAll(SocketChannel ch, Ticker ticker, long deadline, Duration timeout, Path socket)
            throws IOException {
        ch.configureBlocking(false);
        ByteBuffer buf = ByteBuffer.allocate(MAX_ANSWER_BYTES + 1);
        try (Selector sel = Selector.open()) {
            ch.register(sel, SelectionKey.OP_READ);
            while (true) {
                int n = ch.read(buf);
                if (n < 0) {
                    return Arrays.copyOf(buf.array(), buf.position());
                }
                if (!buf.hasRemaining()) {
                    throw new BrokerClientException("the daemon at " + socket + " answered more than "
                            + MAX_ANSWER_BYTES + " bytes");
                }
                if (n == 0) {
                    long left = deadline - ticker.nanoTime();
                    if (left <= 0) {
                        throw new BrokerClientException("the daemon at " + socket + " did not answer within "
                                + timeout.toMillis() + " ms");
                    }
                    sel.select(Math.max(1, Math.min(left, SLICE.toNanos()) / 1_000_000));
                    sel.selectedKeys().clear();
                }
            }
        }
    }
}
