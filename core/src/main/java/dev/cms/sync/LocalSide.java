package dev.cms.sync;

import dev.cms.maildir.MaildirFile;
import dev.cms.maildir.MaildirFolder;
import dev.cms.maildir.ScanAhead;
import dev.cms.model.ContentHash;
import dev.cms.model.FileStat;
import dev.cms.store.StateDb;
import dev.cms.store.StatIndex;
import dev.cms.time.Ticker;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiPredicate;
import java.util.function.Function;
import java.util.function.IntUnaryOperator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's view of the Maildirs: each one's files and their contents, kept from cycle to
 * cycle and brought up to date from the files a watcher named, or by listing the Maildir when
 * there is no watcher, it lost events, or nothing was read yet. Also what changed locally since
 * the last clean cycle, and the crash journal's contents.
 */
final class LocalSide {
    private static final Logger log = LoggerFactory.getLogger(LocalSide.class);
    /**
     * Without a watcher, every cycle lists each Maildir; a file whose name is unchanged is taken
     * to be unchanged and its stat is not read again, except that every file is stat-ed at least
     * this often, and at start-up.
     */
    static final Duration FULL_SCAN_EVERY = Duration.ofSeconds(60);

    private final List<MaildirFolder> maildirs;
    /** The Maildirs' listings read while the state loaded; closed after the first look. */
    private @Nullable ScanAhead ahead;
    private final List<String> keys;
    private final StatIndex stats;
    private final Ticker ticker;
    /** Per Maildir, its files as last seen; null until a scan (again) reads them all. */
    private final List<@Nullable LocalView> views = new ArrayList<>();
    private final long[] lastFullScan;
    private final long[] lastSafetyScan;
    private final boolean[] listedBefore; // per Maildir: this run listed it whole before
    private final FileEvents events;
    /**
     * Per Maildir, the contents whose files changed since the last clean cycle (one in which
     * every mailbox was refreshed and nothing failed), and everything such a cycle planned; null:
     * every content (after a start or a failed look).
     */
    private final List<@Nullable Set<ContentHash>> pendingLocal = new ArrayList<>();
    /** What the running daemon saw change before a crash or stop: at start-up it is pushed, not undone. */
    private final LocalJournal journal;

    LocalSide(List<MaildirFolder> maildirs, List<String> keys, StatIndex stats, StateDb db, Ticker ticker,
            StateDb.Journal loadedJournal, @Nullable ScanAhead ahead) {
        this.ahead = ahead;
        this.maildirs = maildirs;
        this.keys = keys;
        this.stats = stats;
        this.ticker = ticker;
        this.lastFullScan = new long[maildirs.size()];
        this.lastSafetyScan = new long[maildirs.size()];
        this.listedBefore = new boolean[maildirs.size()];
        this.events = new FileEvents(maildirs.stream().map(MaildirFolder::root).toList());
        for (int i = 0; i < maildirs.size(); i++) {
            views.add(null);
            pendingLocal.add(null);
        }
        this.journal = new LocalJournal(db, keys, loadedJournal);
    }

    /** The index of the Maildir at {@code root}, or -1. */
    int indexOf(Path root) {
        return keys.indexOf(root.toAbsolutePath().normalize().toString());
    }

    /** Has the next cycle look at {@code files} of Maildir {@code i} (as a watcher names them). */
    void filesChanged(int i, List<Path> files) {
        events.changed(i, files);
    }

    /** Journals, durably, files of Maildir {@code i} that someone else changed (see {@link SyncEngine#journal}). */
    void journal(int i, List<Path> files) {
        filesChanged(i, files);
        journal.record(i, files);
    }

    void useFileEvents(@Nullable Duration safetyScanEvery) {
        events.useFileEvents(safetyScanEvery, ticker.nanoTime());
    }

    /** Whether a watcher names the changed files (cycles look only at those). */
    boolean watching() {
        return events.watching();
    }

