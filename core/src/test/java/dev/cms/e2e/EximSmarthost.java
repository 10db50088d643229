package dev.cms.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * The smart host exim relays to in {@link BrokerEximTest}: an SMTP server on loopback that offers
 * STARTTLS (with a test certificate) and, only after TLS, {@code AUTH XOAUTH2}. It keeps the
 * decoded XOAUTH2 strings it was given, accepts those {@code accept} approves, refuses mail from
 * unauthenticated sessions, and keeps every mail it accepted.
 */
final class EximSmarthost implements AutoCloseable {
    record Mail(String from, List<String> to, String data) {
    }

    final List<Mail> mails = new CopyOnWriteArrayList<>();
    /** The decoded XOAUTH2 strings received, accepted or not. */
    final List<String> xoauth2 = new CopyOnWriteArrayList<>();
    /** A protocol-level problem the sink saw (bad base64, commands out of order), for the test to report. */
    final List<String> problems = new CopyOnWriteArrayList<>();
    private final Predicate<String> accept;
    private final boolean offerTls;
    private final SSLContext tls;
    private final ServerSocket server;
    private final Thread thread;

    /**
     * {@code keyStore}: a PKCS#12 file with the certificate and its key, protected by
     * {@code password}. Without {@code offerTls} the server offers no STARTTLS and takes
     * {@code AUTH XOAUTH2} on the plain connection.
     */
    EximSmarthost(Path keyStore, char[] password, boolean offerTls, Predicate<String> accept) throws IOException,
            GeneralSecurityException {
        this.accept = accept;
        this.offerTls = offerTls;
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = java.nio.file.Files.newInputStream(keyStore)) {
            ks.load(in, password);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, password);
        tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);
        server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        thread = new Thread(this::serve, "exim-smarthost");
        thread.setDaemon(true);
        thread.start();
    }

    int port() {
        return server.getLocalPort();
    }

    private void serve() {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                s.setSoTimeout(30_000);
                session(s);
            } catch (IOException e) {
                if (!server.isClosed()) {
                    problems.add("session ended: " + e);
                }
            }
        }
    }

    private void session(Socket plain) throws IOException {
        Socket s = plain;
        BufferedReader in = reader(s);
        OutputStream out = s.getOutputStream();
        reply(out, "220 smarthost ESMTP");
        boolean secure = false;
        boolean authenticated = false;
        String from = null;
        List<String> to = new ArrayList<>();
        String line;
        while ((line = in.readLine()) != null) {
            String upper = line.toUpperCase(Locale.ROOT);
            if (upper.startsWith("EHLO")) {
                reply(out, secure || !offerTls ? "250-smarthost\r\n250-AUTH XOAUTH2\r\n250 8BITMIME"
                        : "250-smarthost\r\n250-STARTTLS\r\n250 8BITMIME");
            } else if (upper.equals("STARTTLS") && offerTls && !secure) {
                reply(out, "220 2.0.0 ready to start TLS");
                SSLSocket t = (SSLSocket) tls.getSocketFactory().createSocket(s, null, s.getPort(), true);
                t.setUseClientMode(false);
                t.startHandshake();
                s = t;
                in = reader(s);
                out = s.getOutputStream();
                secure = true;
            } else if (upper.startsWith("AUTH XOAUTH2")) {
                if (offerTls && !secure) {
                    problems.add("AUTH before STARTTLS");
                    reply(out, "538 5.7.11 encryption required");
                    continue;
                }
                String initial = line.substring("AUTH XOAUTH2".length()).trim();
                if (initial.isEmpty()) {
                    reply(out, "334 ");
                    initial = in.readLine();
                    if (initial == null) {
                        return;
                    }
                }
                String decoded;
                try {
                    decoded = new String(Base64.getDecoder().decode(initial.trim()), StandardCharsets.UTF_8);
                } catch (IllegalArgumentException e) {
                    problems.add("not base64 after AUTH XOAUTH2: " + initial);
                    reply(out, "501 5.5.2 bad base64");
                    continue;
                }
                xoauth2.add(decoded);
                if (accept.test(decoded)) {
                    authenticated = true;
                    reply(out, "235 2.7.0 accepted");
                } else {
                    reply(out, "535 5.7.8 token refused");
                }
            } else if (upper.startsWith("MAIL FROM:")) {
                if (!authenticated) {
                    problems.add("MAIL without authentication");
                    reply(out, "530 5.7.0 authentication required");
                    continue;
                }
                from = line.substring(10).trim();
                to.clear();
                reply(out, "250 2.1.0 ok");
            } else if (upper.startsWith("RCPT TO:")) {
                to.add(line.substring(8).trim());
                reply(out, "250 2.1.5 ok");
            } else if (upper.equals("DATA")) {
                reply(out, "354 go ahead");
                StringBuilder data = new StringBuilder();
                while ((line = in.readLine()) != null && !line.equals(".")) {
                    data.append(line.startsWith(".") ? line.substring(1) : line).append('\n');
                }
                mails.add(new Mail(from, List.copyOf(to), data.toString()));
                reply(out, "250 2.0.0 queued");
            } else if (upper.equals("QUIT")) {
                reply(out, "221 2.0.0 bye");
                return;
            } else {
                reply(out, "250 ok");
            }
        }
    }

    private static BufferedReader reader(Socket s) throws IOException {
        return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
    }

    private static void reply(OutputStream out, String text) throws IOException {
        out.write((text + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
