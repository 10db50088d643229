package dev.cms.sync;

import dev.cms.store.MessageStore;
import dev.cms.store.StateDb;
import dev.cms.store.StatIndex;
import dev.cms.time.Ticker;
import java.io.IOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Saves a cycle's outcome in one transaction (snapshot, sync tokens, stat index, the journal's
 * end), then adopts it in memory. Also keeps which routing rules were last applied in full.
 */
final class Committer {
    private static final String ROUTES_META = "routes_fingerprint";
    /** Stored while new routing rules are being applied: matches no rules' fingerprint. */
    private static final String ROUTES_PENDING = "pending";
    /** How the last committed cycle ended: {@link #CLEAN}, or not. */
    static final String LAST_CYCLE_META = "last_cycle";
    static final String CLEAN = "clean";

    private final List<String> maildirKeys;
    private final MessageStore store;
    private final StateDb db;
    private final StatIndex stats;
    private final LocalSide local;
    private final Bodies bodies;
    private final Ticker ticker;
    private final String routeFingerprint;
    private boolean routesChanged;

    Committer(List<String> maildirKeys, MessageStore store, StateDb db, StatIndex stats, LocalSide local,
            Bodies bodies, Ticker ticker, String routeFingerprint) throws IOException {
        this.maildirKeys = maildirKeys;
        this.store = store;
        this.db = db;
        this.stats = stats;
        this.local = local;
        this.bodies = bodies;
        this.ticker = ticker;
        this.routeFingerprint = routeFingerprint;
        this.routesChanged = !routeFingerprint.equals(db.meta(ROUTES_META));
    }

    /** Whether the routing rules differ from those last applied to every message. */
    boolean routesChanged() {
        return routesChanged;
    }

    /**
     * Saves the cycle's outcome; false when that failed (nothing of the cycle is taken as done).
     * {@code journalMark}: the crash journal's head when the cycle began; {@code everything}:
     * whether the cycle planned every message.
     */
    boolean commit(Map<CloudState, Refresh> refreshed, CycleReport rep, long journalMark, boolean everything) {
        StateDb.CycleCommit commit = new StateDb.CycleCommit();
        commit.at(ticker.now());
        // Every mailbox took every local change seen up to the look: the journal has done its job.
        boolean allPushed = refreshed.values().stream().allMatch(Refresh::active) && rep.failedMailboxes.isEmpty();
        if (allPushed) {
            commit.clearJournalUpTo(journalMark);
        }
        Map<CloudState, @Nullable String> nextToken = new HashMap<>();
        for (Map.Entry<CloudState, Refresh> e : refreshed.entrySet()) {
            CloudState c = e.getKey();
            Refresh r = e.getValue();
            if (r.failure != null) {
                commit.failed(c.key(), r.failure.getMessage());
            } else if (!r.skipped) {
                nextToken.put(c, add(commit, c, r));
            }
        }
        stats.drainInto(commit, local.everyFileSeen());
        // New routing rules are taken as applied only once every message was routed by them: a
        // mailbox that was not refreshed, or a message that kept its previous entry (with the
        // Maildir the old rules chose), is routed again next cycle.
        boolean allRouted = refreshed.values().stream().allMatch(r -> r.active() && r.failedIds.isEmpty());
        // Whether a start may plan only what changed while stopped (see SyncEngine): nothing of
        // this cycle is left to retry, which only memory would remember.
        commit.meta(LAST_CYCLE_META, allRouted ? CLEAN : "unclean");
        try {
            write(commit, allRouted);
        } catch (IOException ex) {
            stats.commitFailed();
            rep.fail(Failure.ofCycle(Failure.Phase.COMMIT, ex.getMessage()));
            return false;
        }
        if (allPushed) {
            local.journalDone();
        }
        nextToken.forEach((c, token) -> adopt(c, Objects.requireNonNull(refreshed.get(c), "refreshed"), token,
                everything, accountListed(c, refreshed)));
        return true;
    }

    /** Adds mailbox {@code c}'s part to {@code commit}; the sync token it saves. */
    private @Nullable String add(StateDb.CycleCommit commit, CloudState c, Refresh r) {
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
        now.changed().forEach((id, en) -> {
            if (!en.equals(c.snapshot.get(id))) {
                String target = en.target() < 0 ? null : maildirKeys.get(en.target());
                mc.upsert(id, en.hash(), en.flags(), en.received(), target);
            }
        });
        if (now.full) {
            c.snapshot.forEach((id, en) -> {
                if (!now.changed().containsKey(id)) {
                    removeRow(mc, id);
                }
            });
        } else {
            now.removed().forEach(id -> removeRow(mc, id));
        }
        mc.finish(token, now.size(), clean);
        return token;
    }

    private void removeRow(StateDb.MailboxCommit mc, String id) {
        mc.remove(id);
        bodies.mayBeUnreferenced();
    }

    private void write(StateDb.CycleCommit commit, boolean allRouted) throws IOException {
        store.sync();
        boolean rules = routesChanged && !maildirKeys.isEmpty();
        if (rules) {
            // Until every message was routed by the new rules, no rules are the applied ones:
            // a start with any rules (the previous ones again, too) routes everything again.
            db.setMeta(ROUTES_META, ROUTES_PENDING);
        }
        db.commit(commit);
        if (rules && allRouted) {
            db.setMeta(ROUTES_META, routeFingerprint);
            routesChanged = false;
        }
    }

    /**
     * Whether every mailbox of {@code c}'s account was listed this cycle. When one was not, a
     * message that left {@code c} may have moved there (ids name one message account-wide), so
     * the bodies of the messages that left are kept until it is listed, not downloaded again.
     */
    private static boolean accountListed(CloudState c, Map<CloudState, Refresh> refreshed) {
        for (Map.Entry<CloudState, Refresh> e : refreshed.entrySet()) {
            if (c.sameAccount(e.getKey()) && !e.getValue().active()) {
                return false;
            }
        }
        return true;
    }

    /** Takes the committed outcome of mailbox {@code c} as its state. */
    private static void adopt(CloudState c, Refresh r, @Nullable String token, boolean everything,
            boolean accountListed) {
        Listed now = r.now();
        boolean settled = r.tokenUsable && r.failedIds.isEmpty() && (everything || !now.removed().isEmpty())
                && accountListed;
        c.adopt(now, settled);
        c.token = token;
        if (c.startup) {
            c.startup = false;
            c.unsettled = new HashSet<>(r.failedIds);
        } else {
            c.unsettled.retainAll(r.failedIds);
        }
        c.unsettled.removeAll(r.changedMeanwhile);
    }
}
