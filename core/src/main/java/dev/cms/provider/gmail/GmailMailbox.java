package dev.cms.provider.gmail;

import com.google.api.services.gmail.Gmail;
import com.google.api.services.gmail.model.Label;
import com.google.api.services.gmail.model.ListLabelsResponse;
import com.google.api.services.gmail.model.ListMessagesResponse;
import com.google.api.services.gmail.model.Message;
import com.google.api.services.gmail.model.Profile;
import dev.cms.provider.AccessTokenSource;
import dev.cms.config.DeleteAction;
import dev.cms.model.CloudMessage;
import dev.cms.model.Flag;
import dev.cms.model.Flags;
import dev.cms.provider.BodySink;
import dev.cms.provider.CloudAccount;
import dev.cms.provider.Change;
import dev.cms.provider.CloudMailbox;
import dev.cms.provider.Listing;
import dev.cms.provider.MailboxCounts;
import dev.cms.provider.ParallelFetch;
import dev.cms.provider.gmail.GmailTransport.MalformedGmailResponse;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.jspecify.annotations.Nullable;

/**
 * One Gmail label as a {@link CloudMailbox}, over the Gmail REST API (Google's Java client).
 *
 * <p><b>Quota.</b> Gmail allows each user 250 quota units a second (15,000 a minute) and
 * answers 429 or 403 {@code userRateLimitExceeded} beyond it. Every call, retries included,
 * is charged here first against a client-side token bucket of {@link
 * GmailOptions#quotaUnitsPerSecond()} units a second (default 200, so a burst of parallel
 * downloads stays under the limit): {@code messages.get} 5, {@code messages.list} 5,
 * {@code history.list} 2, {@code messages.modify} 5, {@code messages.batchModify} 50, {@code messages.trash} 5, {@code messages.import} 25, {@code drafts.create} 10, {@code labels.list} 1, {@code labels.get} 1,
 * {@code getProfile} 1. At 200 units a second bodies download at up to 40 a second, so a
 * first sync of 100,000 messages takes at least about 42 minutes.
 *
 * <p><b>Listings.</b> A full listing reads the profile's {@code historyId} first (so no
 * change made during the listing is lost), then pages through three id listings: the label,
 * the label and UNREAD, the label and STARRED; flags come from the last two without fetching
 * any message. An incremental listing is {@code history.list} from the previous history id
 * (one request when nothing changed); an expired id (404) falls back to a full listing.
 *
 * <p><b>Deletion.</b> {@link DeleteAction#ARCHIVE} removes this mailbox's label (for INBOX
 * that is Gmail's "archive"). {@link DeleteAction#TRASH} only adds the {@code TRASH} label,
 * as {@code messages.trash} and the web UI do: the message keeps its other labels (so
 * "untrash" restores it) but drops out of every listing here, which excludes trash and spam.
 * In the label {@code DRAFT} a deletion is always {@code messages.trash}: Gmail neither removes
 * DRAFT nor labels a draft, so a draft cannot be archived ({@link GmailChanges}).
 *
 * <p>Bodies are fetched with {@code messages.get?format=raw}, {@link GmailOptions#batchSize()}
 * of them in one HTTP batch request ({@link GmailBatchFetch}; 1 sends each on its own), batches
 * in parallel. A batch saves round trips, not quota: it is charged 5 units per part. Memory is
 * bounded per download whatever the sizes (Gmail accepts messages of up to 50 MB): an answer of
 * at most {@link #LARGE_ANSWER_BYTES} is read whole, a batch answer one part at a time, and a
 * larger message is fetched alone and decoded as a stream into the sink ({@link GmailBodies#fetchLarge}).
 */
public final class GmailMailbox implements CloudMailbox {
    private static final Logger log = LoggerFactory.getLogger(GmailMailbox.class);

