package dev.cms.sync;

import dev.cms.maildir.MaildirFile;
import dev.cms.maildir.MaildirFolder;
import dev.cms.maildir.MaildirName;
import dev.cms.model.CloudMessage;
import dev.cms.model.ContentHash;
import dev.cms.model.FileStat;
import dev.cms.model.Flag;
import dev.cms.model.Flags;
import dev.cms.provider.AuthenticationRequiredException;
import dev.cms.provider.BodySink;
import dev.cms.provider.Change;
import dev.cms.provider.CloudMailbox;
import dev.cms.provider.Listing;
import dev.cms.provider.MailboxCounts;
import dev.cms.store.MessageStore;
import dev.cms.store.StateDb;
import dev.cms.store.StatIndex;
import dev.cms.time.Ticker;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.jspecify.annotations.Nullable;

/**
 * Runs sync cycles (DESIGN §5): refresh the cloud listings and download new bodies, push
 * local flag changes and deletions with a three-way merge, route every cloud message to a
 * Maildir and force each Maildir to match, then commit the snapshot in one transaction.
 *
 * <p>Safety rules that the code below keeps:
 * <ul>
 *   <li>Nothing is pushed or forced when any Maildir could not be scanned.
 *   <li>A message whose body, delivery, rename or removal failed keeps its previous
 *       snapshot entry and its mailbox's sync token is not advanced, so the next cycle
 *       replays the change instead of mistaking the local state for a user's edit.
 *   <li>A local file is deleted only when the previous snapshot placed its content in that
 *       Maildir; any other unexpected file goes to {@code lost+found}.
 * </ul>
 * Not thread-safe: one thread runs cycles; {@link #requestStop()} may come from any thread.
 */
public final class SyncEngine {
    private static final Logger log = LoggerFactory.getLogger(SyncEngine.class);
    private static final String ROUTES_META = "routes_fingerprint";
    /** Stored while new routing rules are being applied: matches no rules' fingerprint. */
    private static final String ROUTES_PENDING = "pending";
    private static final int RECORD_BATCH = 200;
    /**
     * A Maildir found empty while the snapshot expects at least this many messages is not
     * trusted (an unmounted disk, a wiped directory) unless {@link #CONFIRM_EMPTY} confirms it.
     * Two: the last message of a Maildir deleted on its own is an ordinary deletion.
     */
    static final int WIPED_MAILDIR_THRESHOLD = 2;
    /** A file in a Maildir's root that confirms, once, that the Maildir was emptied on purpose. */
    static final String CONFIRM_EMPTY = ".cms-confirm-empty";
    /** How often an incrementally kept listing is checked against the service's counts. */
    static final java.time.Duration CHECK_COUNTS_EVERY = java.time.Duration.ofMinutes(30);
    /** During a long download, new messages reach their Maildir at least this often (and every {@link #RECORD_BATCH}). */
    static final java.time.Duration EARLY_DELIVERY_EVERY = java.time.Duration.ofSeconds(2);


    private final class CloudState {
        final CloudMailbox box;
        final int index;
        final Set<Flag> supported;
        /** The account: mailboxes of one account share message ids. */
        final String account;
        /** The committed snapshot: cloud state after our pushes, as forced locally. */
        Map<String, Entry> snapshot = new HashMap<>();
        /** Every body hash we know for this mailbox, committed or just downloaded. */
        final Map<String, ContentHash> content = new HashMap<>();
        @Nullable String token;
        /**
         * Start-up rules (DESIGN §5: the cloud is authoritative) hold for the whole mailbox until
         * a cycle of it succeeds, and after that for the messages whose Maildir update failed
         * in that cycle ({@link #unsettled}) until one succeeds for them.
         */
        boolean startup = true;
        Set<String> unsettled = new HashSet<>();
        /** When the listing is next checked against the service's counts; null: at the first chance. */
        @Nullable Instant nextCheck;
        /** The service's counts minus the listing's, measured after a full listing (see {@link #checkCounts}). */
        int totalGap;
        int unreadGap;
        /** Messages routed and delivered during this cycle's download (by the current rules). */
        final Set<String> routedThisCycle = new HashSet<>();

        CloudState(CloudMailbox box, int index) {
            this.box = box;
            this.index = index;
            EnumSet<Flag> s = EnumSet.noneOf(Flag.class);
            s.addAll(box.supportedFlags());
            s.remove(Flag.TRASHED);
            this.supported = Collections.unmodifiableSet(s);
            this.account = box.accountKey();
        }

        String key() {
            return box.key();
        }
    }

    /** The result of refreshing one cloud mailbox within a cycle. */
    private static final class Refresh {
        @Nullable Listed now;
        @Nullable String newToken;
        boolean tokenUsable = true;
        /** Messages whose local processing failed: they keep their previous entry. */
        final Set<String> failedIds = new HashSet<>();
        /** Of those, the ones whose file a mail reader changed while the cycle ran: a live change, not a stale one. */
        final Set<String> changedMeanwhile = new HashSet<>();
        @Nullable IOException failure;
        /** Not refreshed this cycle (its mailbox waits out a backoff): like a failure, without an error. */
        boolean skipped;

        boolean active() {
            return failure == null && !skipped;
        }

        /** The listing's entries; set once the refresh has listed the mailbox. */
        Listed now() {
            return Objects.requireNonNull(now, "the mailbox has been listed");
        }
    }



    /**
     * What one local file should show: the flags of every cloud copy of its content routed to
     * that Maildir combined (a flag shows when any copy that can store it has it), and the
     * union of the flags those copies can store.
     */
    private static final class Want {
        Flags cloudFlags = Flags.NONE;
        final Set<Flag> supported = EnumSet.noneOf(Flag.class);
        final @Nullable Instant received;
        final List<Source> sources = new ArrayList<>(1);

        Want(@Nullable Instant received) {
            this.received = received;
        }

        void add(CloudState c, String id, Flags flags) {
            sources.add(new Source(c, id));
            cloudFlags = CopyFlags.combine(cloudFlags, flags, c.supported);
            supported.addAll(c.supported);
        }
    }

    private record Source(CloudState cloud, String id) {}

