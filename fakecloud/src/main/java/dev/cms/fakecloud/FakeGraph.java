package dev.cms.fakecloud;

import com.google.gson.JsonObject;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;

/**
 * Microsoft Graph v1.0 mail, per mailbox: folders (well-known names included), messages with
 * their MIME bytes, read/flag state and the MAPI extended properties that carry "replied"
 * ({@code Integer 0x1080}, {@code Integer 0x1081}, {@code SystemTime 0x1082}), message delta
 * with skip/delta tokens, {@code $value}, PATCH, move, copy and (through {@link FakeMicrosoft}) JSON
 * {@code $batch}. Requests need a bearer token the {@link FakeIdentity} issued with a Graph scope.
 *
 * <p>Message ids: a move made with {@code Prefer: IdType="ImmutableId"} keeps the id; without
 * it the message gets a new id, as Exchange's default ids do. Admin moves keep the id.
 * Delta and list pages default to 10 items ({@code Prefer: odata.maxpagesize=N} or {@code $top}
 * change it, up to 1000).
 *
 * <p>The methods here are the admin interface: they change state as another mail client would.
 * {@link FakeGraphRouter} serves the HTTP requests, with {@link FakeGraphFolderRequests},
 * {@link FakeGraphMessages}, {@link FakeGraphNewMessages} and {@link FakeGraphDelta}.
 */
public final class FakeGraph {

    /** What the fake knows about one message. {@code replied} is 0x1081 being 102, 103 or 104. */
    public record MessageState(String id, String folderId, boolean isRead, String flagStatus, boolean replied,
                               Map<String, String> extendedProperties, byte[] mime) { }

    static final String ICON_INDEX = "Integer 0x1080";
    static final String LAST_VERB = "Integer 0x1081";
    static final String LAST_VERB_TIME = "SystemTime 0x1082";
    static final Set<String> FLAG_STATUSES = Set.of("notFlagged", "flagged", "complete");

    private final Clock clock;
    private final FakeIdentity identity;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, FakeGraphMailbox> mailboxes = new ConcurrentHashMap<>();
    private final FakeOutgoing outgoing = new FakeOutgoing();
    private final FakeGraphPaging paging = new FakeGraphPaging();
    private final FakeGraphLimits limits;
    private final FakeGraphDelta delta;
    private final FakeGraphNewMessages newMessages;
    private final FakeGraphRouter router;
    /** Test hook: when set, mailbox requests wait on it after taking their concurrency slot. */
    volatile CountDownLatch gate;

    FakeGraph(Clock clock, FakeIdentity identity) {
        this.clock = clock;
        this.identity = identity;
        this.limits = new FakeGraphLimits(clock);
        this.delta = new FakeGraphDelta(clock, paging);
        this.newMessages = new FakeGraphNewMessages(clock, identity, outgoing, random);
        this.router = new FakeGraphRouter(identity, upn -> mailboxes.get(key(upn)), limits, () -> gate,
                new FakeGraphFolderRequests(paging), new FakeGraphMessages(clock, paging), newMessages, delta);
    }

    void base(URI base) {
        paging.base = base;
    }

    // ---- admin API ------------------------------------------------------------------------

    /** What was sent through {@code sendMail}, and the sending faults. */
    public FakeOutgoing outgoing() {
        return outgoing;
    }

    /** How many messages were created from MIME ({@code POST .../messages}). */
    public int draftsCreated() {
        return newMessages.draftsCreated();
    }

    /** Creates a mailbox with the well-known folders and lets the user sign in through this client id. */
    public void addUser(String upn, String clientId) {
        identity.addUser(upn, clientId);
        mailboxes.computeIfAbsent(key(upn), k -> new FakeGraphMailbox(upn, random));
    }

    /** Every mailbox's folders, messages and change logs, for a later run of the demo. */
    JsonObject saveState(SavedBodies bodies) {
        JsonObject o = new JsonObject();
        for (FakeGraphMailbox m : mailboxes.values()) {
            synchronized (m) {
                o.add(m.upn, m.save(bodies));
            }
        }
        return o;
    }

    /** Restores saved mailboxes; each user must have been added already. */
    void restoreState(JsonObject o, SavedBodies bodies) {
        for (Map.Entry<String, com.google.gson.JsonElement> e : o.entrySet()) {
            FakeGraphMailbox m = mailbox(e.getKey());
            synchronized (m) {
                m.restore(e.getValue().getAsJsonObject(), bodies);
            }
        }
    }

    /** Creates a folder under a folder (id or well-known name); returns its id. */
    public String addFolder(String upn, String parentIdOrWellKnown, String displayName) {
        FakeGraphMailbox m = mailbox(upn);
        synchronized (m) {
            return m.addFolder(folder(m, parentIdOrWellKnown).id, displayName).id;
        }
    }

