package dev.cms.sync;

import dev.cms.model.ContentHash;
import dev.cms.model.Flags;
import dev.cms.provider.Change;
import dev.cms.provider.ChangesOutcomeUnknownException;
import dev.cms.provider.ChangesRefusedException;
import dev.cms.provider.CloudMailbox;
import dev.cms.store.MessageStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies a mailbox's planned changes in the cloud (flags, deletions, local moves and copies) and
 * brings this cycle's listings in step.
 */
final class Pusher {
    private static final Logger log = LoggerFactory.getLogger(Pusher.class);
    private final MessageStore store;

    Pusher(MessageStore store) {
        this.store = store;
    }

    /**
     * Pushes {@code pushes} to mailbox {@code c}; on failure the mailbox's refresh fails (its
     * files stay as they are this cycle). {@code refreshes}: this cycle's, for the account's other
     * mailboxes, which see a pushed flag, and a message moved or copied into them, at once.
     * Tells {@code moves} which of its transfers the cloud took.
     */
    void push(CloudState c, Refresh r, List<PushPlan.Push> pushes, Map<CloudState, Refresh> refreshes,
            LocalMoves moves, CycleReport rep) throws InterruptedException {
        if (pushes.isEmpty()) {
            return;
        }
        List<Change> changes = new ArrayList<>(pushes.size());
        for (PushPlan.Push p : pushes) {
            changes.add(p.change());
        }
        Map<Change, String> placed;
        try {
            placed = c.box.apply(changes);
        } catch (ChangesRefusedException e) {
            // Refused for what it is: never tried again; the next cycle undoes it here (start-up
            // rules for the message: its file comes back, the one the user moved goes to lost+found).
            for (Change ch : e.refused()) {
                c.unsettled.add(ch.id());
            }
            r.failure = e;
            rep.mailboxFailed(c.key(), Failure.Phase.PUSH, e.getMessage() + "; undone here at the next cycle", e);
            return;
        } catch (ChangesOutcomeUnknownException e) {
            for (Change ch : e.unknown()) {
                CloudMailbox into = ch.into();
                if (into != null) {
                    c.transfersSentOnce.add(List.of(ch.id(), into.key()));
                }
            }
            r.failure = e;
            rep.mailboxFailed(c.key(), Failure.Phase.PUSH,
                    "pushing " + changes.size() + " change(s) failed: " + e.getMessage(), e);
            return;
        } catch (IOException e) {
            r.failure = e;
            rep.mailboxFailed(c.key(), Failure.Phase.PUSH,
                    "pushing " + changes.size() + " change(s) failed: " + e.getMessage(), e);
            return;
        }
        for (PushPlan.Push p : pushes) {
            Change ch = p.change();
            if (ch.into() != null) {
                transferred(c, r, p, placed.get(ch), refreshes, moves, rep);
            } else if (ch.delete()) {
                r.now().remove(ch.id());
                rep.pushedDeletes++;
                log.info("{}: deleted in the cloud: {}", c.key(), p.file() != null ? p.file()
                        : "the message " + LogNames.subject(store.path(p.hash()), ch.id()) + ", deleted locally");
            } else {
                r.now().updateFlags(ch.id(), ch.to());
                r.pushedFlags.add(ch.id());
                sameMessageElsewhere(c, ch.id(), ch.to(), refreshes);
                rep.pushedFlags++;
                log.info("{}: flags {} -> {} in the cloud: {}", c.key(), LogNames.letters(ch.from()),
                        LogNames.letters(ch.to()), p.file());
                if (log.isDebugEnabled()) {
                    Entry pushed = Objects.requireNonNull(r.now().get(ch.id()), "a pushed message is listed");
                    log.debug("{}: (that is {})", c.key(), LogNames.subject(store.path(pushed.hash()), ch.id()));
                }
            }
        }
    }

    /**
     * A move or copy the cloud took: the message leaves this cycle's listing of {@code c} (a
     * move), and is in the destination's under {@code placedId} (routed like any new message
     * there), its body known, so that nothing is downloaded again. Null {@code placedId}: the
     * message was gone.
     */
    private void transferred(CloudState c, Refresh r, PushPlan.Push p, @Nullable String placedId,
            Map<CloudState, Refresh> refreshes, LocalMoves moves, CycleReport rep) {
        Change ch = p.change();
        Entry was = r.now().get(ch.id());
        CloudState into = null;
        for (CloudState d : refreshes.keySet()) {
            if (d.box == ch.into()) {
                into = d;
            }
        }
        LocalMoves.Transfer t = moves.of(c).get(ch.id());
        // An Office365 copy is a new message: the flags set on the saved file are its alone.
        boolean newMessage = ch.copy() && Objects.requireNonNull(ch.into(), "a copy's destination").copyIsOwnMessage();
        if (ch.moves()) {
            r.now().remove(ch.id());
        } else if (!newMessage) {
            r.now().updateFlags(ch.id(), ch.to());
        }
        if (!newMessage && !ch.from().equals(ch.to())) {
            sameMessageElsewhere(c, ch.id(), ch.to(), refreshes);
        }
        if (placedId == null || into == null || was == null) {
            log.info("{}: not {} in the cloud, the message is gone: {}", c.key(), ch.moves() ? "moved" : "copied",
                    p.file());
            return;
        }
        into.rememberContent(placedId, p.hash());
        if (!placedId.equals(ch.id())) {
            recordId(into, placedId, p.hash());
        }
        Refresh rd = refreshes.get(into);
        if (rd != null && rd.active() && rd.now != null) {
            rd.now.put(placedId, new Entry(p.hash(), ch.to().retain(into.supported), was.receivedMillis(), -1));
        }
        if (t != null) {
            moves.pushed(t);
        }
        if (ch.moves()) {
            rep.pushedMoves++;
        } else {
            rep.pushedCopies++;
        }
        log.info("{}: {} {} in the cloud{}: {}", c.key(), ch.moves() ? "moved to" : "copied to", into.key(),
                ch.from().equals(ch.to()) ? "" : ", flags " + LogNames.letters(ch.from()) + " -> "
                        + LogNames.letters(ch.to()), p.file());
    }

    /** The store's record of ids knows a copy's new id, so a listing after a lost state.db links its body. */
    private void recordId(CloudState into, String id, ContentHash h) {
        try {
            store.recordIds(into.account, Map.of(id, h));
        } catch (IOException e) {
            log.debug("cannot record id {} of {} in the store: {}", id, into.key(), e.toString());
        }
    }

    /**
     * A message's flags are the account's, not one mailbox's: a flag pushed through one Gmail
     * label's Maildir is shown at once in the other labels' Maildirs holding that message.
     */
    private static void sameMessageElsewhere(CloudState c, String id, Flags flags, Map<CloudState, Refresh> refreshes) {
        for (Map.Entry<CloudState, Refresh> e : refreshes.entrySet()) {
            CloudState other = e.getKey();
            Refresh r = e.getValue();
            if (c.sameAccount(other) && r.active() && r.now != null) {
                r.now.updateFlagsPushedElsewhere(id, flags.retain(other.supported));
            }
        }
    }
}
