package dev.cms.provider.graph;

import com.microsoft.graph.models.MailFolder;
import com.microsoft.graph.models.Message;
import com.microsoft.graph.serviceclient.GraphServiceClient;
import com.microsoft.graph.users.item.mailfolders.item.messages.delta.DeltaGetResponse;
import com.microsoft.graph.users.item.mailfolders.item.messages.delta.DeltaRequestBuilder;
import dev.cms.provider.AccessTokenSource;
import dev.cms.time.Ticker;
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
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.jspecify.annotations.Nullable;

/**
 * One Office365 mail folder as a {@link CloudMailbox}, over Microsoft Graph v1.0 with the
 * Microsoft Graph SDK: its request builders and models for every call, its
 * {@code BatchRequestContent} for {@code $batch}.
 *
 * <p><b>Listings.</b> {@code GET /me/mailFolders/{id}/messages/delta} with {@code $select}
 * of the flag fields and {@code $expand} of the two MAPI properties that tell the replied
 * state (message delta documents {@code $select}, {@code $top} and {@code $expand}), paged
 * through {@code @odata.nextLink} up to the {@code @odata.deltaLink}, which is the sync
 * token. A full listing of N messages costs ceil(N / page size) requests (the page size is
 * asked for with {@code Prefer: odata.maxpagesize=}{@value #PAGE_SIZE}); an incremental one
 * is the saved deltaLink, one request when nothing changed. Entries carrying
 * {@code @removed} are removals. A refused token (410 Gone, or an error code
 * syncStateNotFound / syncStateInvalid / resyncRequired) falls back to a full listing.
 *
 * <p><b>Bodies.</b> {@code GET /me/messages/{id}/$value}, streamed to the sink.
 *
 * <p><b>Changes</b> ({@link GraphChanges}). JSON {@code $batch} of at most 20: a PATCH per
 * message for isRead, flag and the replied properties, then (in later batches, so a move never
 * overtakes its PATCH) {@code POST /me/messages/{id}/move} to {@code archive} or
 * {@code deleteditems}, or to another folder of the account for a local move; a local copy is
 * {@code POST /me/messages/{id}/copy}, which makes a new message with an id of its own. Setting replied writes PidTagLastVerbExecuted = 103 (reply to all), PidTagLastVerbExecutionTime
 * = now and PidTagIconIndex = 0x105 (replied mail); clearing it writes the verb 0 (no verb)
 * and the icon of read (0x100) or unread (0x101) mail, so neither property says "replied".
 *
 * <p>Every request goes through one {@code GraphTransport}, the interceptor under the SDK's
 * client: at most {@link
 * GraphOptions#maxConcurrency()} in flight for this mailbox, immutable ids, token refresh on
 * 401, Retry-After and backoff as {@link dev.cms.provider.RetryPolicy} says.
 */
public final class GraphMailbox implements CloudMailbox {
    private static final Logger log = LoggerFactory.getLogger(GraphMailbox.class);

    static final int PAGE_SIZE = 500;
    private static final String DELTA = "messages.delta";
    static final Set<String> WELL_KNOWN = Set.of("inbox", "archive", "deleteditems", "sentitems", "drafts",
            "junkemail");
    static final Set<String> SYNC_RESET_CODES = Set.of("syncstatenotfound", "syncstateinvalid", "resyncrequired");

    private final CloudAccount account;
    private final String folderPath;
    private final List<String> parts;
    private final DeleteAction deleteAction;
    private final GraphOptions options;
    private final GraphTransport transport;
    private final GraphBatch batch;
    private final Ticker ticker;
    private volatile @Nullable String folderId;
    private volatile @Nullable Boolean isDrafts;
    private @Nullable GraphAccountPoll poll;
    /** What the folder's last listing was, as its count check needs to know. */
    private enum LastListing {
        /** Skipped by the schedule: it says nothing of the folder as it is now. */
        SKIPPED,
        /** A full one: its check learns the service's own difference, asked of the folder. */
        FULL,
        /** An incremental one that brought no change. */
        QUIET,
        /** An incremental one that brought changes (and the state before the first listing). */
        CHANGED
    }

