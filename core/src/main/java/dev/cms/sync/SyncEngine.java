package dev.cms.sync;

import dev.cms.maildir.MaildirFolder;
import dev.cms.maildir.ScanAhead;
import dev.cms.model.ContentHash;
import dev.cms.provider.CloudMailbox;
import dev.cms.store.MessageStore;
import dev.cms.store.StateDb;
import dev.cms.store.StatIndex;
import dev.cms.time.Ticker;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs sync cycles (DESIGN §5): look at the Maildirs, refresh the cloud listings and download
 * new bodies, push local flag changes and deletions with a three-way merge ({@link PushPlan}),
 * route each cloud message to a Maildir and bring each Maildir in line ({@link MaildirPlan}),
 * then commit the snapshot in one transaction ({@link Committer}). A cycle plans only what
 * changed: the files the watcher named and the messages the cloud's delta named, except at
 * start-up and after anything that makes the previous plan untrustworthy.
 *
 * <p>Safety rules that the parts keep:
 * <ul>
 *   <li>Nothing is pushed or forced when any Maildir could not be read.
 *   <li>A message whose body, delivery, rename or removal failed keeps its previous
 *       snapshot entry and its mailbox's sync token is not advanced, so the next cycle
 *       replays the change instead of mistaking the local state for a user's edit.
 *   <li>A local file is deleted only when the previous snapshot placed its content in that
 *       Maildir; any other unexpected file goes to {@code lost+found}.
 * </ul>
 * Not thread-safe: one thread runs cycles; {@link #requestStop()} and the file-event methods
 * may come from any thread.
 */
public final class SyncEngine {
    private static final Logger log = LoggerFactory.getLogger(SyncEngine.class);

    private final List<String> maildirKeys;
    private final List<CloudState> clouds = new ArrayList<>();
    private final StateDb db;
    private final MessageStore store;
    private final boolean offline;
    private final LocalSide local;
    private final Bodies bodies;
    private final Routing routing;
    private final CloudRefresh cloudRefresh;
    private final Pusher pusher;
    private final MaildirUpdate update;
    private final Committer committer;
    private final Cycle.Parts cycleParts;
    private volatile boolean stopRequested;
    private volatile OwnChanges ownChanges = path -> { };
    /** The mailboxes refreshed (and pushed to) without failure by the last committed cycle; null before one. */
    private @Nullable Set<String> lastActive;
    /** The next cycle plans every message (a cycle that planned them all did not end cleanly). */
    private boolean planEverything = true;

    /** Told about the Maildir files the engine itself is about to create, rename or remove. */
    @FunctionalInterface
    public interface OwnChanges {
        void expect(Path file);
    }

    public void onOwnChanges(OwnChanges listener) {
        this.ownChanges = listener;
    }

    public SyncEngine(List<MaildirFolder> maildirs, List<CloudMailbox> mailboxes, Router router, MessageStore store,
            StateDb db, boolean offline, Ticker ticker, Progress progress) throws IOException {
        if (maildirs.isEmpty() && !mailboxes.isEmpty()) {
            throw new IllegalArgumentException("cloud mailboxes need at least one Maildir");
        }
        List<MaildirFolder> folders = List.copyOf(maildirs);
        List<String> keys = new ArrayList<>();
        for (MaildirFolder m : folders) {
            keys.add(m.root().toAbsolutePath().normalize().toString());
        }
        this.maildirKeys = List.copyOf(keys);
        this.db = db;
        this.store = store;
        this.offline = offline;
        List<String> mailboxKeys = new ArrayList<>();
        for (int i = 0; i < mailboxes.size(); i++) {
            clouds.add(new CloudState(mailboxes.get(i), i));
            mailboxKeys.add(mailboxes.get(i).key());
        }
        Map<CloudState, StateDb.MailboxRow> rows = new HashMap<>();
        int messages = 0;
        for (CloudState c : clouds) {
            StateDb.MailboxRow row = db.loadMailbox(c.key());
            if (row != null) {
                rows.put(c, row);
                messages += row.messageCount();
            }
        }
        // A restart over a large state reads the Maildirs while it loads that state.
        ScanAhead ahead = messages >= SCAN_AHEAD_FROM ? ScanAhead.start(folders, ticker) : null;
        try {
            StatIndex stats = new StatIndex(store, db.loadStatIndex(), db::statEntry);
            OwnChanges relay = path -> ownChanges.expect(path);
            this.local = new LocalSide(folders, maildirKeys, stats, db, ticker, db.loadJournal(), ahead);
            this.bodies = new Bodies(store);
            this.routing = new Routing(router, store);
            Downloads downloads = new Downloads(new Downloads.Parts(clouds, folders, maildirKeys, store, db, stats,
                    bodies, local, routing, ticker, progress, relay, () -> stopRequested));
            this.cloudRefresh = new CloudRefresh(clouds, store, bodies, downloads, ticker);
            this.pusher = new Pusher(store);
            this.update = new MaildirUpdate(folders, maildirKeys, store, stats, local, bodies, relay);
            String fingerprint = folders.isEmpty() ? "" : router.fingerprint(maildirKeys, mailboxKeys);
            this.committer = new Committer(maildirKeys, store, db, stats, local, bodies, ticker, fingerprint);
            this.cycleParts = new Cycle.Parts(clouds, local, pusher, routing, update, committer, store, offline,
                    () -> stopRequested, new LocalUploads(store, bodies, routing, update, offline, ticker));
            load(rows, messages);
        } catch (IOException | RuntimeException | Error e) {
            if (ahead != null) {
                ahead.close();
            }
            throw e;
        }
    }

    /**
     * From this many messages in {@code state.db} on, a start reads its Maildirs on a thread of
     * their own while it loads the state ({@link ScanAhead}); below it the second thread and the
     * watch cost more than they save. {@code -Dcms.scanAheadFrom=0} makes every start do it (the
     * model test runs that way too).
     */
    static final int SCAN_AHEAD_FROM = Integer.getInteger("cms.scanAheadFrom", 2_000);

    /**
     * Lets go of what the engine holds besides the state it was given: the watch kept for the
     * Maildirs' start-up listing when no cycle took it yet (it also lets go by itself after a
     * few minutes). The engine stays usable; its next cycle lists the Maildirs itself.
     */
    public void close() {
        local.closeScanAhead();
    }

    /** Tests: waits until the Maildirs' listings ahead of the first cycle are read; false when none is. */
    boolean awaitScanAhead() throws InterruptedException, java.util.concurrent.ExecutionException {
        ScanAhead a = local.scanAhead();
        if (a == null) {
            return false;
        }
        a.awaitListed();
        return true;
    }

    /** Loads the snapshots of the mailboxes that have {@code rows}, {@code messages} messages in all. */
    private void load(Map<CloudState, StateDb.MailboxRow> rows, int messages) throws IOException {
        boolean lastRunClean = Committer.CLEAN.equals(db.meta(Committer.LAST_CYCLE_META));
        Map<String, Integer> targetIndex = new HashMap<>();
        for (int i = 0; i < maildirKeys.size(); i++) {
            targetIndex.put(maildirKeys.get(i), i);
        }
        bodies.expect(messages);
        for (CloudState c : clouds) {
            StateDb.MailboxRow row = rows.get(c);
            if (row != null) {
                c.presize(row.messageCount());
            }
            db.forEachMessage(c.key(), (id, hash, flags, received, target, inSnapshot) -> {
                if (inSnapshot) {
                    int t = target == null ? -1 : targetIndex.getOrDefault(target, -1);
                    c.snapshot.put(id, new Entry(hash, flags, received, t));
                } else {
                    c.rememberContent(id, hash);
                }
                // Taken to be stored: state.db records a body only once it is (issue 15).
                bodies.assumeStored(hash);
            });
            c.token = row == null ? null : row.syncToken();
            lastRunClean &= row != null && row.syncToken() != null && row.lastError() == null;
            log.debug("{}: {} messages in the snapshot, {} known bodies, token {}", c.key(), c.snapshot.size(),
                    c.snapshot.size() + c.newContentCount(), c.token == null ? "none" : "present");
        }
        seedIdRecords();
        if (lastRunClean) {
            bodies.startedClean();
            planEverything = false;
            lastActive = new HashSet<>(mailboxKeys());
        }
    }

    /**
     * Gives an account whose bodies were downloaded by an older version (which kept their ids in
     * {@code state.db} only) its id record in the store, once: all its mailboxes' ids together.
     */
    private void seedIdRecords() {
        Map<String, Map<String, ContentHash>> byAccount = new LinkedHashMap<>();
        for (CloudState c : clouds) {
            if ((!c.snapshot.isEmpty() || c.newContentCount() > 0) && !store.hasIdRecord(c.account)) {
                c.forEachContent(byAccount.computeIfAbsent(c.account, a -> new HashMap<>())::put);
            }
        }
        byAccount.forEach((account, known) -> {
            try {
                store.recordIds(account, known);
            } catch (IOException e) {
                log.warn("cannot record the message ids of {} in the store: {}", account, e.getMessage());
            }
        });
    }

    /**
     * Tells the next cycle to look at {@code files} of the Maildir at {@code root} (as a watcher
     * names them); the Maildir's index, or -1 when {@code root} is not one of the engine's.
     */
    public int filesChanged(Path root, List<Path> files) {
        int i = local.indexOf(root);
        if (i >= 0) {
            local.filesChanged(i, files);
        }
        return i;
    }

    /**
     * Journals, durably, files of the Maildir at {@code root} that someone else changed (from
     * the watcher's thread, as the events come): should the daemon die before a cycle pushes
     * them, the next start pushes them instead of undoing them.
     */
    public void journal(Path root, List<Path> files) {
        int i = local.indexOf(root);
        if (i >= 0) {
            local.journal(i, files);
        }
    }

    /**
     * From now on a watcher tells this engine which Maildir files changed ({@link #journal}) and
     * when it lost events ({@link #eventsLost}): cycles no longer list the Maildirs, except for a
     * list of names (no stat) every {@code safetyScanEvery}, which catches anything missed.
     * Null: back to listing every Maildir each cycle (the watcher stopped).
     */
    public void useFileEvents(@Nullable Duration safetyScanEvery) {
        local.useFileEvents(safetyScanEvery);
    }

    /** The watcher lost events for the Maildir at {@code root}: the next cycle reads it whole. */
    public void eventsLost(Path root) {
        int i = local.indexOf(root);
        if (i >= 0) {
            local.eventsLost(i);
        }
    }

    /**
     * Makes the next cycle list every cloud mailbox fully, as if no sync token had been saved
     * ({@code --resync}): whatever the snapshot believes is checked against the cloud. Bodies
     * already in the store are linked, not downloaded again.
     */
    public void resync() {
        for (CloudState c : clouds) {
            c.token = null;
        }
        bodies.mayBeUnreferenced(); // and the store is listed: a body gone from it is found
    }

    /** Asks a running cycle to stop at the next safe point; nothing half-done is committed. */
    public void requestStop() {
        stopRequested = true;
    }

    public boolean stopRequested() {
        return stopRequested;
    }

    /** The keys of the cloud mailboxes, in configuration order. */
    public List<String> mailboxKeys() {
        return clouds.stream().map(CloudState::key).toList();
    }

    /** How many messages the snapshot of each cloud mailbox holds. */
    public Map<String, Integer> snapshotCounts() {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (CloudState c : clouds) {
            out.put(c.key(), c.snapshot.size());
        }
        return out;
    }

    /** Runs one cycle. Failures are reported, not thrown. */
    public CycleReport runCycle() throws InterruptedException {
        return runCycle(Set.of());
    }

    /**
     * Runs one cycle in which the cloud mailboxes named in {@code paused} (keys) are left
     * alone: not listed, nothing pushed, their messages in the Maildirs untouched.
     */
    public CycleReport runCycle(Set<String> paused) throws InterruptedException {
        CycleReport rep = new CycleReport();
        long journalMark;
        try {
            journalMark = db.journalHead();
        } catch (IOException e) {
            rep.fail(Failure.ofCycle(Failure.Phase.LOOK, e.getMessage()));
            return rep;
        }
        // 1. Look at every Maildir: nothing is pushed or forced without a trustworthy local view.
        boolean mayDelete = offline || clouds.stream().anyMatch(c -> !c.startup) || local.anyJournaled();
        List<LocalView> locals = local.lookAll(mayDelete, this::expectedIn,
                (i, views) -> WipeGuard.movedAway(i, clouds, views), rep);
        if (locals == null || stopped(rep)) {
            return rep;
        }
        if (!local.listedAfresh().isEmpty()) {
            touchMissing(local.listedAfresh(), locals);
            local.missingLookedFor();
        }
        // 2. Refresh every cloud mailbox and download bodies we lack.
        Map<CloudState, Refresh> refreshed = new LinkedHashMap<>();
        for (CloudState c : clouds) {
            refreshed.put(c, refresh(c, paused.contains(c.key()), locals, rep));
            if (stopped(rep)) {
                return rep;
            }
        }
        Cycle cycle = new Cycle(cycleParts, refreshed, everything(refreshed));
        // 3. Local → cloud, 4. route, 5. bring each Maildir in line.
        if (!cycle.push(locals, rep) || !cycle.force(locals, rep)) {
            return rep;
        }
        // 6. Commit in one transaction, then 7. drop bodies nothing refers to.
        finish(cycle, journalMark, rep);
        return rep;
    }

    private Refresh refresh(CloudState c, boolean paused, List<LocalView> locals, CycleReport rep)
            throws InterruptedException {
        Refresh r = new Refresh();
        if (paused) {
            r.skipped = true;
            return r;
        }
        try {
            cloudRefresh.refresh(c, r, locals, rep);
        } catch (IOException e) {
            r.failure = e;
            rep.mailboxFailed(c.key(), Failure.Phase.LIST, e.getMessage(), e);
            log.debug("{}: refresh failed", c.key(), e);
        }
        return r;
    }

    /**
     * After Maildirs were listed afresh (at start-up): the contents the snapshot placed in one of
     * them that have no file now (deleted while the daemon was stopped) are pending too. One
     * pass over the snapshots, however many Maildirs.
     */
    private void touchMissing(Set<Integer> fresh, List<LocalView> locals) {
        for (CloudState c : clouds) {
            c.snapshot.forEachWhere((t, h) -> t >= 0 && fresh.contains(t) && !locals.get(t).has(h),
                    (id, e) -> local.touch(e.target(), e.hash()));
        }
    }

    /**
     * Whether this cycle plans every message rather than only what changed. A start plans only
     * what changed while the daemon was stopped (see {@link LocalSide}) when the last committed
     * cycle left nothing to retry and every mailbox's last attempt was saved without error;
     * otherwise everything.
     */
    private boolean everything(Map<CloudState, Refresh> refreshed) {
        return planEverything || committer.routesChanged()
                || clouds.stream().anyMatch(c -> !c.unsettled.isEmpty())
                || local.anyJournaled()
                || refreshed.values().stream().anyMatch(r -> r.active() && r.now().full)
                // A mailbox that failed or came back changes what every file it shares shows.
                || !Cycle.activeMailboxes(refreshed).equals(lastActive);
    }

    /** How many messages the snapshot places in Maildir {@code i} (counts kept by each snapshot). */
    private int expectedIn(int i) {
        int n = 0;
        for (CloudState c : clouds) {
            n += c.snapshot.countIn(i);
        }
        return n;
    }

    private void finish(Cycle cycle, long journalMark, CycleReport rep) {
        boolean committed = committer.commit(cycle.refreshed, rep, journalMark, cycle.everything);
        // Clean: nothing left to do for the mailboxes that took part (one that did not is planned
        // in full when it is back: see lastActive).
        boolean clean = committed
                && cycle.refreshed.values().stream().allMatch(r -> !r.active() || r.failedIds.isEmpty());
        if (committed) {
            lastActive = Cycle.activeMailboxes(cycle.refreshed);
        }
        local.cycleEnded(cycle.scope, clean);
        planEverything = !clean && cycle.everything;
        bodies.collect(clouds, rep);
        update.cycleEnded(rep);
    }

    private boolean stopped(CycleReport rep) {
        if (stopRequested) {
            rep.aborted = true;
        }
        return stopRequested;
    }
}