    static final int COST_MESSAGES_GET = 5;
    static final int COST_MESSAGES_LIST = 5;
    static final int COST_HISTORY_LIST = 2;
    static final int COST_BATCH_MODIFY = GmailChanges.COST_BATCH_MODIFY;
    static final int COST_LABELS_LIST = 1;
    static final int COST_LABELS_GET = 1;
    static final int COST_GET_PROFILE = 1;
    static final long PAGE_SIZE = 500;
    /**
     * The largest answer read whole into memory (a message of about 1.5 MB); larger ones are
     * streamed ({@link GmailBodies#fetchLarge}), so memory per download is bounded whatever Gmail serves.
     */
    static final int LARGE_ANSWER_BYTES = 2 * 1024 * 1024;
    static final List<String> HISTORY_TYPES =
            List.of("messageAdded", "messageDeleted", "labelAdded", "labelRemoved");
    /** System labels whose id is their name; these need no {@code labels.list}. */
    static final Set<String> SYSTEM_LABELS = Set.of("INBOX", "SENT", "DRAFT", "SPAM", "TRASH", "STARRED",
            "UNREAD", "IMPORTANT", "CHAT", "CATEGORY_PERSONAL", "CATEGORY_SOCIAL", "CATEGORY_PROMOTIONS",
            "CATEGORY_UPDATES", "CATEGORY_FORUMS");
    static final String ME = "me";
    /**
     * The mailbox name of All Mail: every message of the account that is not in the trash, in
     * spam, or a draft ({@link Membership#ALL_MAIL}), as {@code GMail_Labels(..., all_mail=...)}
     * syncs it. Gmail's IMAP name for it, which no label of the API is called.
     */
    public static final String ALL_MAIL = "[Gmail]/All Mail";

    private final CloudAccount account;
    private final String label;
    private final DeleteAction deleteAction;
    private final GmailOptions options;
    private final GmailTransport transport;
    private final Gmail gmail;
    private final GmailBatchFetch batches;
    private final GmailBodies bodies;
    private final GmailAccountHistory history;
    private volatile @Nullable String labelId;

    /** A label that reads the account's history on its own. */
    public GmailMailbox(CloudAccount account, String label, DeleteAction deleteAction,
                        AccessTokenSource tokens, GmailOptions options) {
        this(account, label, deleteAction, tokens, options, new GmailAccountHistory(account, tokens, options));
    }

    /**
     * A label that shares the history reads of its account with the other labels built with the
     * same {@code history} (which must be of the same account), so that a poll of them all costs
     * one {@code history.list}.
     */
    public GmailMailbox(CloudAccount account, String label, DeleteAction deleteAction,
                        AccessTokenSource tokens, GmailOptions options, GmailAccountHistory history) {
        this.account = Objects.requireNonNull(account, "account");
        this.label = Objects.requireNonNull(label, "label");
        this.deleteAction = Objects.requireNonNull(deleteAction, "deleteAction");
        this.options = Objects.requireNonNull(options, "options");
        Objects.requireNonNull(tokens, "tokens");
        this.transport = new GmailTransport(account.endpoint(), account.user(), tokens, options);
        this.gmail = transport.gmail();
        this.batches = new GmailBatchFetch(transport, key());
        this.bodies = new GmailBodies(transport, key());
        this.history = Objects.requireNonNull(history, "history");
        history.join(key());
    }

    @Override
    public String key() {
        return account.key() + ":" + label;
    }

    @Override
    public String accountKey() {
        return account.key();
    }

    @Override
    public boolean copyIsOwnMessage() {
        return false; // a label added
    }

    @Override
    public Set<Flag> supportedFlags() {
        return EnumSet.of(Flag.READ, Flag.FLAGGED);
    }

    // ---------------------------------------------------------------- labels

    /** Which messages this mailbox holds: its label's, or every message for All Mail. */
    Membership membership() throws IOException, InterruptedException {
        return ALL_MAIL.equals(label) ? Membership.ALL_MAIL : Membership.label(labelId());
    }

    /**
     * The id of this mailbox's label: from the account's listing when a whole-account discovery
     * gave one to the shared history, else from a {@code labels.list} of its own; then cached.
     */
    String labelId() throws IOException, InterruptedException {
        String id = labelId;
        if (id != null) {
            return id;
        }
        if (SYSTEM_LABELS.contains(label)) {
            labelId = label;
            return label;
        }
        String listed = history.labelIdOf(label);
        if (listed != null) {
            labelId = listed;
            return listed;
        }
        ListLabelsResponse r = transport.execute("labels.list", COST_LABELS_LIST,
                gmail.users().labels().list(ME), ListLabelsResponse.class);
        List<Label> labels = r.getLabels() == null ? List.of() : r.getLabels();
        List<String> names = new ArrayList<>();
        Label exact = null;
        List<Label> folded = new ArrayList<>();
        for (Label l : labels) {
            if (l == null || l.getId() == null || l.getName() == null) {
                throw new MalformedGmailResponse("labels.list", "a label without id or name");
            }
            names.add(l.getName());
            if (l.getName().equals(label)) {
                exact = l;
            } else if (l.getName().equalsIgnoreCase(label)) {
                folded.add(l);
            }
        }
        if (exact == null && folded.size() > 1) {
            throw new IOException("Gmail label '" + label + "' is ambiguous for " + account.user()
                    + ": it matches " + folded.stream().map(Label::getName).toList() + " ignoring case");
        }
        Label found = exact != null ? exact : folded.isEmpty() ? null : folded.get(0);
        if (found == null) {
            throw new IOException("Gmail label '" + label + "' not found for " + account.user()
                    + "; existing labels: " + String.join(", ", names));
        }
        labelId = found.getId();
        return found.getId();
    }

