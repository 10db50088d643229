package dev.cms.cli;

import dev.cms.sync.Progress;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shows long downloads: a redrawn bar with rate and time left when stderr is a terminal,
 * else a log line every ten percent.
 */
final class ConsoleProgress implements Progress {
    private static final Logger log = LoggerFactory.getLogger(ConsoleProgress.class);
    private static final int MIN_FOR_DISPLAY = 50;

    private final PrintStream out;
    private final boolean terminal;
    private String mailbox;
    private int total;
    private long started;
    private long lastDraw;
    private int lastDecile;

    ConsoleProgress(PrintStream out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    static ConsoleProgress forStderr() {
        return new ConsoleProgress(System.err, System.console() != null && System.getenv("TERM") != null
                && !"dumb".equals(System.getenv("TERM")));
    }

    @Override
    public synchronized void fetchStarted(String mailbox, int total) {
        this.mailbox = mailbox;
        this.total = total;
        this.started = System.nanoTime();
        this.lastDraw = 0;
        this.lastDecile = 0;
    }

    @Override
    public synchronized void fetched(String mailbox, int done, long bytes) {
        if (total < MIN_FOR_DISPLAY) {
            return;
        }
        long now = System.nanoTime();
        double secs = Math.max(1e-3, (now - started) / 1e9);
        double rate = done / secs;
        if (terminal) {
            if (now - lastDraw < 200_000_000L && done < total) {
                return;
            }
            lastDraw = now;
            int width = 30;
            int filled = (int) ((long) width * done / total);
            String eta = rate > 0 ? format(Duration.ofSeconds((long) ((total - done) / rate))) : "?";
            out.printf(Locale.ROOT, "\r%s [%s%s] %d/%d %.0f msg/s %.1f MB/s, %s left ", shortName(mailbox),
                    "#".repeat(filled), " ".repeat(width - filled), done, total, rate, bytes / 1e6 / secs, eta);
            out.flush();
        } else {
            int decile = (int) (10L * done / total);
            if (decile > lastDecile) {
                lastDecile = decile;
                log.info("{}: {}/{} downloaded ({} msg/s)", mailbox, done, total, String.format(Locale.ROOT, "%.0f", rate));
            }
        }
    }

    @Override
    public synchronized void fetchFinished(String mailbox) {
        if (terminal && total >= MIN_FOR_DISPLAY) {
            out.print("\r" + " ".repeat(100) + "\r");
            out.flush();
        }
    }

    private static String shortName(String key) {
        return key.length() <= 32 ? key : "…" + key.substring(key.length() - 31);
    }

    static String format(Duration d) {
        long s = d.toSeconds();
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return (s / 60) + "m" + String.format(Locale.ROOT, "%02d", s % 60) + "s";
        }
        return (s / 3600) + "h" + String.format(Locale.ROOT, "%02d", (s % 3600) / 60) + "m";
    }
}
