package dev.cms.broker;

import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Folder;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.Transport;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Properties;

/**
 * {@code --test-smtp} / {@code --test-imap}: logs in to a real server with XOAUTH2 and the
 * broker's token, and reports the server's verdict. Certificates are always checked against the
 * JVM's trust store ({@code -Djavax.net.ssl.trustStore=...} through {@code JAVA_OPTS}); clear
 * text is allowed only to a loopback host, for local test servers.
 */
final class MailCheck {
    static final int SMTP_PORT = 587;
    static final int IMAPS_PORT = 993;
    static final int IMAP_PORT = 143;
    private static final String TIMEOUT_MS = "30000";

    /** A {@code HOST[:PORT]} argument; IPv6 literals in brackets. */
    record HostPort(String host, int port) {
        static HostPort parse(String s, int defaultPort) {
            String host = s;
            int port = defaultPort;
            int colon = s.lastIndexOf(':');
            if (s.startsWith("[")) {
                int close = s.indexOf(']');
                if (close < 0) {
                    throw new IllegalArgumentException("unclosed '[' in " + s);
                }
                host = s.substring(1, close);
                if (close + 1 < s.length()) {
                    if (s.charAt(close + 1) != ':') {
                        throw new IllegalArgumentException("expected HOST[:PORT], got " + s);
                    }
                    port = parsePort(s.substring(close + 2), s);
                }
            } else if (colon >= 0 && s.indexOf(':') == colon) {
                host = s.substring(0, colon);
                port = parsePort(s.substring(colon + 1), s);
            }
            if (host.isEmpty()) {
                throw new IllegalArgumentException("no host in " + s);
            }
            return new HostPort(host, port);
        }

        private static int parsePort(String p, String whole) {
            try {
                int port = Integer.parseInt(p);
                if (port >= 1 && port <= 65535) {
                    return port;
                }
            } catch (NumberFormatException e) {
                // Fall through.
            }
            throw new IllegalArgumentException("bad port in " + whole + ": expected 1-65535");
        }

        @Override
        public String toString() {
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }
    }

    private MailCheck() {}

    /** True when every address of {@code host} is a loopback address. */
    static boolean isLoopback(String host) {
        try {
            for (InetAddress a : InetAddress.getAllByName(host)) {
                if (!a.isLoopbackAddress()) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** SMTP submission with STARTTLS required (or clear text on loopback with {@code plain}). */
    static int smtp(HostPort hp, boolean plain, String user, String token, PrintWriter out, PrintWriter err) {
        Properties p = new Properties();
        String pre = "mail.smtp.";
        p.setProperty(pre + "host", hp.host());
        p.setProperty(pre + "port", Integer.toString(hp.port()));
        p.setProperty(pre + "auth", "true");
        p.setProperty(pre + "auth.mechanisms", "XOAUTH2");
        p.setProperty(pre + "starttls.enable", Boolean.toString(!plain));
        p.setProperty(pre + "starttls.required", Boolean.toString(!plain));
        p.setProperty(pre + "ssl.checkserveridentity", "true");
        p.setProperty(pre + "connectiontimeout", TIMEOUT_MS);
        p.setProperty(pre + "timeout", TIMEOUT_MS);
        Session session = Session.getInstance(p);
        try {
            Transport t = session.getTransport("smtp");
            try {
                t.connect(hp.host(), hp.port(), user, token);
            } finally {
                closeQuietly(t);
            }
        } catch (AuthenticationFailedException e) {
            err.println("cms-oauth: SMTP authentication to " + hp + " failed: " + describe(e));
            err.flush();
            return OAuthClient.FAILURE;
        } catch (MessagingException e) {
            err.println("cms-oauth: SMTP test of " + hp + " failed: " + describe(e));
            err.flush();
            return OAuthClient.FAILURE;
        }
        out.println("SMTP authentication succeeded (" + hp + ", " + (plain ? "clear text" : "STARTTLS") + ")");
        out.flush();
        return OAuthClient.OK;
    }

    /** IMAP over TLS (IMAPS), or clear text on loopback with {@code plain}; opens INBOX read-only. */
    static int imap(HostPort hp, boolean plain, String user, String token, PrintWriter out, PrintWriter err) {
        String proto = plain ? "imap" : "imaps";
        String pre = "mail." + proto + ".";
        Properties p = new Properties();
        p.setProperty(pre + "host", hp.host());
        p.setProperty(pre + "port", Integer.toString(hp.port()));
        p.setProperty(pre + "auth.mechanisms", "XOAUTH2");
        p.setProperty(pre + "ssl.checkserveridentity", "true");
        p.setProperty(pre + "connectiontimeout", TIMEOUT_MS);
        p.setProperty(pre + "timeout", TIMEOUT_MS);
        Session session = Session.getInstance(p);
        try {
            Store store = session.getStore(proto);
            try {
                store.connect(hp.host(), hp.port(), user, token);
                Folder inbox = store.getFolder("INBOX");
                inbox.open(Folder.READ_ONLY);
                inbox.close(false);
            } finally {
                closeQuietly(store);
            }
        } catch (AuthenticationFailedException e) {
            err.println("cms-oauth: IMAP authentication to " + hp + " failed: " + describe(e));
            err.flush();
            return OAuthClient.FAILURE;
        } catch (MessagingException e) {
            err.println("cms-oauth: IMAP test of " + hp + " failed: " + describe(e));
            err.flush();
            return OAuthClient.FAILURE;
        }
        out.println("IMAP authentication succeeded (" + hp + ", " + (plain ? "clear text" : "TLS") + ")");
        out.flush();
        return OAuthClient.OK;
    }

    private static String describe(Exception e) {
        StringBuilder b = new StringBuilder(String.valueOf(e.getMessage()).strip());
        for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            b.append(" (").append(c.getClass().getSimpleName()).append(": ").append(c.getMessage()).append(')');
        }
        return b.toString();
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // The verdict is already known.
        }
    }
}
