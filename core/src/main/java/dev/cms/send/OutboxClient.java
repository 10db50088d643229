package dev.cms.send;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/** {@code cms-sendmail}'s end of the outbox socket. JDK classes only. */
public final class OutboxClient {
    /** No daemon answers on the socket. */
    public static final class NotRunning extends IOException {
        private static final long serialVersionUID = 1L;

        NotRunning(String message, @Nullable Throwable cause) {
            super(message, cause);
        }
    }

    private OutboxClient() {}

    /**
     * Hands a message to the daemon; returns its id in the outbox once it is durably queued.
     *
     * @throws NotRunning when nothing listens on {@code socket} (the caller may queue it itself)
     * @throws SendmailException when the daemon refused the message
     */
    public static String send(Path socket, String accountKey, byte[] message) throws IOException, SendmailException {
        byte[] head = (OutboxProtocol.SEND + "\n" + Outbox.ACCOUNT_FIELD + accountKey + "\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        String answer = exchange(socket, head, message);
        if (answer.startsWith("OK")) {
            return answer.substring(2).strip();
        }
        throw refusal(socket, answer);
    }

    /** Asks the daemon to send what waits now. */
    public static void flush(Path socket) throws IOException, SendmailException {
        String answer = exchange(socket, OutboxProtocol.line(OutboxProtocol.FLUSH), new byte[0]);
        if (!answer.startsWith("OK")) {
            throw refusal(socket, answer);
        }
    }

    /** The accounts the daemon sends for. */
    public static java.util.List<SendAccount> accounts(Path socket) throws IOException, SendmailException {
        String answer = exchange(socket, OutboxProtocol.line(OutboxProtocol.ACCOUNTS), new byte[0]);
        if (!answer.startsWith("OK")) {
            throw refusal(socket, answer);
        }
        java.util.List<SendAccount> out = new java.util.ArrayList<>();
        for (String key : answer.substring(2).strip().split("\\s+")) {
            if (!key.isEmpty()) {
                out.add(SendAccount.ofKey(key));
            }
        }
        return out;
    }

    /** Whether a daemon answers on {@code socket}. */
    public static boolean running(Path socket) {
        if (!Files.exists(socket)) {
            return false;
        }
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static SendmailException refusal(Path socket, String answer) {
        if (answer.startsWith("ERR ")) {
            String rest = answer.substring(4);
            int sp = rest.indexOf(' ');
            try {
                int code = Integer.parseInt(sp < 0 ? rest : rest.substring(0, sp));
                return new SendmailException(code, sp < 0 ? "refused by the daemon" : rest.substring(sp + 1));
            } catch (NumberFormatException e) {
                // fall through
            }
        }
        if (answer.isEmpty()) {
            return new SendmailException(SysExits.TEMPFAIL, "the daemon at " + socket + " closed the connection"
                    + " without an answer (did it stop?); the message may or may not be queued: see"
                    + " `cloud-mdir-sync outbox`");
        }
        return new SendmailException(SysExits.SOFTWARE, "the daemon at " + socket + " gave an answer that is not"
                + " the outbox protocol's");
    }

    private static String exchange(Path socket, byte[] head, byte[] body) throws IOException {
        if (!Files.exists(socket)) {
            throw new NotRunning("no daemon listens on " + socket + " (the socket does not exist)", null);
        }
        SocketChannel ch;
        try {
            ch = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        } catch (ConnectException e) {
            throw new NotRunning("no daemon listens on " + socket + " (connection refused: a stale socket)", e);
        } catch (SocketException e) {
            String why = String.valueOf(e.getMessage());
            if (why.toLowerCase(java.util.Locale.ROOT).contains("permission denied")) {
                throw new IOException("cannot connect to " + socket + ": permission denied (see Outbox(umask=...))", e);
            }
            throw new NotRunning("cannot connect to " + socket + ": " + why, e);
        }
        try (ch) {
            ByteBuffer h = ByteBuffer.wrap(head);
            while (h.hasRemaining()) {
                ch.write(h);
            }
            ByteBuffer b = ByteBuffer.wrap(body);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.shutdownOutput();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(OutboxProtocol.MAX_ANSWER);
            while (out.size() < OutboxProtocol.MAX_ANSWER) {
                buf.clear();
                int n = ch.read(buf);
                if (n < 0) {
                    break;
                }
                out.write(buf.array(), 0, n);
            }
            return out.toString(StandardCharsets.UTF_8).strip();
        }
    }
}