    /** The display names from the top of the mailbox down to a folder (id or well-known name). */
    public List<String> folderPath(String upn, String folder) {
        FakeGraphMailbox m = mailbox(upn);
        synchronized (m) {
            java.util.LinkedList<String> names = new java.util.LinkedList<>();
            for (FakeGraphMailbox.Folder f = folder(m, folder); !f.id.equals(m.rootId); f = m.folders.get(f.parentId)) {
                names.addFirst(f.displayName);
            }
            return List.copyOf(names);
        }
    }

    /** The id of the folder whose display names from the top are {@code path} (joined by {@code /}), or null. */
    public String findFolder(String upn, String path) {
        FakeGraphMailbox m = mailbox(upn);
        synchronized (m) {
            for (FakeGraphMailbox.Folder f : m.folders.values()) {
                if (!f.id.equals(m.rootId) && String.join("/", folderPath(upn, f.id)).equals(path)) {
                    return f.id;
                }
            }
            return null;
        }
    }

    /** Renames a folder, as Outlook's rename (PATCH displayName) does. */
    public void renameFolder(String upn, String folderId, String displayName) {
        FakeGraphFolders.orThrow(FakeGraphFolders.rename(mailbox(upn), folderId, displayName));
    }

    /** Moves a folder with its subfolders and messages under another (id or well-known name). */
    public void moveFolder(String upn, String folderId, String destination) {
        FakeGraphFolders.orThrow(FakeGraphFolders.move(mailbox(upn), folderId, destination));
    }

    /** Deletes a folder as Outlook does: into Deleted Items, or for good from there. */
    public void deleteFolder(String upn, String folderId) {
        FakeGraphFolders.orThrow(FakeGraphFolders.delete(mailbox(upn), folderId));
    }

    /**
     * Hides a folder (or shows it again), as {@code isHidden} does: Graph leaves hidden folders
     * out of {@code mailFolders} and {@code childFolders} listings unless the request says
     * {@code includeHiddenFolders=true}.
     */
    public void setHidden(String upn, String folderIdOrWellKnown, boolean hidden) {
        FakeGraphMailbox m = mailbox(upn);
        synchronized (m) {
            folder(m, folderIdOrWellKnown).hidden = hidden;
        }
    }

    /** Delivers a message (CRLF MIME bytes) into a folder; returns its id. {@code replied} sets 0x1081=102, 0x1080=261. */
    public String addMessage(String upn, String folder, byte[] mimeCrlf, Instant received, boolean isRead,
                             String flagStatus, boolean replied) {
        String status = flagStatus == null ? "notFlagged" : flagStatus;
        checkFlag(status);
        FakeGraphMailbox m = mailbox(upn);
        synchronized (m) {
            FakeGraphMailbox.Msg msg = m.add(folder(m, folder), mimeCrlf.clone(), received.truncatedTo(ChronoUnit.SECONDS));
            msg.isRead = isRead;
            msg.flagStatus = status;
            if (replied) {
                msg.setProp(LAST_VERB, "102");
                msg.setProp(ICON_INDEX, "261");
                msg.setProp(LAST_VERB_TIME, received.truncatedTo(ChronoUnit.SECONDS).toString());
            }
            return msg.id;
        }
    }

    /** Changes read and/or flag state as another client would (null leaves a value alone). */
    public void update(String upn, String id, Boolean isRead, String flagStatus) {
        if (flagStatus != null) {
            checkFlag(flagStatus);
        }
        FakeGraphMailbox m = mailbox(upn);
        synchronized (m) {
            FakeGraphMailbox.Msg msg = message(m, id);
            if (isRead != null) {
                msg.isRead = isRead;
            }
            if (flagStatus != null) {
                msg.flagStatus = flagStatus;
            }
            msg.modified = clock.instant();
            m.touch(msg);
        }
    }

    /** Marks a message replied (0x1081=102) as another client would. */
    public void markReplied(String upn, String id) {
        FakeGraphMailbox m = mailbox(upn);
        synchronized (m) {
            FakeGraphMailbox.Msg msg = message(m, id);
            msg.setProp(LAST_VERB, "102");
            msg.setProp(ICON_INDEX, "261");
            msg.setProp(LAST_VERB_TIME, clock.instant().truncatedTo(ChronoUnit.SECONDS).toString());
            m.touch(msg);
        }
    }

    /** Moves a message to a folder (id or well-known name), keeping its id. */
    public void move(String upn, String id, String folder) {
        FakeGraphMailbox m = mailbox(upn);
        synchronized (m) {
            m.move(message(m, id), folder(m, folder), true, clock.instant());
        }
    }