    private volatile LastListing lastListing = LastListing.CHANGED;
    /**
     * The token the last listing returned: the engine keeps it unless that listing did not land
     * (a download, a delivery or the commit failed).
     */
    private volatile @Nullable String lastListedToken;
    /** When a whole account's count check first waited ({@link #wholeAccountCounts}); -1 not waiting. */
    private volatile long checkWaitingSince = -1;
    /** When this folder last listed (read or skipped) in a poll that read the folder delta; -1 never. */
    private volatile long listedInFolderRound = -1;

    public GraphMailbox(CloudAccount account, String folderPath, DeleteAction deleteAction,
                        AccessTokenSource tokens, GraphOptions options) {
        this(account, folderPath, deleteAction, tokens, options, null);
    }

    /** With {@code shared} as its transport, or a transport of its own when null. */
    private GraphMailbox(CloudAccount account, String folderPath, DeleteAction deleteAction,
                         AccessTokenSource tokens, GraphOptions options, @Nullable GraphTransport shared) {
        this.account = Objects.requireNonNull(account, "account");
        this.folderPath = Objects.requireNonNull(folderPath, "folderPath");
        this.deleteAction = Objects.requireNonNull(deleteAction, "deleteAction");
        this.options = Objects.requireNonNull(options, "options");
        this.ticker = options.ticker();
        Objects.requireNonNull(tokens, "tokens");
        List<String> ps = new ArrayList<>();
        for (String p : folderPath.split("/")) {
            if (!p.isBlank()) {
                ps.add(p);
            }
        }
        if (ps.isEmpty()) {
            throw new IllegalArgumentException("empty Office365 folder path '" + folderPath + "' for " + who());
        }
        this.parts = List.copyOf(ps);
        String endpoint = account.endpoint();
        this.transport = shared != null ? shared : new GraphTransport(endpoint, who(), tokens, options);
        this.batch = new GraphBatch(transport);
    }

    /**
     * A mailbox of a folder whose id is already known (from {@link GraphFolders}): no lookup by
     * name, so a display name may hold a {@code /}. {@code folderPath} names it in the key only.
     */
    public static GraphMailbox ofFolder(CloudAccount account, String folderPath, String folderId,
            DeleteAction deleteAction, AccessTokenSource tokens, GraphOptions options) {
        GraphMailbox m = new GraphMailbox(account, folderPath, deleteAction, tokens, options);
        m.folderId = Objects.requireNonNull(folderId, "folderId");
        return m;
    }

    /**
     * A folder of a whole account, polled on {@code poll}'s schedule with the account's other
     * folders built with it: it reads its own delta only when the schedule says so.
     */
    public static GraphMailbox ofFolder(CloudAccount account, String folderPath, String folderId, boolean inbox,
            DeleteAction deleteAction, AccessTokenSource tokens, GraphOptions options, GraphAccountPoll poll) {
        // One transport for the account's folders: one connection pool, and Outlook's limit of
        // concurrent requests and its throttling pauses are per mailbox, not per folder.
        GraphMailbox m = new GraphMailbox(account, folderPath, deleteAction, tokens, options, poll.transport());
        m.folderId = Objects.requireNonNull(folderId, "folderId");
        m.poll = poll;
        poll.join(folderId, inbox);
        return m;
    }

    private String who() {
        return account.user();
    }

    @Override
    public String key() {
        return account.key() + ":" + folderPath;
    }

    @Override
    public String accountKey() {
        return account.key();
    }

    @Override
    public Set<Flag> supportedFlags() {
        return EnumSet.of(Flag.READ, Flag.FLAGGED, Flag.REPLIED);
    }

    // ---------------------------------------------------------------- folders

    /** The folder's id, resolved part by part once, then cached. */
    String folderId() throws IOException, InterruptedException {
        String id = folderId;
        if (id == null) {
            id = new GraphFolderLookup(transport, folderPath, who(), key()).resolve(parts);
            folderId = id;
        }
        return id;
    }

