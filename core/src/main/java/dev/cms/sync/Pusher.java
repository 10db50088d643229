package dev.cms.sync;

import dev.cms.model.Flags;
import dev.cms.provider.Change;
import dev.cms.store.MessageStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Applies a mailbox's planned changes in the cloud and brings this cycle's listings in step. */
final class Pusher {
    private static final Logger log = LoggerFactory.getLogger(Pusher.class);
    private final MessageStore store;

    Pusher(MessageStore store) {
        this.store = store;
    }

    /**
     * Pushes {@code pushes} to mailbox {@code c}; on failure the mailbox's refresh fails (its
     * files stay as they are this cycle). {@code refreshes}: this cycle's, for the account's other
     * mailboxes, which see a pushed flag at once.
     */
    void push(CloudState c, Refresh r, List<PushPlan.Push> pushes, Map<CloudState, Refresh> refreshes,
            CycleReport rep) throws InterruptedException {
        if (pushes.isEmpty()) {
            return;
        }
        List<Change> changes = new ArrayList<>(pushes.size());
        for (PushPlan.Push p : pushes) {
            changes.add(p.change());
        }
        try {
            c.box.apply(changes);
        } catch (IOException e) {
            r.failure = e;
            rep.mailboxFailed(c.key(), Failure.Phase.PUSH,
                    "pushing " + changes.size() + " change(s) failed: " + e.getMessage(), e);
            return;
        }
        for (PushPlan.Push p : pushes) {
            Change ch = p.change();
            if (ch.delete()) {
                r.now().remove(ch.id());
                rep.pushedDeletes++;
                log.info("{}: deleted in the cloud: {}", c.key(), p.file() != null ? p.file()
                        : "the message " + LogNames.subject(store.path(p.hash()), ch.id()) + ", deleted locally");
            } else {
                r.now().updateFlags(ch.id(), ch.to());
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
     * A message's flags are the account's, not one mailbox's: a flag pushed through one Gmail
     * label's Maildir is shown at once in the other labels' Maildirs holding that message.
     */
    private static void sameMessageElsewhere(CloudState c, String id, Flags flags, Map<CloudState, Refresh> refreshes) {
        for (Map.Entry<CloudState, Refresh> e : refreshes.entrySet()) {
            CloudState other = e.getKey();
            Refresh r = e.getValue();
            if (c.sameAccount(other) && r.active() && r.now != null) {
                r.now.updateFlags(id, flags.retain(other.supported));
            }
        }
    }
}
