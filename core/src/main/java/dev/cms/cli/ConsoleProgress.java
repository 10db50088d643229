package dev.cms.cli;

import dev.cms.sync.Progress;
import dev.cms.time.Ticker;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shows long downloads: bodies done of the total, the speed in messages and bytes a second,
 * and the time left at that speed ({@link DownloadRate}: measured over the last ten minutes,
 * so the quota's pacing and the service's throttling pauses are in it).
 *
 * <p>On a terminal the figures are one line without a newline, redrawn in place at most five
 * times a second: {@code \r}, then erased to the end of the line ({@code ESC[K}), so a
 * shorter redraw leaves nothing of a longer one. A log line must not land on top of it:
 * {@link #logStream} wraps stderr so that the line is erased before a log line is written;
 * the next arrival draws it again. When stderr is not a terminal (the daemon under systemd,
 * a log file) the same figures are logged instead, at every further tenth of the download
 * and every {@link #LOG_EVERY}. The command line's progress ({@link #forStderr}) has a thread
 * that brings the figures up to date every {@link #TICK} while nothing arrives, so a
 * throttling pause shows as it lasts: the speed falls, the time left grows, and the line a
 * log message erased comes back.
 */
final class ConsoleProgress implements Progress {
    private static final Logger log = LoggerFactory.getLogger(ConsoleProgress.class);
    private static final int MIN_FOR_DISPLAY = 50;
    /** Erase from the cursor to the end of the line (ECMA-48 EL). */
    static final String ERASE_LINE = "\u001b[K";
    private static final int BAR = 20;
    private static final int NAME = 24;
    private static final long REDRAW_EVERY_NANOS = 200_000_000L;
    static final Duration LOG_EVERY = Duration.ofSeconds(30);
    static final Duration TICK = Duration.ofSeconds(1);

    private final PrintStream out;
    private final boolean terminal;
    private final int columns;
    private final Ticker ticker;
    private final Consumer<String> logLine;
    private final boolean ticking;
    private String mailbox = "";
    private int total;
    /** A download is under way (between fetchStarted and fetchFinished) and shown. */
    private boolean active;
    /** The thread that brings the figures up to date while nothing arrives, when running. */
    private @Nullable Thread tickThread;
    private DownloadRate rate;
    private long lastDraw;
    private long lastLog;
    private int lastDecile;
    /** A bar is on the screen: the cursor is at the end of an unfinished line. */
    private boolean shown;

    ConsoleProgress(PrintStream out, boolean terminal, Ticker ticker) {
        this(out, terminal, 80, ticker);
    }

    ConsoleProgress(PrintStream out, boolean terminal, int columns, Ticker ticker) {
        this(out, terminal, columns, ticker, line -> log.info("{}", line), false);
    }

    /**
     * As the others, with the lines for a log (stderr not a terminal) going to {@code logLine};
     * with {@code ticking}, a thread brings the figures up to date every {@link #TICK} while
     * nothing arrives (a quota or throttling pause), so the time left grows as the pause goes on.
     */
    ConsoleProgress(PrintStream out, boolean terminal, int columns, Ticker ticker, Consumer<String> logLine,
            boolean ticking) {
        this.out = out;
        this.ticker = ticker;
        this.terminal = terminal;
        this.columns = Math.max(40, columns);
        this.logLine = logLine;
        this.ticking = ticking;
        this.rate = new DownloadRate(ticker.nanoTime());
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
        ConsoleProgress p = new ConsoleProgress(err, terminal, columns, ticker, line -> log.info("{}", line), true);
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
        long now = ticker.nanoTime();
        this.mailbox = mailbox;
        this.total = total;
        this.rate = new DownloadRate(now);
        this.lastDraw = 0;
        this.lastLog = now;
        this.lastDecile = 0;
        this.active = total >= MIN_FOR_DISPLAY;
        if (active && ticking && tickThread == null) {
            Thread t = new Thread(this::tick, "cms-progress");
            t.setDaemon(true);
            tickThread = t;
            t.start();
        }
    }

    @Override
    public synchronized void fetched(String mailbox, int done, long bytes) {
        if (!active) {
            return;
        }
        long now = ticker.nanoTime();
        rate.record(now, done, bytes);
        show(now);
    }

    /** Draws the line, or logs it when it is due. */
    private void show(long now) {
        int count = rate.done();
        if (terminal) {
            if (now - lastDraw < REDRAW_EVERY_NANOS && count < total) {
                return;
            }
            lastDraw = now;
            String line = terminalLine(mailbox, count);
            out.print("\r" + line + ERASE_LINE);
            out.flush();
            shown = true;
        } else {
            int decile = (int) (10L * Math.min(count, total) / total);
            if (decile > lastDecile || now - lastLog >= LOG_EVERY.toNanos()) {
                lastDecile = Math.max(lastDecile, decile);
                lastLog = now;
                logLine.accept(mailbox + ": " + figures(count));
            }
        }
    }

    /**
     * The ticking thread: every {@link #TICK} of a download, the time since the last arrival
     * goes into the figures and they are shown as an arrival would show them. It ends when no
     * download is under way.
     */
    private void tick() {
        synchronized (this) {
            try {
                long next = ticker.nanoTime() + TICK.toNanos();
                while (active) {
                    long now = ticker.nanoTime();
                    if (now - next >= 0) {
                        rate.idle(now);
                        show(now);
                        next = now + TICK.toNanos();
                    }
                    ticker.waitUntil(this, next);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                tickThread = null;
            }
        }
    }

    /**
     * The line on the terminal: the mailbox, a bar, the figures; never as wide as the terminal
     * (a wrapped line cannot be redrawn with {@code \r}). The figures come first: the bar
     * narrows, then goes, then the name is shortened.
     */
    private String terminalLine(String mailbox, int count) {
        String fig = figures(count);
        String name = shortName(mailbox, NAME);
        int width = columns - 1;
        int bar = Math.min(BAR, width - name.length() - fig.length() - 4);
        String line;
        if (bar >= 5) {
            int filled = (int) ((long) bar * Math.min(count, total) / total);
            line = name + " [" + "#".repeat(filled) + " ".repeat(bar - filled) + "] " + fig;
        } else {
            line = shortName(mailbox, Math.max(1, Math.min(NAME, width - fig.length() - 1))) + " " + fig;
        }
        return line.length() > width ? line.substring(0, width) : line;
    }

    /** {@code 4000/100000 40 msg/s 1.2 MB/s, 40m00s left}: the same on a terminal and in a log. */
    private String figures(int done) {
        Duration left = rate.timeLeft(total);
        double perSecond = rate.messagesPerSecond();
        return String.format(Locale.ROOT, perSecond < 10 ? "%d/%d %.1f msg/s %s, %s left" : "%d/%d %.0f msg/s %s, %s left",
                done, total, perSecond, byteRate(rate.bytesPerSecond()), left == null ? "?" : format(left));
    }

    static String byteRate(double bytesPerSecond) {
        if (bytesPerSecond < 1e6) {
            return String.format(Locale.ROOT, "%.0f kB/s", bytesPerSecond / 1e3);
        }
        return String.format(Locale.ROOT, "%.1f MB/s", bytesPerSecond / 1e6);
    }

    @Override
    public synchronized void fetchFinished(String mailbox) {
        endLine();
        active = false;
        ticker.wakeAll(this);
    }

    private static String shortName(String key, int max) {
        return key.length() <= max ? key : "…" + key.substring(key.length() - (max - 1));
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
