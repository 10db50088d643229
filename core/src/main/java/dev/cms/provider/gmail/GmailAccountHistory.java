package dev.cms.provider.gmail;

import com.google.api.services.gmail.Gmail;
import com.google.api.services.gmail.model.History;
import com.google.api.services.gmail.model.HistoryLabelAdded;
import com.google.api.services.gmail.model.HistoryLabelRemoved;
import com.google.api.services.gmail.model.HistoryMessageAdded;
import com.google.api.services.gmail.model.HistoryMessageDeleted;
import com.google.api.services.gmail.model.ListHistoryResponse;
import dev.cms.provider.AccessTokenSource;
import dev.cms.provider.CloudAccount;
import dev.cms.provider.Listing;
import dev.cms.provider.gmail.GmailTransport.MalformedGmailResponse;
import dev.cms.time.Ticker;
import java.io.IOException;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The {@code history.list} reads of one Gmail account, shared by its label mailboxes so that
 * a poll of a whole account costs one request however many labels it syncs.
 *
 * <p>Gmail's history covers every label: read without a {@code labelId} filter it tells every
 * label what changed. The first label that asks in a poll reads the history from the oldest
 * history id any label of the account was last given (so one read covers them all); the other
 * labels of the same poll answer from that read, each taking only the records after its own
 * history id and only those about a message that had or has its label (what the
 * {@code labelId} filter would have returned), folded as before ({@link HistoryDelta}). Every
 * label's next history id is the read's {@code historyId}, so each label's listing is exactly
 * what a read of its own at that moment would have given.
 *
 * <p>"The same poll" needs no help from the engine: a read serves each label at most once (a
 * label asking again gets a new read), only while it is younger than {@link
 * #DEFAULT_FRESHNESS} on the ticker, and not after any label of the account changed the cloud
 * ({@link #changedCloud()}): a listing never reports a cloud older than a change already made.
 * When one mailbox alone uses the reader it reads with its {@code labelId} filter, as a
 * single-label mailbox always has.
 *
 * <p>An expired history id (404) of another label never costs the asking label its delta: the
 * read is repeated from the asker's own id; a 404 for that is the asker's to handle (a full
 * listing).
 */
public final class GmailAccountHistory {
    /** How long a read may serve the other labels of a poll. */
    public static final Duration DEFAULT_FRESHNESS = Duration.ofSeconds(20);

    /** One history read: records after {@code start} up to {@code end}, and who has used it. */
    private record Read(BigInteger start, BigInteger end, List<History> records, @Nullable String labelFilter,
                        long atNanos, Set<String> served) { }

    private final GmailTransport transport;
    private final Gmail gmail;
    private final Ticker ticker;
    private final long freshnessNanos;
    /** Mailbox key → the history id it was last given (the one it will most likely ask with next). */
    private final Map<String, BigInteger> lastGiven = new HashMap<>();
    private final Set<String> members = new HashSet<>();
    private @Nullable Read last;
    /** Every label id of the account as last listed; null before a listing was given. */
    private @Nullable Set<String> knownLabels;
    /** Label name → id, as last listed: a label's mailbox needs no {@code labels.list} of its own. */
    private Map<String, String> labelIds = Map.of();
    /** A history read named a label not in {@link #knownLabels} since {@link #takeLabelsChanged}. */
    private boolean labelsChanged;

    public GmailAccountHistory(CloudAccount account, AccessTokenSource tokens, GmailOptions options) {
        this(account, tokens, options, DEFAULT_FRESHNESS);
    }

    public GmailAccountHistory(CloudAccount account, AccessTokenSource tokens, GmailOptions options,
                               Duration freshness) {
        Objects.requireNonNull(account, "account");
        Objects.requireNonNull(tokens, "tokens");
        this.transport = new GmailTransport(account.endpoint(), account.user(), tokens, options);
        this.gmail = transport.gmail();
        this.ticker = options.ticker();
        if (freshness.isNegative()) {
            throw new IllegalArgumentException("freshness must not be negative: " + freshness);
        }
        this.freshnessNanos = freshness.toNanos();
    }

    /** A mailbox (by its key) lists through this reader from now on. */
    synchronized void join(String mailboxKey) {
        members.add(mailboxKey);
    }

    /** Whether two or more mailboxes list through this reader (the labels of a whole account). */
    synchronized boolean shared() {
        return members.size() > 1;
    }

    /** The mailbox no longer lists through this reader (its label was deleted, or is no longer synced). */
    public synchronized void leave(String mailboxKey) {
        members.remove(mailboxKey);
        lastGiven.remove(mailboxKey);
    }

    /**
     * The ids of every label of the account, as {@code labels.list} gave them: from now on a
     * history record that names another label (one created since) sets {@link #takeLabelsChanged},
     * and the account's mailboxes take their label's id from here ({@link #labelIdOf}).
     *
     * @param idsByName every label's id by its exact name
     */
    public synchronized void knownLabels(Map<String, String> idsByName) {
        labelIds = Map.copyOf(idsByName);
        knownLabels = Set.copyOf(idsByName.values());
    }

    /** The id of the label named exactly {@code name} in the last listing given, or null. */
    synchronized @Nullable String labelIdOf(String name) {
        return labelIds.get(name);
    }

    /**
     * Whether a history read since the last call named a label the last listing did not have (a
     * label created, with mail in it): the account's labels should be listed again. Costs
     * nothing: it reads what the polls read.
     */
    public synchronized boolean takeLabelsChanged() {
        boolean changed = labelsChanged;
        labelsChanged = false;
        return changed;
    }

    /** The mailbox was given {@code historyId} as its next token by a listing not read here (a full one). */
    synchronized void given(String mailboxKey, BigInteger historyId) {
        lastGiven.put(mailboxKey, historyId);
    }

    /** A label of the account changed the cloud: no earlier read may answer a listing any more. */
    synchronized void changedCloud() {
        last = null;
    }

    /**
     * What changed in the mailbox {@code mailboxKey} holding {@code membership} since {@code start}.
     *
     * @throws GmailStatusException with status 404 when {@code start} itself is too old
     */
    synchronized Listing delta(String mailboxKey, Membership membership, BigInteger start)
            throws IOException, InterruptedException {
        Read cached = last;
        Read r;
        if (cached != null && serves(cached, mailboxKey, membership, start)) {
            r = cached;
        } else {
            r = read(mailboxKey, membership, start);
            last = r;
        }
        r.served().add(mailboxKey);
        HistoryDelta delta = new HistoryDelta(membership, "history.list");
        for (History h : r.records()) {
            if (h.getId().compareTo(start) > 0 && (r.labelFilter() != null || concerns(h, membership))) {
                delta.apply(h);
            }
        }
        lastGiven.put(mailboxKey, r.end());
        return Listing.delta(delta.changed(), delta.removed(), r.end().toString());
    }

    private boolean serves(Read r, String mailboxKey, Membership membership, BigInteger start) {
        return !r.served().contains(mailboxKey)
                && ticker.nanoTime() - r.atNanos() <= freshnessNanos
                && r.start().compareTo(start) <= 0 && start.compareTo(r.end()) <= 0
                && (r.labelFilter() == null || r.labelFilter().equals(membership.labelId()));
    }

    private Read read(String mailboxKey, Membership membership, BigInteger own) throws IOException, InterruptedException {
        boolean alone = members.size() <= 1;
        // All Mail reads the whole history even alone: no label filter selects it.
        String filter = alone ? membership.labelId() : null;
        BigInteger start = own;
        if (!alone) {
            for (Map.Entry<String, BigInteger> e : lastGiven.entrySet()) {
                if (!e.getKey().equals(mailboxKey) && members.contains(e.getKey()) && e.getValue().compareTo(start) < 0) {
                    start = e.getValue();
                }
            }
        }
        if (start.equals(own)) {
            return read(start, filter);
        }
        try {
            return read(start, filter);
        } catch (GmailStatusException e) {
            if (e.status() != 404) {
                throw e;
            }
            // Another label's id has expired; that label finds out for itself when it asks.
            lastGiven.values().removeIf(v -> v.compareTo(own) < 0);
            return read(own, filter);
        }
    }

    private Read read(BigInteger start, @Nullable String labelFilter) throws IOException, InterruptedException {
        long at = ticker.nanoTime();
        List<History> records = new ArrayList<>();
        String pageToken = null;
        BigInteger end = null;
        do {
            Gmail.Users.History.List req = gmail.users().history().list(GmailMailbox.ME)
                    .setStartHistoryId(start)
                    .setHistoryTypes(GmailMailbox.HISTORY_TYPES)
                    .setMaxResults(GmailMailbox.PAGE_SIZE)
                    .setPageToken(pageToken);
            if (labelFilter != null) {
                req.setLabelId(labelFilter);
            }
            ListHistoryResponse r = transport.execute("history.list", GmailMailbox.COST_HISTORY_LIST, req,
                    ListHistoryResponse.class);
            if (r.getHistoryId() == null) {
                throw new MalformedGmailResponse("history.list", "missing historyId");
            }
            if (end == null) {
                end = r.getHistoryId(); // the first page's: later pages may have seen newer changes
            }
            if (r.getHistory() != null) {
                for (History h : r.getHistory()) {
                    if (h != null) {
                        if (h.getId() == null) {
                            throw new MalformedGmailResponse("history.list", "a history record without an id");
                        }
                        records.add(h);
                        noteLabels(h);
                    }
                }
            }
            pageToken = r.getNextPageToken() == null || r.getNextPageToken().isEmpty() ? null : r.getNextPageToken();
        } while (pageToken != null);
        return new Read(start, Objects.requireNonNull(end, "set by the first page"), List.copyOf(records),
                labelFilter, at, new HashSet<>());
    }

    /** Sets {@link #labelsChanged} when {@code h} names a label the last listing did not have. */
    private void noteLabels(History h) {
        Set<String> known = knownLabels;
        if (known == null) {
            return;
        }
        List<@Nullable List<String>> named = new ArrayList<>();
        if (h.getMessagesAdded() != null) {
            for (HistoryMessageAdded a : h.getMessagesAdded()) {
                named.add(a == null || a.getMessage() == null ? null : a.getMessage().getLabelIds());
            }
        }
        if (h.getLabelsAdded() != null) {
            for (HistoryLabelAdded a : h.getLabelsAdded()) {
                named.add(a == null ? null : a.getLabelIds());
            }
        }
        for (List<String> ids : named) {
            if (ids != null && !known.containsAll(ids)) {
                labelsChanged = true;
            }
        }
    }

    /**
     * Whether a record read without a label filter is one a filter by {@code membership}'s label
     * would have returned: one about a message that had or has the label; for All Mail, every
     * record. A deleted message's record names no labels; it is passed to every label, which
     * drops an id it does not hold.
     */
    static boolean concerns(History h, Membership membership) {
        if (h.getMessagesDeleted() != null) {
            for (HistoryMessageDeleted d : h.getMessagesDeleted()) {
                if (d == null || d.getMessage() == null || d.getMessage().getLabelIds() == null
                        || membership.mayConcern(d.getMessage().getLabelIds())) {
                    return true;
                }
            }
        }
        if (h.getMessagesAdded() != null) {
            for (HistoryMessageAdded a : h.getMessagesAdded()) {
                if (a == null || a.getMessage() == null || membership.mayConcern(a.getMessage().getLabelIds())) {
                    return true;
                }
            }
        }
        if (h.getLabelsAdded() != null) {
            for (HistoryLabelAdded a : h.getLabelsAdded()) {
                // Before the edit the message had its labels now, less those just added.
                if (a == null || a.getMessage() == null || membership.mayConcern(a.getMessage().getLabelIds())) {
                    return true;
                }
            }
        }
        if (h.getLabelsRemoved() != null) {
            for (HistoryLabelRemoved r : h.getLabelsRemoved()) {
                if (r == null || r.getMessage() == null || membership.mayConcern(r.getMessage().getLabelIds())
                        || membership.mayConcern(r.getLabelIds())) {
                    return true;
                }
            }
        }
        return false;
    }
}
