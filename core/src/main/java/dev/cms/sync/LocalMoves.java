package dev.cms.sync;

import dev.cms.maildir.MaildirFile;
import dev.cms.model.ContentHash;
import dev.cms.store.MessageStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiPredicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Local moves and copies between the Maildirs of one account (issue 16): a file in a Maildir
 * where the previous snapshot placed no message of its content (an "arrival"), while it placed
 * a message of that content in another Maildir, is that message saved there by the user
 * ({@code mv}, {@code cp}, {@code ln}; a mail reader's save rewrites the header, so it has
 * another content: {@link ReaderCopies} finds its message). When exactly one other mailbox of
 * the message's account routes the content to the arrival's Maildir, the message is moved into that mailbox in the
 * cloud (its file left its Maildir) or copied there (its file stayed); {@link PushPlan} plans
 * it under the rules of a deletion, {@link Pusher} applies it. Otherwise (another account, a
 * Maildir no mailbox of the account fills, or two that could) the arrival goes to lost+found and
 * a file that left is a deletion, as for any file.
 *
 * <p>Until a planned move or copy has reached the cloud and the destination's listing this
 * cycle, its arrival is kept where it is ({@link #protects}), never sent to lost+found.
 */
final class LocalMoves {
    private static final Logger log = LoggerFactory.getLogger(LocalMoves.class);

    /**
     * A message to move or copy into mailbox {@code into}, which routes its content {@code hash}
     * to Maildir {@code maildir}, where the user put the file, of content {@code arrived}: the
     * same, or for a mail reader's save the rewritten message ({@link ReaderCopies}).
     */
    record Transfer(CloudState from, String id, CloudState into, int maildir, ContentHash hash,
            ContentHash arrived) {
        boolean readerSave() {
            return !arrived.equals(hash);
        }
    }

    /** A file of content {@code hash} in Maildir {@code maildir}, where the snapshot placed none. */
    record Arrival(int maildir, ContentHash hash) {}

    static final LocalMoves NONE = new LocalMoves();

    /** Per source mailbox, message id → its transfer. */
    private final Map<CloudState, Map<String, Transfer>> planned = new HashMap<>();
    /** The transfers the cloud took (by source mailbox and id). */
    private final Set<Transfer> pushed = new HashSet<>();
    /** Files found to be a mail reader's rewrite of a message of the account, taken for a move or not. */
    private final Set<Arrival> readerSaves = new HashSet<>();
    /**
     * Messages a mail reader rewrote in their own Maildir ({@link ReaderCopies.Found#inPlace}):
     * the content that left, in its Maildir, → the rewritten file's content.
     */
    private final Map<Arrival, ContentHash> inPlace = new HashMap<>();

    private LocalMoves() {}

    /**
     * Finds the transfers of a cycle. Adds to {@code scope} (and {@code expected}) each arrival's
     * content in the other Maildirs, where the message it came from was placed, and for a mail
     * reader's save ({@link ReaderCopies}) the message's content in the Maildir it was saved to.
     */
    static LocalMoves find(List<CloudState> clouds, Map<CloudState, Refresh> refreshed, List<LocalView> locals,
            Scope scope, Expected expected, Routing routing, MessageStore store) {
        boolean shared = sharesAnAccount(clouds);
        if (!shared && !anyLeft(locals, expected)) {
            return NONE; // no move, copy or rewrite in place can have been made
        }
        List<Arrival> arrivals = arrivals(locals, scope, expected);
        if (arrivals.isEmpty()) {
            return NONE;
        }
        if (!shared) {
            return rewrittenInPlace(ReaderCopies.find(arrivals, Set.of(), locals, expected, store, false));
        }
        for (Arrival a : arrivals) {
            for (int t = 0; t < locals.size(); t++) {
                if (t != a.maildir()) {
                    scope.add(t, a.hash());
                }
            }
        }
        expected.extendTo(scope);
        LocalMoves out = new LocalMoves();
        List<Arrival> unknown = new ArrayList<>();
        Set<ContentHash> known = new HashSet<>();
        for (Arrival a : arrivals) {
            if (out.plan(clouds, refreshed, locals, expected, routing, a.maildir(), a.hash())) {
                known.add(a.hash());
            } else {
                unknown.add(a);
            }
        }
        ReaderCopies.Found found = ReaderCopies.find(unknown, known, locals, expected, store, true);
        List<ReaderCopies.Match> saves = found.matches();
        out.noteRewrites(found);
        for (ReaderCopies.Match m : saves) {
            out.readerSaves.add(new Arrival(m.maildir(), m.arrived()));
            scope.add(m.from(), m.hash()); // a copy's original, which did not change
            scope.add(m.maildir(), m.hash()); // where the message's own body goes in place of the reader's file
        }
        expected.extendTo(scope);
        for (ReaderCopies.Match m : saves) {
            out.planSave(clouds, refreshed, expected, routing, m);
        }
        return out;
    }

    /** Only the rewrites in place of {@code found} (the Maildirs share no account: no moves or copies). */
    private static LocalMoves rewrittenInPlace(ReaderCopies.Found found) {
        if (found.rewrites().isEmpty()) {
            return NONE;
        }
        LocalMoves out = new LocalMoves();
        out.noteRewrites(found);
        return out;
    }

    private void noteRewrites(ReaderCopies.Found found) {
        readerSaves.addAll(found.rewrites());
        for (ReaderCopies.Match m : found.inPlace()) {
            inPlace.put(new Arrival(m.from(), m.hash()), m.arrived());
            log.debug("{} is a mail reader's rewrite of {} in Maildir {}: the message stays", m.arrived().shortHex(),
                    m.hash().shortHex(), m.maildir());
        }
    }

    /** Whether the snapshot placed, in scope, a content in a Maildir that no longer has it. */
    private static boolean anyLeft(List<LocalView> locals, Expected expected) {
        for (int t = 0; t < locals.size(); t++) {
            for (ContentHash h : expected.in(t).keySet()) {
                if (!locals.get(t).has(h)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The files in scope whose content the snapshot did not place in their Maildir. */
    private static List<Arrival> arrivals(List<LocalView> locals, Scope scope, Expected expected) {
        List<Arrival> arrivals = new ArrayList<>();
        for (int u = 0; u < locals.size(); u++) {
            Set<ContentHash> in = scope.in(u);
            LocalView v = locals.get(u);
            for (ContentHash h : in == null ? v.hashes() : in) {
                if (v.has(h) && !expected.in(u).containsKey(h)) {
                    arrivals.add(new Arrival(u, h));
                }
            }
        }
        return arrivals;
    }

    private static boolean sharesAnAccount(List<CloudState> clouds) {
        Set<String> accounts = new HashSet<>();
        for (CloudState c : clouds) {
            if (!accounts.add(c.account)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Plans a transfer for each message of content {@code h} placed in another Maildir than
     * {@code u}; whether there was such a message (planned or not).
     */
    private boolean plan(List<CloudState> clouds, Map<CloudState, Refresh> refreshed, List<LocalView> locals,
            Expected expected, Routing routing, int u, ContentHash h) {
        boolean known = false;
        for (int t = 0; t < locals.size(); t++) {
            if (t == u) {
                continue;
            }
            for (Source s : expected.in(t).getOrDefault(h, List.of())) {
                known = true;
                Map<String, Transfer> of = planned.computeIfAbsent(s.cloud(), k -> new HashMap<>());
                if (of.containsKey(s.id())) {
                    continue; // the Maildir with the lowest index takes it
                }
                CloudState d = onlyMailboxRouting(clouds, s, h, u, routing);
                Refresh rd = d == null ? null : refreshed.get(d);
                boolean copy = locals.get(t).has(h);
                if (d != null && !(copy && rd != null && rd.active() && rd.now().contains(s.id()))
                        && !sentOnce(s, d)) {
                    of.put(s.id(), new Transfer(s.cloud(), s.id(), d, u, h, h));
                }
            }
        }
        return known;
    }

    /** Plans the move or copy of each message of the content a mail reader saved into another Maildir. */
    private void planSave(List<CloudState> clouds, Map<CloudState, Refresh> refreshed, Expected expected,
            Routing routing, ReaderCopies.Match m) {
        for (Source s : expected.in(m.from()).getOrDefault(m.hash(), List.of())) {
            Map<String, Transfer> of = planned.computeIfAbsent(s.cloud(), k -> new HashMap<>());
            CloudState d = onlyMailboxRouting(clouds, s, m.hash(), m.maildir(), routing);
            Refresh rd = d == null ? null : refreshed.get(d);
            if (d != null && !of.containsKey(s.id()) && !sentOnce(s, d)
                    && !(m.copy() && rd != null && rd.active() && rd.now().contains(s.id()))) {
                of.put(s.id(), new Transfer(s.cloud(), s.id(), d, m.maildir(), m.hash(), m.arrived()));
                log.debug("{}: {} is a mail reader's save of message {} into Maildir {}", s.cloud().key(),
                        m.arrived().shortHex(), s.id(), m.maildir());
            }
        }
    }

    /**
     * Whether a move or copy of {@code s}'s message into {@code d} may have been made already:
     * never sent again (a file that left is then a deletion, one that arrived is the new message
     * once a listing shows it, or goes to lost+found).
     */
    private static boolean sentOnce(Source s, CloudState d) {
        Set<List<String>> sent = s.cloud().transfersSentOnce;
        return !sent.isEmpty() && sent.contains(List.of(s.id(), d.box.key()));
    }

    /** The one other mailbox of {@code s}'s account that routes content {@code h} to Maildir {@code u}; null if none or several. */
    private static @Nullable CloudState onlyMailboxRouting(List<CloudState> clouds, Source s, ContentHash h, int u,
            Routing routing) {
        CloudState found = null;
        for (CloudState d : clouds) {
            if (s.cloud().sameAccount(d) && routing.one(d, s.id(), h) == u) {
                if (found != null) {
                    return null;
                }
                found = d;
            }
        }
        return found;
    }

    /** The transfers planned for messages of mailbox {@code c}, by id. */
    Map<String, Transfer> of(CloudState c) {
        return planned.getOrDefault(c, Map.of());
    }

    /** The cloud took {@code t}. */
    void pushed(Transfer t) {
        pushed.add(t);
    }

    /**
     * Whether content {@code h} of Maildir {@code m} stays as it is this cycle: the arrival of a
     * transfer that did not reach the cloud because its mailbox failed (and would have been
     * pushed: not under start-up rules), or that did but whose destination was not refreshed.
     */
    boolean protects(int m, ContentHash h, Map<CloudState, Refresh> refreshed,
            BiPredicate<Integer, ContentHash> journaled) {
        for (Map<String, Transfer> of : planned.values()) {
            for (Transfer t : of.values()) {
                if (t.maildir() != m || !t.arrived().equals(h)) {
                    continue;
                }
                boolean fromActive = refreshed.get(t.from()) != null && refreshed.get(t.from()).active();
                boolean intoActive = refreshed.get(t.into()) != null && refreshed.get(t.into()).active();
                if (pushed.contains(t) ? !intoActive : !fromActive && !startupRules(t, journaled)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean startupRules(Transfer t, BiPredicate<Integer, ContentHash> journaled) {
        Entry prev = t.from().snapshot.get(t.id());
        return prev == null || PushPlan.startupRules(t.from(), t.id(), prev, journaled);
    }

    /**
     * For Maildir {@code m}: each mail reader's save whose message the cloud took and whose
     * destination was refreshed, by the file's content, with the message's content, whose body
     * takes the file's place.
     */
    Map<ContentHash, ContentHash> replacedIn(int m, Map<CloudState, Refresh> refreshed) {
        Map<ContentHash, ContentHash> out = new HashMap<>();
        for (Map<String, Transfer> of : planned.values()) {
            for (Transfer t : of.values()) {
                Refresh into = refreshed.get(t.into());
                if (t.maildir() == m && t.readerSave() && pushed.contains(t) && into != null && into.active()) {
                    out.put(t.arrived(), t.hash());
                }
            }
        }
        return out;
    }

    /**
     * Whether the file of content {@code h} in Maildir {@code m} is a mail reader's rewrite of a
     * message of the account ({@link ReaderCopies}): never a new message of the user's.
     */
    boolean readerSave(int m, ContentHash h) {
        return !readerSaves.isEmpty() && readerSaves.contains(new Arrival(m, h));
    }

    /**
     * The content of the file a mail reader rewrote content {@code h} of Maildir {@code m} into,
     * in that same Maildir (the message stays: not a deletion); null if none.
     */
    @Nullable ContentHash rewrittenInPlace(int m, ContentHash h) {
        return inPlace.isEmpty() ? null : inPlace.get(new Arrival(m, h));
    }

    /** The rewritten files of the messages rewritten in place go to lost+found: each warning says why. */
    void explainRewrites(List<LocalView> locals, MaildirUpdate update) {
        inPlace.forEach((left, arrived) -> {
            List<MaildirFile> files = locals.get(left.maildir()).files(arrived);
            for (MaildirFile f : files == null ? List.<MaildirFile>of() : files) {
                update.explain(f.path(), "a mail reader rewrote a synced message in place; the message stays as"
                        + " the cloud has it and is delivered again, this file is kept for its edits");
            }
        });
    }

    boolean isEmpty() {
        return planned.isEmpty();
    }
}
