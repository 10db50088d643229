package dev.cms.sync;

import dev.cms.model.ContentHash;
import dev.cms.model.Flag;
import dev.cms.provider.CloudMailbox;
import java.time.Instant;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/** What the engine keeps of one cloud mailbox between cycles. */
final class CloudState {
    final CloudMailbox box;
    /** Its position in the configuration (the router's mailbox index). */
    final int index;
    /** The flags it stores, without T (a deletion is not a flag in the cloud). */
    final Set<Flag> supported;
    /** The account: mailboxes of one account share message ids. */
    final String account;
    /** The committed snapshot: cloud state after our pushes, as forced locally. */
    Snapshot snapshot = new Snapshot();
    /**
     * Bodies known for messages beyond what the snapshot says: downloaded and not yet committed,
     * or kept from an uncommitted cycle. Together with the snapshot's hashes, every body this
     * mailbox knows (see {@link #contentOf}).
     */
    private Map<String, ContentHash> newContent = new HashMap<>();
    /** Messages of the snapshot whose body was found missing: unknown until downloaded again. */
    private final Set<String> forgotten = new HashSet<>();
    @Nullable String token;
    /**
     * Start-up rules (DESIGN §5: the cloud is authoritative) hold for the whole mailbox until
     * a cycle of it succeeds, and after that for the messages whose Maildir update failed
     * in that cycle ({@link #unsettled}) until one succeeds for them.
     */
    boolean startup = true;
    Set<String> unsettled = new HashSet<>();
    /** When the listing is next checked against the service's counts; null: at the first chance. */
    @Nullable Instant nextCheck;
    /** The service's counts minus the listing's, measured after a full listing (see {@link CloudRefresh}). */
    int totalGap;
    int unreadGap;
    /** Messages routed and delivered during this cycle's download (by the current rules). */
    final Set<String> routedThisCycle = new HashSet<>();
    /**
     * Moves and copies of this mailbox's messages that may have been made (in part) although the
     * service gave no usable answer ({@link dev.cms.provider.ChangesOutcomeUnknownException}), as message id and
     * destination mailbox key: never sent again in this run.
     */
    final Set<List<String>> transfersSentOnce = new HashSet<>();
    /**
     * Messages whose file the last cycle found gone from its Maildir, with no arrival elsewhere
     * to make it a move, and did not yet push as a deletion: under a watcher the two halves of an
     * {@code mv} between Maildirs can reach the engine in two cycles, so while a Maildir holds a
     * file not seen yet, a departure waits a cycle. Seen gone again by the next cycle, it is a
     * deletion (or a move, once the arrival is seen).
     */
    Set<String> departing = new HashSet<>();

    CloudState(CloudMailbox box, int index) {
        this.box = box;
        this.index = index;
        EnumSet<Flag> s = EnumSet.noneOf(Flag.class);
        s.addAll(box.supportedFlags());
        s.remove(Flag.TRASHED);
        this.supported = Collections.unmodifiableSet(s);
        this.account = box.accountKey();
    }

    String key() {
        return box.key();
    }

    /** Sizes the empty snapshot for {@code messages} messages, before they are loaded (no growing while loading). */
    void presize(int messages) {
        if (snapshot.isEmpty() && messages > 0) {
            snapshot = new Snapshot(messages);
        }
    }

    /** The body hash of message {@code id} if this mailbox knows it. */
    @Nullable ContentHash contentOf(String id) {
        ContentHash h = newContent.get(id);
        if (h != null || forgotten.contains(id)) {
            return h;
        }
        Entry e = snapshot.get(id);
        return e == null ? null : e.hash();
    }

    /** Message {@code id}'s body, {@code h}, is in the store. */
    void rememberContent(String id, ContentHash h) {
        forgotten.remove(id);
        Entry e = snapshot.get(id);
        if (e != null && e.hash().equals(h)) {
            newContent.remove(id);
        } else {
            newContent.put(id, h);
        }
    }

    /** Message {@code id}'s body was found missing: it is downloaded again. */
    void forgetContent(String id) {
        newContent.remove(id);
        if (snapshot.containsKey(id)) {
            forgotten.add(id);
        }
    }

    /** Every message whose body this mailbox knows, with its hash. */
    void forEachContent(BiConsumer<String, ContentHash> action) {
        snapshot.forEach((id, e) -> {
            if (!newContent.containsKey(id) && !forgotten.contains(id)) {
                action.accept(id, e.hash());
            }
        });
        newContent.forEach(action);
    }

    /** How many bodies this mailbox knows beyond its snapshot's (for a log line). */
    int newContentCount() {
        return newContent.size();
    }

    /**
     * Takes a committed cycle's outcome as the snapshot. {@code settled}: the cycle saw every
     * change of the mailbox, so bodies of messages that left it are forgotten; otherwise they
     * are kept, so a message that comes back is not downloaded again.
     */
    void adopt(Listed now, boolean settled) {
        if (!settled) {
            keepContentOfLeaving(now);
        }
        if (now.full) {
            snapshot = now.changed();
        } else {
            snapshot.putAll(now.changed());
            now.removed().forEach(snapshot::remove);
        }
        newContent.entrySet().removeIf(m -> {
            Entry e = snapshot.get(m.getKey());
            return e != null ? e.hash().equals(m.getValue()) : settled;
        });
        if (newContent.isEmpty()) {
            newContent = new HashMap<>(); // a cleared map keeps its table: 100k slots after a first sync
        }
        forgotten.removeIf(id -> !snapshot.containsKey(id));
    }

    private void keepContentOfLeaving(Listed now) {
        if (now.full) {
            snapshot.forEach((id, e) -> {
                if (!now.changed().containsKey(id)) {
                    keepContent(id, e);
                }
            });
        } else {
            for (String id : now.removed()) {
                Entry e = snapshot.get(id);
                if (e != null) {
                    keepContent(id, e);
                }
            }
        }
    }

    private void keepContent(String id, Entry e) {
        if (!forgotten.contains(id)) {
            newContent.putIfAbsent(id, e.hash());
        }
    }

    /** Whether {@code other} is another mailbox of the same account (so shares message ids). */
    boolean sameAccount(CloudState other) {
        return other != this && other.account.equals(account);
    }
}
