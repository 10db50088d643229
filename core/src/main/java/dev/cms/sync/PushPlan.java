package dev.cms.sync;

import dev.cms.maildir.MaildirFile;
import dev.cms.model.ContentHash;
import dev.cms.model.Flag;
import dev.cms.model.Flags;
import dev.cms.provider.Change;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.BiPredicate;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Plans the cloud changes of one mailbox from the local files (pure: no I/O). Under start-up
 * rules (the whole mailbox until a cycle of it succeeded, or one unsettled message) nothing is
 * pushed, except with {@code --offline}, where local flags are trusted and missing files are
 * ignored. Otherwise a flag is pushed to a copy only when the local file changed it since the
 * previous cycle and the cloud did not change it on that copy, and a message whose file is
 * gone, or carries T, is deleted; a message whose file the user moved or copied into another
 * Maildir of its account ({@link LocalMoves}) is moved or copied there instead, under the rules
 * of a deletion. A message a mail reader rewrote in its own Maildir is no deletion: the
 * rewritten file's flags count as its file's.
 */
final class PushPlan {
    /**
     * One change for the cloud and what the log names it by.
     *
     * @param file the local file's name; null for a message whose file is gone (the log names
     *     it by its subject, read from {@code hash}'s body)
     */
    record Push(Change change, @Nullable String file, ContentHash hash) {}

    private PushPlan() {}

    /**
     * @param now the mailbox as this cycle listed it
     * @param locals each Maildir's view
     * @param expected the snapshot's messages in scope, per Maildir
     * @param journaled whether the crash journal names a content of a Maildir (its change is pushed at start-up)
     * @param transfers the mailbox's messages the user moved or copied into another Maildir of the account, by id
     */
    static List<Push> plan(CloudState c, Listed now, List<LocalView> locals, Expected expected,
            BiPredicate<Integer, ContentHash> journaled, boolean offline, Map<String, LocalMoves.Transfer> transfers) {
        return plan(c, now, locals, expected, journaled, offline, transfers, (m, h) -> null, id -> true, id -> { });
    }

    /**
     * As above, with {@code rewritten}: for a content of a Maildir, the content of the file a mail
     * reader rewrote it into in that Maildir ({@link LocalMoves#rewrittenInPlace}), or null. Such a
     * message's file did not go: its flags are those of the rewritten file. A message whose file
     * is gone with no transfer is deleted only when {@code mayDelete} says so; otherwise it goes to
     * {@code deferred} (nothing pushed).
     */
    static List<Push> plan(CloudState c, Listed now, List<LocalView> locals, Expected expected,
            BiPredicate<Integer, ContentHash> journaled, boolean offline, Map<String, LocalMoves.Transfer> transfers,
            BiFunction<Integer, ContentHash, @Nullable ContentHash> rewritten, Predicate<String> mayDelete,
            Consumer<String> deferred) {
        List<Push> out = new ArrayList<>();
        for (String id : expected.idsOf(c)) {
            Entry prev = Objects.requireNonNull(c.snapshot.get(id), "a source is in the snapshot");
            Entry cur = now.get(id);
            if (cur == null || prev.target() < 0 || !cur.hash().equals(prev.hash())) {
                continue;
            }
            boolean startupRules = startupRules(c, id, prev, journaled);
            if (startupRules && !offline) {
                continue;
            }
            // Like a deletion, a move or copy is never pushed under start-up rules.
            LocalMoves.Transfer t = startupRules ? null : transfers.get(id);
            List<MaildirFile> files = locals.get(prev.target()).files(prev.hash());
            ContentHash rewrite = files != null || t != null || startupRules ? null
                    : rewritten.apply(prev.target(), prev.hash());
            if (rewrite != null) {
                files = locals.get(prev.target()).files(rewrite);
            }
            if (files == null) {
                if (t != null) {
                    out.add(moved(c, id, prev, cur, t, locals, expected));
                } else if (!startupRules && mayDelete.test(id)) {
                    out.add(new Push(Change.delete(id, cur.flags()), null, prev.hash()));
                } else if (!startupRules) {
                    deferred.accept(id);
                }
                continue;
            }
            Push p = one(c, id, prev, cur, now.listedFlags(id, cur.flags()), files, expected, startupRules);
            if (p != null) {
                out.add(p);
            }
            if (t != null && (p == null || !p.change().delete())) {
                Flags flags = p == null ? cur.flags() : p.change().to();
                Flags copy = flags;
                if (t.into().box.copyIsOwnMessage()) {
                    List<MaildirFile> saved = Objects.requireNonNull(locals.get(t.maildir()).files(t.arrived()),
                            "an arrival has a file");
                    copy = copied(flags, expected.shown(prev), saved, c.supported);
                }
                out.add(new Push(Change.copy(id, flags, copy, t.into().box), name(files), prev.hash()));
            }
        }
        return out;
    }