    private GraphServiceClient graph() {
        return transport.graph();
    }

    // ---------------------------------------------------------------- counts

    /**
     * The folder's {@code totalItemCount} and {@code unreadItemCount} (one request). Empty, with
     * no request, after a listing the schedule skipped: the cloud may hold changes that listing
     * left for a later poll, and counts taken now would look like a change the listing missed.
     * In a whole account, after an incremental listing, the counts come from the folder delta
     * with no request ({@link #wholeAccountCounts}), unless that delta failed in this poll.
     */
    @Override
    public Optional<MailboxCounts> counts() throws IOException, InterruptedException {
        String id = folderId();
        GraphAccountPoll p = poll;
        if (p != null && lastListing != LastListing.FULL && p.readsFolderDeltas()
                && !p.folderDeltaFailedThisPoll()) {
            return wholeAccountCounts(p, id);
        }
        if (lastListing == LastListing.SKIPPED) {
            return Optional.empty();
        }
        return askCounts(id);
    }

    /**
     * A whole account's check after an incremental listing: the counts the folder delta of this
     * poll gave, when they describe the folder as its listing does, with no request. That is so
     * <ul>
     * <li>for a folder the schedule skipped in a folder round: no folder delta named it since its
     *     own last read (it would be marked, and read), so its counts have not changed since;</li>
     * <li>for a folder read in this poll whose listing brought no change: the folder delta was
     *     read when the poll began, and a change listed since (new mail in the inbox while the
     *     folders before it were read) would look like one the listing missed.</li>
     * </ul>
     * A folder the delta gave no usable counts is asked after a quiet read of its own, as a
     * folder on its own is; skipped, it is marked to read in the next poll. Otherwise (a sweep
     * round, a listing with changes) the answer is empty and the engine asks again next cycle at
     * no cost. A check that has waited {@link #countCheckInterval()} asks the folder after its
     * next read: a folder read in every poll whose listings keep bringing changes (a busy
     * inbox), or one that listed in no folder round all that time, which is then marked to read.
     */
    private Optional<MailboxCounts> wholeAccountCounts(GraphAccountPoll p, String id)
            throws IOException, InterruptedException {
        MailboxCounts known = p.knownCounts(id);
        LastListing last = lastListing;
        if (known == null && last == LastListing.SKIPPED) {
            // Counts asked now would include mail that came after this poll's folder delta, which
            // the skipped listing left for later: read it next poll, then ask.
            p.changedCloud(id);
            return Optional.empty();
        }
        if (known == null && last == LastListing.QUIET) {
            return askCounts(id);
        }
        boolean matchesTheDelta = last == LastListing.SKIPPED || last == LastListing.QUIET;
        if (known != null && p.folderDeltaReadThisPoll() && matchesTheDelta) {
            checkWaitingSince = -1;
            return Optional.of(known);
        }
        long now = ticker.nanoTime();
        if (checkWaitingSince < 0) {
            checkWaitingSince = now;
        } else if (now - checkWaitingSince >= countCheckInterval().toNanos()) {
            if (last != LastListing.SKIPPED) {
                return askCounts(id);
            }
            if (listedInFolderRound < checkWaitingSince) {
                // Listed in no poll that could answer since the check began to wait (each of
                // the engine's cycles spans two rounds): read it next poll, then ask.
                p.changedCloud(id);
            }
        }
        return Optional.empty();
    }

    /**
     * {@code GET mailFolders/{id}}: the folder's counts now. The wait of its check ends only when
     * they came (a failure is tried next cycle).
     */
    private Optional<MailboxCounts> askCounts(String id) throws IOException, InterruptedException {
        String call = "mailFolders.get";
        MailFolder f = transport.call(call, () -> graph().me().mailFolders().byMailFolderId(id).get(rc -> {
            rc.options.add(GraphCall.json(call));
            rc.queryParameters.select = new String[] {"totalItemCount", "unreadItemCount"};
        }));
        Integer total = f.getTotalItemCount();
        Integer unread = f.getUnreadItemCount();
        if (total == null || unread == null || total < 0 || unread < 0 || unread > total) {
            throw new MalformedGraphResponse(call, "no usable totalItemCount and unreadItemCount for folder "
                    + folderPath);
        }
        checkWaitingSince = -1;
        return Optional.of(new MailboxCounts(total, unread));
    }