    /**
     * Whether any Maildir's names differ from its view (a file it does not know yet, or one gone:
     * a watcher's event still on its way): each such name is marked for the next cycle. A names-only listing of every Maildir;
     * a Maildir that cannot be listed counts as holding one.
     */
    boolean markUnseenNames() {
        boolean any = false;
        for (int i = 0; i < maildirs.size(); i++) {
            LocalView v = views.get(i);
            try {
                for (Path p : v == null ? Set.<Path>of() : namesDiffering(i, v)) {
                    events.markDirty(i, p);
                    any = true;
                }
            } catch (IOException e) {
                any = true;
            }
        }
        return any;
    }

    /** A names-only listing of Maildir {@code i} against {@code v}: the files it lacks and those gone. */
    private Set<Path> namesDiffering(int i, LocalView v) throws IOException {
        return v.differingFrom(maildirs.get(i).names());
    }

    void eventsLost(int i) {
        events.lost(i);
    }

    /** Has the next cycle look at {@code file} of Maildir {@code i} again, as if the watcher had named it. */
    void markDirty(int i, Path file) {
        events.markDirty(i, file);
    }

    /**
     * Brings every Maildir's view up to date; null when one could not be read (reported in
     * {@code rep}), and then nothing may be pushed or forced. {@code expectedIn}: how many
     * messages the snapshot places in a Maildir (for the wipe guard, applied when {@code guard});
     * {@code movedAway}: whether a Maildir found empty had its messages moved into the others,
     * given every view looked at. Sets {@link #everyFileSeen}.
     */
    @Nullable List<LocalView> lookAll(boolean guard, IntUnaryOperator expectedIn,
            BiPredicate<Integer, List<@Nullable LocalView>> movedAway, CycleReport rep) {
        boolean failed = false;
        boolean all = true;
        try {
            for (int i = 0; i < maildirs.size(); i++) {
                try {
                    all &= look(i);
                } catch (IOException e) {
                    failed |= lookFailed(i, e, rep);
                }
            }
        } finally {
            closeScanAhead(); // its listings are for the first look only
        }
        // The guard runs once every Maildir was looked at: one emptied by moving its files into
        // the others is told apart from one wiped or unmounted.
        List<@Nullable LocalView> now = new ArrayList<>(views);
        for (int i = 0; i < maildirs.size(); i++) {
            LocalView v = now.get(i);
            if (v == null) {
                continue;
            }
            try {
                int m = i;
                WipeGuard.check(maildirs.get(i).root(), keys.get(i), v.files(), guard, () -> expectedIn.applyAsInt(m),
                        () -> movedAway.test(m, now));
            } catch (IOException e) {
                failed |= lookFailed(i, e, rep);
            }
        }
        everyFileSeen = all;
        if (failed) {
            return null;
        }
        List<LocalView> out = new ArrayList<>();
        for (LocalView v : views) {
            out.add(Objects.requireNonNull(v, "every Maildir was looked at"));
        }
        return out;
    }

    private boolean lookFailed(int i, IOException e, CycleReport rep) {
        views.set(i, null);
        pendingLocal.set(i, null);
        rep.fail(Failure.ofCycle(Failure.Phase.LOOK, "cannot read Maildir " + keys.get(i) + ": " + e.getMessage()));
        return true;
    }

    /** The view of Maildir {@code i}; null until it was read (again). */
    @Nullable LocalView view(int i) {
        return views.get(i);
    }

    /** Whether the last {@link #lookAll} listed every file of every Maildir (else the stat index keeps entries it did not see). */
    boolean everyFileSeen() {
        return everyFileSeen;
    }

    private boolean everyFileSeen;

    /** Brings the view of Maildir {@code i} up to date; true when it listed every file. */
    private boolean look(int i) throws IOException {
        FileEvents.Taken taken = events.take(i);
        Set<Path> dirty = taken.dirty();
        boolean lost = taken.lost();
        Duration safety = taken.safetyScanEvery();
        if (taken.watcherStarted()) {
            lastSafetyScan[i] = taken.safetyScanSince(); // the safety scan's period counts from the watcher's start
        }
        LocalView old = views.get(i);
        Set<ContentHash> touched = new HashSet<>();
        boolean listed = old == null || lost || safety == null;
        if (old == null || lost || safety == null) { // (listed, spelled out for the nullness checker)
            list(i, old, lost, touched);
        } else {
            try {
                applyEvents(i, old, dirty, safety, touched);
            } catch (IOException e) {
                views.set(i, null); // half brought up to date: read it whole next time
                throw e;
            }
        }
        Set<ContentHash> pending = pendingLocal.get(i);
        if (pending != null) {
            pending.addAll(touched);
        }
        return listed;
    }