    // ---------------------------------------------------------------- listing

    @Override
    public Listing list(@Nullable String syncToken) throws IOException, InterruptedException {
        Membership id = membership();
        if (syncToken == null) {
            return fullListing(id);
        }
        BigInteger start;
        try {
            start = new BigInteger(syncToken);
        } catch (NumberFormatException e) {
            log.warn("{}: stored history id '{}' is not a number; doing a full listing", key(), syncToken);
            return fullListing(id);
        }
        try {
            return history.delta(key(), id, start);
        } catch (GmailStatusException e) {
            if (e.status() != 404) {
                throw e;
            }
            log.info("{}: history id {} is no longer valid (HTTP 404); doing a full listing", key(), syncToken);
            return fullListing(id);
        }
    }

    private Listing fullListing(Membership membership) throws IOException, InterruptedException {
        Profile profile = transport.execute("getProfile", COST_GET_PROFILE, gmail.users().getProfile(ME),
                Profile.class);
        if (profile.getHistoryId() == null) {
            throw new MalformedGmailResponse("getProfile", "missing historyId");
        }
        String id = membership.labelId();
        Set<String> all;
        if (id == null) {
            all = listIds(List.of()); // every message out of the trash and spam; then less the drafts
            all.removeAll(listIds(List.of(GmailImport.DRAFT)));
        } else {
            all = listIds(List.of(id));
        }
        Set<String> unread = HistoryDelta.UNREAD.equals(id) ? all : listIds(with(id, HistoryDelta.UNREAD));
        Set<String> starred = HistoryDelta.STARRED.equals(id) ? all : listIds(with(id, HistoryDelta.STARRED));
        List<CloudMessage> messages = new ArrayList<>(all.size());
        for (String m : all) {
            Flags f = Flags.NONE.with(Flag.READ, !unread.contains(m)).with(Flag.FLAGGED, starred.contains(m));
            messages.add(new CloudMessage(m, f, null));
        }
        history.given(key(), profile.getHistoryId());
        log.debug("{}: full listing of {} messages", key(), messages.size());
        return Listing.full(messages, profile.getHistoryId().toString());
    }

    /** The label ids of a listing of {@code flag} within the label {@code id} (null: in All Mail). */
    private static List<String> with(@Nullable String id, String flag) {
        return id == null ? List.of(flag) : List.of(id, flag);
    }

    private Set<String> listIds(List<String> labelIds) throws IOException, InterruptedException {
        Set<String> ids = new LinkedHashSet<>();
        String pageToken = null;
        do {
            Gmail.Users.Messages.List req = gmail.users().messages().list(ME)
                    .setLabelIds(labelIds.isEmpty() ? null : labelIds)
                    .setMaxResults(PAGE_SIZE)
                    .setPageToken(pageToken);
            ListMessagesResponse r = transport.execute("messages.list", COST_MESSAGES_LIST, req,
                    ListMessagesResponse.class);
            if (r.getMessages() != null) {
                for (Message m : r.getMessages()) {
                    if (m == null || m.getId() == null || m.getId().isEmpty()) {
                        throw new MalformedGmailResponse("messages.list", "a message without an id");
                    }
                    ids.add(m.getId());
                }
            }
            pageToken = emptyToNull(r.getNextPageToken());
        } while (pageToken != null);
        return ids;
    }

    // ---------------------------------------------------------------- counts

