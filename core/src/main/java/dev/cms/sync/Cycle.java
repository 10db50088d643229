package dev.cms.sync;

import dev.cms.model.ContentHash;
import dev.cms.store.MessageStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * One cycle after the refresh: what it plans (the {@link Scope}), the pushes of local changes
 * ({@link LocalMoves}, {@link PushPlan}, {@link Pusher}), a user's new messages ({@link LocalUploads}),
 * routing, and each Maildir brought in line ({@link MaildirPlan}, {@link MaildirUpdate}).
 */
final class Cycle {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Cycle.class);

    /** What a cycle works with. */
    record Parts(List<CloudState> clouds, LocalSide local, Pusher pusher, Routing routing, MaildirUpdate update,
            Committer committer, MessageStore store, boolean offline, BooleanSupplier stopRequested,
            LocalUploads uploads) {}

    private final Parts p;
    final Map<CloudState, Refresh> refreshed;
    /** Whether every message is planned, not only what changed. */
    boolean everything;
    final Scope scope;
    private Expected expected;
    /** Whether a Maildir held a file not seen yet; null until a deletion asked. */
    private @Nullable Boolean unseen;
    /** The user's moves and copies of files between Maildirs of one account. */
    private LocalMoves moves = LocalMoves.NONE;

    Cycle(Parts parts, Map<CloudState, Refresh> refreshed, boolean everything) {
        this.p = parts;
        this.refreshed = refreshed;
        this.everything = everything;
        this.scope = p.local().pendingScope(everything);
        refreshed.forEach((c, r) -> {
            if (r.active()) {
                scope.addChanged(c, r);
            }
        });
        this.expected = new Expected(scope, p.clouds(), refreshed);
    }

    /** Pushes each mailbox's local changes; false when stopped. */
    boolean push(List<LocalView> locals, CycleReport rep) throws InterruptedException {
        Set<String> activeBefore = activeMailboxes(refreshed);
        moves = LocalMoves.find(p.clouds(), refreshed, locals, scope, expected, p.routing(), p.store());
        for (Map.Entry<CloudState, Refresh> e : refreshed.entrySet()) {
            CloudState c = e.getKey();
            Refresh r = e.getValue();
            if (r.active()) {
                // Under a watcher the two halves of an mv between Maildirs may come in two cycles:
                // a file gone with no arrival seen waits a cycle while another file is not seen yet.
                // Asked only of a deletion: nothing of it runs in a cycle that deletes nothing.
                Set<String> deferred = new HashSet<>();
                Set<String> seenGone = c.departing;
                List<PushPlan.Push> plan = PushPlan.plan(c, r.now(), locals, expected, p.local()::journaled, p.offline(),
                        moves.of(c), moves::rewrittenInPlace, id -> !p.local().watching() || seenGone.contains(id)
                                || !sharesItsAccount(c) || !unseenNames(), deferred::add);
                c.departing = deferred;
                if (c.box.keepsMessagesMovedOut()) {
                    plan = keptWhileShownElsewhere(c, plan, locals);
                }
                if (!deferred.isEmpty()) {
                    // Kept as they were, not delivered again; the next cycle (soon) looks at them again.
                    r.failedIds.addAll(deferred);
                    r.departing.addAll(deferred);
                    rep.rerunSoon = true;
                }
                p.pusher().push(c, r, plan, refreshed, moves, rep);
            }
            if (stopped(rep)) {
                return false;
            }
        }
        moves.explainRewrites(locals, p.update());
        p.uploads().run(new LocalUploads.Round(p.clouds(), refreshed, locals, scope, expected, moves,
                p.local()::journaled), rep);
        if (stopped(rep)) {
            return false;
        }
        if (activeMailboxes(refreshed).size() < refreshed.size()) {
            keepPushesThatMissedACopy();
        }
        if (!everything && !activeMailboxes(refreshed).equals(activeBefore)) {
            everything = true; // a push failed: that mailbox's copies no longer count for any file
            scope.widenToAll();
            expected = new Expected(scope, p.clouds(), refreshed);
        }
        return true;
    }

    /** Routes, then brings each Maildir in line; false when stopped. */
    boolean force(List<LocalView> locals, CycleReport rep) {
        for (Map.Entry<CloudState, Refresh> e : refreshed.entrySet()) {
            if (e.getValue().active()) {
                p.routing().route(e.getKey(), e.getValue(), everything, p.committer().routesChanged());
                // Pushed flags reach the same message in other mailboxes of the account: those change too.
                scope.addChanged(e.getKey(), e.getValue());
            }
        }
        expected.extendTo(scope);
        if (!scope.anything()) {
            return !stopped(rep);
        }
        List<Map<ContentHash, Want>> desired = desired();
        if (stopped(rep)) {
            return false;
        }
        for (int i = 0; i < locals.size(); i++) {
            int m = i;
            Set<ContentHash> in = scope.in(i);
            rep.planned += in == null ? locals.get(i).hashCount() + desired.get(i).size() : in.size();
            List<MaildirPlan.Action> plan = MaildirPlan.plan(locals.get(i), scope.in(i), desired.get(i),
                    expected.in(i), h -> expected.protects(m, h) || p.uploads().protects(m, h)
                            || !moves.isEmpty() && moves.protects(m, h, refreshed, p.local()::journaled),
                    moves.isEmpty() ? Map.of() : moves.replacedIn(m, refreshed));
            p.update().run(i, locals.get(i), plan, refreshed, rep);
            if (stopped(rep)) {
                return false;
            }
        }
        return true;
    }

    /**
     * A file deleted from All Mail trashes its message only when no other Maildir of the account
     * still shows it: a mail reader's save out of All Mail is a copy (a label added) followed by
     * the original's removal, which must not trash the message it just labelled. Such a deletion
     * sends nothing, and the file comes back, as the message is still in All Mail.
     */
    private List<PushPlan.Push> keptWhileShownElsewhere(CloudState c, List<PushPlan.Push> plan,
            List<LocalView> locals) {
        List<PushPlan.Push> out = new ArrayList<>(plan.size());
        for (PushPlan.Push push : plan) {
            String id = push.change().id();
            if (push.change().delete() && shownElsewhere(c, id, locals)) {
                log.info("{}: not trashed: message {} is still in"
                        + " another synced label's Maildir; delete it there too to trash it", c.key(), id);
                continue;
            }
            out.add(push);
        }
        return out;
    }

    private boolean shownElsewhere(CloudState c, String id, List<LocalView> locals) {
        Entry mine = c.snapshot.get(id);
        for (CloudState d : p.clouds()) {
            Entry e = d == c || !d.sameAccount(c) ? null : d.snapshot.get(id);
            if (e != null && e.target() >= 0 && (mine == null || e.target() != mine.target())
                    && locals.get(e.target()).has(e.hash())) {
                return true;
            }
        }
        return false;
    }

    /** Whether a Maildir holds a file not seen yet (looked at once a cycle, when a deletion asks). */
    private boolean unseenNames() {
        Boolean u = unseen;
        if (u == null) {
            u = p.local().markUnseenNames();
            unseen = u;
        }
        return u;
    }

    /** Whether another mailbox synced here belongs to {@code c}'s account (a file can move between them). */
    private boolean sharesItsAccount(CloudState c) {
        for (CloudState d : p.clouds()) {
            if (d != c && d.sameAccount(c)) {
                return true;
            }
        }
        return false;
    }

    /** Per Maildir, what each content in scope should show. */
    private List<Map<ContentHash, Want>> desired() {
        List<Map<ContentHash, Want>> out = new ArrayList<>();
        for (int i = 0; i < scope.maildirs(); i++) {
            out.add(new HashMap<>());
        }
        refreshed.forEach((c, r) -> {
            if (r.active()) {
                r.now().forEach((id, en) -> {
                    if (scope.contains(en.target(), en.hash()) && !r.departing.contains(id)) {
                        out.get(en.target()).computeIfAbsent(en.hash(), k -> new Want(en.received()))
                                .add(c, id, en.flags());
                    }
                });
            }
        });
        return out;
    }

    /**
     * A flag pushed for a file that also stands for an identical message of a mailbox that is
     * out this cycle (its listing or push failed, or it waits out a backoff) keeps its previous
     * entry. Committed, the pushed copy would agree with the file, the user's change would no
     * longer differ from what the copies together show, and it would never reach the copy
     * that missed it. Kept, the next cycle sees it again and pushes it there.
     */
    private void keepPushesThatMissedACopy() {
        Set<Placed> pushed = new HashSet<>();
        forEachPushed((r, id, e) -> pushed.add(new Placed(e.target(), e.hash())));
        if (pushed.isEmpty()) {
            return;
        }
        Set<Placed> missed = new HashSet<>();
        refreshed.forEach((c, r) -> {
            if (!r.active()) {
                c.snapshot.forEachWhere((t, h) -> pushed.contains(new Placed(t, h)),
                        (id, e) -> missed.add(new Placed(e.target(), e.hash())));
            }
        });
        forEachPushed((r, id, e) -> {
            if (missed.contains(new Placed(e.target(), e.hash()))) {
                r.failedIds.add(id);
            }
        });
    }

    private record Placed(int target, ContentHash hash) {
    }

    private interface PushedAction {
        void accept(Refresh r, String id, Entry e);
    }

    private void forEachPushed(PushedAction action) {
        refreshed.forEach((c, r) -> {
            if (r.active()) {
                for (String id : r.pushedFlags) {
                    Entry e = r.now().get(id);
                    if (e != null && e.target() >= 0) {
                        action.accept(r, id, e);
                    }
                }
            }
        });
    }

    static Set<String> activeMailboxes(Map<CloudState, Refresh> refreshed) {
        Set<String> out = new HashSet<>();
        refreshed.forEach((c, r) -> {
            if (r.active()) {
                out.add(c.key());
            }
        });
        return out;
    }

    private boolean stopped(CycleReport rep) {
        if (p.stopRequested().getAsBoolean()) {
            rep.aborted = true;
            return true;
        }
        return false;
    }
}
