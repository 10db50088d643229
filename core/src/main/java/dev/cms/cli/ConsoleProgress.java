package dev.cms.cli;

import dev.cms.sync.Progress;
import dev.cms.time.Ticker;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.time.Duration;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shows long downloads: a redrawn bar with rate and time left when stderr is a terminal,
 * else a log line every ten percent.
 *
 * <p>On a terminal the bar is one line without a newline, redrawn with {@code \r} and erased
 * to the end of the line ({@code ESC[K}), so a shorter redraw leaves nothing of a longer one.
 * A log line must not land on top of it: {@link #logStream} wraps stderr so that the bar is
 * erased before a log line is written; the next download step draws it again.
 */
final class ConsoleProgress implements Progress {
    private static final Logger log = LoggerFactory.getLogger(ConsoleProgress.class);
    private static final int MIN_FOR_DISPLAY = 50;
    /** Erase from the cursor to the end of the line (ECMA-48 EL). */
    static final String ERASE_LINE = "\u001b[K";
    private static final int BAR = 20;
    private static final int NAME = 24;

    private final PrintStream out;
    private final boolean terminal;
    private final int columns;
    private final Ticker ticker;
    private @Nullable String mailbox;
    private int total;
    private long started;
    private long lastDraw;
    private int lastDecile;
    /** A bar is on the screen: the cursor is at the end of an unfinished line. */
    private boolean shown;

    ConsoleProgress(PrintStream out, boolean terminal, Ticker ticker) {
        this(out, terminal, 80, ticker);
    }

    ConsoleProgress(PrintStream out, boolean terminal, int columns, Ticker ticker) {
        this.out = out;
        this.ticker = ticker;
        this.terminal = terminal;
        this.columns = Math.max(40, columns);
    }

    /**
     * The progress of the process's stderr. On a terminal, stderr is replaced by a stream
     * that erases the bar before anything else is written to it (the log goes there).
     */
    static ConsoleProgress forStderr(Ticker ticker) {
        boolean terminal = System.console() != null && System.getenv("TERM") != null
                && !"dumb".equals(System.getenv("TERM"));
        int columns = 80;
        try {
            String c = System.getenv("COLUMNS");
            columns = c == null ? 80 : Integer.parseInt(c.trim());
        } catch (NumberFormatException e) {
            columns = 80;
        }
        PrintStream err = System.err;
        ConsoleProgress p = new ConsoleProgress(err, terminal, columns, ticker);
        if (terminal) {
            System.setErr(p.logStream(err));
        }
        return p;
    }

    /**
     * A stream for everything else written to the terminal: each write first erases the bar
     * (under this object's lock, so a redraw cannot slip into the middle of a line).
     */
    PrintStream logStream(OutputStream target) {
        ConsoleProgress progress = this;
        OutputStream guarded = new OutputStream() {
            @Override
            public void write(int b) throws java.io.IOException {
                synchronized (progress) {
                    progress.endLine();
                    target.write(b);
                }
            }

            @Override
            public void write(byte[] b, int off, int len) throws java.io.IOException {
                synchronized (progress) {
                    progress.endLine();
                    target.write(b, off, len);
                }
            }

            @Override
            public void flush() throws java.io.IOException {
                target.flush();
            }
        };
        return new PrintStream(guarded, true, Charset.defaultCharset()) {
            @Override
            public void println(String x) {
                // One log line as one unit: no redraw between the text and its newline.
                synchronized (progress) {
                    super.println(x);
                }
            }
        };
    }

    /** Erases the bar if it is shown, leaving the cursor at the start of an empty line. */
    private void endLine() {
        if (shown) {
            shown = false;
            out.print("\r" + ERASE_LINE);
            out.flush();
        }
    }

    @Override
    public synchronized void fetchStarted(String mailbox, int total) {
        endLine();
        this.total = total;
        this.started = ticker.nanoTime();
        this.lastDraw = 0;
        this.lastDecile = 0;
    }

    @Override
    public synchronized void fetched(String mailbox, int done, long bytes) {
        if (total < MIN_FOR_DISPLAY) {
            return;
        }
        long now = ticker.nanoTime();
        double secs = Math.max(1e-3, (now - started) / 1e9);
        double rate = done / secs;
        if (terminal) {
            if (now - lastDraw < 200_000_000L && done < total) {
                return;
            }
            lastDraw = now;
            int filled = (int) ((long) BAR * done / total);
            String eta = rate > 0 ? format(Duration.ofSeconds((long) ((total - done) / rate))) : "?";
            String line = String.format(Locale.ROOT, "%s [%s%s] %d/%d %.0f msg/s %.1f MB/s, %s left",
                    shortName(mailbox), "#".repeat(filled), " ".repeat(BAR - filled), done, total, rate,
                    bytes / 1e6 / secs, eta);
            // Never as wide as the terminal: a wrapped line cannot be redrawn with \r.
            if (line.length() > columns - 1) {
                line = line.substring(0, columns - 1);
            }
            out.print("\r" + line + ERASE_LINE);
            out.flush();
            shown = true;
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
        endLine();
    }

    private static String shortName(String key) {
        return key.length() <= NAME ? key : "…" + key.substring(key.length() - (NAME - 1));
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
