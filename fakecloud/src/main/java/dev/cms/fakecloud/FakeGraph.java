package dev.cms.fakecloud;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
 */
public final class FakeGraph {

    /** What the fake knows about one message. {@code replied} is 0x1081 being 102, 103 or 104. */
    public record MessageState(String id, String folderId, boolean isRead, String flagStatus, boolean replied,
                               Map<String, String> extendedProperties, byte[] mime) { }

    static final String ICON_INDEX = "Integer 0x1080";
    static final String LAST_VERB = "Integer 0x1081";
    static final String LAST_VERB_TIME = "SystemTime 0x1082";
    private static final Set<String> FLAG_STATUSES = Set.of("notFlagged", "flagged", "complete");
    private static final Pattern PROP_ID = Pattern.compile("(?i)(Integer|SystemTime|String|Boolean|Long) 0x[0-9a-f]{4}");
    private static final Pattern DISPLAY_NAME_EQ = Pattern.compile("^\\s*displayName\\s+eq\\s+'((?:[^']|'')*)'\\s*$");
    private static final Pattern QUOTED = Pattern.compile("'((?:[^']|'')*)'");
    private static final Pattern MAX_PAGE = Pattern.compile("(?i)odata\\.maxpagesize\\s*=\\s*(\\d+)");
    private static final List<String> DEFAULT_FIELDS = List.of("receivedDateTime", "lastModifiedDateTime", "subject",
            "internetMessageId", "isRead", "parentFolderId", "flag");

    private static final class Limits {
        final Deque<Instant> recent = new ArrayDeque<>();
        int inFlight;
    }

    private final Clock clock;
    private final FakeIdentity identity;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, FakeGraphMailbox> mailboxes = new ConcurrentHashMap<>();
    private final Map<String, Limits> limits = new ConcurrentHashMap<>();
    private final FakeOutgoing outgoing = new FakeOutgoing();
    private static final Pattern MESSAGE_ID_EQ = Pattern.compile("^\\s*internetMessageId\\s+eq\\s+'((?:[^']|'')*)'\\s*$");
    /** Graph's request size limit, which bounds a MIME sendMail (base64) at about 3 MB of message. */
    static final int MAX_REQUEST_BYTES = 4 * 1024 * 1024;
    private volatile URI base;
    private volatile Duration deltaHorizon = Duration.ofDays(30);
    private volatile int pageLimit = 1000;
    private volatile int limitRequests;
    private volatile Duration limitWindow = Duration.ofMinutes(10);
    private volatile int limitConcurrent;
    /** Test hook: when set, mailbox requests wait on it after taking their concurrency slot. */
    volatile CountDownLatch gate;

    FakeGraph(Clock clock, FakeIdentity identity) {
        this.clock = clock;
        this.identity = identity;
    }

    void base(URI base) {
        this.base = base;
    }

    // ---- admin API ------------------------------------------------------------------------

    private final java.util.concurrent.atomic.AtomicInteger draftsCreated = new java.util.concurrent.atomic.AtomicInteger();

    /** What was sent through {@code sendMail}, and the sending faults. */
    public FakeOutgoing outgoing() {
        return outgoing;
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
        pageLimit = limit;
    }

    /** Delta tokens older than this answer 410 (default 30 days). */
    public void setDeltaTokenHorizon(Duration horizon) {
        deltaHorizon = horizon;
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
        limitRequests = requests;
        limitWindow = window;
        limitConcurrent = maxConcurrent;
        limits.clear();
    }

    /** Outlook's documented numbers: 10,000 requests per 10 minutes and 4 concurrent requests per mailbox. */
    public void limitMailboxesLikeOutlook() {
        limitMailboxes(10_000, Duration.ofMinutes(10), 4);
    }

    int inFlight(String upn) {
        Limits l = limits.get(key(upn));
        if (l == null) {
            return 0;
        }
        synchronized (l) {
            return l.inFlight;
        }
    }

    private FakeGraphMailbox mailbox(String upn) {
        FakeGraphMailbox m = mailboxes.get(key(upn));
        if (m == null) {
            throw new IllegalArgumentException("no mailbox for " + upn + ": call addUser first");
        }
        return m;
    }

