package dev.cms.broker;

import dev.cms.config.AccountSpec;
import dev.cms.config.CredentialServerSpec;
import dev.cms.provider.AuthenticationRequiredException;
import dev.cms.time.Ticker;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves XOAUTH2 strings over a unix-domain socket (DESIGN §7). One selector thread accepts
 * connections and reads requests without blocking, each bounded to {@value #MAX_REQUEST_BYTES}
 * bytes and a read timeout, so a slow or silent client delays nobody else; complete requests go
 * to a few worker threads that ask the {@link TokenProvider} (which may block while refreshing)
 * and write the answer.
 */
public final class CredentialServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CredentialServer.class);
    static final int MAX_REQUEST_BYTES = 1024;
    static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(5);
    /** A token handed out is good for a whole SMTP/IMAP session. */
    static final Duration MIN_VALIDITY = Duration.ofMinutes(5);
    private static final int WORKERS = 4;
    /** How long a worker waits before writing again to a client whose socket buffer is full. */
    private static final Duration WRITE_RETRY = Duration.ofMillis(5);
    private static final int QUEUED_REQUESTS = 256;
    private static final AtomicInteger SERVERS = new AtomicInteger();

    private final Path path;
    private final List<AccountSpec> accounts;
    private final Set<String> protocols;
    private final TokenProvider tokens;
    private final TokenRefresher refresher;
    private final Ticker ticker;
    private final long readTimeoutNanos;
    private final ServerSocketChannel server;
    private final Selector selector;
    private final Object fileKey;
    private final ThreadPoolExecutor workers;
    private final Thread acceptor;
    private volatile boolean closed;

    private CredentialServer(CredentialServerSpec spec, TokenProvider tokens, TokenRefresher refresher,
            Ticker ticker, Duration readTimeout, Path path, ServerSocketChannel server, Selector selector,
            Object fileKey) {
        this.path = path;
        this.accounts = spec.accounts();
        this.protocols = spec.protocols();
        this.tokens = tokens;
        this.refresher = refresher;
        this.ticker = ticker;
        this.readTimeoutNanos = readTimeout.toNanos();
        this.server = server;
        this.selector = selector;
        this.fileKey = fileKey;
        int n = SERVERS.incrementAndGet();
        AtomicInteger workerCount = new AtomicInteger();
        this.workers = new ThreadPoolExecutor(WORKERS, WORKERS, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(QUEUED_REQUESTS), r -> {
                    Thread t = new Thread(r, "cms-credsrv-" + n + "-worker-" + workerCount.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        workers.allowCoreThreadTimeOut(true);
        this.acceptor = new Thread(this::loop, "cms-credsrv-" + n);
        acceptor.setDaemon(true);
    }

    /**
     * Binds a unix-domain socket at {@code spec.path()} and serves the spec's accounts and
     * protocols. The socket's mode is {@code spec.umask()} taken as permission bits, as the
     * original program does ({@code 0o600}: only this user; {@code 0o666}: any user who can reach
     * the directory, e.g. exim's group through a 0750 directory). A missing parent directory is
     * created with mode 0700.
     *
     * <p>Tokens come through a {@link TokenRefresher} on the clock that also times the read
     * timeouts (the system's here): each user/protocol pair asked for is kept fresh in the
     * background, so requests are answered from memory.
     *
     * @throws CredentialServerException when another server answers on the path, or the path is
     *     not a socket; a stale socket (nothing answering) is replaced
     */
    public static CredentialServer start(CredentialServerSpec spec, TokenProvider tokens) throws IOException {
        return start(spec, tokens, Ticker.SYSTEM);
    }

    /** As {@link #start(CredentialServerSpec, TokenProvider)}, on the caller's clock (the daemon's). */
    public static CredentialServer start(CredentialServerSpec spec, TokenProvider tokens, Ticker ticker)
            throws IOException {
        return start(spec, tokens, ticker, DEFAULT_READ_TIMEOUT);
    }

    static CredentialServer start(CredentialServerSpec spec, TokenProvider tokens, Ticker ticker,
            Duration readTimeout) throws IOException {
        TokenRefresher refresher = TokenRefresher.start(tokens, ticker);
        try {
            return start(spec, tokens, refresher, ticker, readTimeout);
        } catch (IOException | RuntimeException e) {
            refresher.close();
            throw e;
        }
    }

    /** With a refresher of the caller's (tests: one run by hand); closing the server closes it. */
    static CredentialServer start(CredentialServerSpec spec, TokenProvider tokens, TokenRefresher refresher,
            Ticker ticker, Duration readTimeout) throws IOException {
        Path path = spec.path().toAbsolutePath().normalize();
        SocketFiles.prepare(path);
        ServerSocketChannel server = SocketFiles.openUnix();
        Selector selector = null;
        try {
            Object key = SocketFiles.bind(server, path, SocketFiles.modeFor(spec.umask()));
            selector = Selector.open();
            server.configureBlocking(false);
            server.register(selector, SelectionKey.OP_ACCEPT);
            CredentialServer s = new CredentialServer(spec, tokens, refresher, ticker, readTimeout, path, server,
                    selector, key);
            s.acceptor.start();
            log.info("Serving {} tokens on {} (mode {})", String.join("/", spec.protocols()), path,
                    String.format("0o%03o", spec.umask()));
            return s;
        } catch (IOException | RuntimeException e) {
            server.close();
            if (selector != null) {
                selector.close();
            }
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    /** Stops serving, drops pending requests and removes the socket file if it is still ours. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        selector.wakeup();
        try {
            acceptor.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        workers.shutdownNow();
        refresher.close();
        closeQuietly(server);
        SocketFiles.removeIfOurs(path, fileKey);
    }

    /** A connection whose request is still arriving. */
    private static final class Pending {
        final ByteBuffer buffer = ByteBuffer.allocate(MAX_REQUEST_BYTES + 1);
        final long deadline;

        Pending(long deadline) {
            this.deadline = deadline;
        }
    }

    private void loop() {
        try {
            while (!closed) {
                selector.select(millisToNextDeadline());
                Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey key = it.next();
                    it.remove();
                    if (!key.isValid()) {
                        continue;
                    }
                    if (key.isAcceptable()) {
                        acceptAll();
                    } else if (key.isReadable()) {
                        read(key);
                    }
                }
                expire();
            }
        } catch (IOException | ClosedSelectorException e) {
            if (!closed) {
                log.error("Credential server on {} stopped: {}", path, e.toString());
            }
        } finally {
            for (SelectionKey key : selector.keys()) {
                if (key.channel() != server) {
                    closeQuietly(key.channel());
                }
            }
            closeQuietly(selector);
        }
    }

    private long millisToNextDeadline() {
        long next = Long.MAX_VALUE;
        for (SelectionKey key : selector.keys()) {
            if (key.isValid() && key.attachment() instanceof Pending p) {
                next = Math.min(next, p.deadline);
            }
        }
        if (next == Long.MAX_VALUE) {
            return 0; // no deadline: wait for activity
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(next - ticker.nanoTime()) + 1;
        return Math.max(1, ms);
    }

    private void acceptAll() throws IOException {
        SocketChannel ch;
        while ((ch = server.accept()) != null) {
            try {
                ch.configureBlocking(false);
                ch.register(selector, SelectionKey.OP_READ, new Pending(ticker.nanoTime() + readTimeoutNanos));
            } catch (IOException e) {
                log.warn("Credential request on {} dropped: {}", path, e.toString());
                closeQuietly(ch);
            }
        }
    }

    private void read(SelectionKey key) {
        SocketChannel ch = (SocketChannel) key.channel();
        Pending p = (Pending) key.attachment();
        int n;
        try {
            n = ch.read(p.buffer);
        } catch (IOException e) {
            log.warn("Credential request on {} dropped: reading it failed: {}", path, e.toString());
            key.cancel();
            closeQuietly(ch);
            return;
        }
        if (n < 0) {
            key.cancel();
            byte[] request = Arrays.copyOf(p.buffer.array(), p.buffer.position());
            try {
                workers.execute(() -> answer(ch, request, p.deadline));
            } catch (RejectedExecutionException e) {
                log.warn("Credential request on {} dropped: {} requests are already waiting", path, QUEUED_REQUESTS);
                closeQuietly(ch);
            }
        } else if (!p.buffer.hasRemaining()) {
            log.warn("Credential request on {} refused: longer than {} bytes", path, MAX_REQUEST_BYTES);
            key.cancel();
            closeQuietly(ch);
        }
    }

    private void expire() {
        long now = ticker.nanoTime();
        for (SelectionKey key : selector.keys()) {
            if (key.isValid() && key.attachment() instanceof Pending p && now - p.deadline >= 0) {
                log.warn("Credential request on {} refused: the client sent no complete request within {} ms"
                        + " (it must shut down its write side)", path, TimeUnit.NANOSECONDS.toMillis(readTimeoutNanos));
                key.cancel();
                closeQuietly(key.channel());
            }
        }
    }

    /** On a worker: parse, check, fetch the token, answer; always closes {@code ch}. */
    private void answer(SocketChannel ch, byte[] raw, long deadline) {
        try (ch) {
            BrokerRequest req;
            try {
                req = BrokerRequest.parse(raw);
            } catch (BrokerRequest.MalformedException e) {
                if (raw.length == 0) {
                    log.debug("Empty credential request on {} (a liveness probe?)", path);
                } else {
                    log.warn("Credential request on {} refused: {}", path, e.getMessage());
                }
                return;
            }
            String user = servedUser(req.user());
            if (user == null) {
                log.warn("Credential request on {} refused: {} is not an account this server serves", path,
                        printable(req.user()));
                return;
            }
            if (!protocols.contains(req.protocol())) {
                log.warn("Credential request on {} refused: protocol {} is not served (this server serves {});"
                        + " add it to CredentialServer(protocols=[...])", path, printable(req.protocol()),
                        String.join(", ", protocols));
                return;
            }
            if (!req.options().isEmpty()) {
                log.debug("Ignoring credential request options {}", printable(String.join(",", req.options())));
            }
            String token;
            try {
                token = refresher.token(user, req.protocol());
            } catch (AuthenticationRequiredException e) {
                // Answered at once (closed without a token): a login is never waited for here.
                log.warn("No {} token for {}: a login is needed ({})", req.protocol(), user, e.getMessage());
                tokens.loginNeeded(user, req.protocol());
                return;
            } catch (IOException e) {
                log.warn("No {} token for {}: {}", req.protocol(), user, e.getMessage());
                return;
            }
            if (!Xoauth2.isUsableToken(token)) {
                log.warn("No {} token for {}: the token source returned an empty or malformed token", req.protocol(),
                        user);
                return;
            }
            writeFully(ch, ByteBuffer.wrap(Xoauth2.encode(user, token)), deadline + readTimeoutNanos);
            log.debug("Served a {} token for {}", req.protocol(), user);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            log.warn("Credential answer on {} not delivered: {}", path, e.toString());
        } catch (RuntimeException e) {
            log.error("Credential request on {} failed", path, e);
        }
    }

    /** The served account's e-mail matching {@code requested} (case-insensitively), else null. */
    private @Nullable String servedUser(String requested) {
        for (AccountSpec a : accounts) {
            String u = tokens.user(a);
            if (u != null && u.toLowerCase(Locale.ROOT).equals(requested.toLowerCase(Locale.ROOT))) {
                return u;
            }
        }
        return null;
    }

    /**
     * Writes without blocking the worker forever on a client that does not read. The answer is a
     * few KiB and fits the socket buffer, so this nearly always completes on the first write.
     */
    private void writeFully(SocketChannel ch, ByteBuffer b, long deadline)
            throws IOException, InterruptedException {
        while (b.hasRemaining()) {
            if (ch.write(b) == 0) {
                if (ticker.nanoTime() - deadline >= 0) {
                    throw new IOException("the client did not read the answer in time");
                }
                ticker.sleep(WRITE_RETRY);
            }
        }
    }

    /** Safe to log: control characters replaced, length bounded. */
    static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 100; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return '"' + b.toString() + (s.length() > 100 ? "...\"" : "\"");
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // Nothing useful to do.
        }
    }
}
