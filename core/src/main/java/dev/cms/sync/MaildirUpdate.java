package dev.cms.sync;

import dev.cms.maildir.MaildirFile;
import dev.cms.maildir.MaildirFolder;
import dev.cms.model.ContentHash;
import dev.cms.store.MessageStore;
import dev.cms.store.StatIndex;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out a {@link MaildirPlan} on one Maildir, keeping the view in step. A step that
 * fails leaves its messages' previous snapshot entries in place (so the next cycle tries
 * again instead of mistaking the file for a user's change) and is reported as a skipped item.
 */
final class MaildirUpdate {
    private static final Logger log = LoggerFactory.getLogger(MaildirUpdate.class);
    private final List<MaildirFolder> maildirs;
    private final List<String> keys;
    private final MessageStore store;
    private final StatIndex stats;
    private final LocalSide local;
    private final Bodies bodies;
    private final SyncEngine.OwnChanges ownChanges;
    /** Problems already logged; kept while they recur. */
    private final Set<String> reported = new HashSet<>();
    /** This cycle: why a user's file goes to lost+found rather than to the cloud, by its path. */
    private final Map<Path, String> why = new HashMap<>();

    MaildirUpdate(List<MaildirFolder> maildirs, List<String> keys, MessageStore store, StatIndex stats,
            LocalSide local, Bodies bodies, SyncEngine.OwnChanges ownChanges) {
        this.maildirs = maildirs;
        this.keys = keys;
        this.store = store;
        this.stats = stats;
        this.local = local;
        this.bodies = bodies;
        this.ownChanges = ownChanges;
    }

    /** Carries out {@code actions} on Maildir {@code i}, whose view is {@code view}. */
    void run(int i, LocalView view, List<MaildirPlan.Action> actions, Map<CloudState, Refresh> refreshed,
            CycleReport rep) {
        for (MaildirPlan.Action a : actions) {
            if (a instanceof MaildirPlan.Deliver d) {
                deliver(i, view, d, refreshed, rep);
                continue;
            }
            MaildirFile f = fileOf(a);
            Want w = a instanceof MaildirPlan.Rename r ? r.want() : null;
            try {
                change(i, view, a, refreshed, rep);
            } catch (NoSuchFileException gone) {
                // A mail reader renamed or removed it meanwhile: look again next cycle (the view
                // keeps it until then, so its content is not delivered again now).
                local.markDirty(i, f.path());
                rep.rerunSoon = true;
                failSources(w, refreshed);
                if (w != null) {
                    for (Source s : w.sources) {
                        refreshOf(refreshed, s.cloud()).changedMeanwhile.add(s.id());
                    }
                }
            } catch (IOException ex) {
                Failure.Phase phase = a instanceof MaildirPlan.Rename ? Failure.Phase.RENAME
                        : a instanceof MaildirPlan.ToLostFound ? Failure.Phase.LOST_AND_FOUND : Failure.Phase.REMOVE;
                problem(rep, phase, "Maildir " + keys.get(i) + ": " + f.path().getFileName() + ": " + ex.getMessage());
                failSources(w, refreshed);
            }
        }
    }

    private static MaildirFile fileOf(MaildirPlan.Action a) {
        if (a instanceof MaildirPlan.Rename r) {
            return r.file();
        }
        if (a instanceof MaildirPlan.Remove r) {
            return r.file();
        }
        if (a instanceof MaildirPlan.ToLostFound l) {
            return l.file();
        }
        if (a instanceof MaildirPlan.Replaced r) {
            return r.file();
        }
        throw new IllegalArgumentException("a delivery has no file yet");
    }

    private void change(int i, LocalView view, MaildirPlan.Action a, Map<CloudState, Refresh> refreshed,
            CycleReport rep) throws IOException {
        MaildirFolder folder = maildirs.get(i);
        if (a instanceof MaildirPlan.Rename r) {
            // Both names are expected before the rename, or the watcher may see it first.
            MaildirFile renamed = folder.setFlags(r.file(), r.flags(), ownChanges::expect);
            view.remove(r.file().path());
            view.add(renamed, r.hash());
            stats.record(renamed.stat(), r.hash(), renamed.name().base());
            rep.renamed++;
        } else if (a instanceof MaildirPlan.Remove r) {
            ownChanges.expect(r.file().path());
            try {
                if (folder.remove(r.file())) {
                    rep.removed++;
                }
                view.remove(r.file().path());
                local.renameInStatIndex(r.hash());
            } catch (IOException ex) {
                // Still on disk: the snapshot keeps saying so, or the file would later look
                // like a user's own and go to lost+found.
                keepPrevious(r.sources(), refreshed);
                throw ex;
            }
        } else if (a instanceof MaildirPlan.ToLostFound l) {
            ownChanges.expect(l.file().path());
            Path moved = store.moveToLostFound(l.file().path());
            view.remove(l.file().path());
            local.renameInStatIndex(l.hash());
            rep.lostFound++;
            String reason = why.get(l.file().path());
            log.warn("{} is not a message the cloud has{}; moved it to {}", l.file().path(),
                    reason == null ? "" : " and is not uploaded (" + reason + ")", moved);
        } else if (a instanceof MaildirPlan.Replaced r) {
            replace(folder, view, r);
        }
    }