    // ---------------------------------------------------------------- listing

    @Override
    public Listing list(@Nullable String syncToken) throws IOException, InterruptedException {
        String id = folderId();
        GraphAccountPoll p = poll;
        if (p == null) {
            return listOwn(id, syncToken);
        }
        String listed = lastListedToken;
        if (listed != null && !listed.equals(syncToken) && lastListing != LastListing.QUIET) {
            // The engine kept an earlier token (a body it could not fetch, a file it could not
            // deliver, a cycle that stopped): what the last read showed is not in its snapshot,
            // so the folder reads again now. After a quiet read the old token is as good.
            p.changedCloud(id);
        }
        boolean mustRead = p.mustRead(id);
        if (p.folderDeltaReadThisPoll()) {
            listedInFolderRound = ticker.nanoTime();
        }
        if (!mustRead && syncToken != null) {
            // Not this folder's turn: its changes wait in the cloud's delta from this same token.
            lastListing = LastListing.SKIPPED;
            lastListedToken = syncToken;
            return Listing.delta(List.of(), Set.of(), syncToken);
        }
        Listing l = listOwn(id, syncToken);
        lastListing = l.full() ? LastListing.FULL
                : l.messages().isEmpty() && l.removed().isEmpty() ? LastListing.QUIET : LastListing.CHANGED;
        lastListedToken = l.syncToken();
        p.read(id);
        return l;
    }

    private Listing listOwn(String id, @Nullable String syncToken) throws IOException, InterruptedException {
        if (syncToken == null) {
            return fullListing(id);
        }
        String link;
        try {
            link = transport.sameHost(DELTA, syncToken);
        } catch (MalformedGraphResponse e) {
            log.warn("{}: the stored delta link is not a URL on the configured Graph host; doing a full listing",
                    key());
            return fullListing(id);
        }
        Delta d;
        try {
            d = readDelta(id, link);
        } catch (GraphStatusException e) {
            if (!isSyncReset(e)) {
                throw e;
            }
            log.info("{}: Graph refused the delta token (HTTP {}{}); doing a full listing", key(), e.status(),
                    e.code() == null ? "" : " " + e.code());
            return fullListing(id);
        }
        return Listing.delta(new ArrayList<>(d.changed.values()), d.removed, d.deltaLink);
    }

    static boolean isSyncReset(GraphStatusException e) {
        return e.status() == 410
                || (e.status() >= 400 && e.status() < 500 && e.code() != null
                        && SYNC_RESET_CODES.contains(e.code().toLowerCase(Locale.ROOT)));
    }

    private Listing fullListing(String id) throws IOException, InterruptedException {
        Delta d = readDelta(id, null);
        log.debug("{}: full listing of {} messages", key(), d.changed.size());
        return Listing.full(new ArrayList<>(d.changed.values()), d.deltaLink);
    }

    private static final class Delta {
        final Map<String, CloudMessage> changed = new LinkedHashMap<>();
        final Set<String> removed = new LinkedHashSet<>();
        @Nullable String deltaLink;
    }

