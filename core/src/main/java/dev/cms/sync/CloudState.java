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
import java.util.Set;
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
    Map<String, Entry> snapshot = new HashMap<>();
    /** Every body hash we know for this mailbox, committed or just downloaded. */
    Map<String, ContentHash> content = new HashMap<>();
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

    /** Sizes the empty maps for {@code messages} messages, before they are loaded (no rehashing of 100k entries). */
    void presize(int messages) {
        if (snapshot.isEmpty() && content.isEmpty() && messages > 0) {
            int capacity = (int) Math.min(1 << 30, messages * 4L / 3 + 16);
            snapshot = new HashMap<>(capacity);
            content = new HashMap<>(capacity);
        }
    }

    /** Whether {@code other} is another mailbox of the same account (so shares message ids). */
    boolean sameAccount(CloudState other) {
        return other != this && other.account.equals(account);
    }
}
