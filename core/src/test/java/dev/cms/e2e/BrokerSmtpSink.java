package dev.cms.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** The MTA Dovecot's submission relays to: accepts every mail on loopback and keeps it. */
final class BrokerSmtpSink implements AutoCloseable {
    record Mail(String from, List<String> to, String data) {
    }

    final List<Mail> mails = new CopyOnWriteArrayList<>();
    private final ServerSocket server;
    private final Thread thread;

    BrokerSmtpSink() throws IOException {
        server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        thread = new Thread(this::serve, "smtp-sink");
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
                // closed, or a broken session: the test sees the missing mail
            }
        }
    }

    private void session(Socket s) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
        OutputStream out = s.getOutputStream();
        reply(out, "220 sink ESMTP");
        String from = null;
        List<String> to = new CopyOnWriteArrayList<>();
        String line;
        while ((line = in.readLine()) != null) {
            String upper = line.toUpperCase(java.util.Locale.ROOT);
            if (upper.startsWith("EHLO")) {
                reply(out, "250-sink\r\n250 8BITMIME");
            } else if (upper.startsWith("MAIL FROM:")) {
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

    private static void reply(OutputStream out, String text) throws IOException {
        out.write((text + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