    /** Deletes a message for good. */
    public void delete(String upn, String id) {
        FakeGraphMailbox m = mailbox(upn);
        synchronized (m) {
            m.delete(message(m, id));
        }
    }

    /** The state of a message, or null when there is no message with this id. */
    public MessageState message(String upn, String id) {
        FakeGraphMailbox m = mailbox(upn);
        synchronized (m) {
            FakeGraphMailbox.Msg msg = m.messages.get(id);
            if (msg == null) {
                return null;
            }
            Map<String, String> props = new LinkedHashMap<>();
            for (String[] p : msg.props.values()) {
                props.put(p[0], p[1]);
            }
            String verb = msg.prop(LAST_VERB);
            boolean replied = "102".equals(verb) || "103".equals(verb) || "104".equals(verb);
            return new MessageState(msg.id, msg.folderId, msg.isRead, msg.flagStatus, replied, Map.copyOf(props),
                    msg.mime.clone());
        }
    }

    /** The ids of the messages in a folder (id or well-known name), in id order. */
    public List<String> messageIds(String upn, String folder) {
        FakeGraphMailbox m = mailbox(upn);
        synchronized (m) {
            return List.copyOf(folder(m, folder).members.keySet());
        }
    }

    /** The id of a folder given by id or well-known name. */
    public String folderId(String upn, String idOrWellKnown) {
        FakeGraphMailbox m = mailbox(upn);
        synchronized (m) {
            return folder(m, idOrWellKnown).id;
        }
    }

    /** Every delta and skip token issued so far for this mailbox answers 410 from now on. */
    public void expireDeltaTokens(String upn) {
        FakeGraphMailbox m = mailbox(upn);
        synchronized (m) {
            m.epoch++;
        }
    }

    /**
     * The most items a delta or list page holds, whatever the client prefers (default and
     * Graph's own maximum: 1000): {@code odata.maxpagesize} is only a preference, so a client
     * must follow {@code @odata.nextLink}; a small limit shows pagination with a few messages.
     */
    public void setPageLimit(int limit) {
        if (limit < 1 || limit > 1000) {
            throw new IllegalArgumentException("page limit must be 1 to 1000, got " + limit);
        }
        paging.pageLimit = limit;
    }

    /** Delta tokens older than this answer 410 (default 30 days). */
    public void setDeltaTokenHorizon(Duration horizon) {
        delta.horizon = horizon;
    }

    /**
     * Emulates Outlook's per-mailbox limits: at most {@code requests} per {@code window} and
     * {@code maxConcurrent} requests at once (0 turns a limit off; both are off by default).
     */
    public void limitMailboxes(int requests, Duration window, int maxConcurrent) {
        if (requests < 0 || maxConcurrent < 0 || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("mailbox limits need requests >= 0, maxConcurrent >= 0 and a positive"
                    + " window, got " + requests + " per " + window + ", " + maxConcurrent + " concurrent");
        }
        limits.set(requests, window, maxConcurrent);
    }

    /** Outlook's documented numbers: 10,000 requests per 10 minutes and 4 concurrent requests per mailbox. */
    public void limitMailboxesLikeOutlook() {
        limitMailboxes(10_000, Duration.ofMinutes(10), 4);
    }

    int inFlight(String upn) {
        return limits.inFlight(upn);
    }

    private FakeGraphMailbox mailbox(String upn) {
        FakeGraphMailbox m = mailboxes.get(key(upn));
        if (m == null) {
            throw new IllegalArgumentException("no mailbox for " + upn + ": call addUser first");
        }
        return m;
    }

    /** A folder by id or well-known name; a missing one is the caller's mistake, so it throws. */
    static FakeGraphMailbox.Folder folder(FakeGraphMailbox m, String idOrName) {
        FakeGraphMailbox.Folder f = m.folder(idOrName);
        if (f == null) {
            throw new IllegalArgumentException("no folder " + idOrName + " in " + m.upn);
        }
        return f;
    }

    private static FakeGraphMailbox.Msg message(FakeGraphMailbox m, String id) {
        FakeGraphMailbox.Msg msg = m.messages.get(id);
        if (msg == null) {
            throw new IllegalArgumentException("no message " + id + " in " + m.upn);
        }
        return msg;
    }

    private static void checkFlag(String status) {
        if (!FLAG_STATUSES.contains(status)) {
            throw new IllegalArgumentException("flagStatus must be one of " + FLAG_STATUSES + ", got " + status);
        }
    }

    /** Mailboxes and their limits are kept by lower-case user name. */
    static String key(String upn) {
        return upn.toLowerCase(Locale.ROOT);
    }

    /** Serves {@code /v1.0/...} except {@code $batch}. */
    FakeMicrosoftResponse handle(FakeMicrosoftRequest request) {
        return router.handle(request);
    }
}
