package dev.cms.sync;

import dev.cms.model.CloudMessage;
import dev.cms.model.ContentHash;
import dev.cms.model.Flag;
import dev.cms.provider.AuthenticationRequiredException;
import dev.cms.provider.Listing;
import dev.cms.provider.MailboxCounts;
import dev.cms.store.MessageStore;
import dev.cms.time.Ticker;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refreshes one cloud mailbox within a cycle: lists it (incrementally when a sync token
 * allows), finds which bodies are already stored, downloads the rest, and now and then checks
 * the listing against the service's own counts.
 */
final class CloudRefresh {
    private static final Logger log = LoggerFactory.getLogger(CloudRefresh.class);
    /** How often an incrementally kept listing is checked against the service's counts. */
    static final Duration CHECK_COUNTS_EVERY = Duration.ofMinutes(30);

    private final List<CloudState> clouds;
    private final MessageStore store;
    private final Bodies bodies;
    private final Downloads downloads;
    private final Ticker ticker;

    CloudRefresh(List<CloudState> clouds, MessageStore store, Bodies bodies, Downloads downloads, Ticker ticker) {
        this.clouds = clouds;
        this.store = store;
        this.bodies = bodies;
        this.downloads = downloads;
        this.ticker = ticker;
    }

    /** Lists mailbox {@code c} into {@code r} and downloads the bodies it lacks. */
    void refresh(CloudState c, Refresh r, List<LocalView> locals, CycleReport rep)
            throws IOException, InterruptedException {
        c.routedThisCycle.clear();
        Listing l = c.box.list(c.token);
        r.newToken = l.syncToken();
        Listed now = l.full() ? Listed.full(l.messages().size()) : Listed.over(c.snapshot);
        for (String id : l.removed()) {
            now.remove(id);
        }
        Map<String, CloudMessage> need = missingBodies(c, l, now, locals);
        Map<String, ContentHash> recorded = l.full() ? recordedContent(c, l.messages()) : Map.of();
        for (CloudMessage m : l.messages()) {
            need.remove(m.id());
            Entry old = c.snapshot.get(m.id());
            ContentHash h = knownContent(c, m.id());
            if (h == null) {
                h = recorded.get(m.id());
            }
            Instant received = m.received() != null ? m.received() : old != null ? old.received() : null;
            if (h != null && bodies.have(h, locals)) {
                c.rememberContent(m.id(), h);
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
            downloads.fetch(c, r, now, need, listed, rep);
        }
        r.now = now;
        if (l.full() && c.token != null) {
            log.info("{}: full listing ({} messages)", c.key(), l.messages().size());
        }
        checkCounts(c, r, l.full());
    }

    /**
     * Messages the listing does not name whose body must be downloaded again: those whose body
     * a delivery or a collection found missing (a notmuch user's rm in {@code hashes/}, say).
     */
    private Map<String, CloudMessage> missingBodies(CloudState c, Listing l, Listed now, List<LocalView> locals) {
        Map<String, CloudMessage> need = new LinkedHashMap<>();
        // At a start every body state.db names counts as stored, so this finds only those a
        // delivery or a collection found missing since (a cycle whose refresh failed leaves the
        // next one a start too).
        if (!l.full() && c.startup && bodies.anyFoundMissing()) {
            now.forEach((id, e) -> {
                if (!bodies.have(e.hash(), locals)) {
                    need.put(id, new CloudMessage(id, e.flags(), e.received()));
                }
            });
        }
        Set<String> missing = bodies.toFetchAgain(c.key());
        if (missing != null) {
            for (Iterator<String> it = missing.iterator(); it.hasNext(); ) {
                String id = it.next();
                Entry e = now.get(id);
                if (e == null || bodies.have(e.hash(), locals)) {
                    it.remove();
                } else {
                    need.put(id, new CloudMessage(id, e.flags(), e.received()));
                }
            }
        }
        return need;
    }

    /**
     * Checks a mailbox's listing against the service's own counts (one cheap request): after a
     * full listing, to learn the difference the service keeps by itself (Gmail counts a trashed
     * message that keeps its label, which listings leave out), and every
     * {@link dev.cms.provider.CloudMailbox#countCheckInterval} (30 minutes unless the mailbox says otherwise)
     * after an incremental one. Another difference means the
     * incremental listing missed a change (a lost history record, a push that never landed):
     * the sync token is dropped, so the next cycle lists fully. A failed check, and one the
     * mailbox has no counts for now, is tried again next cycle and fails nothing else.
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
        if (counts.isEmpty()) {
            return; // nothing to check against now: asked again next cycle, which costs nothing
        }
        c.nextCheck = at.plus(c.box.countCheckInterval());
        compare(c, r, counts.get(), fullListing);
    }

    private static void compare(CloudState c, Refresh r, MailboxCounts counts, boolean fullListing) {
        int total = r.now().size();
        int[] unreadCount = new int[1];
        r.now().forEach((id, e) -> {
            if (!e.flags().has(Flag.READ)) {
                unreadCount[0]++;
            }
        });
        int unread = unreadCount[0];
        int totalGap = counts.total() - total;
        int unreadGap = c.supported.contains(Flag.READ) ? counts.unread() - unread : 0;
        if (fullListing) {
            c.totalGap = totalGap;
            c.unreadGap = unreadGap;
            if (totalGap != 0 || unreadGap != 0) {
                log.debug("{}: the cloud counts {} messages ({} unread), the listing {} ({})", c.key(),
                        counts.total(), counts.unread(), total, unread);
            }
        } else if (totalGap != c.totalGap || unreadGap != c.unreadGap) {
            log.info("{}: the snapshot disagrees with the cloud ({} messages, {} unread here vs {}, {} there);"
                    + " doing a full listing", c.key(), total, unread, counts.total(), counts.unread());
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
        ContentHash h = c.contentOf(id);
        if (h != null) {
            return h;
        }
        for (CloudState other : clouds) {
            if (c.sameAccount(other)) {
                h = other.contentOf(id);
                if (h != null) {
                    return h;
                }
            }
        }
        return null;
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
}
