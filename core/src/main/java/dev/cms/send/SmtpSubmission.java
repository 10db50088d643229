package dev.cms.send;

import dev.cms.config.SmtpSubmissionSpec;
import dev.cms.time.Ticker;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.jspecify.annotations.Nullable;

/**
 * Local SMTP submission (RFC 6409) for mail programs that only speak SMTP: listens on the
 * loopback interface only, wants AUTH PLAIN with an account's address and the password in
 * {@code <state>/smtp-password} (mode 0600, made with a random password when missing), takes
 * {@code MAIL FROM}, {@code RCPT TO} and {@code DATA}, and queues the message into the same
 * {@link Outbox} as {@code cms-sendmail}, answering 250 once it is durably queued. The recipients
 * are the {@code RCPT TO} addresses, prepared as {@link Submission} does for sendmail.
 */
public final class SmtpSubmission implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SmtpSubmission.class);
    static final String PASSWORD_FILE = "smtp-password";
    private static final int TIMEOUT_MS = 5 * 60 * 1000;

    private final ServerSocket server;
    private final Outbox outbox;
    private final List<SendAccount> accounts;
    private final byte[] password;
    private final OutboxWorker worker;
    private final Ticker ticker;
    private final ExecutorService sessions;
    private final Thread acceptor;
    private volatile boolean closed;

    private SmtpSubmission(ServerSocket server, Outbox outbox, List<SendAccount> accounts, byte[] password,
            OutboxWorker worker, Ticker ticker) {
        this.server = server;
        this.outbox = outbox;
        this.accounts = List.copyOf(accounts);
        this.password = password;
        this.worker = worker;
        this.ticker = ticker;
        this.sessions = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "cms-smtp-session");
            t.setDaemon(true);
            return t;
        });
        this.acceptor = new Thread(this::acceptLoop, "cms-smtp");
        acceptor.setDaemon(true);
    }

    /** Binds 127.0.0.1:{@code spec.port()} (0: any free port) and serves. */
    public static SmtpSubmission start(SmtpSubmissionSpec spec, Path stateDir, Outbox outbox, OutboxWorker worker,
            Ticker ticker) throws IOException {
        byte[] password = password(stateDir.resolve(PASSWORD_FILE));
        ServerSocket server = new ServerSocket();
        try {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), spec.port()), 16);
        } catch (IOException e) {
            server.close();
            throw new IOException("cannot listen for SMTP submission on 127.0.0.1:" + spec.port() + " ("
                    + e.getMessage() + "); give SmtpSubmission(port=...) a free port", e);
        }
        List<SendAccount> accounts = new ArrayList<>();
        spec.accounts().forEach(a -> accounts.add(SendAccount.of(a)));
        SmtpSubmission s = new SmtpSubmission(server, outbox, accounts, password, worker, ticker);
        s.acceptor.start();
        log.info("Taking mail to send by SMTP on 127.0.0.1:{} (AUTH PLAIN, password in {})", s.port(),
                stateDir.resolve(PASSWORD_FILE));
        return s;
    }

    public int port() {
        return server.getLocalPort();
    }

    /** The password file's content (trailing white space ignored); made with a random password when missing. */
    static byte[] password(Path file) throws IOException {
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            byte[] r = new byte[18];
            new SecureRandom().nextBytes(r);
            String pw = Base64.getUrlEncoder().withoutPadding().encodeToString(r);
            try {
                Files.write(file, (pw + "\n").getBytes(StandardCharsets.US_ASCII), StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE);
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            } catch (FileAlreadyExistsException e) {
                // Made meanwhile: read it below.
            }
        }
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
        if (mode.stream().anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
            throw new IOException(file + " must be readable by you alone (chmod 600 " + file + "): it holds the SMTP"
                    + " submission password");
        }
        String pw = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (pw.isEmpty()) {
            throw new IOException(file + " is empty: it must hold the SMTP submission password");
        }
        return pw.getBytes(StandardCharsets.UTF_8);
    }

    private void acceptLoop() {
        while (!closed) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    log.error("SMTP submission on port {} stopped: {}", port(), e.toString());
                }
                return;
            }
            try {
                sessions.execute(() -> session(s));
            } catch (RejectedExecutionException e) {
                close(s);
            }
        }
    }

    /** One client's session state. */
    private static final class State {
        @Nullable SendAccount user;
        @Nullable String from;
        final List<String> rcpts = new ArrayList<>();

        void reset() {
            from = null;
            rcpts.clear();
        }
    }

    private void session(Socket socket) {
        try (socket) {
            socket.setSoTimeout(TIMEOUT_MS);
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            reply(out, "220 localhost cloud-mdir-sync ESMTP submission");
            State st = new State();
            while (!closed) {
                String line = readLine(in);
                if (line == null) {
                    return;
                }
                String upper = line.toUpperCase(Locale.ROOT);
                String verb = upper.split(" ", 2)[0];
                switch (verb) {
                    case "EHLO" -> reply(out, "250-localhost\r\n250-AUTH PLAIN\r\n250-SIZE " + SendAccount.GMAIL_MAX_BYTES
                            + "\r\n250-8BITMIME\r\n250 ENHANCEDSTATUSCODES");
                    case "HELO" -> reply(out, "250 localhost");
                    case "AUTH" -> auth(line, in, out, st);
                    case "MAIL" -> {
                        if (st.user == null) {
                            reply(out, "530 5.7.0 Authentication required");
                        } else if (!upper.startsWith("MAIL FROM:")) {
                            reply(out, "501 5.5.4 Syntax: MAIL FROM:<address>");
                        } else {
                            st.reset();
                            st.from = path(line.substring(10));
                            reply(out, "250 2.1.0 Ok");
                        }
                    }
                    case "RCPT" -> rcpt(line, upper, out, st);
                    case "DATA" -> {
                        if (st.from == null || st.rcpts.isEmpty()) {
                            reply(out, "503 5.5.1 MAIL FROM and RCPT TO first");
                        } else {
                            reply(out, "354 End data with <CR><LF>.<CR><LF>");
                            data(in, out, st);
                            st.reset();
                        }
                    }
                    case "RSET" -> {
                        st.reset();
                        reply(out, "250 2.0.0 Ok");
                    }
                    case "NOOP" -> reply(out, "250 2.0.0 Ok");
                    case "QUIT" -> {
                        reply(out, "221 2.0.0 Bye");
                        return;
                    }
                    default -> reply(out, "502 5.5.2 Command not recognized");
                }
            }
        } catch (SocketTimeoutException e) {
            log.debug("SMTP submission: a client was silent for {} s", TIMEOUT_MS / 1000);
        } catch (IOException e) {
            log.debug("SMTP submission: a session ended: {}", e.toString());
        }
    }

    private void auth(String line, InputStream in, OutputStream out, State st) throws IOException {
        String[] parts = line.split(" ");
        if (st.user != null) {
            reply(out, "503 5.5.1 Already authenticated");
            return;
        }
        if (parts.length < 2 || !parts[1].equalsIgnoreCase("PLAIN")) {
            reply(out, "504 5.5.4 Only AUTH PLAIN is offered");
            return;
        }
        String answer;
        if (parts.length >= 3) {
            answer = parts[2];
        } else {
            reply(out, "334 ");
            answer = readLine(in);
            if (answer == null) {
                return;
            }
        }
        byte[] decoded;
        try {
            decoded = Base64.getDecoder().decode(answer.strip());
        } catch (IllegalArgumentException e) {
            reply(out, "501 5.5.2 Cannot decode the AUTH PLAIN response");
            return;
        }
        String[] fields = new String(decoded, StandardCharsets.UTF_8).split("\0", -1);
        SendAccount who = null;
        if (fields.length == 3) {
            for (SendAccount a : accounts) {
                if (a.isAddress(fields[1])) {
                    who = a;
                }
            }
        }
        boolean ok = fields.length == 3 && MessageDigest.isEqual(password, fields[2].getBytes(StandardCharsets.UTF_8))
                && who != null && (fields[0].isEmpty() || who.isAddress(fields[0]));
        if (!ok) {
            log.warn("SMTP submission: a login was refused (user {})", fields.length == 3
                    ? Addresses.quote(fields[1]) : "?");
            reply(out, "535 5.7.8 Authentication credentials invalid");
            return;
        }
        st.user = who;
        reply(out, "235 2.7.0 Authentication successful");
    }

    private void rcpt(String line, String upper, OutputStream out, State st) throws IOException {
        if (st.from == null) {
            reply(out, "503 5.5.1 MAIL FROM first");
            return;
        }
        if (!upper.startsWith("RCPT TO:")) {
            reply(out, "501 5.5.4 Syntax: RCPT TO:<address>");
            return;
        }
        String to = path(line.substring(8));
        try {
            Addresses.check(to, "recipient");
        } catch (SendmailException e) {
            reply(out, "553 5.1.3 " + e.getMessage());
            return;
        }
        st.rcpts.add(to);
        reply(out, "250 2.1.5 Ok");
    }

    private void data(InputStream in, OutputStream out, State st) throws IOException {
        SendAccount user = java.util.Objects.requireNonNull(st.user, "DATA is taken only after a login (MAIL needs it)");
        ByteArrayOutputStream msg = new ByteArrayOutputStream();
        boolean tooBig = false;
        while (true) {
            byte[] line = readRawLine(in);
            if (line == null) {
                throw new IOException("the client closed the connection during DATA");
            }
            if (line.length == 1 && line[0] == '.') {
                break;
            }
            int start = line.length > 0 && line[0] == '.' ? 1 : 0; // dot-stuffing
            if (msg.size() + line.length > SendAccount.GMAIL_MAX_BYTES) {
                tooBig = true;
            }
            if (!tooBig) {
                msg.write(line, start, line.length - start);
                msg.write('\n');
            }
        }
        if (tooBig) {
            reply(out, "552 5.3.4 Message larger than " + SendAccount.GMAIL_MAX_BYTES + " bytes");
            return;
        }
        try {
            Submission s = Submission.prepare(msg.toByteArray(), new Submission.Options(false, st.rcpts, st.from, null,
                    user.key(), false), accounts, ticker.now(), ZoneId.systemDefault());
            String id = outbox.queue(s, ticker.now());
            log.info("outbox: queued {} for {} (SMTP submission)", id, s.account().key());
            worker.wake(false);
            reply(out, "250 2.0.0 Ok: queued as " + id);
        } catch (SendmailException e) {
            String code = e.exitCode() == SysExits.NOUSER ? "550 5.1.1 " : "554 5.6.0 ";
            reply(out, code + e.getMessage());
        } catch (IOException e) {
            log.error("SMTP submission: cannot queue a message: {}", e.toString());
            reply(out, "451 4.3.0 Cannot write the outbox; try again later");
        }
    }

    /** The address in {@code <...>} (parameters after it ignored). */
    private static String path(String arg) {
        String a = arg.strip();
        int lt = a.indexOf('<');
        int gt = a.indexOf('>', lt + 1);
        if (lt >= 0 && gt > lt) {
            return a.substring(lt + 1, gt).strip();
        }
        int sp = a.indexOf(' ');
        return sp < 0 ? a : a.substring(0, sp);
    }

    private static @Nullable String readLine(InputStream in) throws IOException {
        byte[] b = readRawLine(in);
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    /** A line without its CRLF (or LF); null at the end of the stream. */
    private static byte @Nullable [] readRawLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(128);
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                byte[] line = b.toByteArray();
                int n = line.length > 0 && line[line.length - 1] == '\r' ? line.length - 1 : line.length;
                return java.util.Arrays.copyOf(line, n);
            }
            b.write(c);
            if (b.size() > 1_000_000) {
                throw new IOException("a line longer than 1,000,000 bytes");
            }
        }
        return b.size() == 0 ? null : b.toByteArray();
    }

    private static void reply(OutputStream out, String text) throws IOException {
        out.write((text + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static void close(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // Nothing to do.
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // Nothing to do.
        }
        sessions.shutdownNow();
    }
}
