package dev.cms.send;

import dev.cms.broker.SocketFiles;
import dev.cms.config.OutboxSpec;
import dev.cms.time.Ticker;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's end of {@code cms-sendmail}: a unix-domain socket (mode {@code Outbox(umask=...)})
 * that takes messages into the {@link Outbox} and wakes the {@link OutboxWorker}. A message is
 * answered {@code OK} only after it is durably queued. Each connection has
 * {@value #READ_TIMEOUT_SECONDS} seconds to send its request.
 */
public final class OutboxServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OutboxServer.class);
    static final int READ_TIMEOUT_SECONDS = 60;

    private final Path path;
    private final ServerSocketChannel server;
    private final Object fileKey;
    private final Outbox outbox;
    private final Set<String> accountKeys;
    private final OutboxWorker worker;
    private final Ticker ticker;
    private final ExecutorService handlers;
    private final ScheduledExecutorService timeouts;
    private final Thread acceptor;
    private volatile boolean closed;

    private OutboxServer(Path path, ServerSocketChannel server, Object fileKey, Outbox outbox, Set<String> accountKeys,
            OutboxWorker worker, Ticker ticker) {
        this.path = path;
        this.server = server;
        this.fileKey = fileKey;
        this.outbox = outbox;
        this.accountKeys = Set.copyOf(accountKeys);
        this.worker = worker;
        this.ticker = ticker;
        this.handlers = Executors.newFixedThreadPool(2, r -> daemonThread(r, "cms-outbox-conn"));
        this.timeouts = Executors.newSingleThreadScheduledExecutor(r -> daemonThread(r, "cms-outbox-timeout"));
        this.acceptor = daemonThread(this::acceptLoop, "cms-outbox-socket");
    }

    private static Thread daemonThread(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Binds {@code spec.path()} (a stale socket is replaced, a live one refused) and serves. */
    public static OutboxServer start(OutboxSpec spec, Outbox outbox, Set<String> accountKeys, OutboxWorker worker,
            Ticker ticker) throws IOException {
        Path path = spec.path().toAbsolutePath().normalize();
        SocketFiles.prepare(path);
        ServerSocketChannel server = SocketFiles.openUnix();
        try {
            Object key = SocketFiles.bind(server, path, SocketFiles.modeFor(spec.umask()));
            OutboxServer s = new OutboxServer(path, server, key, outbox, accountKeys, worker, ticker);
            s.acceptor.start();
            log.info("Taking mail to send on {} (mode {}); outbox {}", path, String.format("0o%03o", spec.umask()),
                    outbox.root());
            return s;
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    log.error("outbox socket {} stopped: {}", path, e.toString());
                }
                return;
            }
            try {
                handlers.execute(() -> handle(ch));
            } catch (RejectedExecutionException e) {
                closeQuietly(ch);
            }
        }
    }

    private void handle(SocketChannel ch) {
        ScheduledFuture<?> timeout = timeouts.schedule(() -> closeQuietly(ch), READ_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        try (ch) {
            String answer;
            try {
                answer = answer(readRequest(ch));
            } catch (SendmailException e) {
                answer = "ERR " + e.exitCode() + " " + e.getMessage();
            }
            timeout.cancel(false);
            ch.write(ByteBuffer.wrap(OutboxProtocol.line(answer.replace('\n', ' '))));
        } catch (IOException e) {
            log.warn("outbox socket {}: a request was dropped: {}", path, e.toString());
        } catch (RuntimeException e) {
            log.error("outbox socket {}: a request failed", path, e);
        } finally {
            timeout.cancel(false);
        }
    }

    private static byte[] readRequest(SocketChannel ch) throws IOException, SendmailException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 * 1024);
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        while (true) {
            buf.clear();
            int n = ch.read(buf);
            if (n < 0) {
                return out.toByteArray();
            }
            out.write(buf.array(), 0, n);
            if (out.size() > OutboxProtocol.MAX_REQUEST) {
                throw new SendmailException(SysExits.DATAERR, "the message is larger than any service takes");
            }
        }
    }

    private String answer(byte[] request) throws IOException, SendmailException {
        int nl = 0;
        while (nl < request.length && request[nl] != '\n') {
            nl++;
        }
        String line = new String(request, 0, nl, StandardCharsets.UTF_8).strip();
        if (line.equals(OutboxProtocol.ACCOUNTS)) {
            return "OK " + String.join(" ", new java.util.TreeSet<>(accountKeys));
        }
        if (line.equals(OutboxProtocol.FLUSH)) {
            log.info("outbox: flush asked for: sending what waits now");
            worker.wake(true);
            return "OK";
        }
        if (!line.equals(OutboxProtocol.SEND) || nl >= request.length) {
            throw new SendmailException(SysExits.USAGE, "not an outbox request (expected " + OutboxProtocol.SEND
                    + " or " + OutboxProtocol.FLUSH + ")");
        }
        byte[] file = Arrays.copyOfRange(request, nl + 1, request.length);
        Outbox.Queued q;
        int end = 0;
        while (end < file.length && file[end] != '\n') {
            end++;
        }
        String first = new String(file, 0, end, StandardCharsets.US_ASCII).strip();
        if (!first.startsWith(Outbox.ACCOUNT_FIELD.strip())) {
            throw new SendmailException(SysExits.DATAERR, "the request does not name its account");
        }
        String key = first.substring(Outbox.ACCOUNT_FIELD.strip().length()).strip();
        if (!accountKeys.contains(key)) {
            throw new SendmailException(SysExits.NOUSER, "this daemon's Outbox(...) does not send for " + key);
        }
        q = new Outbox.Queued(key, file, Math.min(file.length, end + 1));
        byte[] message = q.message();
        if (message.length == 0) {
            throw new SendmailException(SysExits.DATAERR, "empty message");
        }
        String id = outbox.queue(key, message, ticker.now());
        log.info("outbox: queued {} for {}", id, key);
        worker.wake(false);
        return "OK " + id;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeQuietly(server);
        acceptor.interrupt();
        handlers.shutdownNow();
        timeouts.shutdownNow();
        SocketFiles.removeIfOurs(path, fileKey);
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // Nothing to do.
        }
    }
}