    /**
     * Every 30 minutes for a label read on its own; every 6 hours for one of several labels
     * sharing the account's {@code history.list}, which reports every label's changes: a whole
     * account of 300 labels then costs 300 {@code labels.get} four times a day rather than
     * every half hour (idle, 111 requests per 10 minutes before, 10 between two checks now).
     */
    @Override
    public Duration countCheckInterval() {
        return history.shared() ? SHARED_COUNT_CHECKS : CloudMailbox.super.countCheckInterval();
    }

    static final Duration SHARED_COUNT_CHECKS = Duration.ofHours(6);

    /**
     * The label's own counts from {@code labels.get} (one request, 1 unit). None for All Mail:
     * no label counts it, and the profile's total counts the trash, spam and drafts too.
     */
    @Override
    public Optional<MailboxCounts> counts() throws IOException, InterruptedException {
        if (ALL_MAIL.equals(label)) {
            return Optional.empty();
        }
        String id = labelId();
        Label l = transport.execute("labels.get", COST_LABELS_GET, gmail.users().labels().get(ME, id), Label.class);
        Integer total = l.getMessagesTotal();
        Integer unread = l.getMessagesUnread();
        if (total == null || unread == null || total < 0 || unread < 0 || unread > total) {
            throw new MalformedGmailResponse("labels.get", "no usable messagesTotal and messagesUnread for label " + id);
        }
        return Optional.of(new MailboxCounts(total, unread));
    }

    // ---------------------------------------------------------------- bodies

    @Override
    public void fetchBodies(Collection<String> ids, BodySink sink) throws IOException, InterruptedException {
        int size = options.batchSize();
        if (size <= 1) {
            ParallelFetch.run(ids, options.maxParallelFetches(), "gmail-fetch-", key(),
                    id -> bodies.fetchOne(id, sink));
            return;
        }
        List<List<String>> groups = GmailBatchFetch.groups(List.copyOf(new LinkedHashSet<>(ids)), size);
        Map<String, List<String>> byName = new LinkedHashMap<>();
        for (int i = 0; i < groups.size(); i++) {
            byName.put("batch " + (i + 1) + " of " + groups.size(), groups.get(i));
        }
        ParallelFetch.run(byName.keySet(), options.maxParallelFetches(), "gmail-fetch-", key(), name -> {
            List<String> group = Objects.requireNonNull(byName.get(name), "a batch name from byName itself");
            if (group.size() == 1) {
                bodies.fetchOne(group.get(0), sink); // a batch of one saves no round trip
            } else {
                batches.fetch(group, sink, id -> bodies.fetchOne(id, sink), id -> bodies.fetchLarge(id, sink));
            }
        });
    }

    // ---------------------------------------------------------------- changes

    /**
     * Applies {@code changes} ({@link GmailChanges}); a move's or copy's destination must be a
     * label of this account.
     */
    @Override
    public Map<Change, String> apply(List<Change> changes) throws IOException, InterruptedException {
        if (changes.isEmpty()) {
            return Map.of();
        }
        Membership own = membership();
        Map<Change, Membership> into = new LinkedHashMap<>();
        for (Change c : changes) {
            CloudMailbox to = c.into();
            if (to != null) {
                if (!(to instanceof GmailMailbox g) || !g.accountKey().equals(accountKey())) {
                    throw new IllegalArgumentException(key() + ": cannot move or copy into " + to.key()
                            + ", not a label of the same Gmail account");
                }
                into.put(c, g.membership()); // before any change: a label that cannot be found changes nothing
            }
        }
        // Whatever happens below, a history read made before it no longer shows the cloud as it is.
        history.changedCloud();
        return new GmailChanges(transport, key(), deleteAction).apply(changes, own, into);
    }

    /**
     * All Mail holds every message of the account: a message moved out of it into a label stays
     * in it too (the move only adds that label).
     */
    @Override
    public boolean keepsMessagesMovedOut() {
        return ALL_MAIL.equals(label);
    }

    /**
     * Gmail takes a user's new message into any label, as a draft into DRAFT, and into All Mail
     * with no label, as archived mail ({@link GmailImport}).
     */
    @Override
    public @Nullable String uploadsRefused() {
        return null;
    }

    @Override
    public String upload(Path mime, Flags flags) throws IOException, InterruptedException {
        Membership m = membership();
        history.changedCloud();
        return new GmailImport(transport, key()).upload(m.labelId(), mime, flags);
    }

    private static @Nullable String emptyToNull(@Nullable String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
