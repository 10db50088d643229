package dev.cms.sync;

import dev.cms.maildir.MaildirFile;
import dev.cms.maildir.MaildirFolder;
import dev.cms.model.CloudMessage;
import dev.cms.model.ContentHash;
import dev.cms.model.FileStat;
import dev.cms.model.Flag;
import dev.cms.model.Flags;
import dev.cms.provider.BodySink;
import dev.cms.provider.Change;
import dev.cms.provider.CloudMailbox;
import dev.cms.provider.Listing;
import dev.cms.store.MessageStore;
import dev.cms.store.StateDb;
import dev.cms.store.StatIndex;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
    private static final int RECORD_BATCH = 200;
    /** A Maildir found empty while the snapshot expects at least this many messages is not trusted. */
    static final int WIPED_MAILDIR_THRESHOLD = 20;

    /** A cloud message as the engine tracks it; {@code target} is a Maildir index or -1. */
    record Entry(ContentHash hash, Flags flags, Instant received, int target) {
        Entry withFlags(Flags f) {
            return new Entry(hash, f, received, target);
        }

        Entry withTarget(int t) {
            return new Entry(hash, flags, received, t);
        }
    }

    private final class CloudState {
        final CloudMailbox box;
        final int index;
        final Set<Flag> supported;
        /** The committed snapshot: cloud state after our pushes, as forced locally. */
        Map<String, Entry> snapshot = new HashMap<>();
        /** Every body hash we know for this mailbox, committed or just downloaded. */
        final Map<String, ContentHash> content = new HashMap<>();
        String token;

        CloudState(CloudMailbox box, int index) {
            this.box = box;
            this.index = index;
            EnumSet<Flag> s = EnumSet.noneOf(Flag.class);
            s.addAll(box.supportedFlags());
            s.remove(Flag.TRASHED);
            this.supported = Collections.unmodifiableSet(s);
        }

        String key() {
            return box.key();
        }
    }

    /** The result of refreshing one cloud mailbox within a cycle. */
    private static final class Refresh {
        Map<String, Entry> now;
        String newToken;
        boolean tokenUsable = true;
        /** Messages whose local processing failed: they keep their previous entry. */
        final Set<String> failedIds = new HashSet<>();
        IOException failure;
    }

    private static final class LocalView {
        final Map<ContentHash, List<MaildirFile>> byHash = new HashMap<>();
        int files;
    }

    private record Want(Flags cloudFlags, Set<Flag> supported, Instant received, List<Source> sources) {}

    private record Source(CloudState cloud, String id) {}

    private final List<MaildirFolder> maildirs;
    private final List<String> maildirKeys;
    private final List<CloudState> clouds = new ArrayList<>();
    private final Router router;
    private final MessageStore store;
    private final StateDb db;
    private final StatIndex stats;
    private final Set<ContentHash> storeHashes = ConcurrentHashMap.newKeySet();
    private final boolean offline;
    private final Clock clock;
    private final Progress progress;
    private final String routeFingerprint;
    private boolean routesChanged;
    private int cycles;
    private volatile boolean stopRequested;
    /**
     * Between full scans, a file whose name is unchanged is taken to be unchanged: its stat is
     * not read again. Every file is stat-ed at least this often, and at start-up.
     */
    static final java.time.Duration FULL_SCAN_EVERY = java.time.Duration.ofSeconds(60);
    private final List<Map<Path, FileStat>> lastStats = new ArrayList<>();
    private final long[] lastFullScan;
    /** Set when snapshot entries went away without a local removal (cloud deletions, first cycle). */
    private boolean bodiesMayBeUnreferenced = true;
    private OwnChanges ownChanges = path -> { };

    /** Told about the Maildir files the engine itself is about to create, rename or remove. */
    @FunctionalInterface
    public interface OwnChanges {
        void expect(Path file);
    }

    public void onOwnChanges(OwnChanges listener) {
        this.ownChanges = listener;
    }

    public SyncEngine(List<MaildirFolder> maildirs, List<CloudMailbox> mailboxes, Router router, MessageStore store,
            StateDb db, boolean offline, Clock clock, Progress progress) throws IOException {
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
        for (int i = 0; i < maildirs.size(); i++) {
            lastStats.add(Map.of());
        }
        this.router = router;
        this.store = store;
        this.db = db;
        this.offline = offline;
        this.clock = clock;
        this.progress = progress;
        List<String> mailboxKeys = new ArrayList<>();
        for (int i = 0; i < mailboxes.size(); i++) {
            clouds.add(new CloudState(mailboxes.get(i), i));
            mailboxKeys.add(mailboxes.get(i).key());
        }
        this.routeFingerprint = maildirs.isEmpty() ? "" : router.fingerprint(maildirKeys, mailboxKeys);
        this.stats = new StatIndex(db.loadStatIndex());
        load();
    }

    private void load() throws IOException {
        storeHashes.addAll(store.scan());
        routesChanged = !routeFingerprint.equals(db.meta(ROUTES_META));
        Map<String, Integer> targetIndex = new HashMap<>();
        for (int i = 0; i < maildirKeys.size(); i++) {
            targetIndex.put(maildirKeys.get(i), i);
        }
        for (CloudState c : clouds) {
            for (StateDb.MessageRow r : db.loadMessages(c.key())) {
                c.content.put(r.cloudId(), r.hash());
                if (r.inSnapshot()) {
                    int target = r.target() == null ? -1 : targetIndex.getOrDefault(r.target(), -1);
                    c.snapshot.put(r.cloudId(), new Entry(r.hash(), r.flags(), r.received(), target));
                }
            }
            StateDb.MailboxRow row = db.loadMailbox(c.key());
            c.token = row == null ? null : row.syncToken();
            log.debug("{}: {} messages in the snapshot, {} known bodies, token {}", c.key(), c.snapshot.size(),
                    c.content.size(), c.token == null ? "none" : "present");
        }
    }

    /** Asks a running cycle to stop at the next safe point; nothing half-done is committed. */
    public void requestStop() {
        stopRequested = true;
    }

    public boolean stopRequested() {
        return stopRequested;
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
        boolean first = cycles == 0;
        cycles++;
        boolean offlineFirst = first && offline;
        boolean push = !first || offlineFirst;
        CycleReport rep = new CycleReport();

        // 1. Scan every Maildir: nothing is pushed or forced without a trustworthy local view.
        List<LocalView> locals = new ArrayList<>();
        for (int i = 0; i < maildirs.size(); i++) {
            try {
                locals.add(scan(i, push));
            } catch (IOException e) {
                rep.error("cannot read Maildir " + maildirKeys.get(i) + ": " + e.getMessage());
                locals.add(null);
            }
        }
        if (locals.contains(null) || stopped(rep)) {
            return rep;
        }

        // 2. Refresh every cloud mailbox and download bodies we lack.
        Map<CloudState, Refresh> refreshed = new LinkedHashMap<>();
        for (CloudState c : clouds) {
            Refresh r = new Refresh();
            try {
                refresh(c, r, locals, rep);
            } catch (IOException e) {
                r.failure = e;
                rep.error(c.key() + ": " + e.getMessage(), e);
                log.debug("{}: refresh failed", c.key(), e);
            }
            refreshed.put(c, r);
            if (stopped(rep)) {
                return rep;
            }
        }

        // 3. Local → cloud.
        if (push) {
            for (Map.Entry<CloudState, Refresh> e : refreshed.entrySet()) {
                if (e.getValue().failure == null) {
                    pushLocalChanges(e.getKey(), e.getValue(), locals, offlineFirst, rep);
                }
                if (stopped(rep)) {
                    return rep;
                }
            }
        }

        // 4. Route, then 5. force every Maildir to match.
        List<Map<ContentHash, Want>> desired = new ArrayList<>();
        List<Set<ContentHash>> protect = new ArrayList<>();
        List<Set<ContentHash>> expectedBefore = new ArrayList<>();
        for (int i = 0; i < maildirs.size(); i++) {
            desired.add(new HashMap<>());
            protect.add(new HashSet<>());
            expectedBefore.add(new HashSet<>());
        }
        for (Map.Entry<CloudState, Refresh> e : refreshed.entrySet()) {
            CloudState c = e.getKey();
            Refresh r = e.getValue();
            for (Entry prev : c.snapshot.values()) {
                if (prev.target() >= 0) {
                    expectedBefore.get(prev.target()).add(prev.hash());
                    if (r.failure != null) {
                        protect.get(prev.target()).add(prev.hash());
                    }
                }
            }
            if (r.failure == null) {
                route(c, r, rep);
                for (Map.Entry<String, Entry> m : r.now.entrySet()) {
                    Entry en = m.getValue();
                    Want w = desired.get(en.target()).get(en.hash());
                    if (w == null) {
                        w = new Want(en.flags(), c.supported, en.received(), new ArrayList<>());
                        desired.get(en.target()).put(en.hash(), w);
                    }
                    w.sources().add(new Source(c, m.getKey()));
                }
            }
        }
        if (stopped(rep)) {
            return rep;
        }
        for (int i = 0; i < maildirs.size(); i++) {
            force(i, locals.get(i), desired.get(i), protect.get(i), expectedBefore.get(i), refreshed, rep);
            if (stopped(rep)) {
                return rep;
            }
        }

        // 6. Commit in one transaction, then 7. drop bodies nothing refers to.
        commit(refreshed, rep);
        collectGarbage(rep);
        return rep;
    }

    private boolean stopped(CycleReport rep) {
        if (stopRequested) {
            rep.aborted = true;
        }
        return stopRequested;
    }

    // ---- 1. local scan

    private LocalView scan(int i, boolean guardAgainstWipe) throws IOException {
        LocalView v = new LocalView();
        long now = System.nanoTime();
        Map<Path, FileStat> known = lastStats.get(i);
        boolean full = now - lastFullScan[i] > FULL_SCAN_EVERY.toNanos() || known.isEmpty();
        List<MaildirFile> files = maildirs.get(i).scan(full ? p -> null : known::get);
        if (full) {
            lastFullScan[i] = now;
        }
        Map<Path, FileStat> next = new HashMap<>(Math.max(16, files.size() * 4 / 3));
        for (MaildirFile f : files) {
            next.put(f.path(), f.stat());
        }
        lastStats.set(i, next);
        for (MaildirFile f : files) {
            ContentHash h;
            try {
                h = stats.hashOf(f.path(), f.stat());
            } catch (NoSuchFileException gone) {
                throw new IOException("a file vanished while it was read: " + f.path());
            }
            v.byHash.computeIfAbsent(h, k -> new ArrayList<>(1)).add(f);
            v.files++;
        }
        if (!guardAgainstWipe || v.files > 0) {
            return v;
        }
        int expected = 0;
        for (CloudState c : clouds) {
            for (Entry e : c.snapshot.values()) {
                if (e.target() == i) {
                    expected++;
                }
            }
        }
        if (expected >= WIPED_MAILDIR_THRESHOLD) {
            throw new IOException("the Maildir is empty but held " + expected + " messages at the last cycle;"
                    + " refusing to delete them all in the cloud (if this was intended, delete them in the"
                    + " cloud; if not, restart cloud-mdir-sync to download them again)");
        }
        return v;
    }

    // ---- 2. cloud refresh

    private void refresh(CloudState c, Refresh r, List<LocalView> locals, CycleReport rep)
            throws IOException, InterruptedException {
        Listing l = c.box.list(c.token);
        r.newToken = l.syncToken();
        Map<String, Entry> now = l.full() ? new HashMap<>(Math.max(16, l.messages().size() * 4 / 3)) : new HashMap<>(c.snapshot);
        for (String id : l.removed()) {
            now.remove(id);
        }
        Map<String, CloudMessage> need = new LinkedHashMap<>();
        for (CloudMessage m : l.messages()) {
            Entry old = c.snapshot.get(m.id());
            ContentHash h = c.content.get(m.id());
            Instant received = m.received() != null ? m.received() : old != null ? old.received() : null;
            if (h != null && haveBody(h, locals)) {
                int target = old != null && old.hash().equals(h) ? old.target() : -1;
                now.put(m.id(), new Entry(h, m.flags(), received, target));
            } else {
                need.put(m.id(), m);
            }
        }
        if (!need.isEmpty()) {
            fetch(c, r, now, need, rep);
        }
        r.now = now;
        if (l.full() && c.token != null) {
            log.info("{}: full listing ({} messages)", c.key(), l.messages().size());
        }
    }

    /** True when the store has the body, re-linking it from a Maildir copy if only that is left. */
    private boolean haveBody(ContentHash h, List<LocalView> locals) {
        if (storeHashes.contains(h)) {
            return true;
        }
        for (LocalView v : locals) {
            List<MaildirFile> files = v.byHash.get(h);
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

    private void fetch(CloudState c, Refresh r, Map<String, Entry> now, Map<String, CloudMessage> need,
            CycleReport rep) throws InterruptedException {
        Map<String, ContentHash> got = new ConcurrentHashMap<>();
        Map<String, Instant> receivedAt = new ConcurrentHashMap<>();
        Map<String, ContentHash> toRecord = new HashMap<>();
        AtomicInteger done = new AtomicInteger();
        AtomicLong bytes = new AtomicLong();
        IOException[] recordFailure = new IOException[1];
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
                if (toRecord.size() >= RECORD_BATCH) {
                    batch = new HashMap<>(toRecord);
                    toRecord.clear();
                }
            }
            if (batch != null) {
                store.sync();
                db.recordContent(c.key(), batch);
            }
        };
        log.info("{}: downloading {} new message(s)", c.key(), need.size());
        progress.fetchStarted(c.key(), need.size());
        try {
            c.box.fetchBodies(List.copyOf(need.keySet()), sink);
        } catch (IOException e) {
            rep.error(c.key() + ": downloading bodies failed: " + e.getMessage(), e);
            r.tokenUsable = false;
        } finally {
            progress.fetchFinished(c.key());
            try {
                synchronized (toRecord) {
                    store.sync();
                    db.recordContent(c.key(), toRecord);
                    toRecord.clear();
                }
            } catch (IOException e) {
                recordFailure[0] = e;
            }
        }
        if (recordFailure[0] != null) {
            rep.error(c.key() + ": " + recordFailure[0].getMessage());
        }
        rep.fetched += got.size();
        rep.fetchedBytes += bytes.get();
        for (CloudMessage m : need.values()) {
            ContentHash h = got.get(m.id());
            if (h == null) {
                // Not delivered: gone meanwhile, or the download failed (then the token stays).
                now.remove(m.id());
                continue;
            }
            c.content.put(m.id(), h);
            Instant received = receivedAt.getOrDefault(m.id(), m.received());
            Entry old = c.snapshot.get(m.id());
            int target = old != null && old.hash().equals(h) ? old.target() : -1;
            now.put(m.id(), new Entry(h, m.flags(), received, target));
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

    private void pushLocalChanges(CloudState c, Refresh r, List<LocalView> locals, boolean offlineFirst, CycleReport rep)
            throws InterruptedException {
        List<Change> changes = new ArrayList<>();
        for (Map.Entry<String, Entry> e : c.snapshot.entrySet()) {
            String id = e.getKey();
            Entry prev = e.getValue();
            Entry cur = r.now.get(id);
            if (cur == null || prev.target() < 0 || !cur.hash().equals(prev.hash())) {
                continue;
            }
            List<MaildirFile> files = locals.get(prev.target()).byHash.get(prev.hash());
            if (files == null) {
                if (!offlineFirst) {
                    changes.add(Change.delete(id, cur.flags()));
                }
                continue;
            }
            Flags local = localFlags(files);
            if (local.has(Flag.TRASHED)) {
                changes.add(Change.delete(id, cur.flags()));
                continue;
            }
            Flags base = offlineFirst ? cur.flags() : prev.flags();
            Flags merged = FlagMerge.merge(base, local, cur.flags(), c.supported);
            if (!merged.equals(cur.flags())) {
                changes.add(Change.flags(id, cur.flags(), merged));
            }
        }
        if (changes.isEmpty()) {
            return;
        }
        try {
            c.box.apply(changes);
        } catch (IOException e) {
            r.failure = e;
            rep.error(c.key() + ": pushing " + changes.size() + " change(s) failed: " + e.getMessage(), e);
            return;
        }
        for (Change ch : changes) {
            if (ch.delete()) {
                r.now.remove(ch.id());
                rep.pushedDeletes++;
                log.info("{}: deleted {} in the cloud", c.key(), ch.id());
            } else {
                r.now.computeIfPresent(ch.id(), (k, v) -> v.withFlags(ch.to()));
                rep.pushedFlags++;
                log.info("{}: {} flags {} -> {}", c.key(), ch.id(), ch.from().letters(), ch.to().letters());
            }
        }
    }

    /** The managed flags of a message's local copies; a T on any copy counts. */
    private static Flags localFlags(List<MaildirFile> files) {
        Flags f = files.get(0).flags();
        for (MaildirFile other : files) {
            if (other.flags().has(Flag.TRASHED)) {
                return f.with(Flag.TRASHED);
            }
        }
        return f;
    }

    // ---- 4. routing

    private void route(CloudState c, Refresh r, CycleReport rep) {
        for (Map.Entry<String, Entry> m : r.now.entrySet()) {
            Entry e = m.getValue();
            if (e.target() >= 0 && !routesChanged) {
                continue;
            }
            int target;
            try {
                Path body = store.path(e.hash());
                Map<String, String> cache = new HashMap<>();
                target = router.route(c.index, name -> {
                    if (!cache.containsKey(name)) {
                        cache.put(name, HeaderReader.read(body, name));
                    }
                    return cache.get(name);
                });
            } catch (IOException ex) {
                log.warn("{}: cannot read headers of {} for routing ({}); using the first Maildir", c.key(), m.getKey(),
                        ex.getMessage());
                target = 0;
            }
            m.setValue(e.withTarget(target));
        }
    }

    // ---- 5. forcing a Maildir

    private void force(int i, LocalView local, Map<ContentHash, Want> want, Set<ContentHash> protect,
            Set<ContentHash> expectedBefore, Map<CloudState, Refresh> refreshed, CycleReport rep) {
        MaildirFolder folder = maildirs.get(i);
        for (Map.Entry<ContentHash, List<MaildirFile>> e : local.byHash.entrySet()) {
            ContentHash h = e.getKey();
            Want w = want.get(h);
            for (MaildirFile f : e.getValue()) {
                try {
                    if (w != null) {
                        Flags target = localTarget(f.flags(), w);
                        if (!target.equals(f.flags())) {
                            ownChanges.expect(f.path());
                            MaildirFile renamed = folder.setFlags(f, target);
                            ownChanges.expect(renamed.path());
                            stats.record(renamed.stat(), h);
                            rep.renamed++;
                        }
                    } else if (protect.contains(h)) {
                        continue;
                    } else if (expectedBefore.contains(h)) {
                        ownChanges.expect(f.path());
                        if (folder.remove(f)) {
                            rep.removed++;
                        }
                    } else {
                        ownChanges.expect(f.path());
                        Path moved = store.moveToLostFound(f.path());
                        rep.lostFound++;
                        log.warn("{} is not a message the cloud has; moved it to {}", f.path(), moved);
                    }
                } catch (NoSuchFileException gone) {
                    // A mail reader renamed or removed it meanwhile: look again next cycle.
                    rep.rerunSoon = true;
                    failSources(w, refreshed);
                } catch (IOException ex) {
                    rep.error("Maildir " + maildirKeys.get(i) + ": " + f.path().getFileName() + ": " + ex.getMessage());
                    failSources(w, refreshed);
                }
            }
        }
        for (Map.Entry<ContentHash, Want> e : want.entrySet()) {
            ContentHash h = e.getKey();
            if (local.byHash.containsKey(h)) {
                continue;
            }
            Want w = e.getValue();
            try {
                MaildirFile f = folder.deliver(store.path(h), localTarget(Flags.NONE, w), w.received());
                ownChanges.expect(f.path());
                stats.record(f.stat(), h);
                rep.delivered++;
            } catch (NoSuchFileException missing) {
                storeHashes.remove(h);
                for (Source s : w.sources()) {
                    s.cloud().content.remove(s.id());
                }
                rep.error("the body of " + h.shortHex() + " is missing from the store; it will be downloaded again");
                failSources(w, refreshed);
            } catch (IOException ex) {
                rep.error("Maildir " + maildirKeys.get(i) + ": delivering " + h.shortHex() + " failed: " + ex.getMessage());
                failSources(w, refreshed);
            }
        }
    }

    /** A local file's flags after forcing: cloud values for what the cloud stores, local for the rest, no T. */
    private static Flags localTarget(Flags local, Want w) {
        Flags out = local.without(Flag.TRASHED);
        for (Flag f : w.supported()) {
            out = out.with(f, w.cloudFlags().has(f));
        }
        return out;
    }

    private static void failSources(Want w, Map<CloudState, Refresh> refreshed) {
        if (w == null) {
            return;
        }
        for (Source s : w.sources()) {
            refreshed.get(s.cloud()).failedIds.add(s.id());
        }
    }

    // ---- 6. commit and 7. garbage collection

    private void commit(Map<CloudState, Refresh> refreshed, CycleReport rep) {
        StateDb.CycleCommit commit = new StateDb.CycleCommit();
        commit.at(clock.instant());
        Map<CloudState, Map<String, Entry>> next = new HashMap<>();
        Map<CloudState, String> nextToken = new HashMap<>();
        for (Map.Entry<CloudState, Refresh> e : refreshed.entrySet()) {
            CloudState c = e.getKey();
            Refresh r = e.getValue();
            if (r.failure != null) {
                commit.failed(c.key(), r.failure.getMessage());
                continue;
            }
            Map<String, Entry> now = r.now;
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
            for (Map.Entry<String, Entry> m : now.entrySet()) {
                Entry en = m.getValue();
                if (!en.equals(c.snapshot.get(m.getKey()))) {
                    String target = en.target() < 0 ? null : maildirKeys.get(en.target());
                    mc.upsert(m.getKey(), en.hash(), en.flags(), en.received(), target);
                }
            }
            for (String id : c.snapshot.keySet()) {
                if (!now.containsKey(id)) {
                    mc.remove(id);
                    bodiesMayBeUnreferenced = true;
                }
            }
            mc.finish(token, now.size(), clean);
            next.put(c, now);
            nextToken.put(c, token);
        }
        stats.drainInto(commit, true);
        try {
            store.sync();
            db.commit(commit);
            if (routesChanged && !maildirs.isEmpty()) {
                db.setMeta(ROUTES_META, routeFingerprint);
                routesChanged = false;
            }
        } catch (IOException ex) {
            rep.error(ex.getMessage());
            return;
        }
        for (Map.Entry<CloudState, Map<String, Entry>> e : next.entrySet()) {
            CloudState c = e.getKey();
            c.snapshot = e.getValue();
            c.token = nextToken.get(c);
            if (refreshed.get(c).tokenUsable && refreshed.get(c).failedIds.isEmpty()) {
                c.content.keySet().retainAll(c.snapshot.keySet());
            }
        }
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
        if (storeHashes.size() <= live.size() && live.containsAll(storeHashes)) {
            return;
        }
        try {
            int n = store.retainOnly(live);
            storeHashes.retainAll(live);
            if (n > 0) {
                log.debug("removed {} unreferenced bodies from the store", n);
            }
        } catch (IOException e) {
            log.warn("cleaning the message store failed: {}", e.getMessage());
        }
    }
}
