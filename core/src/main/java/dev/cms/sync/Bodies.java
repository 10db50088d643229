package dev.cms.sync;

import dev.cms.maildir.MaildirFile;
import dev.cms.model.ContentHash;
import dev.cms.store.DroppedBodies;
import dev.cms.store.MessageStore;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which message bodies the store holds, which must be downloaded again, and the collection of
 * those nothing refers to any more.
 */
final class Bodies {
    private static final Logger log = LoggerFactory.getLogger(Bodies.class);
    private final MessageStore store;
    /**
     * Bodies known to be in the store: at start-up those state.db names (hashes/ is not read),
     * then those stored or found since. A body missing behind the daemon's back is noticed when
     * it is delivered, and downloaded again. One entry per message for as long as the daemon
     * runs, so an open-addressing table (no node per body); guarded by this object's lock, as
     * download threads add to it.
     */
    private ProbeTable<ContentHash> stored = new ProbeTable<>(ContentHash::hashCode);
    /** Per mailbox key: messages whose body was found missing, to download again. */
    private final Map<String, Set<String>> refetch = new HashMap<>();
    /** Set once a body known to be stored was found missing ({@link #anyFoundMissing}). */
    private boolean anyFoundMissing;
    /** Set when snapshot entries went away without a local removal (cloud deletions, first cycle). */
    private boolean mayBeUnreferenced = true;

    /** The bodies the store dropped, so a restored file of a deleted message is never taken for a new one. */
    private final DroppedBodies dropped;

    Bodies(MessageStore store) {
        this.store = store;
        this.dropped = new DroppedBodies(store.stateDir());
    }

    /** Of {@code hashes}, those whose body the store once held and dropped (when that cannot be read: all). */
    Set<ContentHash> dropped(Collection<ContentHash> hashes) {
        try {
            return dropped.among(hashes);
        } catch (IOException e) {
            log.warn("cannot read which bodies the store dropped: {}", e.getMessage());
            return new HashSet<>(hashes);
        }
    }

    /** Sizes the empty set for {@code bodies} bodies about to be loaded (no growing while loading). */
    synchronized void expect(int bodies) {
        if (stored.size() == 0) {
            stored = new ProbeTable<>(ContentHash::hashCode, bodies);
        }
    }

    /** Taken to be stored: state.db records a body only once it is. */
    void assumeStored(ContentHash h) {
        stored(h);
    }

    synchronized void stored(ContentHash h) {
        if (!isStored(h)) {
            stored.add(h);
        }
    }

    private synchronized boolean isStored(ContentHash h) {
        return stored.find(h.hashCode(), h::equals) != null;
    }

    private synchronized void notStored(ContentHash h) {
        ContentHash there = stored.find(h.hashCode(), h::equals);
        if (there != null) {
            stored.remove(there);
            anyFoundMissing = true;
        }
    }

    /**
     * Whether a body was found missing since the engine started. Until one is, every body
     * {@code state.db} names counts as stored ({@link #assumeStored}), so no look-up of a
     * snapshot's bodies can come out false.
     */
    synchronized boolean anyFoundMissing() {
        return anyFoundMissing;
    }

    /** True when the store has the body, re-linking it from a Maildir copy if only that is left. */
    boolean have(ContentHash h, List<LocalView> locals) {
        if (isStored(h)) {
            return true;
        }
        if (store.contains(h)) {
            stored(h);
            return true;
        }
        for (LocalView v : locals) {
            List<MaildirFile> files = v.files(h);
            for (MaildirFile f : files == null ? List.<MaildirFile>of() : files) {
                try {
                    Files.createLink(store.path(h), f.path());
                    stored(h);
                    return true;
                } catch (FileAlreadyExistsException e) {
                    stored(h);
                    return true;
                } catch (IOException | UnsupportedOperationException e) {
                    log.debug("cannot re-link {} into the store: {}", f.path(), e.toString());
                }
            }
        }
        return false;
    }

    /** The body of {@code h} was found missing: its copies are downloaded again. */
    void missing(ContentHash h, List<Source> sources) {
        notStored(h);
        for (Source s : sources) {
            s.cloud().forgetContent(s.id());
            refetch.computeIfAbsent(s.cloud().key(), k -> new HashSet<>()).add(s.id());
        }
    }

    /** The messages of mailbox {@code key} to download again; null when none. The caller may remove those done. */
    @Nullable Set<String> toFetchAgain(String key) {
        return refetch.get(key);
    }

    /**
     * The last run ended with a clean cycle: nothing of it is left unreferenced, so the first
     * cycle does not list the store (issue 15: a start does not read {@code hashes/}). What a
     * crash left there, or a body removed by hand, is found by the first collection that a
     * change calls for, or when the body is needed.
     */
    void startedClean() {
        mayBeUnreferenced = false;
    }

    /** Snapshot entries went away without a local removal: the next collection looks. */
    void mayBeUnreferenced() {
        mayBeUnreferenced = true;
    }

    /** Whether every body known to be stored is in {@code live}. */
    private synchronized boolean allLive(Set<ContentHash> live) {
        if (stored.size() > live.size()) {
            return false;
        }
        boolean[] all = {true};
        stored.forEach(h -> all[0] &= live.contains(h));
        return all[0];
    }

    /** Drops bodies no mailbox refers to, when this cycle may have left some. */
    void collect(List<CloudState> clouds, CycleReport rep) {
        if (rep.fetched == 0 && rep.pushedDeletes == 0 && rep.removed == 0 && !mayBeUnreferenced) {
            return; // nothing became unreferenced since the last collection
        }
        mayBeUnreferenced = false;
        Set<ContentHash> live = new HashSet<>();
        for (CloudState c : clouds) {
            c.forEachContent((id, h) -> live.add(h));
        }
        // Until the store was listed once, it may hold bodies a crash left unrecorded.
        if (store.listedSinceOpen() && allLive(live)) {
            return;
        }
        Set<ContentHash> known = new HashSet<>();
        synchronized (this) {
            stored.forEach(known::add);
        }
        try {
            // Also finds the bodies missing behind the daemon's back: the next cycle relinks them
            // from a Maildir copy or downloads them.
            Set<ContentHash> going = new HashSet<>(known);
            going.removeAll(live);
            if (!going.isEmpty()) {
                // Before they go: a crash in between must not forget that the store had them.
                dropped.record(going);
            }
            Set<ContentHash> still = new HashSet<>(known);
            int n = store.retainOnly(live, still);
            Set<ContentHash> gone = new HashSet<>(known);
            gone.removeAll(still);
            gone.retainAll(live);
            for (CloudState c : gone.isEmpty() ? List.<CloudState>of() : clouds) {
                c.forEachContent((id, h) -> {
                    if (gone.contains(h)) {
                        refetch.computeIfAbsent(c.key(), k -> new HashSet<>()).add(id);
                    }
                });
            }
            synchronized (this) {
                anyFoundMissing |= !gone.isEmpty();
                stored = new ProbeTable<>(ContentHash::hashCode, still.size());
                for (ContentHash h : still) {
                    if (live.contains(h)) {
                        stored.add(h);
                    }
                }
            }
            if (n > 0) {
                log.debug("removed {} unreferenced bodies from the store", n);
            }
        } catch (IOException e) {
            log.warn("cleaning the message store failed: {}", e.getMessage());
        }
    }
}
