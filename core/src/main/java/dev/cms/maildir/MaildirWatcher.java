package dev.cms.maildir;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import dev.cms.time.Ticker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches {@code cur/} and {@code new/} of several Maildirs and calls {@code onChange} once per
 * burst of events, so one mail reader session's many renames become one sync cycle.
 *
 * <p>After the first event, the watcher waits until {@code quiet} has passed with no further
 * event, or until {@code maxDelay} has passed since the first event, then calls
 * {@code onChange} on its own daemon thread with the roots of the Maildirs that changed (all its
 * timing runs on the {@link Ticker} it is given). An
 * OVERFLOW (events were lost) counts as a change of that Maildir: a lost event may have been a
 * user's, so one rescan is due. Own changes announced through {@link #expectOwnChange} before
 * they are made are not reported; handling them costs a map lookup each, so even a first sync's
 * thousands of deliveries do not overflow the watch service's queue. Events for names starting
 * with '.' are ignored. A watched directory that disappears is logged and counted as a change; the
 * other directories stay watched, and the lost one is looked for again every {@code rewatch}
 * (default {@link #REWATCH}): once it exists again it is watched again and counted as a change
 * (what happened while it was not watched is then found by the next cycle's scan).
 */
public final class MaildirWatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MaildirWatcher.class);
    /** An expected own change whose event never came is forgotten after this long. */
    static final Duration EXPECTATION_LIFETIME = Duration.ofMinutes(1);
    /** How often a directory that disappeared is looked for again. */
    static final Duration REWATCH = Duration.ofSeconds(2);

    private final WatchService service;
    private final Map<WatchKey, Watched> watched = new ConcurrentHashMap<>();
    /** Directories that disappeared, to be watched again when they are back. */
    private final Set<Watched> lost = ConcurrentHashMap.newKeySet();
    /** Absolute normalised file path → Ticker.nanoTime deadline. */
    private final Map<Path, Long> expected = new ConcurrentHashMap<>();
    /** The watched directories ({@code cur/}, {@code new/}), absolute and normalised: only their files are expected. */
    private final Set<Path> watchedDirs = ConcurrentHashMap.newKeySet();
    /** When expectations whose event never came are next swept away (event thread only). */
    private long nextSweep;
    private final Ticker ticker;
    private final Debouncer debouncer;
    private final Thread thread;
    private final Thread timer;
    private volatile boolean closed;
    private volatile BiConsumer<Path, List<Path>> onFiles = (root, files) -> { };
    private volatile Consumer<Path> onLost = root -> { };
    /** Called with each event's file name once it is handled, dot files included (for tests). */
    private volatile Consumer<Path> onEventHandled = name -> { };

    private record Watched(Path root, Path dir) {}

    private MaildirWatcher(WatchService service, Duration quiet, Duration maxDelay, Duration rewatch,
            Ticker ticker, Consumer<Set<Path>> onChange) {
        this.service = service;
        this.ticker = ticker;
        this.nextSweep = ticker.nanoTime();
        this.debouncer = new Debouncer(ticker, quiet, maxDelay, rewatch, onChange, this::rewatch);
        this.thread = new Thread(this::run, "maildir-watcher");
        thread.setDaemon(true);
        this.timer = new Thread(debouncer::run, "maildir-watcher-timer");
        timer.setDaemon(true);
    }

    /**
     * Starts watching {@code cur/} and {@code new/} of each root.
     *
     * @throws IllegalArgumentException when {@code quiet} or {@code maxDelay} is negative
     * @throws IOException when a directory cannot be watched (for example, it does not exist)
     */
    public static MaildirWatcher start(List<Path> maildirRoots, Duration quiet, Duration maxDelay, Ticker ticker,
            Consumer<Set<Path>> onChange) throws IOException {
        return start(maildirRoots, quiet, maxDelay, REWATCH, ticker, onChange);
    }

    static MaildirWatcher start(List<Path> maildirRoots, Duration quiet, Duration maxDelay, Duration rewatch,
            Ticker ticker, Consumer<Set<Path>> onChange) throws IOException {
        if (quiet.isNegative() || maxDelay.isNegative() || rewatch.isNegative() || rewatch.isZero()) {
            throw new IllegalArgumentException("quiet and maxDelay must not be negative: quiet=" + quiet
                    + ", maxDelay=" + maxDelay);
        }
        if (maildirRoots.isEmpty()) {
            throw new IllegalArgumentException("no Maildir to watch");
        }
        WatchService service = maildirRoots.get(0).getFileSystem().newWatchService();
        MaildirWatcher watcher = new MaildirWatcher(service, quiet, maxDelay, rewatch, ticker, onChange);
        try {
            for (Path root : maildirRoots) {
                for (String sub : List.of("cur", "new")) {
                    watcher.register(new Watched(root, root.resolve(sub)));
                }
            }
        } catch (IOException | RuntimeException e) {
            service.close();
            throw e;
        }
        watcher.thread.start();
        watcher.timer.start();
        return watcher;
    }

    private void register(Watched w) throws IOException {
        watchedDirs.add(key(w.dir()));
        WatchKey key = w.dir().register(service, StandardWatchEventKinds.ENTRY_CREATE,
                StandardWatchEventKinds.ENTRY_DELETE, StandardWatchEventKinds.ENTRY_MODIFY);
        watched.put(key, w);
    }

    /** Watches the lost directories that are back again (timer thread); true while some are still lost. */
    private boolean rewatch(Set<Path> changed) {
        for (var it = lost.iterator(); it.hasNext(); ) {
            Watched w = it.next();
            if (!java.nio.file.Files.isDirectory(w.dir())) {
                continue;
            }
            try {
                register(w);
            } catch (IOException e) {
                LOG.debug("Cannot watch {} yet: {}", w.dir(), e.toString());
                continue;
            }
            it.remove();
            LOG.info("Watching {} again", w.dir());
            lost(w.root());
            changed.add(w.root());
        }
        return !lost.isEmpty();
    }
    /**
     * Ignores the next event for exactly this file (for example both names of the engine's own
     * rename), once; forgotten after {@link #EXPECTATION_LIFETIME} if no event comes.
     */
    public void expectOwnChange(Path file) {
        Path k = key(file);
        if (k.getParent() != null && watchedDirs.contains(k.getParent())) {
            // A delivery's tmp/ name has no event to wait for: keeping it would only cost memory.
            expected.put(k, ticker.nanoTime() + EXPECTATION_LIFETIME.toNanos());
        }
    }

    /** How many expectations are held (for tests). */
    int expectations() {
        return expected.size();
    }

    /** Whether the event for {@code file} is an expected own change; uses the expectation up. */
    private boolean own(Path file) {
        Long deadline = expected.remove(key(file));
        return deadline != null && deadline - ticker.nanoTime() >= 0;
    }

    /**
     * Also tells {@code listener}, on the watcher's thread and before any debounce, which files
     * of a Maildir ({@code root}) changed: the names in {@code cur/} and {@code new/} that were
     * created, deleted or modified by someone else (own changes excluded), one call per batch of
     * events. For example the daemon journals them so that a crash cannot lose them.
     */
    public void onFileEvents(BiConsumer<Path, List<Path>> listener) {
        this.onFiles = listener;
    }

    /**
     * Also tells {@code listener}, on the watcher's thread, the root of a Maildir whose events may
     * have been lost (an overflow of the event queue, a directory that stopped being watched or
     * is watched again): what {@link #onFileEvents} said of it is incomplete, look at it whole.
     */
    public void onEventsLost(Consumer<Path> listener) {
        this.onLost = listener;
    }

    private void lost(Path root) {
        try {
            onLost.accept(root);
        } catch (RuntimeException e) {
            LOG.error("Maildir lost-events handler failed for {}", root, e);
        }
    }

    private static Path key(Path file) {
        return file.toAbsolutePath().normalize();
    }

    /** The event thread: takes each batch of events as it comes; the debouncer does the timing. */
    private void run() {
        try {
            while (!closed) {
                handle(service.take());
            }
        } catch (ClosedWatchServiceException | InterruptedException e) {
            if (!closed) {
                LOG.error("Maildir watcher stopped unexpectedly", e);
            }
        }
    }

    /** For tests: {@code listener} hears each event's file name once the event is handled. */
    void onEventHandled(Consumer<Path> listener) {
        this.onEventHandled = listener;
    }

    /** Hands the changes in {@code key}'s events to the debouncer and the file listener. */
    private void handle(WatchKey key) {
        Watched w = watched.get(key);
        if (w == null) {
            key.reset();
            return;
        }
        forgetStaleExpectations();
        boolean any = false;
        List<Path> files = new ArrayList<>();
        List<Path> names = new ArrayList<>();
        for (WatchEvent<?> event : key.pollEvents()) {
            if (event.context() instanceof Path name) {
                names.add(name);
            }
            if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                LOG.debug("Events lost for {}; treating {} as changed", w.dir(), w.root());
                lost(w.root());
                any = true;
            } else if (event.context() instanceof Path name && !name.toString().startsWith(".")
                    && !own(w.dir().resolve(name))) {
                any = true;
                files.add(w.dir().resolve(name));
            }
        }
        if (!files.isEmpty()) {
            try {
                onFiles.accept(w.root(), files);
            } catch (RuntimeException e) {
                LOG.error("Maildir file event handler failed for {}", w.root(), e);
            }
        }
        if (!key.reset()) {
            LOG.warn("Stopped watching {}: the directory is gone or no longer accessible; watching it again "
                    + "when it is back", w.dir());
            watched.remove(key);
            lost.add(w);
            lost(w.root());
            debouncer.lost();
            any = true;
        }
        if (any) {
            debouncer.changed(w.root());
        }
        names.forEach(onEventHandled);
    }

    /**
     * Drops expectations whose event never came, at most a few times per lifetime: a sweep walks
     * them all, and during a large delivery there are many. An expired one that is still held
     * is not honoured ({@link #own}).
     */
    private void forgetStaleExpectations() {
        long now = ticker.nanoTime();
        if (!expected.isEmpty() && now - nextSweep >= 0) {
            expected.values().removeIf(deadline -> deadline - now < 0);
            nextSweep = now + EXPECTATION_LIFETIME.toNanos() / 4;
        }
    }

    /** Stops the threads; no callback starts after this returns (unless called from a callback). */
    @Override
    public void close() {
        closed = true;
        debouncer.close();
        try {
            service.close();
        } catch (IOException e) {
            LOG.warn("Closing the Maildir watch service failed: {}", e.toString());
        }
        for (Thread t : List.of(thread, timer)) {
            if (Thread.currentThread() != t) {
                try {
                    t.join(TimeUnit.SECONDS.toMillis(10));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
