package dev.cms.sync;

import dev.cms.maildir.MaildirFile;
import dev.cms.maildir.MaildirFolder;
import dev.cms.model.CloudMessage;
import dev.cms.model.ContentHash;
import dev.cms.model.Flag;
import dev.cms.model.Flags;
import dev.cms.provider.BodySink;
import dev.cms.store.MessageStore;
import dev.cms.store.StagedBody;
import dev.cms.store.StateDb;
import dev.cms.store.StatIndex;
import dev.cms.time.Ticker;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Downloads new bodies into the store, newest first, and during a long download delivers new
 * messages to their Maildirs as they arrive (issue 15, item 4: mail is readable during a first
 * sync), saving each batch so a crash or stop resumes without downloading it again.
 */
final class Downloads {
    private static final Logger log = LoggerFactory.getLogger(Downloads.class);
    /** Bodies recorded (and delivered early) together. */
    static final int RECORD_BATCH = 200;
    /** During a long download, new messages reach their Maildir at least this often (and every {@link #RECORD_BATCH}). */
    static final Duration EARLY_DELIVERY_EVERY = Duration.ofSeconds(2);

    /** What downloads need of the rest of the engine. */
    record Parts(List<CloudState> clouds, List<MaildirFolder> maildirs, List<String> maildirKeys, MessageStore store,
            StateDb db, StatIndex stats, Bodies bodies, LocalSide local, Routing routing, Ticker ticker,
            Progress progress, SyncEngine.OwnChanges ownChanges, BooleanSupplier stopRequested) {}

    private final Parts p;

    Downloads(Parts parts) {
        this.p = parts;
    }

    /** Downloads {@code need} into {@code now}; {@code listed}: the ids this cycle's listing named (the rest are fetched again). */
    void fetch(CloudState c, Refresh r, Listed now, Map<String, CloudMessage> need, Set<String> listed, CycleReport rep)
            throws InterruptedException {
        Run run = new Run(c, need, rep);
        log.info("{}: downloading {} new message(s)", c.key(), need.size());
        p.progress().fetchStarted(c.key(), need.size());
        try {
            // Newest mail first, so the inbox is useful within seconds: by received time, the
            // undated after them in the listing's order (Gmail lists newest first, undated).
            List<String> newestFirst = need.values().stream()
                    .sorted(Comparator.comparing(CloudMessage::received, Comparator.nullsLast(Comparator.reverseOrder())))
                    .map(CloudMessage::id).toList();
            c.box.fetchBodies(newestFirst, run);
        } catch (IOException e) {
            rep.mailboxFailed(c.key(), Failure.Phase.DOWNLOAD, "downloading bodies failed: " + e.getMessage(), e);
            r.tokenUsable = false;
        } finally {
            p.progress().fetchFinished(c.key());
            run.recordTheRest();
            if (run.publishFailed != null) {
                r.tokenUsable = false; // bodies that could not be stored are fetched again after a full listing
            }
        }
        rep.fetched += run.got.size();
        rep.fetchedBytes += run.bytes.get();
        for (CloudMessage m : need.values()) {
            ContentHash h = run.got.get(m.id());
            if (h == null) {
                // Not delivered: gone meanwhile, or the download failed (then the token stays).
                // A body fetched again keeps its entry: the listing will not name it again.
                if (listed.contains(m.id())) {
                    now.remove(m.id());
                }
                continue;
            }
            c.rememberContent(m.id(), h);
            Instant received = run.receivedAt.getOrDefault(m.id(), m.received());
            Entry old = c.snapshot.get(m.id());
            int target = old != null && old.hash().equals(h) ? old.target() : -1;
            now.put(m.id(), new Entry(h, m.flags(), received, target));
        }
    }

    /** One mailbox's download: takes bodies as they arrive (on download threads). */
    private final class Run implements BodySink {
        final CloudState c;
        final Map<String, CloudMessage> need;
        final CycleReport rep;
        final Map<String, ContentHash> got = new ConcurrentHashMap<>();
        final Map<String, Instant> receivedAt = new ConcurrentHashMap<>();
        final AtomicInteger done = new AtomicInteger();
        final AtomicLong bytes = new AtomicLong();
        /** Bodies staged but not recorded yet; guarded by itself. */
        private final Map<String, StagedBody> toRecord = new HashMap<>();
        /** Set when a batch could not be made durable: the download stops there. */
        volatile @Nullable IOException publishFailed;
        private long lastFlush = p.ticker().nanoTime();
        private final Object earlyLock = new Object();

        Run(CloudState c, Map<String, CloudMessage> need, CycleReport rep) {
            this.c = c;
            this.need = need;
            this.rep = rep;
        }

        @Override
        public void accept(String id, InputStream body, @Nullable Instant received) throws IOException {
            IOException failed = publishFailed;
            if (failed != null) {
                throw new IOException("an earlier batch of bodies could not be stored: " + failed.getMessage(), failed);
            }
            CountingStream counted = new CountingStream(body);
            // Written, not synced: the batch's bodies are synced together before it is recorded.
            StagedBody staged = p.store().stage(counted);
            if (received != null) {
                receivedAt.put(id, received);
            }
            p.progress().fetched(c.key(), done.incrementAndGet(), bytes.addAndGet(counted.count));
            Map<String, StagedBody> batch = null;
            synchronized (toRecord) {
                toRecord.put(id, staged);
                long at = p.ticker().nanoTime();
                if (toRecord.size() >= RECORD_BATCH || at - lastFlush > EARLY_DELIVERY_EVERY.toNanos()) {
                    batch = new HashMap<>(toRecord);
                    toRecord.clear();
                    lastFlush = at;
                }
            }
            if (batch != null) {
                record(batch, true);
            }
        }

