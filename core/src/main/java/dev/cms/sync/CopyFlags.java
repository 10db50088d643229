package dev.cms.sync;

import dev.cms.maildir.MaildirFile;
import dev.cms.model.Flag;
import dev.cms.model.Flags;
import java.util.List;
import java.util.Set;

/**
 * The flags of one local file that stands for several things at once: several cloud copies
 * of the same bytes (DESIGN §3), or several local files of the same content (a user's
 * {@code cp}). The rule: a sync never writes to the cloud what no user changed. The file
 * shows a flag when any copy that can store it has it ({@link #combine}); a change is what a
 * file differs in from what it showed ({@link #local}); only those flags go to each copy
 * ({@link #localChanges}).
 */
final class CopyFlags {
    private CopyFlags() {}

    /** {@code shown} with each flag of {@code supported} that {@code copy} has added. */
    static Flags combine(Flags shown, Flags copy, Set<Flag> supported) {
        Flags out = shown;
        for (Flag f : supported) {
            if (copy.has(f)) {
                out = out.with(f);
            }
        }
        return out;
    }

    /**
     * The managed flags of a message's local files: for each flag, the value of a file that
     * changed it from what the files showed ({@code shown}), else the shown value; a T on any
     * file counts.
     */
    static Flags local(List<MaildirFile> files, Flags shown) {
        Flags out = shown.without(Flag.TRASHED);
        for (Flag f : Flag.values()) {
            for (MaildirFile file : files) {
                if (file.flags().has(f) != shown.has(f)) {
                    out = out.with(f, file.flags().has(f));
                    break;
                }
            }
        }
        return out;
    }

    /** One copy's flags with only the local changes applied: what {@code local} changed since the file showed {@code shown}. */
    static Flags localChanges(Flags copy, Flags shown, Flags local) {
        Flags out = copy;
        for (Flag f : Flag.values()) {
            if (local.has(f) != shown.has(f)) {
                out = out.with(f, local.has(f));
            }
        }
        return out;
    }
}