    /** Pages through a delta listing from {@code link}, or from the start when it is null. */
    private Delta readDelta(String folder, @Nullable String link) throws IOException, InterruptedException {
        Delta d = new Delta();
        String url = link;
        while (true) {
            DeltaRequestBuilder builder = graph().me().mailFolders().byMailFolderId(folder).messages().delta();
            DeltaRequestBuilder page = url == null ? builder : builder.withUrl(url);
            boolean first = url == null;
            DeltaGetResponse answer = transport.call(DELTA, () -> page.get(rc -> {
                rc.options.add(GraphCall.json(DELTA));
                rc.headers.add("Prefer", "odata.maxpagesize=" + PAGE_SIZE);
                if (first) {
                    rc.queryParameters.select = GraphMessages.SELECT;
                    rc.queryParameters.expand = GraphMessages.EXPAND;
                }
            }));
            List<Message> value = answer.getValue();
            if (value == null) {
                throw new MalformedGraphResponse(DELTA, "no value list");
            }
            for (Message m : value) {
                String mid = GraphMessages.id(DELTA, m);
                if (GraphMessages.removed(m)) {
                    d.changed.remove(mid);
                    d.removed.add(mid);
                } else {
                    d.removed.remove(mid);
                    d.changed.put(mid, GraphMessages.message(DELTA, mid, m));
                }
            }
            String next = answer.getOdataNextLink();
            String delta = answer.getOdataDeltaLink();
            if (next != null) {
                url = transport.sameHost(DELTA, next);
            } else if (delta != null) {
                d.deltaLink = transport.sameHost(DELTA, delta);
                return d;
            } else {
                throw new MalformedGraphResponse(DELTA, "neither @odata.nextLink nor @odata.deltaLink");
            }
        }
    }

    // ---------------------------------------------------------------- bodies

    @Override
    public void fetchBodies(Collection<String> ids, BodySink sink) throws IOException, InterruptedException {
        ParallelFetch.run(ids, options.maxConcurrency(), "graph-fetch-", key(), id -> fetchOne(id, sink));
    }

    private void fetchOne(String id, BodySink sink) throws IOException, InterruptedException {
        String call = "messages.$value";
        try (InputStream in = transport.messageContent(call, id)) {
            sink.accept(id, in, null);
        } catch (GraphStatusException e) {
            if (e.status() != 404) {
                throw e;
            }
            log.debug("{}: message {} is gone (HTTP 404); skipped", key(), id);
        }
    }

    // ---------------------------------------------------------------- new messages

    /** Null for the Drafts folder (found once: {@code GET /me/mailFolders/drafts}); elsewhere why not. */
    @Override
    public @Nullable String uploadsRefused() throws IOException, InterruptedException {
        Boolean drafts = isDrafts;
        if (drafts == null) {
            drafts = folderId().equals(new GraphDrafts(transport).draftsId());
            isDrafts = drafts;
        }
        return drafts ? null : GraphDrafts.REFUSAL;
    }

    /** Creates a draft here from a user's file ({@link GraphDrafts}). */
    @Override
    public String upload(Path mime, Flags flags) throws IOException, InterruptedException {
        String id = folderId();
        GraphAccountPoll p = poll;
        if (p != null) {
            p.changedCloud(id);
        }
        return new GraphDrafts(transport).create(id, mime, flags, ticker.now());
    }

    // ---------------------------------------------------------------- changes

    /**
     * Applies {@code changes} ({@link GraphChanges}); a move's or copy's destination must be a
     * folder of this account. The folders changed are read at the next poll.
     */
    @Override
    public Map<Change, String> apply(List<Change> changes) throws IOException, InterruptedException {
        if (changes.isEmpty()) {
            return Map.of();
        }
        Map<CloudMailbox, String> folders = new LinkedHashMap<>();
        for (Change c : changes) {
            CloudMailbox into = c.into();
            if (into != null && !folders.containsKey(into)) {
                if (!(into instanceof GraphMailbox g) || !g.accountKey().equals(accountKey())) {
                    throw new IllegalArgumentException(key() + ": cannot move or copy into " + into.key()
                            + ", not a folder of the same Office365 account");
                }
                folders.put(into, g.folderId());
            }
        }
        GraphAccountPoll p = poll;
        if (p != null) {
            p.changedCloud(folderId());
            folders.values().forEach(p::changedCloud);
        }
        String deleteTo = deleteAction == DeleteAction.TRASH ? "deleteditems" : "archive";
        return new GraphChanges(transport, batch, key()).apply(changes, ticker.now(), deleteTo, folders);
    }
}