    private static FakeGraphMailbox.Folder folder(FakeGraphMailbox m, String idOrName) {
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

    private static String key(String upn) {
        return upn.toLowerCase(Locale.ROOT);
    }

    // ---- HTTP ------------------------------------------------------------------------------

    /** Serves {@code /v1.0/...} except {@code $batch}. */
    FakeMicrosoftResponse handle(FakeMicrosoftRequest request) {
        List<String> seg = new ArrayList<>();
        for (String s : request.path().split("/")) {
            if (!s.isEmpty()) {
                seg.add(s);
            }
        }
        String auth = request.header("authorization");
        if (auth == null || auth.length() < 8 || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return FakeMicrosoftResponse.graphError(401, "InvalidAuthenticationToken", "Access token is empty.");
        }
        TokenInfo info = identity.tokenInfo(auth.substring(7).trim());
        if (info == null) {
            return FakeMicrosoftResponse.graphError(401, "InvalidAuthenticationToken",
                    "Lifetime validation failed, the token is expired or unknown.");
        }
        if (!FakeIdentity.grantsGraph(info)) {
            return FakeMicrosoftResponse.graphError(401, "InvalidAuthenticationToken",
                    "Access token validation failure. Invalid audience.");
        }
        List<String> rest;
        String prefix;
        if (seg.size() >= 2 && seg.get(1).equals("me")) {
            rest = seg.subList(2, seg.size());
            prefix = "/v1.0/me";
        } else if (seg.size() >= 3 && seg.get(1).equalsIgnoreCase("users")) {
            String who = seg.get(2);
            if (!identity.knowsUser(who) || !identity.user(who).upn().equalsIgnoreCase(info.email())) {
                return FakeMicrosoftResponse.graphError(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.");
            }
            rest = seg.subList(3, seg.size());
            prefix = "/v1.0/users/" + who;
        } else {
            return FakeMicrosoftResponse.graphError(400, "BadRequest", "Resource not found for the segment '"
                    + (seg.size() > 1 ? seg.get(1) : "") + "'.");
        }
        FakeGraphMailbox m = mailboxes.get(key(info.email()));
        if (m == null) {
            return FakeMicrosoftResponse.graphError(404, "MailboxNotEnabledForRESTAPI",
                    "The mailbox is either inactive, soft-deleted, or is hosted on-premise.");
        }
        FakeMicrosoftResponse refused = enter(m.upn);
        if (refused != null) {
            return refused;
        }
        try {
            CountDownLatch g = gate;
            if (g != null) {
                g.await(30, TimeUnit.SECONDS);
            }
            return route(request, m, prefix, rest);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return FakeMicrosoftResponse.graphError(503, "ServiceUnavailable", "Interrupted.");
        } finally {
            exit(m.upn);
        }
    }

    private FakeMicrosoftResponse enter(String upn) {
        int maxRequests = limitRequests;
        int maxConcurrent = limitConcurrent;
        Limits l = limits.computeIfAbsent(key(upn), k -> new Limits());
        synchronized (l) {
            if (maxConcurrent > 0 && l.inFlight >= maxConcurrent) {
                return FakeMicrosoftResponse.graphError(429, "ApplicationThrottled",
                        "Application is over its MailboxConcurrency limit.").withHeader("Retry-After", "1");
            }
            if (maxRequests > 0) {
                Instant now = clock.instant();
                Instant horizon = now.minus(limitWindow);
                while (!l.recent.isEmpty() && !l.recent.peekFirst().isAfter(horizon)) {
                    l.recent.removeFirst();
                }
                if (l.recent.size() >= maxRequests) {
                    long wait = Duration.between(now, l.recent.peekFirst().plus(limitWindow)).toSeconds() + 1;
                    return FakeMicrosoftResponse.graphError(429, "ApplicationThrottled",
                            "Application is over its MailboxRequests limit.")
                            .withHeader("Retry-After", Long.toString(Math.max(1, wait)));
                }
                l.recent.addLast(now);
            }
            l.inFlight++;
            return null;
        }
    }

    private void exit(String upn) {
        Limits l = limits.get(key(upn));
        if (l != null) {
            synchronized (l) {
                l.inFlight = Math.max(0, l.inFlight - 1);
            }
        }
    }

    private FakeMicrosoftResponse route(FakeMicrosoftRequest r, FakeGraphMailbox m, String prefix, List<String> s) {
        String method = r.method();
        int n = s.size();
        if (n >= 1 && s.get(0).equals("mailFolders")) {
            if (n == 1 && method.equals("GET")) {
                return childFolders(r, m, m.rootId, prefix + "/mailFolders");
            }
            if (n == 1 && method.equals("POST")) {
                return createFolder(r, m, m.rootId);
            }
            if (n == 2 && (method.equals("PATCH") || method.equals("DELETE"))) {
                return changeFolder(r, m, s.get(1));
            }
            if (n == 3 && (s.get(2).equals("move") || s.get(2).equals("microsoft.graph.move")) && method.equals("POST")) {
                return changeFolder(r, m, s.get(1));
            }
            if (n == 2 && (s.get(1).equals("delta") || s.get(1).equals("delta()")) && method.equals("GET")) {
                return folderDelta(r, m, prefix);
            }
            if (n == 2 && method.equals("GET")) {
                return getFolder(m, s.get(1));
            }
            if (n == 3 && s.get(2).equals("childFolders") && method.equals("GET")) {
                return childFolders(r, m, s.get(1), prefix + "/mailFolders/" + s.get(1) + "/childFolders");
            }
            if (n == 3 && s.get(2).equals("childFolders") && method.equals("POST")) {
                return createFolder(r, m, s.get(1));
            }
            if (n == 3 && s.get(2).equals("messages") && method.equals("GET")) {
                return listMessages(r, m, s.get(1), prefix + "/mailFolders/" + s.get(1) + "/messages");
            }
            if (n == 3 && s.get(2).equals("messages") && method.equals("POST")) {
                return createDraft(r, m, s.get(1));
            }
            if (n == 4 && s.get(2).equals("messages") && (s.get(3).equals("delta") || s.get(3).equals("delta()"))
                    && method.equals("GET")) {
                return delta(r, m, s.get(1), prefix);
            }
        }
        if (n == 1 && s.get(0).equals("sendMail") && method.equals("POST")) {
            return sendMail(r, m);
        }
        if (n == 1 && s.get(0).equals("messages") && method.equals("POST")) {
            return createDraft(r, m, "drafts");
        }
        if (n >= 2 && s.get(0).equals("messages")) {
            String id = s.get(1);
            if (n == 2) {
                switch (method) {
                    case "GET": return getMessage(r, m, id);
                    case "PATCH": return patch(r, m, id);
                    case "DELETE": return deleteMessage(m, id);
                    default: break;
                }
            }
            if (n == 3 && s.get(2).equals("$value") && method.equals("GET")) {
                return value(m, id);
            }
            if (n == 3 && (s.get(2).equals("move") || s.get(2).equals("microsoft.graph.move")) && method.equals("POST")) {
                return move(r, m, id);
            }
            if (n == 3 && (s.get(2).equals("copy") || s.get(2).equals("microsoft.graph.copy")) && method.equals("POST")) {
                return copy(r, m, id);
            }
        }
        return FakeMicrosoftResponse.graphError(400, "BadRequest", "Unsupported request " + method + " "
                + r.path() + " in the fake Graph.");
    }

    private static FakeMicrosoftResponse folderNotFound(String id) {
        return FakeMicrosoftResponse.graphError(404, "ErrorItemNotFound",
                "The specified object was not found in the store. (folder " + id + ")");
    }

    private static FakeMicrosoftResponse messageNotFound(String id) {
        return FakeMicrosoftResponse.graphError(404, "ErrorItemNotFound",
                "The specified object was not found in the store. (message " + id + ")");
    }

    private FakeMicrosoftResponse getFolder(FakeGraphMailbox m, String idOrName) {
        synchronized (m) {
            FakeGraphMailbox.Folder f = m.folder(idOrName);
            if (f == null) {
                return folderNotFound(idOrName);
            }
            JsonObject o = folderJson(m, f);
            o.addProperty("@odata.context", root() + "/v1.0/$metadata#users('" + m.upn + "')/mailFolders/$entity");
            return FakeMicrosoftResponse.json(200, o);
        }
    }

    /** A folder delta's entry for a folder deleted for good: its id and {@code @removed}. */
    private static JsonObject removedFolderJson(String id) {
        JsonObject removed = new JsonObject();
        removed.addProperty("reason", "deleted");
        JsonObject o = new JsonObject();
        o.addProperty("id", id);
        o.add("@removed", removed);
        return o;
    }

    private static JsonObject folderJson(FakeGraphMailbox m, FakeGraphMailbox.Folder f) {
        JsonObject o = new JsonObject();
        o.addProperty("id", f.id);
        o.addProperty("displayName", f.displayName);
        o.addProperty("parentFolderId", f.parentId);
        o.addProperty("childFolderCount", f.children.size());
        o.addProperty("unreadItemCount", f.unread());
        o.addProperty("totalItemCount", f.members.size());
        o.addProperty("isHidden", f.hidden);
        return o;
    }

    private FakeMicrosoftResponse childFolders(FakeMicrosoftRequest r, FakeGraphMailbox m, String parent, String path) {
        String filter = r.param("$filter");
        String name = null;
        if (filter != null) {
            Matcher matcher = DISPLAY_NAME_EQ.matcher(filter);
            if (!matcher.matches()) {
                return FakeMicrosoftResponse.graphError(400, "ErrorInvalidUrlQueryFilter",
                        "The fake only supports $filter=displayName eq '...', got: " + filter);
            }
            name = matcher.group(1).replace("''", "'");
        }
        boolean withHidden = "true".equalsIgnoreCase(r.param("includeHiddenFolders"));
        int top = intParam(r, "$top", 10);
        int skip = intParam(r, "$skip", 0);
        if (top < 1 || skip < 0) {
            return FakeMicrosoftResponse.graphError(400, "BadRequest", "Invalid $top or $skip.");
        }
        synchronized (m) {
            FakeGraphMailbox.Folder f = m.folder(parent);
            if (f == null) {
                return folderNotFound(parent);
            }
            List<FakeGraphMailbox.Folder> all = new ArrayList<>();
            for (FakeGraphMailbox.Folder c : m.children(f)) {
                if ((name == null || c.displayName.equalsIgnoreCase(name)) && (withHidden || !c.hidden)) {
                    all.add(c);
                }
            }
            JsonArray value = new JsonArray();
            for (int i = skip; i < Math.min(all.size(), skip + top); i++) {
                value.add(folderJson(m, all.get(i)));
            }
            JsonObject o = new JsonObject();
            o.addProperty("@odata.context", root() + "/v1.0/$metadata#users('" + m.upn + "')/mailFolders");
            o.add("value", value);
            if (skip + top < all.size()) {
                Map<String, String> q = new LinkedHashMap<>();
                if (filter != null) {
                    q.put("$filter", filter);
                }
                if (withHidden) {
                    q.put("includeHiddenFolders", "true");
                }
                q.put("$top", Integer.toString(top));
                q.put("$skip", Integer.toString(skip + top));
                o.addProperty("@odata.nextLink", link(path, q));
            }
            return FakeMicrosoftResponse.json(200, o);
        }
    }

    private FakeMicrosoftResponse createFolder(FakeMicrosoftRequest r, FakeGraphMailbox m, String parent) {
        JsonObject body = jsonBody(r);
        if (body == null || !body.has("displayName")) {
            return FakeMicrosoftResponse.graphError(400, "ErrorInvalidRequest", "A displayName is required.");
        }
        synchronized (m) {
            FakeGraphMailbox.Folder p = m.folder(parent);
            if (p == null) {
                return folderNotFound(parent);
            }
            try {
                FakeGraphMailbox.Folder f = m.addFolder(p.id, body.get("displayName").getAsString());
                return FakeMicrosoftResponse.json(201, folderJson(m, f));
            } catch (IllegalArgumentException e) {
                return FakeMicrosoftResponse.graphError(409, "ErrorFolderExists", e.getMessage());
            }
        }
    }

    /** Rename (PATCH), move (POST .../move) or delete (DELETE) a folder: see {@link FakeGraphFolders}. */
    private FakeMicrosoftResponse changeFolder(FakeMicrosoftRequest r, FakeGraphMailbox m, String id) {
        if (r.method().equals("DELETE")) {
            FakeMicrosoftResponse error = FakeGraphFolders.delete(m, id);
            return error != null ? error : FakeMicrosoftResponse.empty(204);
        }
        JsonObject body = jsonBody(r);
        boolean move = r.method().equals("POST");
        String value = FakeGraphFolders.field(body, move ? "destinationId" : "displayName");
        if (value == null) {
            return move ? FakeMicrosoftResponse.graphError(400, "ErrorInvalidRequest", "destinationId is required.")
                    : getFolder(m, id); // a PATCH of other properties changes nothing the fake keeps
        }
        FakeMicrosoftResponse error = move ? FakeGraphFolders.move(m, id, value) : FakeGraphFolders.rename(m, id, value);
        if (error != null) {
            return error;
        }
        synchronized (m) {
            return FakeMicrosoftResponse.json(move ? 201 : 200, folderJson(m, m.folder(id)));
        }
    }

    /**
     * {@code POST /me/sendMail}: the MIME message base64-encoded as {@code text/plain}, or JSON
     * {@code {"message": {...}, "saveToSentItems": true}}. Needs the {@code Mail.Send} permission.
     * Delivers to To/Cc/Bcc (recorded in {@link #outgoing()}), keeps a copy in Sent Items, answers 202.
     */
    private FakeMicrosoftResponse sendMail(FakeMicrosoftRequest r, FakeGraphMailbox m) {
        TokenInfo info = identity.tokenInfo(r.header("authorization").substring(7).trim());
        boolean maySend = info != null && info.scopes().stream().anyMatch(sc -> sc.equalsIgnoreCase("Mail.Send")
                || sc.equalsIgnoreCase("https://graph.microsoft.com/Mail.Send")
                || sc.equalsIgnoreCase("https://graph.microsoft.com/.default"));
        if (!maySend) {
            return FakeMicrosoftResponse.graphError(403, "ErrorAccessDenied",
                    "Access is denied. Check credentials and try again.");
        }
        if (r.body().length > MAX_REQUEST_BYTES) {
            return FakeMicrosoftResponse.graphError(413, "RequestEntityTooLarge",
                    "The maximum request length supported is 4MB.");
        }
        String type = r.header("content-type");
        byte[] mime;
        boolean save = true;
        if (type != null && type.toLowerCase(Locale.ROOT).startsWith("text/plain")) {
            try {
                mime = java.util.Base64.getMimeDecoder().decode(r.body());
            } catch (IllegalArgumentException e) {
                return FakeMicrosoftResponse.graphError(400, "ErrorMimeContentInvalidBase64String",
                        "Invalid base64 string for MIME content.");
            }
            if (mime.length == 0) {
                return FakeMicrosoftResponse.graphError(400, "ErrorMimeContentInvalid", "The MIME content is empty.");
            }
        } else {
            JsonObject body = jsonBody(r);
            if (body == null || !body.has("message") || !body.get("message").isJsonObject()) {
                return FakeMicrosoftResponse.graphError(400, "ErrorInvalidRequest",
                        "A message is required (JSON {\"message\": {...}} or base64 MIME as text/plain).");
            }
            save = !body.has("saveToSentItems") || body.get("saveToSentItems").getAsBoolean();
            mime = mimeOf(body.getAsJsonObject("message"), m.upn);
        }
        outgoing.attempt();
        FakeOutgoing.Parsed p = FakeOutgoing.parse(mime);
        if (p.recipients().isEmpty()) {
            return FakeMicrosoftResponse.graphError(400, "ErrorInvalidRecipients",
                    "At least one recipient is required, but none were found.");
        }
        String bad = outgoing.refusedAmong(p.recipients());
        if (bad != null) {
            return FakeMicrosoftResponse.graphError(400, "ErrorInvalidRecipients",
                    "At least one recipient is not valid., Recipient '" + bad + "' is not resolved.");
        }
        if (save) {
            synchronized (m) {
                FakeGraphMailbox.Msg msg = m.add(folder(m, "sentitems"), mime.clone(),
                        clock.instant().truncatedTo(ChronoUnit.SECONDS));
                msg.isRead = true;
            }
        }
        outgoing.delivered(m.upn, p, r.path());
        return FakeMicrosoftResponse.empty(202);
    }

    /**
     * {@code POST /me/messages} (into Drafts) or {@code POST /me/mailFolders/{id}/messages}: a
     * message created from MIME, base64-encoded as {@code text/plain} (at most 4 MB of request),
     * always as a draft: read, not flagged, with a new id, in the folder's delta. As Exchange does,
     * the stored MIME is not the bytes sent: headers of its own come first. (The JSON form of
     * this call is not faked: 400.) Counted in {@link #draftsCreated()}.
     */
    private FakeMicrosoftResponse createDraft(FakeMicrosoftRequest r, FakeGraphMailbox m, String folder) {
        if (r.body().length > MAX_REQUEST_BYTES) {
            return FakeMicrosoftResponse.graphError(413, "RequestEntityTooLarge",
                    "The maximum request length supported is 4MB.");
        }
        String type = r.header("content-type");
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("text/plain")) {
            return FakeMicrosoftResponse.graphError(400, "BadRequest",
                    "The fake Graph creates messages from base64 MIME (text/plain) only.");
        }
        byte[] mime;
        try {
            mime = java.util.Base64.getMimeDecoder().decode(r.body());
        } catch (IllegalArgumentException e) {
            return FakeMicrosoftResponse.graphError(400, "ErrorMimeContentInvalidBase64String",
                    "Invalid base64 string for MIME content.");
        }
        if (mime.length == 0 || MimeHeaders.parse(mime).isEmpty()) {
            return FakeMicrosoftResponse.graphError(400, "ErrorMimeContentInvalid", "The MIME content is invalid.");
        }
        byte[] own = "X-MS-Has-Attach: \r\nX-MS-TNEF-Correlator: \r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] stored = java.util.Arrays.copyOf(own, own.length + mime.length);
        System.arraycopy(mime, 0, stored, own.length, mime.length);
        synchronized (m) {
            FakeGraphMailbox.Folder f = m.folder(folder);
            if (f == null) {
                return folderNotFound(folder);
            }
            FakeGraphMailbox.Msg msg = m.add(f, stored, clock.instant().truncatedTo(ChronoUnit.SECONDS));
            msg.isRead = true;
            draftsCreated.incrementAndGet();
            return FakeMicrosoftResponse.json(201, messageJson(msg, null, null));
        }
    }

    /** How many messages were created from MIME ({@code POST .../messages}). */
    public int draftsCreated() {
        return draftsCreated.get();
    }

    /** A MIME message made from Graph's JSON message (subject, body, recipients). */
    private byte[] mimeOf(JsonObject msg, String upn) {
        StringBuilder b = new StringBuilder();
        b.append("From: ").append(upn).append("\r\n");
        for (String[] field : new String[][] {{"toRecipients", "To"}, {"ccRecipients", "Cc"}, {"bccRecipients", "Bcc"}}) {
            if (msg.has(field[0])) {
                List<String> addrs = new ArrayList<>();
                for (JsonElement e : msg.getAsJsonArray(field[0])) {
                    addrs.add(e.getAsJsonObject().getAsJsonObject("emailAddress").get("address").getAsString());
                }
                if (!addrs.isEmpty()) {
                    b.append(field[1]).append(": ").append(String.join(", ", addrs)).append("\r\n");
                }
            }
        }
        if (msg.has("subject")) {
            b.append("Subject: ").append(msg.get("subject").getAsString()).append("\r\n");
        }
        String id = msg.has("internetMessageId") ? msg.get("internetMessageId").getAsString()
                : "<" + Long.toHexString(random.nextLong()) + "@fake.graph>";
        b.append("Message-ID: ").append(id).append("\r\n");
        b.append("Date: ").append(java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(
                clock.instant().atZone(java.time.ZoneOffset.UTC))).append("\r\n");
        String content = "";
        String ctype = "text";
        if (msg.has("body") && msg.get("body").isJsonObject()) {
            JsonObject body = msg.getAsJsonObject("body");
            content = body.has("content") ? body.get("content").getAsString() : "";
            ctype = body.has("contentType") ? body.get("contentType").getAsString() : "text";
        }
        b.append("Content-Type: ").append(ctype.equalsIgnoreCase("html") ? "text/html" : "text/plain")
                .append("; charset=utf-8\r\n\r\n");
        b.append(content.replace("\r\n", "\n").replace("\n", "\r\n"));
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    private FakeMicrosoftResponse listMessages(FakeMicrosoftRequest r, FakeGraphMailbox m, String folder, String path) {
        String filter = r.param("$filter");
        if (filter != null) {
            Matcher eq = MESSAGE_ID_EQ.matcher(filter);
            if (!eq.matches()) {
                return FakeMicrosoftResponse.graphError(400, "ErrorInvalidUrlQueryFilter",
                        "The fake only supports $filter=internetMessageId eq '...' on messages, got: " + filter);
            }
            String wanted = eq.group(1).replace("''", "'");
            synchronized (m) {
                FakeGraphMailbox.Folder f = m.folder(folder);
                if (f == null) {
                    return folderNotFound(folder);
                }
                JsonArray value = new JsonArray();
                for (FakeGraphMailbox.Msg msg : f.members.values()) {
                    if (wanted.equals(msg.internetMessageId)) {
                        value.add(messageJson(msg, select(r.param("$select")), expand(r.param("$expand"))));
                    }
                }
                JsonObject o = new JsonObject();
                o.add("value", value);
                return FakeMicrosoftResponse.json(200, o);
            }
        }
        int top = intParam(r, "$top", pageSize(r, 10));
        if (top < 1) {
            return FakeMicrosoftResponse.graphError(400, "BadRequest", "Invalid $top.");
        }
        top = Math.min(top, 1000);
        String after = r.param("$skiptoken");
        Set<String> select = select(r.param("$select"));
        Set<String> expand = expand(r.param("$expand"));
        synchronized (m) {
            FakeGraphMailbox.Folder f = m.folder(folder);
            if (f == null) {
                return folderNotFound(folder);
            }
            NavigableMap<String, FakeGraphMailbox.Msg> tail = after == null ? f.members : f.members.tailMap(after, false);
            JsonArray value = new JsonArray();
            String last = null;
            boolean more = false;
            for (FakeGraphMailbox.Msg msg : tail.values()) {
                if (value.size() == top) {
                    more = true;
                    break;
                }
                value.add(messageJson(msg, select, expand));
                last = msg.id;
            }
            JsonObject o = new JsonObject();
            o.addProperty("@odata.context", root() + "/v1.0/$metadata#users('" + m.upn + "')/mailFolders('"
                    + f.id + "')/messages");
            o.add("value", value);
            if (more) {
                Map<String, String> q = new LinkedHashMap<>();
                copy(r, q, "$select");
                copy(r, q, "$expand");
                q.put("$top", Integer.toString(top));
                q.put("$skiptoken", last);
                o.addProperty("@odata.nextLink", link(path, q));
            }
            return FakeMicrosoftResponse.json(200, o);
        }
    }

    private FakeMicrosoftResponse getMessage(FakeMicrosoftRequest r, FakeGraphMailbox m, String id) {
        Set<String> select = select(r.param("$select"));
        Set<String> expand = expand(r.param("$expand"));
        synchronized (m) {
            FakeGraphMailbox.Msg msg = m.messages.get(id);
            if (msg == null) {
                return messageNotFound(id);
            }
            JsonObject o = messageJson(msg, select, expand);
            o.addProperty("@odata.context", root() + "/v1.0/$metadata#users('" + m.upn + "')/messages/$entity");
            return FakeMicrosoftResponse.json(200, o);
        }
    }

    private FakeMicrosoftResponse value(FakeGraphMailbox m, String id) {
        byte[] mime;
        synchronized (m) {
            FakeGraphMailbox.Msg msg = m.messages.get(id);
            if (msg == null) {
                return messageNotFound(id);
            }
            mime = msg.mime;
        }
        // the bytes are never modified once stored, so they are written outside the lock
        return FakeMicrosoftResponse.bytes(200, "text/plain", mime);
    }

    private FakeMicrosoftResponse patch(FakeMicrosoftRequest r, FakeGraphMailbox m, String id) {
        JsonObject body = jsonBody(r);
        if (body == null) {
            return FakeMicrosoftResponse.graphError(400, "BadRequest", "The request body must be a JSON object.");
        }
        Boolean isRead = null;
        String flagStatus = null;
        Map<String, String> props = new LinkedHashMap<>();
        try {
            if (body.has("isRead")) {
                isRead = body.get("isRead").getAsBoolean();
            }
            if (body.has("flag")) {
                flagStatus = body.getAsJsonObject("flag").get("flagStatus").getAsString();
                if (!FLAG_STATUSES.contains(flagStatus)) {
                    return FakeMicrosoftResponse.graphError(400, "RequestBodyRead",
                            "Cannot convert the literal '" + flagStatus + "' to the expected type 'microsoft.graph.followupFlagStatus'.");
                }
            }
            if (body.has("singleValueExtendedProperties")) {
                for (JsonElement e : body.getAsJsonArray("singleValueExtendedProperties")) {
                    JsonObject p = e.getAsJsonObject();
                    String pid = p.get("id").getAsString().trim();
                    String v = p.get("value").getAsString();
                    if (!PROP_ID.matcher(pid).matches()) {
                        return FakeMicrosoftResponse.graphError(400, "ErrorInvalidProperty",
                                "The extended property id '" + pid + "' is not a supported tagged property.");
                    }
                    if (pid.regionMatches(true, 0, "Integer", 0, 7)) {
                        Integer.parseInt(v);
                    }
                    props.put(canonical(pid), v);
                }
            }
        } catch (RuntimeException e) {
            return FakeMicrosoftResponse.graphError(400, "RequestBodyRead", "Cannot read the PATCH body: " + e.getMessage());
        }
        synchronized (m) {
            FakeGraphMailbox.Msg msg = m.messages.get(id);
            if (msg == null) {
                return messageNotFound(id);
            }
            if (isRead != null) {
                msg.isRead = isRead;
            }
            if (flagStatus != null) {
                msg.flagStatus = flagStatus;
            }
            props.forEach(msg::setProp);
            msg.modified = clock.instant();
            m.touch(msg);
            return FakeMicrosoftResponse.json(200, messageJson(msg, null, null));
        }
    }

    private FakeMicrosoftResponse deleteMessage(FakeGraphMailbox m, String id) {
        synchronized (m) {
            FakeGraphMailbox.Msg msg = m.messages.get(id);
            if (msg == null) {
                return messageNotFound(id);
            }
            m.delete(msg);
            return FakeMicrosoftResponse.empty(204);
        }
    }

    /** The {@code destinationId} of a move or copy, in any case (the Graph SDK sends "DestinationId", the docs "destinationId"); null when missing. */
    private static String destinationId(FakeMicrosoftRequest r) {
        JsonObject body = jsonBody(r);
        JsonElement destination = null;
        if (body != null) {
            for (Map.Entry<String, JsonElement> e : body.entrySet()) {
                if (e.getKey().equalsIgnoreCase("destinationId")) {
                    destination = e.getValue();
                }
            }
        }
        return destination == null || !destination.isJsonPrimitive() ? null : destination.getAsString();
    }

    private FakeMicrosoftResponse move(FakeMicrosoftRequest r, FakeGraphMailbox m, String id) {
        String dest = destinationId(r);
        if (dest == null) {
            return FakeMicrosoftResponse.graphError(400, "ErrorInvalidRequest", "destinationId is required.");
        }
        boolean immutable = false;
        for (String p : r.headerValues("prefer")) {
            immutable |= p.replace(" ", "").equalsIgnoreCase("IdType=\"ImmutableId\"");
        }
        synchronized (m) {
            FakeGraphMailbox.Msg msg = m.messages.get(id);
            if (msg == null) {
                return messageNotFound(id);
            }
            FakeGraphMailbox.Folder to = m.folder(dest);
            if (to == null) {
                return FakeMicrosoftResponse.graphError(400, "ErrorInvalidIdMalformed", "Id is malformed: " + dest);
            }
            m.move(msg, to, immutable, clock.instant());
            return FakeMicrosoftResponse.json(201, messageJson(msg, null, null));
        }
    }

    /** {@code POST messages/{id}/copy}: 201 with the copy, a new message with an id of its own. */
    private FakeMicrosoftResponse copy(FakeMicrosoftRequest r, FakeGraphMailbox m, String id) {
        String dest = destinationId(r);
        if (dest == null) {
            return FakeMicrosoftResponse.graphError(400, "ErrorInvalidRequest", "destinationId is required.");
        }
        synchronized (m) {
            FakeGraphMailbox.Msg msg = m.messages.get(id);
            if (msg == null) {
                return messageNotFound(id);
            }
            FakeGraphMailbox.Folder to = m.folder(dest);
            if (to == null) {
                return FakeMicrosoftResponse.graphError(400, "ErrorInvalidIdMalformed", "Id is malformed: " + dest);
            }
            return FakeMicrosoftResponse.json(201, messageJson(m.copy(msg, to, clock.instant()), null, null));
        }
    }

    // ---- delta ----------------------------------------------------------------------------

    /** A delta round's position, carried in skip and delta tokens (base64url JSON). */
    private record DeltaState(String folder, int epoch, long issued, long base, long after, long snapshot,
                              int pageSize, String select, String expand) {
        String encode() {
            JsonObject o = new JsonObject();
            o.addProperty("f", folder);
            o.addProperty("e", epoch);
            o.addProperty("t", issued);
            o.addProperty("b", base);
            o.addProperty("a", after);
            o.addProperty("s", snapshot);
            o.addProperty("p", pageSize);
            if (select != null) {
                o.addProperty("sel", select);
            }
            if (expand != null) {
                o.addProperty("exp", expand);
            }
            return Base64.getUrlEncoder().withoutPadding().encodeToString(
                    FakeMicrosoftResponse.GSON.toJson(o).getBytes(StandardCharsets.UTF_8));
        }

        static DeltaState decode(String token) {
            JsonObject o = JsonParser.parseString(new String(Base64.getUrlDecoder().decode(token),
                    StandardCharsets.UTF_8)).getAsJsonObject();
            return new DeltaState(o.get("f").getAsString(), o.get("e").getAsInt(), o.get("t").getAsLong(),
                    o.get("b").getAsLong(), o.get("a").getAsLong(), o.get("s").getAsLong(), o.get("p").getAsInt(),
                    o.has("sel") ? o.get("sel").getAsString() : null, o.has("exp") ? o.get("exp").getAsString() : null);
        }
    }

    /** The state a skip or delta token carries; null for a first request. Throws on a malformed token. */
    private static DeltaState givenDeltaState(FakeMicrosoftRequest r) {
        String skipToken = r.param("$skiptoken");
        String deltaToken = r.param("$deltatoken");
        if (skipToken == null && deltaToken == null) {
            return null;
        }
        return DeltaState.decode(skipToken != null ? skipToken : deltaToken);
    }

    private FakeMicrosoftResponse delta(FakeMicrosoftRequest r, FakeGraphMailbox m, String folder, String prefix) {
        DeltaState given;
        try {
            given = givenDeltaState(r);
        } catch (RuntimeException e) {
            return FakeMicrosoftResponse.graphError(400, "ErrorInvalidUrlQuery", "The sync state is malformed.");
        }
        Instant now = clock.instant();
        synchronized (m) {
            FakeGraphMailbox.Folder f = m.folder(folder);
            if (f == null) {
                return folderNotFound(folder);
            }
            DeltaState st;
            if (given == null) {
                st = new DeltaState(f.id, m.epoch, now.getEpochSecond(), 0, 0, m.seq, pageSize(r, 10),
                        r.param("$select"), r.param("$expand"));
            } else {
                if (given.epoch() != m.epoch
                        || Duration.between(Instant.ofEpochSecond(given.issued()), now).compareTo(deltaHorizon) > 0) {
                    return FakeMicrosoftResponse.graphError(410, "SyncStateNotFound",
                            "The sync state generation is not found. The delta token is expired and data must be"
                                    + " synchronized again.");
                }
                if (!given.folder().equals(f.id)) {
                    return FakeMicrosoftResponse.graphError(400, "ErrorInvalidUrlQuery",
                            "The sync state belongs to another folder.");
                }
                int pageSize = pageSize(r, given.pageSize());
                st = r.param("$skiptoken") == null // a delta token: a new round from its snapshot
                        ? new DeltaState(f.id, m.epoch, now.getEpochSecond(), given.snapshot(), given.snapshot(), m.seq,
                                pageSize, given.select(), given.expand())
                        : new DeltaState(f.id, m.epoch, given.issued(), given.base(), given.after(), given.snapshot(),
                                pageSize, given.select(), given.expand());
            }
            Set<String> select = select(st.select());
            Set<String> expand = expand(st.expand());
            JsonArray value = new JsonArray();
            long last = st.after();
            boolean more = false;
            for (Map.Entry<Long, FakeGraphMailbox.LogEntry> e
                    : f.log.subMap(st.after(), false, st.snapshot(), true).entrySet()) {
                if (value.size() == st.pageSize()) {
                    more = true;
                    break;
                }
                last = e.getKey();
                FakeGraphMailbox.LogEntry entry = e.getValue();
                if (entry.removed()) {
                    if (st.base() > 0) {
                        JsonObject gone = new JsonObject();
                        gone.addProperty("@odata.type", "#microsoft.graph.message");
                        gone.addProperty("id", entry.id());
                        JsonObject reason = new JsonObject();
                        reason.addProperty("reason", "deleted");
                        gone.add("@removed", reason);
                        value.add(gone);
                    }
                    continue;
                }
                JsonObject item = messageJson(m.messages.get(entry.id()), select, expand);
                item.addProperty("@odata.type", "#microsoft.graph.message");
                value.add(item);
            }
            JsonObject o = new JsonObject();
            o.addProperty("@odata.context", root() + "/v1.0/$metadata#Collection(message)");
            o.add("value", value);
            String path = prefix + "/mailFolders/" + f.id + "/messages/delta";
            if (more) {
                DeltaState next = new DeltaState(f.id, st.epoch(), st.issued(), st.base(), last, st.snapshot(),
                        st.pageSize(), st.select(), st.expand());
                o.addProperty("@odata.nextLink", link(path, Map.of("$skiptoken", next.encode())));
            } else {
                DeltaState done = new DeltaState(f.id, st.epoch(), st.issued(), st.snapshot(), st.snapshot(),
                        st.snapshot(), st.pageSize(), st.select(), st.expand());
                o.addProperty("@odata.deltaLink", link(path, Map.of("$deltatoken", done.encode())));
            }
            return FakeMicrosoftResponse.json(200, o)
                    .withHeader("Preference-Applied", "odata.maxpagesize=" + st.pageSize());
        }
    }

    /**
     * {@code GET /me/mailFolders/delta}: every folder of the mailbox (hidden ones included, the
     * top of the mailbox not), then with the delta link those whose name, parent, child count or
     * item counts changed since. A flag change alone does not change a folder. Pages and tokens
     * as in message delta; {@code $select} is accepted and every folder field returned.
     */
    private FakeMicrosoftResponse folderDelta(FakeMicrosoftRequest r, FakeGraphMailbox m, String prefix) {
        DeltaState given;
        try {
            given = givenDeltaState(r);
        } catch (RuntimeException e) {
            return FakeMicrosoftResponse.graphError(400, "ErrorInvalidUrlQuery", "The sync state is malformed.");
        }
        Instant now = clock.instant();
        synchronized (m) {
            long seqNow = m.refreshFolderChanges();
            DeltaState st;
            if (given == null) {
                st = new DeltaState("folders", m.epoch, now.getEpochSecond(), 0, 0, seqNow, pageSize(r, 10),
                        r.param("$select"), null);
            } else {
                if (given.epoch() != m.epoch
                        || Duration.between(Instant.ofEpochSecond(given.issued()), now).compareTo(deltaHorizon) > 0) {
                    return FakeMicrosoftResponse.graphError(410, "SyncStateNotFound",
                            "The sync state generation is not found. The delta token is expired and data must be"
                                    + " synchronized again.");
                }
                if (!given.folder().equals("folders")) {
                    return FakeMicrosoftResponse.graphError(400, "ErrorInvalidUrlQuery",
                            "The sync state belongs to a message delta.");
                }
                int pageSize = pageSize(r, given.pageSize());
                st = r.param("$skiptoken") == null // a delta token: a new round from its snapshot
                        ? new DeltaState("folders", m.epoch, now.getEpochSecond(), given.snapshot(), 0, seqNow,
                                pageSize, given.select(), null)
                        : new DeltaState("folders", m.epoch, given.issued(), given.base(), given.after(),
                                given.snapshot(), pageSize, given.select(), null);
            }
            // Folders changed in (base, snapshot], in the order of their change, after the last one sent.
            List<Map.Entry<String, Long>> changed = new ArrayList<>();
            for (Map.Entry<String, Long> e : m.folderChanged.entrySet()) {
                if (e.getValue() > Math.max(st.base(), st.after()) && e.getValue() <= st.snapshot()) {
                    changed.add(e);
                }
            }
            changed.sort(Map.Entry.comparingByValue());
            JsonArray value = new JsonArray();
            int to = Math.min(changed.size(), st.pageSize());
            long last = st.after();
            for (int i = 0; i < to; i++) {
                FakeGraphMailbox.Folder f = m.folders.get(changed.get(i).getKey());
                value.add(f != null ? folderJson(m, f) : removedFolderJson(changed.get(i).getKey()));
                last = changed.get(i).getValue();
            }
            JsonObject o = new JsonObject();
            o.addProperty("@odata.context", root() + "/v1.0/$metadata#Collection(mailFolder)");
            o.add("value", value);
            String path = prefix + "/mailFolders/delta";
            if (to < changed.size()) {
                DeltaState next = new DeltaState("folders", st.epoch(), st.issued(), st.base(), last, st.snapshot(),
                        st.pageSize(), st.select(), null);
                o.addProperty("@odata.nextLink", link(path, Map.of("$skiptoken", next.encode())));
            } else {
                DeltaState done = new DeltaState("folders", st.epoch(), st.issued(), st.snapshot(), 0, st.snapshot(),
                        st.pageSize(), st.select(), null);
                o.addProperty("@odata.deltaLink", link(path, Map.of("$deltatoken", done.encode())));
            }
            return FakeMicrosoftResponse.json(200, o)
                    .withHeader("Preference-Applied", "odata.maxpagesize=" + st.pageSize());
        }
    }

    // ---- representation ---------------------------------------------------------------------

    private static JsonObject messageJson(FakeGraphMailbox.Msg msg, Set<String> select, Set<String> expand) {
        JsonObject o = new JsonObject();
        o.addProperty("id", msg.id);
        for (String field : DEFAULT_FIELDS) {
            if (select != null && !select.contains(field.toLowerCase(Locale.ROOT))) {
                continue;
            }
            switch (field) {
                case "receivedDateTime": o.addProperty(field, msg.received.toString()); break;
                case "lastModifiedDateTime": o.addProperty(field, msg.modified.truncatedTo(ChronoUnit.SECONDS).toString()); break;
                case "subject": o.addProperty(field, msg.subject); break;
                case "internetMessageId": o.addProperty(field, msg.internetMessageId); break;
                case "isRead": o.addProperty(field, msg.isRead); break;
                case "parentFolderId": o.addProperty(field, msg.folderId); break;
                case "flag":
                    JsonObject flag = new JsonObject();
                    flag.addProperty("flagStatus", msg.flagStatus);
                    o.add(field, flag);
                    break;
                default: break;
            }
        }
        if (select != null && select.contains("sentdatetime")) {
            o.addProperty("sentDateTime", msg.received.toString());
        }
        if (expand != null) {
            JsonArray props = new JsonArray();
            for (Map.Entry<String, String[]> p : msg.props.entrySet()) {
                if (expand.isEmpty() || expand.contains(p.getKey())) {
                    JsonObject prop = new JsonObject();
                    prop.addProperty("id", p.getValue()[0]);
                    prop.addProperty("value", p.getValue()[1]);
                    props.add(prop);
                }
            }
            o.add("singleValueExtendedProperties", props);
        }
        return o;
    }

    /** Lower-case field names of a {@code $select}, or null for the default set. */
    private static Set<String> select(String select) {
        if (select == null || select.isBlank()) {
            return null;
        }
        Set<String> out = new HashSet<>();
        for (String s : select.split(",")) {
            out.add(s.trim().toLowerCase(Locale.ROOT));
        }
        return out;
    }

    /**
     * The extended property ids (lower case) a {@code $expand=singleValueExtendedProperties($filter=id eq '...')}
     * asks for; an empty set means all of them; null means no expansion.
     */
    private static Set<String> expand(String expand) {
        if (expand == null || !expand.trim().toLowerCase(Locale.ROOT).startsWith("singlevalueextendedproperties")) {
            return null;
        }
        Set<String> ids = new HashSet<>();
        Matcher matcher = QUOTED.matcher(expand);
        while (matcher.find()) {
            ids.add(canonical(matcher.group(1).replace("''", "'")).toLowerCase(Locale.ROOT));
        }
        return ids;
    }

    /** "integer 0X1081" → "Integer 0x1081". */
    private static String canonical(String propId) {
        String[] parts = propId.trim().split("\\s+");
        if (parts.length != 2) {
            return propId.trim();
        }
        String type = parts[0].substring(0, 1).toUpperCase(Locale.ROOT) + parts[0].substring(1).toLowerCase(Locale.ROOT);
        if (type.equals("Systemtime")) {
            type = "SystemTime";
        }
        return type + " " + parts[1].toLowerCase(Locale.ROOT);
    }

    /** The page size a client prefers, or {@code fallback}, never over the {@link #setPageLimit limit}. */
    private int pageSize(FakeMicrosoftRequest r, int fallback) {
        int limit = pageLimit;
        for (String p : r.headerValues("prefer")) {
            Matcher matcher = MAX_PAGE.matcher(p);
            if (matcher.matches()) {
                return Math.max(1, Math.min(limit, Integer.parseInt(matcher.group(1))));
            }
        }
        return Math.min(limit, fallback);
    }

    private static int intParam(FakeMicrosoftRequest r, String name, int fallback) {
        String v = r.param(name);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static void copy(FakeMicrosoftRequest r, Map<String, String> q, String name) {
        String v = r.param(name);
        if (v != null) {
            q.put(name, v);
        }
    }

    private static JsonObject jsonBody(FakeMicrosoftRequest r) {
        try {
            JsonElement e = JsonParser.parseString(r.bodyText());
            return e.isJsonObject() ? e.getAsJsonObject() : null;
        } catch (JsonParseException e) {
            return null;
        }
    }

    private String root() {
        String s = base.toString();
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    private String link(String path, Map<String, String> query) {
        StringBuilder sb = new StringBuilder(root()).append(path);
        char sep = '?';
        for (Map.Entry<String, String> e : query.entrySet()) {
            sb.append(sep).append(e.getKey()).append('=')
                    .append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8).replace("+", "%20"));
            sep = '&';
        }
        return sb.toString();
    }
}