    /** Whether start-up rules hold for message {@code id} of {@code c} (see the class comment). */
    static boolean startupRules(CloudState c, String id, Entry prev, BiPredicate<Integer, ContentHash> journaled) {
        return c.startup && !journaled.test(prev.target(), prev.hash()) || c.unsettled.contains(id);
    }

    /**
     * The move of message {@code id}, whose file left its Maildir for the transfer's, with the
     * flags that file shows as changed (a file marked T there is a deletion, as in its own Maildir);
     * for a mail reader's save, the flags of the file the reader wrote.
     */
    private static Push moved(CloudState c, String id, Entry prev, Entry cur, LocalMoves.Transfer t,
            List<LocalView> locals, Expected expected) {
        List<MaildirFile> files = Objects.requireNonNull(locals.get(t.maildir()).files(t.arrived()),
                "an arrival has a file");
        Push p = one(c, id, prev, cur, cur.flags(), files, expected, false);
        if (p != null && p.change().delete()) {
            return p;
        }
        Flags to = p == null ? cur.flags() : p.change().to();
        if (c.box.keepsMessagesMovedOut()) {
            // Moved out of All Mail, the message stays in it: a copy, and its file comes back here.
            return new Push(Change.copy(id, cur.flags(), to, t.into().box), name(files), prev.hash());
        }
        return new Push(Change.move(id, cur.flags(), to, t.into().box), name(files), prev.hash());
    }

    /**
     * A copy's flags where the copy is a message of its own (Office365): the message's
     * {@code flags}, with each flag the user changed on the saved file since the message's file
     * showed {@code shown} (a reader writes the copy with the flags it shows: S once read); never
     * T. Where the copy is the message under one more label (Gmail), its flags are the
     * original's, and a change would rename the original's file, which a reader that has just
     * saved it (neomutt's {@code s}) is about to remove: a renamed file it no longer removes, and
     * the move it meant would stay a copy. There the copy keeps the message's flags.
     */
    private static Flags copied(Flags flags, Flags shown, List<MaildirFile> saved, Set<Flag> supported) {
        Flags local = CopyFlags.local(saved, shown).without(Flag.TRASHED);
        return CopyFlags.localChanges(flags, shown, local).retain(supported);
    }

    private static String name(List<MaildirFile> files) {
        return files.get(0).path().getFileName().toString();
    }

    /** The change for message {@code id} whose content has local {@code files}; null when none. */
    private static @Nullable Push one(CloudState c, String id, Entry prev, Entry cur, Flags listed,
            List<MaildirFile> files, Expected expected, boolean startupRules) {
        String name = name(files);
        // The copy's own last-synced flags with what the user changed on the file: for a file
        // standing for copies that disagree, their combination alone pushes nothing. A file
        // that carries exactly this copy's flags changes nothing on it, whatever the other
        // copies hold (the common case: no need to know what the file showed).
        Flags mine = prev.flags();
        if (!showsExactly(files, prev.flags(), c.supported)) {
            Flags shown = expected.shown(prev);
            Flags local = CopyFlags.local(files, shown);
            if (local.has(Flag.TRASHED)) {
                return new Push(Change.delete(id, cur.flags()), name, prev.hash());
            }
            mine = CopyFlags.localChanges(prev.flags(), shown, local);
        }
        // --offline: local wins over what the listing found, not over a flag the user changed
        // on the message's file in another mailbox's Maildir, pushed there earlier this cycle.
        Flags merged = startupRules
                ? FlagMerge.merge(listed, mine, cur.flags(), c.supported)
                : FlagMerge.merge(prev.flags(), mine, cur.flags(), c.supported);
        return merged.equals(cur.flags()) ? null : new Push(Change.flags(id, cur.flags(), merged), name, prev.hash());
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
}