    /**
     * Lists Maildir {@code i} whole. Without a view to compare with (at start-up, after a failed
     * look) the files that differ from what {@code state.db}'s stat index recorded are pending,
     * and {@link #listedAfresh} tells the engine to add the contents that went missing; when
     * that index cannot tell (also by a run's later listing: the run updated rows through other
     * names of an inode, the file a hard link here was made from), every content is pending.
     */
    private void list(int i, @Nullable LocalView old, boolean lost, Set<ContentHash> touched) throws IOException {
        long now = ticker.nanoTime();
        boolean statAll = old == null || lost || now - lastFullScan[i] > FULL_SCAN_EVERY.toNanos();
        boolean judge = old == null && !listedBefore[i] && stats.holdsLoadedRows();
        listedBefore[i] = true;
        LocalView v = readWhole(i, old, statAll, judge ? touched : null);
        if (statAll) {
            lastFullScan[i] = now;
        }
        lastSafetyScan[i] = now;
        views.set(i, v);
        if (old == null) {
            pendingLocal.set(i, judge ? new HashSet<>() : null);
            listedAfresh.add(i);
        } else if (pendingLocal.get(i) != null) {
            v.addDifferencesFrom(old, touched);
        }
    }

    /**
     * The Maildirs listed without a view to compare with since the engine last looked for what
     * went missing from them; kept across a cycle that stopped before that (model seed 20904).
     */
    Set<Integer> listedAfresh() {
        return listedAfresh;
    }

    /** The engine added what went missing from the Maildirs {@link #listedAfresh} names. */
    void missingLookedFor() {
        listedAfresh.clear();
    }

    /** Adds content {@code h} of Maildir {@code i} to what is pending (a content gone while the daemon was stopped). */
    void touch(int i, ContentHash h) {
        Set<ContentHash> pending = pendingLocal.get(i);
        if (pending != null) {
            pending.add(h);
        }
    }

    private final Set<Integer> listedAfresh = new HashSet<>();
    /** The inodes a start's listings found changed since the last run, under any of their names. */
    private final Set<Long> inodesChangedAtStart = new HashSet<>();

    /** Brings {@code old} up to date from the {@code dirty} files (and a names-only listing when due). */
    private void applyEvents(int i, LocalView old, Set<Path> dirty, Duration safety, Set<ContentHash> touched)
            throws IOException {
        long now = ticker.nanoTime();
        if (now - lastSafetyScan[i] > safety.toNanos()) {
            lastSafetyScan[i] = now;
            dirty.addAll(namesDiffering(i, old));
        }
        Set<ContentHash> removed = new HashSet<>();
        for (Path p : dirty) {
            StatIndex.Entry known = old.entryAt(p);
            ContentHash was = old.remove(p);
            if (was != null) {
                touched.add(was);
                removed.add(was);
            }
            MaildirFile f = maildirs.get(i).lookAt(p);
            if (f != null) {
                try {
                    ContentHash h = hashOf(f, known);
                    old.add(f, h);
                    touched.add(h);
                } catch (IOException gone) {
                    // Renamed or removed meanwhile: its event is on its way.
                }
            }
        }
        removed.forEach(this::renameInStatIndex);
        if (removed.stream().anyMatch(h -> !old.has(h))) {
            // A content's last file went: a deletion, or a rename between new/ and cur/ whose
            // second event (another directory's) has not come yet. Only a consistent listing
            // tells them apart; deletions are rare, so it is cheap.
            LocalView v = readWhole(i, old, false, null);
            v.addDifferencesFrom(old, touched);
            views.set(i, v);
        }
    }

