package dev.cms.maildir;

import dev.cms.time.Ticker;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Maildir unique names, {@code <epochSeconds>.M<micros>P<pid>Q<counter>.<hostname>}: the time,
 * the process id and a process-wide counter make a name unique on this host; the host name makes
 * it unique across hosts sharing the Maildir.
 */
final class UniqueNames {
    /** Shared by every folder of the process, so two deliveries never reuse a counter. */
    private static final AtomicLong COUNTER = new AtomicLong();

    private final Ticker ticker;
    private final long pid;
    private final String host;

    UniqueNames(Ticker ticker, long pid, String host) {
        this.ticker = ticker;
        this.pid = pid;
        this.host = escapeHost(host);
    }

    static UniqueNames system() {
        return system(Ticker.SYSTEM);
    }

    /** This process's names, timed by {@code ticker}'s wall clock. */
    static UniqueNames system(Ticker ticker) {
        return new UniqueNames(ticker, ProcessHandle.current().pid(), HostName.VALUE);
    }

    String next() {
        Instant now = ticker.now();
        return now.getEpochSecond() + ".M" + now.getNano() / 1000 + "P" + pid + "Q" + COUNTER.incrementAndGet()
                + "." + host;
    }

    private static final java.util.regex.Pattern OURS =
            java.util.regex.Pattern.compile("(\\d{1,18})\\.M\\d+P(\\d{1,18})Q\\d+\\.(.+)");

    /** Who made a name of ours: the process id and the second the name was made. */
    record Maker(long pid, Instant made) {}

    /** The maker of {@code name} when it is a name this program makes on this host, else null. */
    @Nullable Maker maker(String name) {
        java.util.regex.Matcher m = OURS.matcher(name);
        if (!m.matches() || !m.group(3).equals(host)) {
            return null;
        }
        return new Maker(Long.parseLong(m.group(2)), Instant.ofEpochSecond(Long.parseLong(m.group(1))));
    }

    /** The spec's escapes: {@code /} becomes {@code \057} and {@code :} becomes {@code \072}. */
    static String escapeHost(String host) {
        return host.replace("/", "\\057").replace(":", "\\072");
    }

    /** Looked up once, lazily: the lookup may consult DNS. */
    private static final class HostName {
        static final String VALUE = lookUp();

        private static String lookUp() {
            try {
                String name = InetAddress.getLocalHost().getHostName();
                return name == null || name.isEmpty() ? "localhost" : name;
            } catch (UnknownHostException | SecurityException e) {
                return "localhost";
            }
        }
    }
}
