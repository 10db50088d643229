package dev.cms.sync;

import dev.cms.maildir.MaildirFile;
import dev.cms.model.ContentHash;
import dev.cms.store.MessageStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A mail reader's save of a message into another Maildir (mutt's and neomutt's {@code s} and
 * {@code C}): the reader writes the message again with header lines of its own
 * ({@link NormalisedIdentity}), so the new file's content is one no message has. Such a file is
 * <ul>
 *   <li>the message moved by the user when, in the same cycle, its identity is that of exactly
 *       one content whose file left a Maildir;
 *   <li>otherwise the message copied by the user when its identity is that of exactly one
 *       content still in another Maildir (the reader removes the original later, if at all).
 *       Those are found by size: the store keeps bodies with LF line ends, so the original, if it
 *       has no reader's fields itself, is exactly as long as the save's identity covers; at most
 *       {@link #MAX_CANDIDATES} files of that size are read, more and nothing is taken.
 * </ul>
 * A save whose identity is that of exactly one content that left its own Maildir, and of none
 * elsewhere, is that message rewritten in place (mutt's {@code e}dit, an {@code X-Label} edit):
 * reported as {@link Found#inPlace}, never a deletion of the message nor a new one.
 * Anything else (two candidates, a body or a subject that differs, another save of the same
 * message) is no match, and the file is what any unknown file is.
 *
 * <p>Cost: only arrivals no message has are read, and from the store only the contents that left
 * a Maildir this cycle and the few files of a save's size; sizes come from the Maildirs' views.
 */
final class ReaderCopies {
    private static final Logger log = LoggerFactory.getLogger(ReaderCopies.class);
    /** More files of a save's size than this: not compared, no copy. */
    static final int MAX_CANDIDATES = 32;

    /**
     * The file of content {@code arrived} in Maildir {@code maildir} is the message content
     * {@code hash} of Maildir {@code from}: moved (its file left {@code from}) or copied.
     */
    record Match(int maildir, ContentHash arrived, int from, ContentHash hash, boolean copy) {}

    /** Content {@code hash} in Maildir {@code maildir}. */
    private record Placed(int maildir, ContentHash hash) {}

    /**
     * What {@link #find} found: the saves taken for moves or copies, and every arrival that is
     * a reader's rewrite of a message of the account although none was taken for it (two
     * candidates, two saves of one message, too many files of its size to compare, a rewrite in
     * its own Maildir): never a new message of the user's.
     */
    record Found(List<Match> matches, Set<LocalMoves.Arrival> rewrites, List<Match> inPlace) {
        static final Found NONE = new Found(List.of(), Set.of(), List.of());
    }

    private ReaderCopies() {}

    /**
     * @param unknown arrivals whose content no message of the snapshot has
     * @param known the contents of the other arrivals (byte-identical moves and copies: never candidates)
     * @param across whether saves into another Maildir are looked for (the Maildirs share an
     *     account); otherwise only rewrites in place
     */
    static Found find(List<LocalMoves.Arrival> unknown, Set<ContentHash> known, List<LocalView> locals,
            Expected expected, MessageStore store, boolean across) {
        Map<LocalMoves.Arrival, NormalisedIdentity> saves = new LinkedHashMap<>();
        Map<NormalisedIdentity, Integer> count = new HashMap<>();
        for (LocalMoves.Arrival a : unknown) {
            List<MaildirFile> files = locals.get(a.maildir()).files(a.hash());
            // A body the store has is one the cloud has (or had), not a reader's rewrite.
            NormalisedIdentity id = files == null || store.contains(a.hash()) ? null
                    : identity(() -> NormalisedIdentity.of(files.get(0).path()));
            if (id != null) {
                saves.put(a, id);
                count.merge(id, 1, Integer::sum);
            }
        }
        // Two saves of one message: which is which is a guess.
        Set<LocalMoves.Arrival> rewrites = new HashSet<>();
        saves.entrySet().removeIf(e -> count.getOrDefault(e.getValue(), 0) > 1 && rewrites.add(e.getKey()));
        if (saves.isEmpty()) {
            return new Found(List.of(), rewrites, List.of());
        }
        Set<ContentHash> excluded = new HashSet<>(known);
        saves.keySet().forEach(a -> excluded.add(a.hash()));
        Map<ContentHash, @Nullable NormalisedIdentity> bodies = new HashMap<>();
        List<Match> inPlace = new ArrayList<>();
        List<Match> out = moves(saves, excluded, locals, expected, store, bodies, rewrites, inPlace);
        for (Match m : out) {
            saves.remove(new LocalMoves.Arrival(m.maildir(), m.arrived()));
        }
        for (Match m : inPlace) {
            saves.remove(new LocalMoves.Arrival(m.maildir(), m.arrived()));
        }
        if (!across) {
            return new Found(List.of(), rewrites, inPlace);
        }
        out.addAll(copies(saves, excluded, locals, store, bodies, rewrites));
        return new Found(out, rewrites, inPlace);
    }

    /** The saves whose identity is that of exactly one content that left a Maildir. */
    private static List<Match> moves(Map<LocalMoves.Arrival, NormalisedIdentity> saves, Set<ContentHash> excluded,
            List<LocalView> locals, Expected expected, MessageStore store,
            Map<ContentHash, @Nullable NormalisedIdentity> bodies, Set<LocalMoves.Arrival> rewrites,
            List<Match> inPlace) {
        Set<Placed> left = new LinkedHashSet<>();
        for (int t = 0; t < locals.size(); t++) {
            for (ContentHash h : expected.in(t).keySet()) {
                // The same content gone from two Maildirs is two candidates: no match.
                if (!locals.get(t).has(h) && !excluded.contains(h)) {
                    left.add(new Placed(t, h));
                }
            }
        }
        return matches(saves, left.isEmpty() ? Map.of() : asCandidates(saves, left), store, bodies, false, rewrites,
                inPlace);
    }

    /** Every left content is a candidate of every save (each compared once). */
    private static Map<LocalMoves.Arrival, Set<Placed>> asCandidates(Map<LocalMoves.Arrival, NormalisedIdentity> saves,
            Set<Placed> left) {
        Map<LocalMoves.Arrival, Set<Placed>> out = new HashMap<>();
        saves.keySet().forEach(a -> out.put(a, left));
        return out;
    }

    /** The remaining saves whose identity is that of exactly one content of their size in another Maildir. */
    private static List<Match> copies(Map<LocalMoves.Arrival, NormalisedIdentity> saves, Set<ContentHash> excluded,
            List<LocalView> locals, MessageStore store, Map<ContentHash, @Nullable NormalisedIdentity> bodies,
            Set<LocalMoves.Arrival> rewrites) {
        if (saves.isEmpty()) {
            return List.of();
        }
        Map<Long, List<LocalMoves.Arrival>> bySize = new HashMap<>();
        saves.forEach((a, id) -> bySize.computeIfAbsent(id.length(), k -> new ArrayList<>()).add(a));
        Map<LocalMoves.Arrival, Set<Placed>> candidates = new HashMap<>();
        for (int t = 0; t < locals.size(); t++) {
            int maildir = t;
            locals.get(t).forEachSized((h, size) -> {
                for (LocalMoves.Arrival a : bySize.getOrDefault(size, List.of())) {
                    if (a.maildir() != maildir && !excluded.contains(h)) {
                        candidates.computeIfAbsent(a, k -> new LinkedHashSet<>()).add(new Placed(maildir, h));
                    }
                }
            });
        }
        candidates.entrySet().removeIf(e -> {
            boolean tooMany = e.getValue().size() > MAX_CANDIDATES;
            if (tooMany) {
                log.debug("a mail reader's save has {} files of its size to compare with: not taken for a copy",
                        e.getValue().size());
                rewrites.add(e.getKey()); // perhaps a copy: never taken for a new message
            }
            return tooMany;
        });
        return matches(saves, candidates, store, bodies, true, rewrites, new ArrayList<>());
    }

    /**
     * For each save, the one candidate whose stored body has its identity; none when not exactly
     * one. A save whose one candidate is in its own Maildir goes to {@code inPlace}.
     */
    private static List<Match> matches(Map<LocalMoves.Arrival, NormalisedIdentity> saves,
            Map<LocalMoves.Arrival, Set<Placed>> candidates, MessageStore store,
            Map<ContentHash, @Nullable NormalisedIdentity> bodies, boolean copy, Set<LocalMoves.Arrival> rewrites,
            List<Match> inPlace) {
        List<Match> out = new ArrayList<>();
        candidates.forEach((a, cs) -> {
            NormalisedIdentity want = saves.get(a);
            List<Placed> same = new ArrayList<>();
            List<Placed> own = new ArrayList<>();
            for (Placed p : cs) {
                NormalisedIdentity id = bodies.computeIfAbsent(p.hash(),
                        h -> identity(() -> NormalisedIdentity.of(store.path(h))));
                if (id == null || !id.equals(want)) {
                    continue;
                }
                if (p.maildir() == a.maildir()) {
                    rewrites.add(a); // rewritten in its own Maildir: not a move or copy, nor new
                    own.add(p);
                } else {
                    same.add(p);
                }
            }
            if (same.isEmpty() && own.size() == 1) {
                inPlace.add(new Match(a.maildir(), a.hash(), a.maildir(), own.get(0).hash(), false));
            } else if (same.size() == 1) {
                out.add(new Match(a.maildir(), a.hash(), same.get(0).maildir(), same.get(0).hash(), copy));
            } else if (same.size() > 1) {
                rewrites.add(a);
                log.debug("a mail reader's save matches {} messages: not taken for a {}", same.size(),
                        copy ? "copy" : "move");
            }
        });
        return out;
    }

    private interface Read {
        NormalisedIdentity read() throws IOException;
    }

    /** The identity {@code r} reads; null (no match) when the file cannot be read. */
    private static @Nullable NormalisedIdentity identity(Read r) {
        try {
            return r.read();
        } catch (IOException e) {
            log.debug("cannot read a message to compare it with a mail reader's save: {}", e.toString());
            return null;
        }
    }
}