    /**
     * After a file of content {@code h} went away: when one file of that content is left, the
     * stat index is told its name (hard links share an inode, and the index keeps one name per
     * inode; the crash journal finds a file's content by that name). A full scan does this by
     * reading every file; a cycle driven by file events must do it here.
     */
    void renameInStatIndex(ContentHash h) {
        MaildirFile left = null;
        int i = -1;
        for (int m = 0; m < views.size(); m++) {
            LocalView v = views.get(m);
            List<MaildirFile> files = v == null ? null : v.files(h);
            if (files == null) {
                continue;
            }
            if (left != null || files.size() > 1) {
                return;
            }
            left = files.get(0);
            i = m;
        }
        if (left == null) {
            return;
        }
        try {
            MaildirFile now = maildirs.get(i).lookAt(left.path());
            LocalView v = views.get(i);
            if (now != null && v != null) {
                v.add(now, h);
                stats.record(now.stat(), h, now.name().base());
            }
        } catch (IOException e) {
            log.debug("cannot read {} again: {}", left.path(), e.toString());
        }
    }

    /**
     * A consistent listing of Maildir {@code i} with each file's hash. What {@code old} knows of
     * a path is used: its stat is taken as still true unless {@code statAll}, and its hash
     * stands when the stat is unchanged. The contents of files that differ from the stat index
     * as loaded go into {@code changedSinceLoad}, when given.
     */
    private LocalView readWhole(int i, @Nullable LocalView old, boolean statAll,
            @Nullable Set<ContentHash> changedSinceLoad) throws IOException {
        Function<Path, @Nullable FileStat> known = statAll || old == null ? p -> null : old::statOf;
        List<MaildirFile> listed = old == null ? listedAhead(i) : null;
        if (listed == null) {
            listed = maildirs.get(i).scan(known);
        }
        LocalView v = new LocalView(maildirs.get(i).root(), listed.size());
        for (MaildirFile f : listed) {
            long inode = f.stat().inode();
            // The index keeps one row per inode, brought up to date by the first name read: a
            // hard link made while stopped (in another Maildir) is judged by that name's change.
            boolean same = changedSinceLoad == null
                    || stats.unchangedSinceLoad(f.stat(), f.name().base()) && !inodesChangedAtStart.contains(inode);
            ContentHash h = hashOf(f, old == null ? null : old.entryAt(f.path()));
            v.addNew(f, h); // a listing names each file once
            if (!same && changedSinceLoad != null) {
                changedSinceLoad.add(h);
                inodesChangedAtStart.add(inode);
            }
        }
        return v;
    }

    /** No listing ahead from now on. */
    void closeScanAhead() {
        ScanAhead a = ahead;
        if (a != null) {
            ahead = null;
            a.close();
        }
    }

    /** The listings being read while the state loads, until the first look; tests wait for them. */
    @Nullable ScanAhead scanAhead() {
        return ahead;
    }

    /** The listing of Maildir {@code i} read while the state loaded, if it is still true. */
    private @Nullable List<MaildirFile> listedAhead(int i) throws IOException {
        ScanAhead a = ahead;
        try {
            return a == null ? null : a.take(i);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while waiting for the Maildir listings");
        }
    }

    private ContentHash hashOf(MaildirFile f, StatIndex.@Nullable Entry samePath) throws IOException {
        try {
            return stats.hashOf(f.path(), f.stat(), f.name().base(), samePath);
        } catch (NoSuchFileException gone) {
            throw new IOException("a file vanished while it was read: " + f.path());
        }
    }

    /** What this cycle plans locally: the pending contents, or everything. */
    Scope pendingScope(boolean everything) {
        return everything ? Scope.everything(maildirs.size()) : Scope.of(pendingLocal);
    }

    /** After a cycle: a clean one leaves nothing pending; otherwise what it planned stays pending. */
    void cycleEnded(Scope planned, boolean clean) {
        for (int i = 0; i < maildirs.size(); i++) {
            Set<ContentHash> p = planned.in(i);
            Set<ContentHash> pending = pendingLocal.get(i);
            if (clean) {
                pendingLocal.set(i, new HashSet<>());
            } else if (p != null && pending != null) {
                pending.addAll(p);
            }
        }
    }

    /** Whether the crash journal names content {@code h} of Maildir {@code i}. */
    boolean journaled(int i, ContentHash h) {
        return journal.names(i, h);
    }

    boolean anyJournaled() {
        return journal.any();
    }

    /** Every journaled change was pushed. */
    void journalDone() {
        journal.done();
    }
}
