package dev.cms.sync;

import dev.cms.maildir.MaildirFile;
import dev.cms.model.ContentHash;
import dev.cms.store.MessageStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A mail reader's save of a message into another Maildir (mutt's and neomutt's {@code s}): the
 * reader writes the message again with header lines of its own ({@link NormalisedIdentity}), so
 * the new file's content is one no message has, while the original's file leaves its Maildir.
 * Such a file is the message moved by the user when, in one cycle, its {@link NormalisedIdentity}
 * is that of exactly one content that left a Maildir, and no other arrival has it; anything
 * else (two candidates, a body or a subject that differs) is no match, and the file is what any
 * unknown file is.
 *
 * <p>Cost: only the arrivals no message has and the contents that left a Maildir this cycle are
 * read (the latter from the store), and only when there are both.
 */
final class ReaderCopies {
    private static final Logger log = LoggerFactory.getLogger(ReaderCopies.class);

    /**
     * The file of content {@code arrived} in Maildir {@code maildir} is the message content
     * {@code hash} whose file left Maildir {@code from}.
     */
    record Match(int maildir, ContentHash arrived, int from, ContentHash hash) {}

    /** A content that was in Maildir {@code maildir} after the previous cycle and has no file there now. */
    private record Left(int maildir, ContentHash hash) {}

    private ReaderCopies() {}

    /**
     * @param unknown arrivals whose content no message of the snapshot has
     * @param known the contents of the other arrivals (byte-identical moves and copies: never candidates)
     */
    static List<Match> find(List<LocalMoves.Arrival> unknown, Set<ContentHash> known, List<LocalView> locals,
            Expected expected, MessageStore store) {
        List<LocalMoves.Arrival> candidates = new ArrayList<>();
        for (LocalMoves.Arrival a : unknown) {
            if (!store.contains(a.hash())) { // a body the cloud has (or had) is no reader's rewrite
                candidates.add(a);
            }
        }
        List<Left> left = candidates.isEmpty() ? List.of() : left(locals, expected, known);
        if (left.isEmpty()) {
            return List.of();
        }
        Map<NormalisedIdentity, List<LocalMoves.Arrival>> arrivals = new HashMap<>();
        for (LocalMoves.Arrival a : candidates) {
            List<MaildirFile> files = locals.get(a.maildir()).files(a.hash());
            NormalisedIdentity id = files == null ? null : identity(() -> NormalisedIdentity.of(files.get(0).path()));
            if (id != null) {
                arrivals.computeIfAbsent(id, k -> new ArrayList<>()).add(a);
            }
        }
        Map<NormalisedIdentity, List<Left>> gone = new HashMap<>();
        for (Left l : left) {
            NormalisedIdentity id = identity(() -> NormalisedIdentity.of(store.path(l.hash())));
            if (id != null && arrivals.containsKey(id)) {
                gone.computeIfAbsent(id, k -> new ArrayList<>()).add(l);
            }
        }
        List<Match> out = new ArrayList<>();
        gone.forEach((id, ls) -> {
            List<LocalMoves.Arrival> as = arrivals.getOrDefault(id, List.of());
            if (ls.size() == 1 && as.size() == 1 && ls.get(0).maildir() != as.get(0).maildir()) {
                out.add(new Match(as.get(0).maildir(), as.get(0).hash(), ls.get(0).maildir(), ls.get(0).hash()));
            } else {
                log.debug("a mail reader's save matches {} contents that left and {} files: not taken for a move",
                        ls.size(), as.size());
            }
        });
        return out;
    }

    /** The contents in scope that left their Maildir, except those that arrived elsewhere as they were. */
    private static List<Left> left(List<LocalView> locals, Expected expected, Set<ContentHash> known) {
        List<Left> out = new ArrayList<>();
        for (int t = 0; t < locals.size(); t++) {
            for (ContentHash h : expected.in(t).keySet()) {
                // The same content gone from two Maildirs is two candidates: no match.
                if (!locals.get(t).has(h) && !known.contains(h)) {
                    out.add(new Left(t, h));
                }
            }
        }
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
