package dev.cms.maildir;

import dev.cms.time.Ticker;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The start-up listings of Maildirs, read on a thread of their own while the engine loads its
 * state: a restart's two largest costs, the Maildir's stat data and {@code state.db}'s rows,
 * then share the two cores instead of following each other.
 *
 * <p>A listing is handed out only while it is still true. Before the first directory is read,
 * a watch is set on every {@code cur/} and {@code new/} (and their identities, device and
 * inode, are noted); each time a listing is {@linkplain #take taken}, every event queued until
 * that moment is drained, and a Maildir for which any came (a name created, renamed or
 * removed, a file written in place), or whose {@code cur/} or {@code new/} is now another
 * directory, gets no listing: the caller reads it again. A marker file created in the first
 * Maildir's {@code tmp/}, on the same watch, shows when the queue holds everything until that
 * moment: the watch service's one thread reads the kernel's events in order and queues each
 * directory's key at its first event, so once the marker's key came out, the keys of every
 * earlier event are out or queued. So a listing taken is as good as one read at the moment it
 * is taken, and a watcher started before that moment sees everything after. Anything in doubt
 * (no watch could be set, events lost, the marker not seen, a read that failed) gives no
 * listing.
 */
public final class ScanAhead implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ScanAhead.class);
    /** How long {@link #take} waits for the next event before it trusts no listing. */
    private static final long EVENT_WAIT_MILLIS = 2_000;
    /** An engine that never looks at its Maildirs (it was dropped) lets the watch go after this. */
    private static final Duration UNTAKEN = Duration.ofMinutes(5);

    private final List<MaildirFolder> folders;
    private final WatchService watch;
    /** The Maildirs whose {@code cur/} or {@code new/} a key watches (two, when a link makes them share one). */
    private final Map<WatchKey, List<Integer>> foldersOf = new HashMap<>();
    /** Per Maildir, the identities of its {@code cur/} and {@code new/} when they were watched. */
    private final List<List<Object>> dirKeys = new ArrayList<>();
    private final WatchKey markerKey;
    private final FutureTask<List<List<MaildirFile>>> listings;
    private final boolean[] changed;
    private final boolean[] taken;
    private boolean trustNone;
    private volatile boolean closed;
    private boolean anyTaken;
    private final Ticker ticker;

    private ScanAhead(List<MaildirFolder> folders, Ticker ticker, WatchService watch, WatchKey markerKey) {
        this.folders = folders;
        this.ticker = ticker;
        this.watch = watch;
        this.markerKey = markerKey;
        this.changed = new boolean[folders.size()];
        this.taken = new boolean[folders.size()];
        this.listings = new FutureTask<>(() -> {
            List<List<MaildirFile>> out = new ArrayList<>(folders.size());
            for (MaildirFolder f : folders) {
                if (closed) {
                    throw new IOException("closed"); // nobody will take the listings
                }
                out.add(f.scan());
            }
            return out;
        });
    }

    /**
     * Sets the watches and starts reading {@code folders} on a daemon thread; null when there
     * is nothing to read or no watch could be set (the caller then lists them itself). The
     * watch is let go when {@code ticker} says {@link #UNTAKEN} passed without a {@link #take}.
     */
    public static @Nullable ScanAhead start(List<MaildirFolder> folders, Ticker ticker) {
        if (folders.isEmpty()) {
            return null;
        }
        WatchService watch = null;
        try {
            watch = folders.get(0).root().getFileSystem().newWatchService();
            WatchKey marker = folders.get(0).tmp.register(watch, StandardWatchEventKinds.ENTRY_CREATE);
            ScanAhead a = new ScanAhead(List.copyOf(folders), ticker, watch, marker);
            for (int i = 0; i < folders.size(); i++) {
                MaildirFolder f = folders.get(i);
                List<Object> ids = identities(f);
                for (Path dir : List.of(f.cur, f.nu)) {
                    a.foldersOf.computeIfAbsent(dir.register(watch, StandardWatchEventKinds.ENTRY_CREATE,
                            StandardWatchEventKinds.ENTRY_DELETE, StandardWatchEventKinds.ENTRY_MODIFY),
                            k -> new ArrayList<>()).add(i);
                }
                if (!ids.equals(identities(f))) {
                    throw new IOException("Maildir " + f.root() + " was replaced while it was being watched");
                }
                a.dirKeys.add(ids);
            }
            Thread t = new Thread(a::listThenWait, "cms-scan-ahead");
            t.setDaemon(true);
            t.start();
            return a;
        } catch (IOException | RuntimeException e) {
            // Too many inotify instances or watches, a Maildir gone: the first cycle lists as usual.
            log.debug("no listing ahead of the first cycle: {}", e.toString());
            if (watch != null) {
                try {
                    watch.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            return null;
        }
    }

    private void listThenWait() {
        listings.run();
        long deadline = ticker.nanoTime() + UNTAKEN.toNanos();
        synchronized (this) {
            try {
                while (!closed && !anyTaken && deadline - ticker.nanoTime() > 0) {
                    ticker.waitUntil(this, deadline);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (!anyTaken) {
                close();
            }
        }
    }

    /** The identities (device and inode) of {@code f}'s {@code cur/} and {@code new/}. */
    private static List<Object> identities(MaildirFolder f) throws IOException {
        List<Object> ids = new ArrayList<>(2);
        for (Path dir : List.of(f.cur, f.nu)) {
            ids.add(Objects.requireNonNull(
                    Files.readAttributes(dir, BasicFileAttributes.class).fileKey(), "a directory's identity"));
        }
        return ids;
    }

    /**
     * Waits until the listings are read: for tests, whose changes made after it must be noticed
     * by the watch alone.
     */
    public void awaitListed() throws InterruptedException, ExecutionException {
        listings.get();
    }

    /**
     * The listing of Maildir {@code i} (the index in the list given to {@link #start}) when it is
     * still true, once; null otherwise: the caller lists that Maildir itself.
     */
    public synchronized @Nullable List<MaildirFile> take(int i) throws InterruptedException {
        if (!anyTaken) {
            anyTaken = true;
            ticker.wakeAll(this);
        }
        if (closed || taken[i]) {
            return null;
        }
        taken[i] = true;
        List<List<MaildirFile>> all;
        try {
            all = listings.get();
        } catch (ExecutionException e) {
            log.debug("the listing ahead failed: {}", String.valueOf(e.getCause()));
            close();
            return null;
        }
        try {
            drain();
        } catch (InterruptedException e) {
            trustNone = true; // events may be left in the queue
            throw e;
        }
        if (trustNone || changed[i]) {
            return null;
        }
        try {
            if (!dirKeys.get(i).equals(identities(folders.get(i)))) {
                return null; // cur/ or new/ is another directory now: the watch was on the old one
            }
        } catch (IOException e) {
            return null;
        }
        return all.get(i);
    }

    /** Drains the watch's queue up to a marker created now, noting the Maildirs that changed. */
    private void drain() throws InterruptedException {
        MaildirFolder first = folders.get(0);
        Path marker;
        try {
            marker = first.files().createTempFile(first.tmp, ".scan-ahead-", "");
        } catch (IOException e) {
            log.debug("cannot create the marker of the listing ahead: {}", e.toString());
            trustNone = true;
            return;
        }
        try {
            // Until the marker's key comes out (each poll hands out one key, so at most one poll
            // per watched directory, plus one), then whatever is queued behind it.
            WatchKey k;
            do {
                k = watch.poll(EVENT_WAIT_MILLIS, TimeUnit.MILLISECONDS);
                if (k == null) {
                    log.debug("the marker of the listing ahead was not seen in time");
                    trustNone = true;
                    return;
                }
            } while (!note(k, marker));
            while ((k = watch.poll()) != null) {
                note(k, marker);
            }
        } catch (ClosedWatchServiceException e) {
            trustNone = true;
        } finally {
            try {
                first.files().deleteIfExists(marker);
            } catch (IOException e) {
                log.debug("cannot remove {}: {}", marker, e.toString()); // tmp/'s clean-up takes it later
            }
        }
    }

    /**
     * Notes the Maildirs key {@code k}'s events name as changed (all of them, when events were
     * lost) and makes the key ready for more; true when one event is {@code marker}'s creation.
     */
    private boolean note(WatchKey k, Path marker) {
        boolean markerSeen = false;
        for (WatchEvent<?> e : k.pollEvents()) {
            if (e.kind() == StandardWatchEventKinds.OVERFLOW) {
                trustNone = true;
            } else if (k == markerKey) {
                markerSeen |= marker.getFileName().equals(e.context());
            } else {
                changed(k);
            }
        }
        if (!k.reset() && k != markerKey) {
            changed(k); // its directory went away
        }
        return markerSeen;
    }

    private void changed(WatchKey k) {
        for (int i : foldersOf.getOrDefault(k, List.of())) {
            changed[i] = true;
        }
    }

    /** Stops watching; no listing is handed out after this. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        ticker.wakeAll(this);
        try {
            watch.close();
        } catch (IOException e) {
            log.debug("cannot close the watch of the listing ahead: {}", e.toString());
        }
    }
}