    /**
     * Removes a mail reader's save once the message's own body is in the Maildir (delivered just
     * before): a crash or a failed delivery leaves both files, never neither.
     */
    private void replace(MaildirFolder folder, LocalView view, MaildirPlan.Replaced r) throws IOException {
        if (!view.has(r.by())) {
            log.info("{}: kept until the message's own copy is delivered", r.file().path());
            return;
        }
        ownChanges.expect(r.file().path());
        boolean removed = folder.remove(r.file()); // false: the reader renamed or removed it meanwhile
        view.remove(r.file().path());
        local.renameInStatIndex(r.hash());
        if (removed) {
            log.info("{}: replaced by the message as the cloud has it (without the header lines the mail "
                    + "reader added)", r.file().path());
        }
    }

    private void deliver(int i, LocalView view, MaildirPlan.Deliver d, Map<CloudState, Refresh> refreshed,
            CycleReport rep) {
        Want w = d.want();
        try {
            // Each name is expected before it is made, or the watcher may see it first.
            MaildirFile f = maildirs.get(i).deliver(store.path(d.hash()), d.flags(), w.received, ownChanges::expect);
            view.add(f, d.hash());
            stats.record(f.stat(), d.hash(), f.name().base());
            rep.delivered++;
        } catch (NoSuchFileException missing) {
            if (Files.exists(store.path(d.hash()))) {
                // Not the body: a mail reader changed the Maildir meanwhile. Look again soon.
                rep.rerunSoon = true;
                failSources(w, refreshed);
                return;
            }
            bodies.missing(d.hash(), w.sources);
            problem(rep, Failure.Phase.DELIVER,
                    "the body of " + d.hash().shortHex() + " is missing from the store; it will be downloaded again");
            failSources(w, refreshed);
        } catch (IOException ex) {
            problem(rep, Failure.Phase.DELIVER,
                    "Maildir " + keys.get(i) + ": delivering " + d.hash().shortHex() + " failed: " + ex.getMessage());
            failSources(w, refreshed);
        }
    }

    /**
     * Records a file or message that could not be handled this cycle; it is logged when first
     * seen, and again only after a cycle without it.
     */
    private void problem(CycleReport rep, Failure.Phase phase, String message) {
        rep.fail(Failure.ofItem(phase, message));
        if (reported.add(message)) {
            log.warn("{} (skipped; tried again each cycle)", message);
        } else {
            log.debug("{} (still)", message);
        }
    }

    /** Forgets problems that did not recur this cycle, so they are logged again when they do. */
    void cycleEnded(CycleReport rep) {
        reported.retainAll(rep.problems());
        why.clear();
    }

    /** The directory of Maildir {@code i}. */
    java.nio.file.Path root(int i) {
        return maildirs.get(i).root();
    }

    /** Should {@code file} go to lost+found this cycle, its warning says {@code reason} (why it was not uploaded). */
    void explain(Path file, String reason) {
        why.put(file, reason);
    }

    /**
     * Replaces a user's {@code file} of Maildir {@code i} by the stored body {@code h} (the cloud's
     * version of it), keeping the file's flags: the new file is in place before the old one goes.
     */
    void replace(int i, LocalView view, MaildirFile file, ContentHash h, @Nullable Instant received)
            throws IOException {
        MaildirFolder folder = maildirs.get(i);
        MaildirFile f = folder.deliver(store.path(h), file.flags(), received, ownChanges::expect);
        view.add(f, h);
        stats.record(f.stat(), h, f.name().base());
        ownChanges.expect(file.path());
        folder.remove(file);
        ContentHash old = view.remove(file.path());
        if (old != null) {
            local.renameInStatIndex(old);
        }
    }

    private static void failSources(@Nullable Want w, Map<CloudState, Refresh> refreshed) {
        if (w != null) {
            keepPrevious(w.sources, refreshed);
        }
    }

    /** These messages keep their previous snapshot entries (and their mailbox its sync token). */
    private static void keepPrevious(List<Source> sources, Map<CloudState, Refresh> refreshed) {
        for (Source s : sources) {
            refreshOf(refreshed, s.cloud()).failedIds.add(s.id());
        }
    }

    private static Refresh refreshOf(Map<CloudState, Refresh> refreshed, CloudState c) {
        return Objects.requireNonNull(refreshed.get(c), "every cloud mailbox has a refresh in a cycle");
    }
}
