package dev.cms.sync;

import dev.cms.maildir.MaildirFile;
import dev.cms.model.ContentHash;
import dev.cms.model.Flags;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Plans how one Maildir comes to show what the cloud holds (pure: no I/O): each file of a
 * content in scope is renamed to its wanted flags, kept (a mailbox that was not refreshed had
 * it), removed (the previous cycle placed its content here and the cloud no longer has it
 * here), or moved to lost+found (a file that is no message of the cloud); each wanted content
 * without a file is delivered. A mail reader's save the cloud took as a move or copy is replaced
 * by the message's own body: that is delivered first, and the reader's file removed after it.
 */
final class MaildirPlan {
    /** One step for a Maildir. */
    sealed interface Action permits Rename, Remove, ToLostFound, Deliver, Replaced {
        ContentHash hash();
    }

    /** Gives {@code file} the flags {@code flags}. */
    record Rename(MaildirFile file, ContentHash hash, Flags flags, Want want) implements Action {}

    /** Removes {@code file}, which the previous cycle placed here for {@code sources}. */
    record Remove(MaildirFile file, ContentHash hash, List<Source> sources) implements Action {}

    /** Moves {@code file}, which is no message of the cloud, to lost+found. */
    record ToLostFound(MaildirFile file, ContentHash hash) implements Action {}

    /** Links the stored body of {@code hash} into the Maildir with {@code flags}. */
    record Deliver(ContentHash hash, Flags flags, Want want) implements Action {}

    /**
     * Removes {@code file}, a mail reader's save of the message of content {@code by}, once a file
     * of {@code by} is in the Maildir (planned after its delivery; kept when that failed).
     */
    record Replaced(MaildirFile file, ContentHash hash, ContentHash by) implements Action {}

    private MaildirPlan() {}

    /**
     * @param local the Maildir's files
     * @param scope the contents to plan; null: every content
     * @param want what each content of the cloud routed here should show
     * @param expectedHere the snapshot's messages that were here after the previous cycle, by content
     * @param protects whether a content stays as it is (a mailbox not refreshed this cycle had it here)
     */
    static List<Action> plan(LocalView local, @Nullable Set<ContentHash> scope, Map<ContentHash, Want> want,
            Map<ContentHash, List<Source>> expectedHere, Predicate<ContentHash> protects) {
        return plan(local, scope, want, expectedHere, protects, Map.of());
    }

    /**
     * As above; {@code saves}: the contents of mail readers' saves the cloud took as moves or
     * copies into this Maildir, with the message's content that replaces each.
     */
    static List<Action> plan(LocalView local, @Nullable Set<ContentHash> scope, Map<ContentHash, Want> want,
            Map<ContentHash, List<Source>> expectedHere, Predicate<ContentHash> protects,
            Map<ContentHash, ContentHash> saves) {
        List<Action> out = new ArrayList<>();
        List<Action> last = new ArrayList<>();
        for (ContentHash h : scope == null ? local.hashes() : scope) {
            List<MaildirFile> present = local.files(h);
            if (present == null) {
                continue;
            }
            Want w = want.get(h);
            for (MaildirFile f : present) {
                if (w != null) {
                    Flags target = w.target(f.flags());
                    if (!target.equals(f.flags())) {
                        out.add(new Rename(f, h, target, w));
                    }
                } else if (protects.test(h)) {
                    break;
                } else if (saves.containsKey(h) && want.containsKey(saves.get(h))) {
                    last.add(new Replaced(f, h, saves.get(h)));
                } else if (expectedHere.containsKey(h)) {
                    out.add(new Remove(f, h, expectedHere.get(h)));
                } else {
                    out.add(new ToLostFound(f, h));
                }
            }
        }
        for (Map.Entry<ContentHash, Want> e : want.entrySet()) {
            if (!local.has(e.getKey())) {
                out.add(new Deliver(e.getKey(), e.getValue().target(Flags.NONE), e.getValue()));
            }
        }
        out.addAll(last);
        return out;
    }
}