        /** Records what is staged and not recorded yet. */
        void recordTheRest() {
            try {
                Map<String, StagedBody> rest;
                synchronized (toRecord) {
                    rest = new HashMap<>(toRecord);
                    toRecord.clear();
                }
                record(rest, false); // the cycle delivers these
            } catch (IOException e) {
                rep.fail(Failure.ofMailbox(c.key(), Failure.Phase.DOWNLOAD, e.getMessage()));
            }
        }

        /**
         * Makes the batch's bodies durable (synced together, then named in the store), and only
         * then records them and, when {@code deliver}, delivers the new ones. When they cannot be
         * made durable none is recorded or counted as downloaded: the next cycle fetches them again.
         */
        private void record(Map<String, StagedBody> batch, boolean deliver) throws IOException {
            if (batch.isEmpty()) {
                return;
            }
            try {
                p.store().publish(batch.values());
            } catch (IOException e) {
                publishFailed = e;
                batch.keySet().forEach(receivedAt::remove);
                throw e;
            }
            Map<String, ContentHash> hashes = new HashMap<>();
            batch.forEach((id, b) -> {
                hashes.put(id, b.hash());
                p.bodies().stored(b.hash());
            });
            got.putAll(hashes);
            recordIds(hashes);
            p.db().recordContent(c.key(), hashes);
            if (deliver) {
                synchronized (earlyLock) {
                    deliverEarly(hashes);
                }
            }
        }

        /**
         * Also records downloaded bodies in the store's id record, which survives the loss of
         * {@code state.db}; a failure only costs downloads after such a loss, so it is logged.
         */
        private void recordIds(Map<String, ContentHash> batch) {
            try {
                p.store().recordIds(c.account, batch);
            } catch (IOException e) {
                log.warn("{}: cannot record message ids in the store ({}); should state.db be lost, these"
                        + " bodies would be downloaded again", c.key(), e.getMessage());
            }
        }

        /**
         * Each message of {@code batch} that the snapshot does not know yet is routed, linked into
         * its Maildir and saved as part of the snapshot at once, without the sync token. A content
         * already in its Maildir (identical copies, whose flags combine) is left to the cycle.
         */
        private void deliverEarly(Map<String, ContentHash> batch) {
            if (p.maildirs().isEmpty() || p.stopRequested().getAsBoolean()) {
                return;
            }
            StateDb.CycleCommit commit = new StateDb.CycleCommit();
            commit.at(p.ticker().now());
            StateDb.MailboxCommit mc = commit.mailbox(c.key());
            mc.messagesOnly();
            Map<String, Entry> delivered = new HashMap<>();
            for (Map.Entry<String, ContentHash> b : batch.entrySet()) {
                Entry e = deliverOne(b.getKey(), b.getValue());
                if (e != null) {
                    mc.upsert(b.getKey(), e.hash(), e.flags(), e.received(), p.maildirKeys().get(e.target()));
                    delivered.put(b.getKey(), e);
                    c.routedThisCycle.add(b.getKey());
                }
            }
            if (delivered.isEmpty()) {
                return;
            }
            try {
                p.db().commit(commit);
                delivered.forEach(c.snapshot::put);
            } catch (IOException e) {
                log.debug("{}: saving early deliveries failed ({}); the cycle saves them", c.key(), e.toString());
            }
        }

        /** Delivers message {@code id} now when it is new to the account; its entry, or null when left to the cycle. */
        private @Nullable Entry deliverOne(String id, ContentHash h) {
            CloudMessage m = need.get(id);
            if (m == null || c.snapshot.containsKey(id) || knownElsewhere(id)) {
                return null;
            }
            int target = p.routing().one(c, id, h);
            LocalView v = p.local().view(target);
            if (v == null || v.has(h)) {
                return null;
            }
            Instant received = receivedAt.getOrDefault(id, m.received());
            Flags flags = m.flags().retain(c.supported).without(Flag.TRASHED);
            try {
                MaildirFile f = p.maildirs().get(target).deliver(p.store().path(h), flags, received,
                        p.ownChanges()::expect);
                v.add(f, h);
                p.stats().record(f.stat(), h, f.name().base());
                rep.delivered++;
            } catch (IOException e) {
                log.debug("{}: early delivery of {} failed ({}); the cycle delivers it", c.key(), id, e.toString());
                return null;
            }
            return new Entry(h, m.flags(), received, target);
        }

        /** Whether another mailbox of the account has message {@code id} (a label or folder it is also in). */
        private boolean knownElsewhere(String id) {
            for (CloudState other : p.clouds()) {
                if (c.sameAccount(other) && other.snapshot.containsKey(id)) {
                    return true;
                }
            }
            return false;
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
}