    private final List<MaildirFolder> maildirs;
    private final List<String> maildirKeys;
    private final List<CloudState> clouds = new ArrayList<>();
    private final Router router;
    private final MessageStore store;
    private final StateDb db;
    private final StatIndex stats;
    /**
     * Bodies known to be in the store: at start-up those state.db names (hashes/ is not read),
     * then those stored or found since. A body missing behind the daemon's back is noticed when
     * it is delivered, and downloaded again.
     */
    private final Set<ContentHash> storeHashes = ConcurrentHashMap.newKeySet();
    private final boolean offline;
    private final Ticker ticker;
    private final Progress progress;
    private final String routeFingerprint;
    private boolean routesChanged;
    private volatile boolean stopRequested;
    /**
     * Without a watcher, every cycle lists each Maildir; a file whose name is unchanged is taken
     * to be unchanged and its stat is not read again, except that every file is stat-ed at least
     * this often, and at start-up.
     */
    static final java.time.Duration FULL_SCAN_EVERY = java.time.Duration.ofSeconds(60);
    /** Per Maildir, its files as last seen; null until a scan (again) reads them all. */
    private final List<@Nullable LocalView> views = new ArrayList<>();
    private final long[] lastFullScan;
    /**
     * With a watcher ({@link #useFileEvents}), cycles look only at the files it named; a list of
     * the names (no stat) catches events it may have missed, this often.
     */
    private java.time.@Nullable Duration safetyScanEvery;
    private final long[] lastSafetyScan;
    /** Per Maildir, the files the watcher named since the last cycle took them; guarded by itself. */
    private final List<Set<Path>> dirtyFiles = new ArrayList<>();
    /** Per Maildir, whether the watcher lost events since the last cycle; guarded by {@link #dirtyFiles}. */
    private final boolean[] eventsLost;
    /**
     * Per Maildir, the contents whose files changed since the last clean cycle (one in which
     * every mailbox was refreshed and nothing failed), and everything such a cycle planned; null:
     * every content (after a start or a failed look). A cycle plans around these and the cloud's
     * changes only.
     */
    private final List<@Nullable Set<ContentHash>> pendingLocal = new ArrayList<>();
    /** Whether this cycle listed every file of every Maildir (else the stat index keeps entries it did not see). */
    private boolean everyFileSeen;
    /** The mailboxes refreshed (and pushed to) without failure by the last committed cycle; null before one. */
    private @Nullable Set<String> lastActive;
    /** The next cycle plans every message (a cycle that planned them all did not end cleanly). */
    private boolean planEverything = true;
    /** Per mailbox id: messages whose body was found missing when delivered, to download again. */
    private final Map<String, Set<String>> refetch = new HashMap<>();
    /** Set when snapshot entries went away without a local removal (cloud deletions, first cycle). */
    private boolean bodiesMayBeUnreferenced = true;
    private OwnChanges ownChanges = path -> { };
    /**
     * Per Maildir, the contents of files that the running daemon saw change before a crash or
     * stop (the local journal): at start-up these changes are pushed, not undone.
     */
    private final List<Set<ContentHash>> journaled = new ArrayList<>();
    /** This cycle's refreshes, for changes that concern every mailbox of an account. */
    private Map<CloudState, Refresh> cycleRefreshes = Map.of();
    /** Problems already logged; kept while they recur. */
    private final Set<String> reportedProblems = new HashSet<>();

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
        this.maildirs = List.copyOf(maildirs);
        List<String> keys = new ArrayList<>();
        for (MaildirFolder m : maildirs) {
            keys.add(m.root().toAbsolutePath().normalize().toString());
        }
        this.maildirKeys = List.copyOf(keys);
        this.lastFullScan = new long[maildirs.size()];
        this.lastSafetyScan = new long[maildirs.size()];
        this.eventsLost = new boolean[maildirs.size()];
        for (int i = 0; i < maildirs.size(); i++) {
            views.add(null);
            dirtyFiles.add(new HashSet<>());
            pendingLocal.add(null);
        }
        this.router = router;
        this.store = store;
        this.db = db;
        this.offline = offline;
        this.ticker = ticker;
        this.progress = progress;
        List<String> mailboxKeys = new ArrayList<>();
        for (int i = 0; i < mailboxes.size(); i++) {
            clouds.add(new CloudState(mailboxes.get(i), i));
            mailboxKeys.add(mailboxes.get(i).key());
        }
        this.routeFingerprint = maildirs.isEmpty() ? "" : router.fingerprint(maildirKeys, mailboxKeys);
        this.stats = new StatIndex(store, db.loadStatIndex());
        load();
    }

    private void load() throws IOException {
        StateDb.Journal journal = db.loadJournal();
        for (String key : maildirKeys) {
            journaled.add(new HashSet<>(journal.hashes().getOrDefault(key, Set.of())));
        }
        if (journal.head() > 0) {
            log.info("{} local change(s) seen before the last stop were not pushed yet; pushing them",
                    journaled.stream().mapToInt(Set::size).sum());
        }
        routesChanged = !routeFingerprint.equals(db.meta(ROUTES_META));
        Map<String, Integer> targetIndex = new HashMap<>();
        for (int i = 0; i < maildirKeys.size(); i++) {
            targetIndex.put(maildirKeys.get(i), i);
        }
        for (CloudState c : clouds) {
            db.forEachMessage(c.key(), (id, hash, flags, received, target, inSnapshot) -> {
                c.content.put(id, hash);
                if (inSnapshot) {
                    int t = target == null ? -1 : targetIndex.getOrDefault(target, -1);
                    c.snapshot.put(id, new Entry(hash, flags, received, t));
                }
            });
            // Taken to be stored: state.db records a body only once it is (issue 15).
            storeHashes.addAll(c.content.values());
            StateDb.MailboxRow row = db.loadMailbox(c.key());
            c.token = row == null ? null : row.syncToken();
            log.debug("{}: {} messages in the snapshot, {} known bodies, token {}", c.key(), c.snapshot.size(),
                    c.content.size(), c.token == null ? "none" : "present");
        }
        seedIdRecords();
    }

    /**
     * Gives an account whose bodies were downloaded by an older version (which kept their ids in
     * {@code state.db} only) its id record in the store, once: all its mailboxes' ids together.
     */
    private void seedIdRecords() {
        Map<String, Map<String, ContentHash>> byAccount = new LinkedHashMap<>();
        for (CloudState c : clouds) {
            if (!c.content.isEmpty() && !store.hasIdRecord(c.account)) {
                byAccount.computeIfAbsent(c.account, a -> new HashMap<>()).putAll(c.content);
            }
        }
        byAccount.forEach((account, bodies) -> {
            try {
                store.recordIds(account, bodies);
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
        int i = maildirKeys.indexOf(root.toAbsolutePath().normalize().toString());
        if (i < 0) {
            return -1;
        }
        synchronized (dirtyFiles) {
            Set<Path> dirty = dirtyFiles.get(i);
            Path mdir = maildirs.get(i).root();
            for (Path f : files) {
                Path dir = f.getParent();
                if (dir != null && dir.getFileName() != null) {
                    dirty.add(mdir.resolve(dir.getFileName().toString()).resolve(f.getFileName().toString()));
                }
            }
        }
        return i;
    }

    /**
     * Journals, durably, files of the Maildir at {@code root} that someone else changed (from
     * the watcher's thread, as the events come): should the daemon die before a cycle pushes
     * them, the next start pushes them instead of undoing them.
     */
    public void journal(Path root, List<Path> files) {
        int i = filesChanged(root, files);
        if (i < 0) {
            return;
        }
        List<String> names = new ArrayList<>(files.size());
        for (Path f : files) {
            names.add(MaildirName.parse(f.getFileName().toString()).base());
        }
        try {
            db.journalLocalChanges(maildirKeys.get(i), names);
        } catch (IOException e) {
            log.error("cannot journal local changes in {}: {} (they are pushed by the next cycle unless the daemon"
                    + " stops first)", maildirKeys.get(i), e.getMessage());
        }
    }

    /**
     * From now on a watcher tells this engine which Maildir files changed ({@link #journal}) and
     * when it lost events ({@link #eventsLost}): cycles no longer list the Maildirs, except for a
     * list of names (no stat) every {@code safetyScanEvery}, which catches anything missed.
     * Null: back to listing every Maildir each cycle (the watcher stopped).
     */
    public void useFileEvents(java.time.@Nullable Duration safetyScanEvery) {
        synchronized (dirtyFiles) {
            this.safetyScanEvery = safetyScanEvery;
            long now = ticker.nanoTime();
            java.util.Arrays.fill(lastSafetyScan, now);
        }
    }

    /** The watcher lost events for the Maildir at {@code root}: the next cycle reads it whole. */
    public void eventsLost(Path root) {
        int i = maildirKeys.indexOf(root.toAbsolutePath().normalize().toString());
        if (i >= 0) {
            synchronized (dirtyFiles) {
                eventsLost[i] = true;
            }
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
        boolean mayDelete = offline || clouds.stream().anyMatch(c -> !c.startup)
                || journaled.stream().anyMatch(j -> !j.isEmpty());
        CycleReport rep = new CycleReport();
        long journalMark;
        try {
            journalMark = db.journalHead();
        } catch (IOException e) {
            rep.error(e.getMessage());
            return rep;
        }

        // 1. Look at every Maildir: nothing is pushed or forced without a trustworthy local view.
        boolean failed = false;
        everyFileSeen = true;
        for (int i = 0; i < maildirs.size(); i++) {
            try {
                everyFileSeen &= look(i, mayDelete);
            } catch (IOException e) {
                views.set(i, null);
                pendingLocal.set(i, null);
                rep.error("cannot read Maildir " + maildirKeys.get(i) + ": " + e.getMessage());
                failed = true;
            }
        }
        if (failed || stopped(rep)) {
            return rep;
        }
        List<LocalView> locals = new ArrayList<>();
        for (LocalView v : views) {
            locals.add(Objects.requireNonNull(v, "every Maildir was looked at"));
        }

        // 2. Refresh every cloud mailbox and download bodies we lack.
        Map<CloudState, Refresh> refreshed = new LinkedHashMap<>();
        for (CloudState c : clouds) {
            Refresh r = new Refresh();
            if (paused.contains(c.key())) {
                r.skipped = true;
                refreshed.put(c, r);
                continue;
            }
            try {
                refresh(c, r, locals, rep);
            } catch (IOException e) {
                r.failure = e;
                rep.mailboxError(c.key(), e.getMessage(), e);
                log.debug("{}: refresh failed", c.key(), e);
            }
            refreshed.put(c, r);
            if (stopped(rep)) {
                return rep;
            }
        }

        // What to plan: per Maildir the contents (null: all) whose files changed, and the
        // contents of the messages the cloud changed.
        boolean everything = planEverything || routesChanged
                || clouds.stream().anyMatch(c -> c.startup || !c.unsettled.isEmpty())
                || journaled.stream().anyMatch(j -> !j.isEmpty())
                || refreshed.values().stream().anyMatch(r -> r.active() && r.now().full)
                // A mailbox that failed or came back changes what every file it shares shows.
                || !activeMailboxes(refreshed).equals(lastActive);
        List<@Nullable Set<ContentHash>> scope = new ArrayList<>();
        for (int i = 0; i < maildirs.size(); i++) {
            Set<ContentHash> local = pendingLocal.get(i);
            scope.add(everything || local == null ? null : new HashSet<>(local));
        }
        for (Map.Entry<CloudState, Refresh> e : refreshed.entrySet()) {
            if (e.getValue().active()) {
                addChanged(e.getKey(), e.getValue(), scope);
            }
        }

        // 3. Local → cloud.
        cycleRefreshes = refreshed;
        Before before = new Before(scope, refreshed);
        Set<String> activeBeforePush = activeMailboxes(refreshed);
        for (Map.Entry<CloudState, Refresh> e : refreshed.entrySet()) {
            if (e.getValue().active()) {
                pushLocalChanges(e.getKey(), e.getValue(), locals, before, rep);
            }
            if (stopped(rep)) {
                return rep;
            }
        }
        Set<String> active = activeMailboxes(refreshed);
        if (!everything && !active.equals(activeBeforePush)) {
            everything = true; // a push failed: that mailbox's copies no longer count for any file
            Collections.fill(scope, null);
            before = new Before(scope, refreshed);
        }

        // 4. Route, then 5. force every Maildir to match.
        for (Map.Entry<CloudState, Refresh> e : refreshed.entrySet()) {
            if (e.getValue().active()) {
                route(e.getKey(), e.getValue(), everything);
                // Pushed flags reach the same message in other mailboxes of the account: those change too.
                addChanged(e.getKey(), e.getValue(), scope);
            }
        }
        before.extendTo(scope);
        List<Map<ContentHash, Want>> desired = new ArrayList<>();
        for (int i = 0; i < maildirs.size(); i++) {
            desired.add(new HashMap<>());
        }
        boolean anything = scope.stream().anyMatch(s -> s == null || !s.isEmpty());
        for (Map.Entry<CloudState, Refresh> e : refreshed.entrySet()) {
            CloudState c = e.getKey();
            if (anything && e.getValue().active()) {
                e.getValue().now().forEach((id, en) -> {
                    if (inScope(scope, en.target(), en.hash())) {
                        desired.get(en.target()).computeIfAbsent(en.hash(), k -> new Want(en.received()))
                                .add(c, id, en.flags());
                    }
                });
            }
        }
        if (stopped(rep)) {
            return rep;
        }
        for (int i = 0; i < maildirs.size() && anything; i++) {
            force(i, locals.get(i), scope.get(i), desired.get(i), before, refreshed, rep);
            if (stopped(rep)) {
                return rep;
            }
        }

        // 6. Commit in one transaction, then 7. drop bodies nothing refers to.
        boolean committed = commit(refreshed, rep, journalMark, everything);
        // Clean: nothing left to do for the mailboxes that took part (one that did not is planned
        // in full when it is back: see lastActive).
        boolean clean = committed && refreshed.values().stream().allMatch(r -> !r.active() || r.failedIds.isEmpty());
        if (committed) {
            lastActive = active;
        }
        for (int i = 0; i < maildirs.size(); i++) {
            Set<ContentHash> planned = scope.get(i);
            Set<ContentHash> pending = pendingLocal.get(i);
            if (clean) {
                pendingLocal.set(i, new HashSet<>());
            } else if (planned != null && pending != null) {
                pending.addAll(planned);
            }
        }
        planEverything = !clean && everything;
        collectGarbage(rep);
        reportedProblems.retainAll(rep.problems);
        return rep;
    }

    private static Set<String> activeMailboxes(Map<CloudState, Refresh> refreshed) {
        Set<String> out = new HashSet<>();
        refreshed.forEach((c, r) -> {
            if (r.active()) {
                out.add(c.key());
            }
        });
        return out;
    }

    private boolean stopped(CycleReport rep) {
        if (stopRequested) {
            rep.aborted = true;
        }
        return stopRequested;
    }

    private static boolean inScope(List<@Nullable Set<ContentHash>> scope, int maildir, ContentHash h) {
        if (maildir < 0) {
            return false;
        }
        Set<ContentHash> s = scope.get(maildir);
        return s == null || s.contains(h);
    }

    /** Adds the contents of the messages {@code r} changed, where they were and where they go, to {@code scope}. */
    private static void addChanged(CloudState c, Refresh r, List<@Nullable Set<ContentHash>> scope) {
        Listed now = r.now();
        if (now.full) {
            return; // a full listing plans everything
        }
        for (Map.Entry<String, Entry> m : now.changed().entrySet()) {
            addTo(scope, c.snapshot.get(m.getKey()));
            addTo(scope, m.getValue());
        }
        for (String id : now.removed()) {
            addTo(scope, c.snapshot.get(id));
        }
        for (String id : r.failedIds) {
            addTo(scope, c.snapshot.get(id));
        }
    }

    private static void addTo(List<@Nullable Set<ContentHash>> scope, @Nullable Entry e) {
        if (e != null && e.target() >= 0) {
            Set<ContentHash> s = scope.get(e.target());
            if (s != null) {
                s.add(e.hash());
            }
        }
    }

    /**
     * Per Maildir, for the contents in scope: the snapshot's messages that were there after the
     * previous cycle ({@code expected}). Built by one pass over the snapshots, extended when the
     * scope grows.
     */
    private final class Before {
        final List<Map<ContentHash, List<Source>>> expected = new ArrayList<>();
        private final Map<CloudState, Refresh> refreshed;
        /** The scope already covered, per Maildir (null: all). */
        private final List<@Nullable Set<ContentHash>> covered = new ArrayList<>();

        Before(List<@Nullable Set<ContentHash>> scope, Map<CloudState, Refresh> refreshed) {
            this.refreshed = refreshed;
            List<@Nullable Set<ContentHash>> adding = new ArrayList<>();
            for (int i = 0; i < maildirs.size(); i++) {
                expected.add(new HashMap<>());
                Set<ContentHash> s = scope.get(i);
                covered.add(s == null ? null : new HashSet<>(s));
                adding.add(s);
            }
            add(adding);
        }

        /** Covers the contents {@code scope} added since. */
        void extendTo(List<@Nullable Set<ContentHash>> scope) {
            List<@Nullable Set<ContentHash>> adding = new ArrayList<>();
            boolean any = false;
            for (int i = 0; i < maildirs.size(); i++) {
                Set<ContentHash> done = covered.get(i);
                Set<ContentHash> want = scope.get(i);
                Set<ContentHash> more = new HashSet<>();
                if (done != null && want != null) {
                    for (ContentHash h : want) {
                        if (done.add(h)) {
                            more.add(h);
                        }
                    }
                }
                adding.add(more);
                any |= !more.isEmpty();
            }
            if (any) {
                add(adding);
            }
        }

        private void add(List<@Nullable Set<ContentHash>> adding) {
            boolean none = true;
            for (Set<ContentHash> s : adding) {
                none &= s != null && s.isEmpty();
            }
            if (none) {
                return;
            }
            for (CloudState c : clouds) {
                for (Map.Entry<String, Entry> m : c.snapshot.entrySet()) {
                    Entry prev = m.getValue();
                    if (inScope(adding, prev.target(), prev.hash())) {
                        expected.get(prev.target()).computeIfAbsent(prev.hash(), k -> new ArrayList<>(1))
                                .add(new Source(c, m.getKey()));
                    }
                }
            }
        }

        /**
         * Whether content {@code h} of Maildir {@code i} stays as it is: a message of a mailbox
         * not refreshed this cycle (or whose push failed) was there.
         */
        boolean protects(int i, ContentHash h) {
            for (Source s : expected.get(i).getOrDefault(h, List.of())) {
                if (!refreshOf(refreshed, s.cloud()).active()) {
                    return true;
                }
            }
            return false;
        }

        /**
         * What the local file of {@code prev} showed after the previous cycle: the combination of
         * the committed flags of every copy of its content routed there (as {@link Want} combines them).
         */
        Flags shown(Entry prev) {
            List<Source> sources = expected.get(prev.target()).get(prev.hash());
            if (sources == null) {
                return prev.flags();
            }
            Flags out = Flags.NONE;
            for (Source s : sources) {
                Entry e = s.cloud().snapshot.get(s.id());
                if (e != null) {
                    out = CopyFlags.combine(out, e.flags(), s.cloud().supported);
                }
            }
            return out;
        }
    }

    // ---- 1. local look

    /**
     * Brings the view of Maildir {@code i} up to date: from the files the watcher named, or by
     * listing the Maildir when there is no watcher, it lost events, or nothing was read yet. The
     * contents whose files changed are added to {@link #pendingLocal}. True when it listed
     * every file.
     */
    private boolean look(int i, boolean guardAgainstWipe) throws IOException {
        Set<Path> dirty;
        boolean lost;
        java.time.Duration safety;
        synchronized (dirtyFiles) {
            dirty = dirtyFiles.get(i);
            dirtyFiles.set(i, new HashSet<>());
            lost = eventsLost[i];
            eventsLost[i] = false;
            safety = safetyScanEvery;
        }
        long now = ticker.nanoTime();
        LocalView old = views.get(i);
        Set<ContentHash> pending = pendingLocal.get(i);
        Set<ContentHash> touched = new HashSet<>();
        boolean listed = old == null || lost || safety == null;
        if (old == null || lost || safety == null) { // (listed, spelled out for the nullness checker)
            boolean statAll = old == null || lost || now - lastFullScan[i] > FULL_SCAN_EVERY.toNanos();
            LocalView v = readWhole(i, statAll || old == null ? p -> null : old::statOf);
            if (statAll) {
                lastFullScan[i] = now;
            }
            lastSafetyScan[i] = now;
            views.set(i, v);
            if (old == null || pending == null) {
                pendingLocal.set(i, null);
            } else {
                differences(old, v, touched);
            }
        } else {
            if (now - lastSafetyScan[i] > safety.toNanos()) {
                lastSafetyScan[i] = now;
                Set<Path> names = maildirs.get(i).names();
                for (Path p : names) {
                    if (!old.contains(p)) {
                        dirty.add(p);
                    }
                }
                old.forEach((p, h) -> {
                    if (!names.contains(p)) {
                        dirty.add(p);
                    }
                });
            }
            try {
                Set<ContentHash> removed = new HashSet<>();
                for (Path p : dirty) {
                    ContentHash was = old.remove(p);
                    if (was != null) {
                        touched.add(was);
                        removed.add(was);
                    }
                    MaildirFile f = maildirs.get(i).lookAt(p);
                    if (f != null) {
                        ContentHash h;
                        try {
                            h = hashOf(f);
                        } catch (IOException gone) {
                            // Renamed or removed meanwhile: its event is on its way.
                            continue;
                        }
                        old.add(f, h);
                        touched.add(h);
                    }
                }
                removed.forEach(this::renameInStatIndex);
                if (removed.stream().anyMatch(h -> !old.has(h))) {
                    // A content's last file went: a deletion, or a rename between new/ and cur/
                    // whose second event (another directory's) has not come yet. Only a
                    // consistent listing tells them apart; deletions are rare, so it is cheap.
                    LocalView v = readWhole(i, old::statOf);
                    differences(old, v, touched);
                    views.set(i, v);
                }
            } catch (IOException e) {
                views.set(i, null); // half brought up to date: read it whole next time
                throw e;
            }
        }
        if (pending != null && pendingLocal.get(i) != null) {
            pending.addAll(touched);
        }
        LocalView v = Objects.requireNonNull(views.get(i), "just looked at");
        try {
            guardAgainstWipe(i, v, guardAgainstWipe);
        } catch (IOException e) {
            views.set(i, null); // once confirmed, the next look must see every file as gone
            throw e;
        }
        return listed;
    }

    /**
     * After a file of content {@code h} went away: when one file of that content is left, the
     * stat index is told its name (hard links share an inode, and the index keeps one name per
     * inode; the crash journal finds a file's content by that name). A full scan does this by
     * reading every file; a cycle driven by file events must do it here.
     */
    private void renameInStatIndex(ContentHash h) {
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

    /** A consistent listing of Maildir {@code i} with each file's hash; {@code known}: stats taken as still true. */
    private LocalView readWhole(int i, java.util.function.Function<Path, @Nullable FileStat> known) throws IOException {
        LocalView v = new LocalView(maildirs.get(i).root());
        for (MaildirFile f : maildirs.get(i).scan(known)) {
            v.add(f, hashOf(f));
        }
        return v;
    }

    private ContentHash hashOf(MaildirFile f) throws IOException {
        try {
            return stats.hashOf(f.path(), f.stat(), f.name().base());
        } catch (NoSuchFileException gone) {
            throw new IOException("a file vanished while it was read: " + f.path());
        }
    }

    /** Adds to {@code touched} the contents of files that differ between two views of one Maildir. */
    private static void differences(LocalView old, LocalView now, Set<ContentHash> touched) {
        now.forEach((p, h) -> {
            ContentHash was = old.hashAt(p);
            if (!h.equals(was)) {
                touched.add(h);
                if (was != null) {
                    touched.add(was);
                }
            }
        });
        old.forEach((p, h) -> {
            if (!now.contains(p)) {
                touched.add(h);
            }
        });
    }

    /** Refuses a Maildir found empty that held messages (an unmounted disk), unless confirmed. */
    private void guardAgainstWipe(int i, LocalView v, boolean guardAgainstWipe) throws IOException {
        if (v.files() > 0) {
            // A confirmation is for an emptied Maildir, once: never left to confirm a later one.
            Files.deleteIfExists(maildirs.get(i).root().resolve(CONFIRM_EMPTY));
            return;
        }
        if (!guardAgainstWipe) {
            return;
        }
        int expected = 0;
        for (CloudState c : clouds) {
            for (Entry e : c.snapshot.values()) {
                if (e.target() == i) {
                    expected++;
                }
            }
        }
        if (expected < WIPED_MAILDIR_THRESHOLD) {
            return;
        }
        Path confirm = maildirs.get(i).root().resolve(CONFIRM_EMPTY);
        if (Files.deleteIfExists(confirm)) {
            log.warn("Maildir {} was emptied and {} confirms it: deleting its {} messages in the cloud",
                    maildirKeys.get(i), CONFIRM_EMPTY, expected);
            return;
        }
        throw new IOException("the Maildir is empty but held " + expected + " messages at the last cycle;"
                + " refusing to delete them all in the cloud (if you meant it, run 'touch " + confirm
                + "' and the next cycle deletes them; if not, restart cloud-mdir-sync to download them again)");
    }

    // ---- 2. cloud refresh

    private void refresh(CloudState c, Refresh r, List<LocalView> locals, CycleReport rep)
            throws IOException, InterruptedException {
        c.routedThisCycle.clear();
        Listing l = c.box.list(c.token);
        r.newToken = l.syncToken();
        Listed now = l.full() ? Listed.full(l.messages().size()) : Listed.over(c.snapshot);
        for (String id : l.removed()) {
            now.remove(id);
        }
        Map<String, CloudMessage> need = new LinkedHashMap<>();
        if (!l.full() && c.startup) {
            // Bodies removed from the store by hand (a notmuch user's rm) are fetched again: at
            // start-up, and (below) when a delivery found one missing.
            now.forEach((id, e) -> {
                if (!haveBody(e.hash(), locals)) {
                    need.put(id, new CloudMessage(id, e.flags(), e.received()));
                }
            });
        }
        Set<String> missing = refetch.get(c.key());
        if (missing != null) {
            for (java.util.Iterator<String> it = missing.iterator(); it.hasNext(); ) {
                String id = it.next();
                Entry e = now.get(id);
                if (e == null || haveBody(e.hash(), locals)) {
                    it.remove();
                } else {
                    need.put(id, new CloudMessage(id, e.flags(), e.received()));
                }
            }
        }
        Map<String, ContentHash> recorded = l.full() ? recordedContent(c, l.messages()) : Map.of();
        for (CloudMessage m : l.messages()) {
            need.remove(m.id());
            Entry old = c.snapshot.get(m.id());
            ContentHash h = knownContent(c, m.id());
            if (h == null) {
                h = recorded.get(m.id());
            }
            Instant received = m.received() != null ? m.received() : old != null ? old.received() : null;
            if (h != null && haveBody(h, locals)) {
                c.content.put(m.id(), h);
                int target = old != null && old.hash().equals(h) ? old.target() : -1;
                now.put(m.id(), new Entry(h, m.flags(), received, target));
            } else {
                need.put(m.id(), m);
            }
        }
        if (!need.isEmpty()) {
            Set<String> listed = new HashSet<>();
            for (CloudMessage m : l.messages()) {
                listed.add(m.id());
            }
            fetch(c, r, now, need, listed, rep);
        }
        r.now = now;
        if (l.full() && c.token != null) {
            log.info("{}: full listing ({} messages)", c.key(), l.messages().size());
        }
        checkCounts(c, r, l.full());
    }

    /**
     * Checks a mailbox's listing against the service's own counts (one cheap request; issue 18,
     * item 5): after a full listing, to learn the difference the service keeps by itself (Gmail
     * counts a trashed message that keeps its label, which listings leave out), and every
     * {@link #CHECK_COUNTS_EVERY} after an incremental one. Another difference means the
     * incremental listing missed a change (a lost history record, a push that never landed):
     * the sync token is dropped, so the next cycle lists fully. A failed check is tried again
     * next cycle and fails nothing else.
     */
    private void checkCounts(CloudState c, Refresh r, boolean fullListing) throws IOException, InterruptedException {
        Instant at = ticker.now();
        if (!r.tokenUsable || !c.unsettled.isEmpty()
                || !fullListing && c.nextCheck != null && at.isBefore(c.nextCheck)) {
            return;
        }
        Optional<MailboxCounts> counts;
        try {
            counts = c.box.counts();
        } catch (AuthenticationRequiredException e) {
            throw e;
        } catch (IOException e) {
            log.info("{}: cannot check the listing against the cloud's counts ({}); trying again next cycle",
                    c.key(), e.getMessage());
            return;
        }
        c.nextCheck = at.plus(CHECK_COUNTS_EVERY);
        if (counts.isEmpty()) {
            return;
        }
        int total = r.now().size();
        int[] unreadCount = new int[1];
        r.now().forEach((id, e) -> {
            if (!e.flags().has(Flag.READ)) {
                unreadCount[0]++;
            }
        });
        int unread = unreadCount[0];
        int totalGap = counts.get().total() - total;
        int unreadGap = c.supported.contains(Flag.READ) ? counts.get().unread() - unread : 0;
        if (fullListing) {
            c.totalGap = totalGap;
            c.unreadGap = unreadGap;
            if (totalGap != 0 || unreadGap != 0) {
                log.debug("{}: the cloud counts {} messages ({} unread), the listing {} ({})", c.key(),
                        counts.get().total(), counts.get().unread(), total, unread);
            }
        } else if (totalGap != c.totalGap || unreadGap != c.unreadGap) {
            log.info("{}: the snapshot disagrees with the cloud ({} messages, {} unread here vs {}, {} there);"
                    + " doing a full listing", c.key(), total, unread, counts.get().total(), counts.get().unread());
            c.token = null;
            r.tokenUsable = false;
        }
    }

    /**
     * The hash of a message's body if this mailbox, or another mailbox of the same account,
     * knows it: ids name one message account-wide (a Gmail message in several labels, an
     * Office365 message moved between folders), so a move never downloads the body again.
     */
    private @Nullable ContentHash knownContent(CloudState c, String id) {
        ContentHash h = c.content.get(id);
        if (h != null) {
            return h;
        }
        for (CloudState other : clouds) {
            if (other != c && other.account.equals(c.account)) {
                h = other.content.get(id);
                if (h != null) {
                    return h;
                }
            }
        }
        return null;
    }

    /** True when the store has the body, re-linking it from a Maildir copy if only that is left. */
    private boolean haveBody(ContentHash h, List<LocalView> locals) {
        if (storeHashes.contains(h)) {
            return true;
        }
        if (store.contains(h)) {
            storeHashes.add(h);
            return true;
        }
        for (LocalView v : locals) {
            List<MaildirFile> files = v.files(h);
            if (files == null) {
                continue;
            }
            for (MaildirFile f : files) {
                try {
                    Files.createLink(store.path(h), f.path());
                    storeHashes.add(h);
                    return true;
                } catch (FileAlreadyExistsException e) {
                    storeHashes.add(h);
                    return true;
                } catch (IOException | UnsupportedOperationException e) {
                    log.debug("cannot re-link {} into the store: {}", f.path(), e.toString());
                }
            }
        }
        return false;
    }

    /** Downloads {@code need}; {@code listed} are the ids this cycle's listing named (the rest are fetched again). */
    private void fetch(CloudState c, Refresh r, Listed now, Map<String, CloudMessage> need,
            Set<String> listed, CycleReport rep) throws InterruptedException {
        Map<String, ContentHash> got = new ConcurrentHashMap<>();
        Map<String, Instant> receivedAt = new ConcurrentHashMap<>();
        Map<String, ContentHash> toRecord = new HashMap<>();
        AtomicInteger done = new AtomicInteger();
        AtomicLong bytes = new AtomicLong();
        IOException[] recordFailure = new IOException[1];
        long[] lastFlush = {ticker.nanoTime()};
        Object earlyLock = new Object();
        BodySink sink = (id, body, received) -> {
            CountingStream counted = new CountingStream(body);
            ContentHash h = store.ingest(counted);
            storeHashes.add(h);
            got.put(id, h);
            if (received != null) {
                receivedAt.put(id, received);
            }
            progress.fetched(c.key(), done.incrementAndGet(), bytes.addAndGet(counted.count));
            Map<String, ContentHash> batch = null;
            synchronized (toRecord) {
                toRecord.put(id, h);
                long at = ticker.nanoTime();
                if (toRecord.size() >= RECORD_BATCH || at - lastFlush[0] > EARLY_DELIVERY_EVERY.toNanos()) {
                    batch = new HashMap<>(toRecord);
                    toRecord.clear();
                    lastFlush[0] = at;
                }
            }
            if (batch != null) {
                store.sync();
                recordIds(c, batch);
                db.recordContent(c.key(), batch);
                synchronized (earlyLock) {
                    deliverEarly(c, batch, need, receivedAt, rep);
                }
            }
        };
        log.info("{}: downloading {} new message(s)", c.key(), need.size());
        progress.fetchStarted(c.key(), need.size());
        try {
            // Newest mail first, so the inbox is useful within seconds: by received time, the
            // undated after them in the listing's order (Gmail lists newest first, undated).
            List<String> newestFirst = need.values().stream()
                    .sorted(java.util.Comparator.comparing(CloudMessage::received,
                            java.util.Comparator.nullsLast(java.util.Comparator.reverseOrder())))
                    .map(CloudMessage::id).toList();
            c.box.fetchBodies(newestFirst, sink);
        } catch (IOException e) {
            rep.mailboxError(c.key(), "downloading bodies failed: " + e.getMessage(), e);
            r.tokenUsable = false;
        } finally {
            progress.fetchFinished(c.key());
            try {
                synchronized (toRecord) {
                    store.sync();
                    recordIds(c, toRecord);
                    db.recordContent(c.key(), toRecord);
                    toRecord.clear();
                }
            } catch (IOException e) {
                recordFailure[0] = e;
            }
        }
        if (recordFailure[0] != null) {
            rep.mailboxError(c.key(), recordFailure[0].getMessage());
        }
        rep.fetched += got.size();
        rep.fetchedBytes += bytes.get();
        for (CloudMessage m : need.values()) {
            ContentHash h = got.get(m.id());
            if (h == null) {
                // Not delivered: gone meanwhile, or the download failed (then the token stays).
                // A body fetched again keeps its entry: the listing will not name it again.
                if (listed.contains(m.id())) {
                    now.remove(m.id());
                }
                continue;
            }
            c.content.put(m.id(), h);
            Instant received = receivedAt.getOrDefault(m.id(), m.received());
            Entry old = c.snapshot.get(m.id());
            int target = old != null && old.hash().equals(h) ? old.target() : -1;
            now.put(m.id(), new Entry(h, m.flags(), received, target));
        }
    }

    /**
     * Delivers new messages of a long download while it runs (issue 15, item 4: mail is readable
     * during a first sync): each message of {@code batch} that the snapshot does not know yet is
     * routed, linked into its Maildir and saved as part of the snapshot at once, without the sync
     * token, so a crash or stop resumes without downloading it again or delivering it twice. A
     * content already in its Maildir (identical copies, whose flags combine) is left to the
     * cycle. Runs on a download thread while the cycle's thread waits for the download.
     */
    private void deliverEarly(CloudState c, Map<String, ContentHash> batch, Map<String, CloudMessage> need,
            Map<String, Instant> receivedAt, CycleReport rep) {
        if (maildirs.isEmpty() || stopRequested) {
            return;
        }
        StateDb.CycleCommit commit = new StateDb.CycleCommit();
        commit.at(ticker.now());
        StateDb.MailboxCommit mc = commit.mailbox(c.key());
        mc.messagesOnly();
        Map<String, Entry> delivered = new HashMap<>();
        for (Map.Entry<String, ContentHash> b : batch.entrySet()) {
            String id = b.getKey();
            ContentHash h = b.getValue();
            CloudMessage m = need.get(id);
            if (m == null || c.snapshot.containsKey(id) || knownElsewhere(c, id)) {
                continue;
            }
            int target = routeOne(c, id, h);
            LocalView v = views.get(target);
            if (v == null || v.has(h)) {
                continue;
            }
            Instant received = receivedAt.getOrDefault(id, m.received());
            Flags flags = m.flags().retain(c.supported).without(Flag.TRASHED);
            try {
                MaildirFile f = maildirs.get(target).deliver(store.path(h), flags, received, ownChanges::expect);
                v.add(f, h);
                stats.record(f.stat(), h, f.name().base());
                rep.delivered++;
            } catch (IOException e) {
                log.debug("{}: early delivery of {} failed ({}); the cycle delivers it", c.key(), id, e.toString());
                continue;
            }
            Entry e = new Entry(h, m.flags(), received, target);
            mc.upsert(id, h, e.flags(), e.received(), maildirKeys.get(target));
            delivered.put(id, e);
            c.routedThisCycle.add(id);
        }
        if (delivered.isEmpty()) {
            return;
        }
        try {
            db.commit(commit);
            c.snapshot.putAll(delivered);
        } catch (IOException e) {
            log.debug("{}: saving early deliveries failed ({}); the cycle saves them", c.key(), e.toString());
        }
    }

    /** Whether another mailbox of the account has message {@code id} (a label or folder it is also in). */
    private boolean knownElsewhere(CloudState c, String id) {
        for (CloudState other : clouds) {
            if (other != c && other.account.equals(c.account) && other.snapshot.containsKey(id)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Also records downloaded bodies in the store's id record, which survives the loss of
     * {@code state.db}; a failure only costs downloads after such a loss, so it is logged.
     */
    private void recordIds(CloudState c, Map<String, ContentHash> bodies) {
        try {
            store.recordIds(c.account, bodies);
        } catch (IOException e) {
            log.warn("{}: cannot record message ids in the store ({}); should state.db be lost, these"
                    + " bodies would be downloaded again", c.key(), e.getMessage());
        }
    }

    /**
     * For a full listing: the bodies the store's id record knows for ids that {@code state.db}
     * does not (it was lost or moved aside), so they are linked, not downloaded again. Only a
     * saving: the messages are then handled like any other known message.
     */
    private Map<String, ContentHash> recordedContent(CloudState c, List<CloudMessage> listed) {
        Set<String> unknown = new HashSet<>();
        for (CloudMessage m : listed) {
            if (knownContent(c, m.id()) == null) {
                unknown.add(m.id());
            }
        }
        if (unknown.isEmpty()) {
            return Map.of();
        }
        try {
            Map<String, ContentHash> found = store.recordedIds(c.account, unknown);
            if (!found.isEmpty()) {
                log.info("{}: the store's id record knows {} message(s) that state.db does not; their stored"
                        + " bodies are linked, not downloaded", c.key(), found.size());
            }
            return found;
        } catch (IOException e) {
            log.warn("{}: cannot read the store's record of message ids ({}); downloading the messages"
                    + " state.db does not know", c.key(), e.getMessage());
            return Map.of();
        }
    }

    private static final class CountingStream extends FilterInputStream {
        long count;

        CountingStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            int n = super.read(buf, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }
    }

    // ---- 3. local → cloud

    /**
     * A message's flags are the account's, not one mailbox's: a flag pushed through one Gmail
     * label's Maildir is shown at once in the other labels' Maildirs holding that message.
     */
    private void sameMessageElsewhere(CloudState c, String id, Flags flags) {
        for (Map.Entry<CloudState, Refresh> e : cycleRefreshes.entrySet()) {
            CloudState other = e.getKey();
            Refresh r = e.getValue();
            if (other != c && other.account.equals(c.account) && r.active() && r.now != null) {
                r.now.updateFlags(id, flags.retain(other.supported));
            }
        }
    }

    /** True when every file carries exactly the copy's flags (on the flags it can store) and no T. */
    private static boolean showsExactly(List<MaildirFile> files, Flags copy, Set<Flag> supported) {
        for (MaildirFile f : files) {
            if (f.flags().has(Flag.TRASHED) || !f.flags().retain(supported).equals(copy.retain(supported))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Turns local changes into cloud changes for one mailbox. Under start-up rules (the whole
     * mailbox until a cycle of it succeeded, or one unsettled message) nothing is pushed, except
     * with {@code --offline}, where local flags are trusted and missing files are ignored.
     * Otherwise a flag is pushed to a copy only when the local file changed it since the
     * previous cycle and the cloud did not change it on that copy.
     */
    private void pushLocalChanges(CloudState c, Refresh r, List<LocalView> locals,
            Before before, CycleReport rep) throws InterruptedException {
        List<Change> changes = new ArrayList<>();
        Map<String, String> what = new HashMap<>();
        List<String> ids = new ArrayList<>();
        for (Map<ContentHash, List<Source>> inMaildir : before.expected) {
            for (List<Source> sources : inMaildir.values()) {
                for (Source s : sources) {
                    if (s.cloud() == c) {
                        ids.add(s.id());
                    }
                }
            }
        }
        for (String id : ids) {
            Entry prev = Objects.requireNonNull(c.snapshot.get(id), "a source is in the snapshot");
            Entry cur = r.now().get(id);
            if (cur == null || prev.target() < 0 || !cur.hash().equals(prev.hash())) {
                continue;
            }
            boolean startupRules = c.startup && !journaled.get(prev.target()).contains(prev.hash())
                    || c.unsettled.contains(id);
            if (startupRules && !offline) {
                continue;
            }
            List<MaildirFile> files = locals.get(prev.target()).files(prev.hash());
            if (files == null) {
                if (!startupRules) {
                    changes.add(Change.delete(id, cur.flags()));
                    what.put(id, "the message " + LogNames.subject(store.path(prev.hash()), id) + ", deleted locally");
                }
                continue;
            }
            // The copy's own last-synced flags with what the user changed on the file: for a
            // file standing for copies that disagree, their combination alone pushes nothing.
            // A file that carries exactly this copy's flags changes nothing on it, whatever the
            // other copies hold (the common case: no need to know what the file showed).
            Flags mine = prev.flags();
            if (!showsExactly(files, prev.flags(), c.supported)) {
                Flags shown = before.shown(prev);
                Flags local = CopyFlags.local(files, shown);
                if (local.has(Flag.TRASHED)) {
                    changes.add(Change.delete(id, cur.flags()));
                    what.put(id, files.get(0).path().getFileName().toString());
                    continue;
                }
                mine = CopyFlags.localChanges(prev.flags(), shown, local);
            }
            Flags merged = startupRules
                    ? FlagMerge.merge(cur.flags(), mine, cur.flags(), c.supported) // --offline: local wins
                    : FlagMerge.merge(prev.flags(), mine, cur.flags(), c.supported);
            if (!merged.equals(cur.flags())) {
                changes.add(Change.flags(id, cur.flags(), merged));
                what.put(id, files.get(0).path().getFileName().toString());
            }
        }
        if (changes.isEmpty()) {
            return;
        }
        try {
            c.box.apply(changes);
        } catch (IOException e) {
            r.failure = e;
            rep.mailboxError(c.key(), "pushing " + changes.size() + " change(s) failed: " + e.getMessage(), e);
            return;
        }
        for (Change ch : changes) {
            if (ch.delete()) {
                r.now().remove(ch.id());
                rep.pushedDeletes++;
                log.info("{}: deleted in the cloud: {}", c.key(), what.get(ch.id()));
            } else {
                r.now().updateFlags(ch.id(), ch.to());
                sameMessageElsewhere(c, ch.id(), ch.to());
                rep.pushedFlags++;
                log.info("{}: flags {} -> {} in the cloud: {}", c.key(), LogNames.letters(ch.from()), LogNames.letters(ch.to()),
                        what.get(ch.id()));
                if (log.isDebugEnabled()) {
                    Entry pushed = Objects.requireNonNull(r.now().get(ch.id()), "a pushed message is listed");
                    log.debug("{}: (that is {})", c.key(), LogNames.subject(store.path(pushed.hash()), ch.id()));
                }
            }
        }
    }

    // ---- 4. routing

    /** Chooses the Maildir of each message without one (of every message, when the rules changed). */
    private void route(CloudState c, Refresh r, boolean everything) {
        Listed now = r.now();
        Map<String, Entry> todo = new HashMap<>();
        java.util.function.BiConsumer<String, Entry> pick = (id, e) -> {
            if (e.target() < 0 || routesChanged && !c.routedThisCycle.contains(id)) {
                todo.put(id, e);
            }
        };
        if (everything && !now.full) {
            now.forEach(pick);
        } else {
            now.changed().forEach(pick);
        }
        for (Map.Entry<String, Entry> m : todo.entrySet()) {
            Entry e = m.getValue();
            now.put(m.getKey(), e.withTarget(routeOne(c, m.getKey(), e.hash())));
        }
    }

    /** The Maildir of message {@code id} of {@code c}, whose body is {@code h}. */
    private int routeOne(CloudState c, String id, ContentHash h) {
        try {
            Path body = store.path(h);
            Map<String, String> cache = new HashMap<>();
            return router.route(c.index, name -> {
                if (!cache.containsKey(name)) {
                    cache.put(name, HeaderReader.read(body, name));
                }
                return cache.get(name);
            });
        } catch (IOException ex) {
            log.warn("{}: cannot read headers of {} for routing ({}); using the first Maildir", c.key(), id,
                    ex.getMessage());
            return 0;
        }
    }

    // ---- 5. forcing a Maildir

    /**
     * Makes Maildir {@code i} show {@code want} for the contents in {@code scope} (every content
     * when null): renames, removes, moves to lost+found and delivers, keeping {@code local} in step.
     */
    private void force(int i, LocalView local, @Nullable Set<ContentHash> scope, Map<ContentHash, Want> want,
            Before before, Map<CloudState, Refresh> refreshed, CycleReport rep) {
        MaildirFolder folder = maildirs.get(i);
        Map<ContentHash, List<Source>> expectedBefore = before.expected.get(i);
        List<ContentHash> hashes = new ArrayList<>(scope == null ? local.hashes() : scope);
        for (ContentHash h : hashes) {
            List<MaildirFile> present = local.files(h);
            if (present == null) {
                continue;
            }
            Want w = want.get(h);
            for (MaildirFile f : List.copyOf(present)) {
                try {
                    if (w != null) {
                        Flags target = localTarget(f.flags(), w);
                        if (!target.equals(f.flags())) {
                            // Both names are expected before the rename, or the watcher may see it first.
                            MaildirFile renamed = folder.setFlags(f, target, ownChanges::expect);
                            local.remove(f.path());
                            local.add(renamed, h);
                            stats.record(renamed.stat(), h, renamed.name().base());
                            rep.renamed++;
                        }
                    } else if (before.protects(i, h)) {
                        continue;
                    } else if (expectedBefore.containsKey(h)) {
                        ownChanges.expect(f.path());
                        try {
                            if (folder.remove(f)) {
                                rep.removed++;
                            }
                            local.remove(f.path());
                            renameInStatIndex(h);
                        } catch (IOException ex) {
                            // Still on disk: the snapshot keeps saying so, or the file would
                            // later look like a user's own and go to lost+found.
                            keepPrevious(expectedBefore.get(h), refreshed);
                            throw ex;
                        }
                    } else {
                        ownChanges.expect(f.path());
                        Path moved = store.moveToLostFound(f.path());
                        local.remove(f.path());
                        renameInStatIndex(h);
                        rep.lostFound++;
                        log.warn("{} is not a message the cloud has; moved it to {}", f.path(), moved);
                    }
                } catch (NoSuchFileException gone) {
                    // A mail reader renamed or removed it meanwhile: look again next cycle (the
                    // view keeps it until then, so its content is not delivered again now).
                    markDirty(i, f.path());
                    rep.rerunSoon = true;
                    failSources(w, refreshed);
                    if (w != null) {
                        for (Source s : w.sources) {
                            refreshOf(refreshed, s.cloud()).changedMeanwhile.add(s.id());
                        }
                    }
                } catch (IOException ex) {
                    problem(rep, "Maildir " + maildirKeys.get(i) + ": " + f.path().getFileName() + ": " + ex.getMessage());
                    failSources(w, refreshed);
                }
            }
        }
        for (Map.Entry<ContentHash, Want> e : want.entrySet()) {
            ContentHash h = e.getKey();
            if (local.has(h)) {
                continue;
            }
            Want w = e.getValue();
            try {
                // Each name is expected before it is made, or the watcher may see it first.
                MaildirFile f = folder.deliver(store.path(h), localTarget(Flags.NONE, w), w.received,
                        ownChanges::expect);
                local.add(f, h);
                stats.record(f.stat(), h, f.name().base());
                rep.delivered++;
            } catch (NoSuchFileException missing) {
                if (Files.exists(store.path(h))) {
                    // Not the body: a mail reader changed the Maildir meanwhile. Look again soon.
                    rep.rerunSoon = true;
                    failSources(w, refreshed);
                    continue;
                }
                storeHashes.remove(h);
                for (Source s : w.sources) {
                    s.cloud().content.remove(s.id());
                    refetch.computeIfAbsent(s.cloud().key(), k -> new HashSet<>()).add(s.id());
                }
                problem(rep, "the body of " + h.shortHex() + " is missing from the store; it will be downloaded again");
                failSources(w, refreshed);
            } catch (IOException ex) {
                problem(rep, "Maildir " + maildirKeys.get(i) + ": delivering " + h.shortHex() + " failed: " + ex.getMessage());
                failSources(w, refreshed);
            }
        }
    }

    /** Has the next cycle look at {@code file} of Maildir {@code i} again, as if the watcher had named it. */
    private void markDirty(int i, Path file) {
        synchronized (dirtyFiles) {
            dirtyFiles.get(i).add(file);
        }
    }

    /**
     * Records a file or message that could not be handled this cycle; it is logged when first
     * seen, and again only after a cycle without it.
     */
    private void problem(CycleReport rep, String message) {
        rep.problem(message);
        if (reportedProblems.add(message)) {
            log.warn("{} (skipped; tried again each cycle)", message);
        } else {
            log.debug("{} (still)", message);
        }
    }

    /** A local file's flags after forcing: cloud values for what the cloud stores, local for the rest, no T. */
    private static Flags localTarget(Flags local, Want w) {
        Flags out = local.without(Flag.TRASHED);
        for (Flag f : w.supported) {
            out = out.with(f, w.cloudFlags.has(f));
        }
        return out;
    }

    private static void failSources(@Nullable Want w, Map<CloudState, Refresh> refreshed) {
        if (w != null) {
            keepPrevious(w.sources, refreshed);
        }
    }

    /** These messages keep their previous snapshot entries (and their mailbox its sync token). */
    private static void keepPrevious(List<Source> sources, Map<CloudState, Refresh> refreshed) {
        for (Source s : sources) {
            refreshOf(refreshed, s.cloud()).failedIds.add(s.id());
        }
    }

    private static Refresh refreshOf(Map<CloudState, Refresh> refreshed, CloudState c) {
        return Objects.requireNonNull(refreshed.get(c), "every cloud mailbox has a refresh in a cycle");
    }

    // ---- 6. commit and 7. garbage collection

    /** Saves the cycle's outcome; false when that failed (nothing of the cycle is taken as done). */
    private boolean commit(Map<CloudState, Refresh> refreshed, CycleReport rep, long journalMark, boolean everything) {
        StateDb.CycleCommit commit = new StateDb.CycleCommit();
        commit.at(ticker.now());
        // Every mailbox took every local change seen up to the scan: the journal has done its job.
        boolean allPushed = refreshed.values().stream().allMatch(Refresh::active) && rep.failedMailboxes.isEmpty();
        if (allPushed) {
            commit.clearJournalUpTo(journalMark);
        }
        Map<CloudState, Listed> next = new HashMap<>();
        Map<CloudState, @Nullable String> nextToken = new HashMap<>();
        for (Map.Entry<CloudState, Refresh> e : refreshed.entrySet()) {
            CloudState c = e.getKey();
            Refresh r = e.getValue();
            if (r.skipped) {
                continue;
            }
            if (r.failure != null) {
                commit.failed(c.key(), r.failure.getMessage());
                continue;
            }
            Listed now = r.now();
            for (String id : r.failedIds) {
                Entry prev = c.snapshot.get(id);
                if (prev != null) {
                    now.put(id, prev);
                } else {
                    now.remove(id);
                }
            }
            boolean clean = r.tokenUsable && r.failedIds.isEmpty();
            String token = clean ? r.newToken : c.token;
            StateDb.MailboxCommit mc = commit.mailbox(c.key());
            for (Map.Entry<String, Entry> m : now.changed().entrySet()) {
                Entry en = m.getValue();
                if (!en.equals(c.snapshot.get(m.getKey()))) {
                    String target = en.target() < 0 ? null : maildirKeys.get(en.target());
                    mc.upsert(m.getKey(), en.hash(), en.flags(), en.received(), target);
                }
            }
            if (now.full) {
                for (String id : c.snapshot.keySet()) {
                    if (!now.changed().containsKey(id)) {
                        mc.remove(id);
                        bodiesMayBeUnreferenced = true;
                    }
                }
            } else {
                for (String id : now.removed()) {
                    mc.remove(id);
                    bodiesMayBeUnreferenced = true;
                }
            }
            mc.finish(token, now.size(), clean);
            next.put(c, now);
            nextToken.put(c, token);
        }
        stats.drainInto(commit, everyFileSeen);
        // New routing rules are taken as applied only once every message was routed by them: a
        // mailbox that was not refreshed, or a message that kept its previous entry (with the
        // Maildir the old rules chose), is routed again next cycle.
        boolean allRouted = refreshed.values().stream().allMatch(r -> r.active() && r.failedIds.isEmpty());
        try {
            store.sync();
            if (routesChanged && !maildirs.isEmpty()) {
                // Until every message was routed by the new rules, no rules are the applied ones:
                // a start with any rules (the previous ones again, too) routes everything again.
                db.setMeta(ROUTES_META, ROUTES_PENDING);
            }
            db.commit(commit);
            if (routesChanged && allRouted && !maildirs.isEmpty()) {
                db.setMeta(ROUTES_META, routeFingerprint);
                routesChanged = false;
            }
        } catch (IOException ex) {
            stats.commitFailed();
            rep.error(ex.getMessage());
            return false;
        }
        if (allPushed) {
            journaled.forEach(Set::clear);
        }
        for (Map.Entry<CloudState, Listed> e : next.entrySet()) {
            CloudState c = e.getKey();
            Refresh r = refreshOf(refreshed, c);
            Listed now = e.getValue();
            if (now.full) {
                c.snapshot = now.changed();
            } else {
                c.snapshot.putAll(now.changed());
                now.removed().forEach(c.snapshot::remove);
            }
            c.token = nextToken.get(c);
            if (r.tokenUsable && r.failedIds.isEmpty() && (everything || !now.removed().isEmpty())) {
                c.content.keySet().retainAll(c.snapshot.keySet());
            }
            if (c.startup) {
                c.startup = false;
                c.unsettled = new HashSet<>(r.failedIds);
            } else {
                c.unsettled.retainAll(r.failedIds);
            }
            c.unsettled.removeAll(r.changedMeanwhile);
        }
        return true;
    }

    private void collectGarbage(CycleReport rep) {
        if (rep.fetched == 0 && rep.pushedDeletes == 0 && rep.removed == 0 && !bodiesMayBeUnreferenced) {
            return; // nothing became unreferenced since the last collection
        }
        bodiesMayBeUnreferenced = false;
        Set<ContentHash> live = new HashSet<>();
        for (CloudState c : clouds) {
            live.addAll(c.content.values());
        }
        // Until the store was listed once, it may hold bodies a crash left unrecorded.
        if (store.listedSinceOpen() && storeHashes.size() <= live.size() && live.containsAll(storeHashes)) {
            return;
        }
        try {
            // Also drops from storeHashes the bodies found missing: the next cycle relinks them
            // from a Maildir copy or downloads them.
            Set<ContentHash> known = new HashSet<>(storeHashes);
            int n = store.retainOnly(live, storeHashes);
            known.removeAll(storeHashes);
            known.retainAll(live);
            if (!known.isEmpty()) {
                for (CloudState c : clouds) {
                    c.content.forEach((id, h) -> {
                        if (known.contains(h)) {
                            refetch.computeIfAbsent(c.key(), k -> new HashSet<>()).add(id);
                        }
                    });
                }
            }
            storeHashes.retainAll(live);
            if (n > 0) {
                log.debug("removed {} unreferenced bodies from the store", n);
            }
        } catch (IOException e) {
            log.warn("cleaning the message store failed: {}", e.getMessage());
        }
    }
}
