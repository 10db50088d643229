package dev.cms.provider.graph;

import com.microsoft.graph.models.MailFolder;
import com.microsoft.graph.users.item.mailfolders.delta.DeltaGetResponse;
import com.microsoft.graph.users.item.mailfolders.delta.DeltaRequestBuilder;
import dev.cms.provider.AccessTokenSource;
import dev.cms.provider.AuthenticationRequiredException;
import dev.cms.provider.CloudAccount;
import dev.cms.provider.MailboxCounts;
import dev.cms.time.Ticker;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides, for the folder mailboxes of one Office365 account (a whole account), which of them
 * read their own message delta in a poll, so that an unchanged poll of any number of folders
 * costs two requests.
 *
 * <p>Polls alternate between two kinds:
 * <ul>
 * <li><b>folder rounds</b>: one {@code GET /me/mailFolders/delta} (from the delta link of the
 *     previous folder round) tells which folders' name, place or item counts
 *     ({@code totalItemCount}, {@code unreadItemCount}) changed: new, moved, deleted, read and
 *     unread messages all change a count. Those folders are marked; each marked folder reads its
 *     own message delta when it is next polled.</li>
 * <li><b>sweep rounds</b>: instead of the folder delta, the folder (other than the inbox) whose
 *     own delta is the longest ago reads it ({@link #sweepPerRound} of them), which catches the
 *     changes no count shows (a flag set or cleared, a message replaced by another).</li>
 * </ul>
 * The inbox reads its own delta every poll, and so does a folder that is marked, that changed
 * the cloud itself ({@link #changedCloud}), or that has not read it since the daemon started (so
 * the first poll reads every folder, as without this schedule). The others answer "nothing
 * changed" with the token they were given, at no cost: their changes are still in the cloud's
 * delta from that token, to be read when their turn comes.
 *
 * <p>Bounds, with F folders besides the inbox: a change that alters a folder's counts is read
 * within two polls; any other change within 2 * ceil(F / sweepPerRound) polls. An unchanged
 * poll costs 2 requests (folder delta and inbox, or inbox and one swept folder), a poll with
 * changes 2 plus one per changed folder.
 *
 * <p><b>Count checks</b> (the engine's audit of a folder's listing against the service's
 * {@code totalItemCount} and {@code unreadItemCount}) cost no request: the folder delta a folder
 * round reads reports every folder whose counts changed, so after it every folder's counts are
 * known as of this poll ({@link #knownCounts}). A folder's check takes them in a folder round,
 * when the folder was skipped (nothing changed its counts since its own last read) or its
 * listing brought no change; otherwise it waits for such a poll (GraphMailbox#counts). So a
 * poll in which checks come due costs what any other costs. When the folder delta fails, the
 * folders read in that poll ask for their own counts, one request each, as without a schedule.
 *
 * <p>"A poll" needs no help from the engine: a round ends when a folder asks a second time, or
 * after {@link #DEFAULT_FRESHNESS} on the ticker. A failed folder delta costs nothing but time:
 * its link is kept, so the next folder round reports the changes it would have.
 */
public final class GraphAccountPoll {
    private static final Logger log = LoggerFactory.getLogger(GraphAccountPoll.class);
    /** How long one round lasts at most. */
    public static final Duration DEFAULT_FRESHNESS = Duration.ofSeconds(20);
    static final String CALL = "mailFolders.delta";
    static final int PAGE_SIZE = 500;
    private static final String[] SELECT = {"id", "displayName", "parentFolderId", "childFolderCount",
        "totalItemCount", "unreadItemCount"};

    /** One folder mailbox of the account. */
    private static final class Member {
        final boolean inbox;
        /** Reported changed (or changed by us) since its own delta last ran. */
        boolean marked = true;
        boolean readOnce;
        /** The round its own delta last ran in. */
        long lastOwnRound = -1;
        /**
         * The round the sweep last chose it in, whether or not it then read (a listing that
         * failed, a mailbox the daemon held back): the sweep takes the folder whose later of the
         * two is the smallest, so one that does not read cannot keep the others from their turn.
         */
        long lastChosenRound = -1;

        Member(boolean inbox) {
            this.inbox = inbox;
        }
    }

    private final GraphTransport transport;
    private final Ticker ticker;
    private final long freshnessNanos;
    private final int sweepPerRound;
    /** Folder id → member, in the order they joined (the sweep's tie-break). */
    private final Map<String, Member> members = new LinkedHashMap<>();
    private final Set<String> askedThisRound = new HashSet<>();
    private long round;
    private boolean started;
    private long roundStart;
    private boolean planned;
    private final Set<String> sweptThisRound = new HashSet<>();
    private @Nullable String folderDeltaLink;
    /** Folder id → its display name and parent as the folder deltas have shown them. */
    private final Map<String, List<@Nullable String>> tree = new java.util.HashMap<>();
    /** A folder delta showed a folder created, renamed, moved or deleted since {@link #takeFoldersChanged}. */
    private boolean foldersChanged;
    /** Folder id → its item counts as the folder deltas have shown them ({@code [total, unread]}). */
    private final Map<String, int[]> counts = new java.util.HashMap<>();
    /** The round whose folder delta was last read through to its delta link; -1 none. */
    private long countsRound = -1;
    /** The round whose folder delta last failed; -1 none. */
    private long failedRound = -1;

    public GraphAccountPoll(CloudAccount account, AccessTokenSource tokens, GraphOptions options) {
        this(account, tokens, options, 1, DEFAULT_FRESHNESS);
    }

    /**
     * @param sweepPerRound how many folders a sweep round reads besides the inbox (at least 1): each
     *     adds a request to a sweep round and shortens the bound for changes no count shows
     */
    public GraphAccountPoll(CloudAccount account, AccessTokenSource tokens, GraphOptions options, int sweepPerRound,
                            Duration freshness) {
        Objects.requireNonNull(account, "account");
        Objects.requireNonNull(tokens, "tokens");
        if (sweepPerRound < 1) {
            throw new IllegalArgumentException("sweepPerRound must be at least 1: " + sweepPerRound);
        }
        this.transport = new GraphTransport(account.endpoint(), account.user(), tokens, options);
        this.ticker = options.ticker();
        this.sweepPerRound = sweepPerRound;
        this.freshnessNanos = freshness.toNanos();
    }

    /** The account's transport, which its folder mailboxes share. */
    GraphTransport transport() {
        return transport;
    }

    /** The folder {@code folderId} is polled through this schedule from now on. */
    synchronized void join(String folderId, boolean inbox) {
        members.putIfAbsent(folderId, new Member(inbox));
    }

    /**
     * Whether folder {@code folderId} reads its own message delta in this poll; the first folder
     * of a poll to ask starts it (and reads the folder delta in a folder round).
     */
    synchronized boolean mustRead(String folderId) throws IOException, InterruptedException {
        Member me = Objects.requireNonNull(members.get(folderId), "joined");
        long now = ticker.nanoTime();
        if (!started || askedThisRound.contains(folderId) || now - roundStart > freshnessNanos) {
            started = true;
            round++;
            roundStart = now;
            askedThisRound.clear();
            sweptThisRound.clear();
            planned = false;
        }
        askedThisRound.add(folderId);
        if (!planned) {
            planned = true;
            plan();
        }
        return me.inbox || me.marked || !me.readOnce || sweptThisRound.contains(folderId);
    }

    /** Folder {@code folderId} is no longer polled (its folder was deleted, or is no longer synced). */
    public synchronized void leave(String folderId) {
        members.remove(folderId);
    }

    /**
     * Whether a folder delta read since the last call showed a folder of the account created,
     * renamed, moved or deleted (the account's folders should be listed again); a start-up
     * without a delta link yet shows none. Costs nothing: it reads what the polls read.
     */
    public synchronized boolean takeFoldersChanged() {
        boolean changed = foldersChanged;
        foldersChanged = false;
        return changed;
    }

    /**
     * Whether this account's polls read the folder delta (not so for the inbox alone, which
     * reads its own delta every poll and needs no schedule).
     */
    synchronized boolean readsFolderDeltas() {
        return members.values().stream().anyMatch(m -> !m.inbox);
    }

    /** Whether this poll read the folder delta: every folder's counts are known as of now. */
    synchronized boolean folderDeltaReadThisPoll() {
        return started && countsRound == round;
    }

    /** Whether this poll's folder delta failed: the folders read in it ask for their own counts. */
    synchronized boolean folderDeltaFailedThisPoll() {
        return started && failedRound == round;
    }

    /**
     * Folder {@code folderId}'s counts as the folder deltas last reported them (current as of
     * the last folder round: a change of either count puts the folder in the next delta), or
     * null when no delta has reported them.
     */
    synchronized @Nullable MailboxCounts knownCounts(String folderId) {
        int[] c = counts.get(folderId);
        return c == null ? null : new MailboxCounts(c[0], c[1]);
    }

    /** Folder {@code folderId} read its own delta (or a full listing) successfully. */
    synchronized void read(String folderId) {
        Member me = members.get(folderId);
        if (me != null) {
            me.marked = false;
            me.readOnce = true;
            me.lastOwnRound = round;
        }
    }

    /** Folder {@code folderId} changed the cloud: it reads its own delta next poll. */
    synchronized void changedCloud(String folderId) {
        Member me = members.get(folderId);
        if (me != null) {
            me.marked = true;
        }
    }

    private void plan() throws IOException, InterruptedException {
        if (!readsFolderDeltas()) {
            return; // the inbox alone: it reads every poll anyway
        }
        if (round % 2 == 1) {
            try {
                readFolderDelta();
            } catch (AuthenticationRequiredException e) {
                throw e;
            } catch (IOException e) {
                failedRound = round;
                // The link is kept: the next folder round reports what this one would have.
                log.info("Office365 {}: the folder delta failed ({}); the folders are read as scheduled",
                        transport.user(), e.getMessage());
            }
            return;
        }
        List<Map.Entry<String, Member>> others = new ArrayList<>();
        for (Map.Entry<String, Member> e : members.entrySet()) {
            Member m = e.getValue();
            if (!m.inbox && !m.marked && m.readOnce) { // the others read this poll anyway
                others.add(e);
            }
        }
        // Stable: among equals the first joined goes first.
        others.sort(java.util.Comparator.comparingLong(
                e -> Math.max(e.getValue().lastOwnRound, e.getValue().lastChosenRound)));
        for (int i = 0; i < Math.min(sweepPerRound, others.size()); i++) {
            sweptThisRound.add(others.get(i).getKey());
            others.get(i).getValue().lastChosenRound = round;
        }
    }

    private void readFolderDelta() throws IOException, InterruptedException {
        String url = folderDeltaLink;
        boolean firstRound = url == null;
        // The first delta of all lists every folder: the tree to compare later deltas with.
        boolean compare = !tree.isEmpty();
        Set<String> changed = new HashSet<>();
        while (true) {
            DeltaGetResponse answer;
            try {
                answer = folderDeltaPage(url);
            } catch (GraphStatusException e) {
                if (!GraphMailbox.isSyncReset(e) || url == null) {
                    throw e;
                }
                // Start over now, so that the new starting point is set in this same round.
                log.info("Office365 {}: Graph refused the folder delta link; every folder reads its own delta",
                        transport.user());
                folderDeltaLink = null;
                url = null;
                firstRound = true;
                foldersChanged |= !tree.isEmpty(); // a folder deleted meanwhile shows in no listing
                changed.clear();
                continue;
            }
            addFolderIds(answer, changed);
            noteTree(answer, compare);
            String next = answer.getOdataNextLink();
            String delta = answer.getOdataDeltaLink();
            if (next != null) {
                url = transport.sameHost(CALL, next);
            } else if (delta != null) {
                folderDeltaLink = transport.sameHost(CALL, delta);
                break;
            } else {
                throw new MalformedGraphResponse(CALL, "neither @odata.nextLink nor @odata.deltaLink");
            }
        }
        countsRound = round;
        if (firstRound) {
            // The starting point: what changed before it is unknown, so every folder reads once more.
            members.values().forEach(m -> m.marked = true);
            return;
        }
        for (String id : changed) {
            Member m = members.get(id);
            if (m != null) {
                m.marked = true;
            }
        }
    }

    /**
     * Keeps each reported folder's name and parent; with {@code compare}, one that is new, has
     * another name or parent, or is reported removed sets {@link #foldersChanged}. A property the
     * delta leaves out keeps its value.
     */
    private void noteTree(DeltaGetResponse answer, boolean compare) {
        for (MailFolder f : Objects.requireNonNull(answer.getValue(), "checked")) {
            String id = Objects.requireNonNull(f.getId(), "checked");
            List<@Nullable String> before = tree.get(id);
            if (f.getAdditionalData() != null && f.getAdditionalData().containsKey("@removed")) {
                foldersChanged |= compare && tree.remove(id) != null;
                counts.remove(id);
                continue;
            }
            noteCounts(id, f.getTotalItemCount(), f.getUnreadItemCount());
            List<@Nullable String> now = java.util.Arrays.asList(
                    f.getDisplayName() != null || before == null ? f.getDisplayName() : before.get(0),
                    f.getParentFolderId() != null || before == null ? f.getParentFolderId() : before.get(1));
            tree.put(id, now);
            foldersChanged |= compare && !now.equals(before);
        }
    }

    /**
     * Keeps a folder's reported counts. A folder named without both, or with unusable ones, has
     * none (its check asks the folder itself): it may be named because its counts changed.
     */
    private void noteCounts(String id, @Nullable Integer total, @Nullable Integer unread) {
        if (total == null || unread == null || total < 0 || unread < 0 || unread > total) {
            counts.remove(id);
            return;
        }
        counts.put(id, new int[] {total, unread});
    }

    /** The link the next folder round reads from; null before the first. */
    synchronized @Nullable String folderDeltaLink() {
        return folderDeltaLink;
    }

    /** One page of the folder delta: the first (no link yet) or the one {@code url} names. */
    private DeltaGetResponse folderDeltaPage(@Nullable String url) throws IOException, InterruptedException {
        DeltaRequestBuilder b = transport.graph().me().mailFolders().delta();
        DeltaRequestBuilder page = url == null ? b : b.withUrl(url);
        boolean first = url == null;
        return transport.call(CALL, () -> page.get(rc -> {
            rc.options.add(GraphCall.json(CALL));
            rc.headers.add("Prefer", "odata.maxpagesize=" + PAGE_SIZE);
            if (first) {
                rc.queryParameters.select = SELECT;
            }
        }));
    }

    private static void addFolderIds(DeltaGetResponse answer, Set<String> changed) throws MalformedGraphResponse {
        List<MailFolder> value = answer.getValue();
        if (value == null) {
            throw new MalformedGraphResponse(CALL, "no value list");
        }
        for (MailFolder f : value) {
            if (f == null || f.getId() == null || f.getId().isEmpty()) {
                throw new MalformedGraphResponse(CALL, "a folder without an id");
            }
            changed.add(f.getId());
        }
    }
}
