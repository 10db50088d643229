package dev.cms.fakecloud;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Gmail half of the fake cloud: Gmail API v1 under {@code /gmail/v1/users/{userId}/},
 * HTTP batch at {@code /batch/gmail/v1} (and {@code /batch}, the Java client's default), and
 * Google's OAuth2 endpoints under {@code /oauth2/} ({@code auth}, {@code token}, {@code tokeninfo}, {@code revoke}). The methods here are the
 * admin interface: they change state as another mail client would, recording history.
 */
public final class FakeGmail implements CloudService {

    /** The scope that grants everything, as Google spells it. */
    public static final String FULL_SCOPE = "https://mail.google.com/";

    /** Dispatches a batch part through the owning cloud, faults and log included. */
    interface Dispatcher {
        Response dispatch(Request request, boolean batchPart);
    }

    private final GoogleOAuth oauth;
    private final Map<String, FakeGmailMailbox> mailboxes = new ConcurrentHashMap<>();
    private final GmailApi api;
    private final GmailBatch batch = new GmailBatch();
    private final Dispatcher dispatcher;
    private final Clock clock;
    private volatile Duration historyHorizon = Duration.ofDays(7);
    private final FakeOutgoing outgoing = new FakeOutgoing();
    private static final Set<String> IMPORT_SCOPES = Set.of(FULL_SCOPE, "https://www.googleapis.com/auth/gmail.modify",
            "https://www.googleapis.com/auth/gmail.insert");
    private final java.util.concurrent.atomic.AtomicInteger imports = new java.util.concurrent.atomic.AtomicInteger();
    private static final Set<String> SEND_SCOPES = Set.of(FULL_SCOPE, "https://www.googleapis.com/auth/gmail.modify",
            "https://www.googleapis.com/auth/gmail.compose", "https://www.googleapis.com/auth/gmail.send");

    FakeGmail(Clock clock, Dispatcher dispatcher) {
        this.oauth = new GoogleOAuth(clock);
        this.api = new GmailApi(oauth, mailboxes::get);
        this.dispatcher = dispatcher;
        this.clock = clock;
    }

    @Override
    public Response handle(Request request, boolean batchPart) {
        String path = request.path();
        if ((path.startsWith(GmailApi.PREFIX) || path.startsWith("/upload" + GmailApi.PREFIX))
                && path.endsWith("/messages/send")) {
            if (batchPart) {
                return Response.googleError(400, "badRequest", "messages.send is not allowed in a batch");
            }
            return send(request);
        }
        if ((path.startsWith(GmailApi.PREFIX) || path.startsWith("/upload" + GmailApi.PREFIX))
                && path.endsWith("/messages/import")) {
            return importMessage(request);
        }
        if ((path.startsWith(GmailApi.PREFIX) || path.startsWith("/upload" + GmailApi.PREFIX))
                && path.endsWith("/drafts") && "POST".equals(request.method())) {
            return createDraft(request);
        }
        if (path.startsWith(GmailApi.PREFIX)) {
            return api.handle(request);
        }
        if (path.equals("/batch/gmail/v1") || path.equals("/batch")) {
            if (batchPart) {
                return Response.googleError(400, "badRequest", "Batches cannot nest");
            }
            if (!"POST".equals(request.method())) {
                return Response.googleError(405, "badRequest", "Batch requests use POST");
            }
            return batch.handle(request, part -> dispatcher.dispatch(part, true));
        }
        if (path.startsWith("/oauth2/")) {
            return oauth.handle(request);
        }
        return null;
    }

    /** What was sent through {@code messages.send}, and the sending faults. */
    public FakeOutgoing outgoing() {
        return outgoing;
    }

    /**
     * {@code messages.send}: JSON {@code {"raw": base64url}} at {@code /gmail/v1/...}, or the upload
     * form at {@code /upload/gmail/v1/...} ({@code uploadType=media} with the message as the body,
     * or {@code multipart} with JSON metadata and the message). Gmail's copy is labelled SENT and
     * keeps {@code Bcc:}; the recipients' copy has none. 35 MB at most through upload, 5 MB as JSON.
     */
    private Response send(Request r) {
        if (!"POST".equals(r.method())) {
            return Response.googleError(405, "badRequest", "messages.send takes POST");
        }
        String auth = r.header("Authorization");
        TokenInfo token = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)
                ? oauth.tokenInfo(auth.substring(7).trim()).orElse(null) : null;
        if (token == null) {
            return Response.googleError(401, "authError", "Request had invalid authentication credentials.");
        }
        if (token.scopes().stream().noneMatch(SEND_SCOPES::contains)) {
            return Response.googleError(403, "insufficientPermissions", "Request had insufficient authentication scopes.");
        }
        FakeGmailMailbox box = mailboxes.get(token.email());
        if (box == null) {
            return Response.googleError(400, "failedPrecondition", "Mail service not enabled");
        }
        byte[] raw;
        boolean upload = r.path().startsWith("/upload/");
        try {
            if (!upload) {
                if (r.body().length > 5 * 1024 * 1024 + 1024 * 1024 * 2) {
                    return Response.googleError(413, "uploadTooLarge", "Request payload size exceeds the limit");
                }
                com.google.gson.JsonObject o = com.google.gson.JsonParser.parseString(r.bodyText()).getAsJsonObject();
                if (!o.has("raw")) {
                    return Response.googleError(400, "invalidArgument", "'raw' RFC822 payload message string or"
                            + " uploading message via /upload/* URL required");
                }
                raw = java.util.Base64.getUrlDecoder().decode(o.get("raw").getAsString().replace('+', '-')
                        .replace('/', '_').replace("=", ""));
            } else {
                java.util.Optional<byte[]> sent = uploaded(r);
                if (sent.isEmpty()) {
                    return Response.googleError(400, "badRequest", "uploadType must be media or multipart");
                }
                raw = sent.get();
            }
        } catch (RuntimeException e) {
            return Response.googleError(400, "invalidArgument", "Invalid request body: " + e.getMessage());
        }
        if (raw.length > 35 * 1024 * 1024) {
            return Response.googleError(413, "uploadTooLarge", "Message too large: the limit is 35 MB");
        }
        outgoing.attempt();
        FakeOutgoing.Parsed p = FakeOutgoing.parse(raw);
        if (p.recipients().isEmpty()) {
            return Response.googleError(400, "invalidArgument", "Recipient address required");
        }
        String bad = outgoing.refusedAmong(p.recipients());
        if (bad != null) {
            return Response.googleError(400, "invalidArgument", "Invalid To header: " + bad);
        }
        FakeOutgoing.Hold hold = outgoing.takeHold();
        if (hold != null && !hold.deliver()) {
            hold.block();
            return Response.googleError(503, "backendError", "The service is unavailable (held by a test).");
        }
        String id = box.addMessage(raw, clock.millis(), Set.of("SENT"));
        if (hold != null) {
            hold.block();
        }
        outgoing.delivered(token.email(), p, r.path());
        com.google.gson.JsonObject o = new com.google.gson.JsonObject();
        o.addProperty("id", id);
        o.addProperty("threadId", id);
        com.google.gson.JsonArray labels = new com.google.gson.JsonArray();
        labels.add("SENT");
        o.add("labelIds", labels);
        return Response.json(200, o);
    }

    /**
     * {@code messages.import}: the message as {@code raw} JSON (with {@code labelIds}) at
     * {@code /gmail/v1/...}, or through the upload form ({@code media}: no labels;
     * {@code multipart}: JSON metadata, then the message). The message gets a new id and a
     * {@code messageAdded} history record; its internal date is its {@code Date:} header with
     * {@code internalDateSource=dateHeader} (else, and when that header cannot be read, now).
     * An unknown label, or a message without a header, is refused (400). So is the label
     * {@code DRAFT} (400 "Invalid label: DRAFT"): Gmail makes drafts through {@code drafts.create}
     * ({@link GmailDrafts}) and keeps {@code DRAFT} off the label edits of other calls. Counted in
     * {@link #imports()}.
     */
    private Response importMessage(Request r) {
        if (!"POST".equals(r.method())) {
            return Response.googleError(405, "badRequest", "messages.import takes POST");
        }
        TokenInfo token = bearer(r);
        if (token == null) {
            return Response.googleError(401, "authError", "Request had invalid authentication credentials.");
        }
        if (token.scopes().stream().noneMatch(IMPORT_SCOPES::contains)) {
            return Response.googleError(403, "insufficientPermissions", "Request had insufficient authentication scopes.");
        }
        FakeGmailMailbox box = mailboxes.get(token.email());
        if (box == null) {
            return Response.googleError(400, "failedPrecondition", "Mail service not enabled");
        }
        byte[] raw;
        List<String> labels = new ArrayList<>();
        try {
            com.google.gson.JsonObject meta = null;
            if (!r.path().startsWith("/upload/")) {
                meta = com.google.gson.JsonParser.parseString(r.bodyText()).getAsJsonObject();
                raw = meta.has("raw") ? java.util.Base64.getUrlDecoder().decode(meta.get("raw").getAsString()
                        .replace('+', '-').replace('/', '_').replace("=", "")) : new byte[0];
            } else if ("multipart".equals(r.param("uploadType"))) {
                raw = lastPart(r);
                meta = firstPartJson(r);
            } else {
                raw = r.body();
            }
            if (meta != null && meta.has("labelIds")) {
                meta.getAsJsonArray("labelIds").forEach(e -> labels.add(e.getAsString()));
            }
        } catch (RuntimeException e) {
            return Response.googleError(400, "invalidArgument", "Invalid request body: " + e.getMessage());
        }
        if (labels.contains(GmailDrafts.DRAFT)) {
            return Response.googleError(400, "invalidArgument", "Invalid label: " + GmailDrafts.DRAFT);
        }
        if (raw.length == 0 || MimeHeaders.parse(raw).isEmpty()) {
            return Response.googleError(400, "invalidArgument", "Invalid message: no header");
        }
        long date = clock.millis();
        if ("dateHeader".equals(r.param("internalDateSource"))) {
            date = dateHeader(raw, date);
        }
        String id;
        try {
            id = box.addMessage(raw, date, new java.util.HashSet<>(labels));
        } catch (IllegalArgumentException e) {
            return Response.googleError(400, "invalidArgument", "Invalid label: " + e.getMessage());
        }
        imports.incrementAndGet();
        com.google.gson.JsonObject o = new com.google.gson.JsonObject();
        o.addProperty("id", id);
        o.addProperty("threadId", id);
        com.google.gson.JsonArray out = new com.google.gson.JsonArray();
        labels.forEach(out::add);
        o.add("labelIds", out);
        return Response.json(200, o);
    }

    /** {@code drafts.create} ({@link GmailDrafts}) for an authorised account. */
    private Response createDraft(Request r) {
        TokenInfo token = bearer(r);
        if (token == null) {
            return Response.googleError(401, "authError", "Request had invalid authentication credentials.");
        }
        if (token.scopes().stream().noneMatch(GmailDrafts.SCOPES::contains)) {
            return Response.googleError(403, "insufficientPermissions", "Request had insufficient authentication scopes.");
        }
        FakeGmailMailbox box = mailboxes.get(token.email());
        if (box == null) {
            return Response.googleError(400, "failedPrecondition", "Mail service not enabled");
        }
        return GmailDrafts.create(r, box, clock.millis());
    }

    /** How many messages {@code messages.import} created. */
    public int imports() {
        return imports.get();
    }

    private TokenInfo bearer(Request r) {
        String auth = r.header("Authorization");
        return auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)
                ? oauth.tokenInfo(auth.substring(7).trim()).orElse(null) : null;
    }

    /** The message's {@code Date:} header as epoch milliseconds; {@code otherwise} when it has none that reads. */
    private static long dateHeader(byte[] raw, long otherwise) {
        for (String[] h : MimeHeaders.parse(raw)) {
            if (h[0].equalsIgnoreCase("Date")) {
                try {
                    return java.time.ZonedDateTime.parse(h[1].strip().replaceAll("\\s*\\(.*\\)$", ""),
                            java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
                } catch (java.time.DateTimeException e) {
                    return otherwise;
                }
            }
        }
        return otherwise;
    }

    /** The JSON metadata of a {@code multipart/related} upload (its first part), or null. */
    private static com.google.gson.JsonObject firstPartJson(Request r) {
        String body = new String(r.body(), java.nio.charset.StandardCharsets.ISO_8859_1);
        int start = body.indexOf("\r\n\r\n");
        int open = start < 0 ? -1 : body.indexOf('{', start);
        if (open < 0) {
            return null;
        }
        int close = body.indexOf("\r\n--", open);
        return com.google.gson.JsonParser.parseString(body.substring(open, close < 0 ? body.length() : close))
                .getAsJsonObject();
    }

    /** The message part of a {@code multipart/related} upload (its last part). */
    /** The message an upload URI's request carries, as its {@code uploadType} says; empty for another type. */
    static java.util.Optional<byte[]> uploaded(Request r) {
        if ("multipart".equals(r.param("uploadType"))) {
            return java.util.Optional.of(lastPart(r));
        } else if ("media".equals(r.param("uploadType"))) {
            return java.util.Optional.of(r.body());
        }
        return java.util.Optional.empty();
    }

    static byte[] lastPart(Request r) {
        String type = r.header("Content-Type");
        int b = type == null ? -1 : type.indexOf("boundary=");
        if (b < 0) {
            throw new IllegalArgumentException("multipart upload without a boundary");
        }
        String boundary = type.substring(b + 9).replace("\"", "").split(";")[0].strip();
        String body = new String(r.body(), java.nio.charset.StandardCharsets.ISO_8859_1);
        String[] parts = body.split("--" + java.util.regex.Pattern.quote(boundary));
        String last = null;
        for (String part : parts) {
            if (!part.isBlank() && !part.startsWith("--")) {
                last = part;
            }
        }
        if (last == null) {
            throw new IllegalArgumentException("multipart upload without parts");
        }
        int start = last.indexOf("\r\n\r\n");
        String content = last.substring(start + 4);
        if (content.endsWith("\r\n")) {
            content = content.substring(0, content.length() - 2);
        }
        return content.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    /** Registers an account and the OAuth client allowed to log into it. */
    public void addAccount(String email, String clientId, String clientSecret) {
        if (mailboxes.putIfAbsent(email, new FakeGmailMailbox(email, clock, historyHorizon)) != null) {
            throw new IllegalArgumentException("fake Gmail account already exists: " + email);
        }
        oauth.addAccount(email, clientId, clientSecret);
    }

    /** Every account's mailbox and the issued tokens, for a later run of the demo. */
    com.google.gson.JsonObject saveState(SavedBodies bodies) {
        com.google.gson.JsonObject o = new com.google.gson.JsonObject();
        com.google.gson.JsonObject boxes = new com.google.gson.JsonObject();
        mailboxes.forEach((email, box) -> boxes.add(email, box.save(bodies)));
        o.add("mailboxes", boxes);
        o.add("tokens", oauth.saveTokens());
        return o;
    }

    /** Restores saved mailboxes and tokens; each account must have been added already. */
    void restoreState(com.google.gson.JsonObject o, SavedBodies bodies) {
        for (Map.Entry<String, com.google.gson.JsonElement> e : o.getAsJsonObject("mailboxes").entrySet()) {
            box(e.getKey()).restore(e.getValue().getAsJsonObject(), bodies);
        }
        oauth.restoreTokens(o.getAsJsonObject("tokens"));
    }

    /** Creates a user label; returns its id ({@code Label_<n>}). */
    public String addLabel(String email, String name) {
        return box(email).addLabel(name);
    }

    /** The id of the user label named {@code name}, or null when there is none. */
    public String labelId(String email, String name) {
        for (Map.Entry<String, String> e : box(email).userLabels().entrySet()) {
            if (e.getValue().equals(name)) {
                return e.getKey();
            }
        }
        return null;
    }

    /** Renames a user label, as labels.patch does: no message changes, no history record. */
    public void renameLabel(String email, String id, String name) {
        if (!box(email).renameLabel(id, name)) {
            throw new IllegalArgumentException("no user label " + id + " in " + email);
        }
    }

    /** Deletes a user label, as labels.delete does: taken off every message (labelsRemoved records). */
    public void deleteLabel(String email, String id) {
        if (!box(email).deleteLabel(id)) {
            throw new IllegalArgumentException("no user label " + id + " in " + email);
        }
    }

    /** Stores a message (bytes copied as given: CRLF expected); returns its id, records messagesAdded. */
    public String addMessage(String email, byte[] rawCrlf, Instant internalDate, Set<String> labelIds) {
        return box(email).addMessage(rawCrlf, internalDate.toEpochMilli(), labelIds);
    }

    /** Changes labels as another client would; records labelsAdded/labelsRemoved when they change. */
    public void relabel(String email, String id, Set<String> add, Set<String> remove) {
        if (box(email).modify(List.of(id), add, remove).isEmpty()) {
            throw new IllegalArgumentException("no message " + id + " in " + email);
        }
    }

    /**
     * Changes labels like {@link #relabel} but leaves no history record: a change that
     * {@code history.list} never reports, so only a full listing (or a count) shows it.
     */
    public void relabelWithoutHistory(String email, String id, Set<String> add, Set<String> remove) {
        if (box(email).modify(List.of(id), add, remove, false).isEmpty()) {
            throw new IllegalArgumentException("no message " + id + " in " + email);
        }
    }

    /** Deletes permanently; records messagesDeleted. */
    public void delete(String email, String id) {
        if (!box(email).delete(id)) {
            throw new IllegalArgumentException("no message " + id + " in " + email);
        }
    }

    /** The message's labels, or null when there is no such message (deleted). */
    public Set<String> labelsOf(String email, String id) {
        FakeGmailMailbox.Message m = box(email).message(id);
        return m == null ? null : m.state.labels();
    }

    /** Ids of the messages carrying {@code labelId} (all messages when null), newest first. */
    public List<String> messageIds(String email, String labelId) {
        FakeGmailMailbox box = box(email);
        List<String> ids = new ArrayList<>();
        String token = null;
        do {
            FakeGmailMailbox.Page page = box.list(labelId == null ? List.of() : List.of(labelId), token, 500, true);
            page.messages().forEach(m -> ids.add(m.id));
            token = page.nextPageToken();
        } while (token != null);
        return ids;
    }

    /** The stored bytes of a message, or null when there is none. */
    public byte[] raw(String email, String id) {
        FakeGmailMailbox.Message m = box(email).message(id);
        return m == null ? null : m.raw();
    }

    /** A message's internal date, or null when there is no such message. */
    public Instant internalDate(String email, String id) {
        FakeGmailMailbox.Message m = box(email).message(id);
        return m == null ? null : Instant.ofEpochMilli(m.internalDate);
    }

    /** The account's current history id. */
    public long historyId(String email) {
        return box(email).historyId();
    }

    /** Drops all history: history.list with any older start id now answers 404. */
    public void expireHistory(String email) {
        box(email).expireHistory();
    }

    /**
     * History older than {@code horizon} (by the cloud's clock) is forgotten in every account,
     * so a client coming back later with an older start id gets 404. Default: seven days.
     */
    public void setHistoryHorizon(Duration horizon) {
        if (horizon.isNegative()) {
            throw new IllegalArgumentException("history horizon must not be negative: " + horizon);
        }
        historyHorizon = horizon;
        mailboxes.values().forEach(box -> box.setHistoryHorizon(horizon));
    }

    /**
     * The most messages or history records one page of messages.list or history.list holds
     * (default and Gmail's own maximum: 500), so a test sees pagination with a few messages.
     * Gmail may answer fewer than maxResults; a client follows nextPageToken either way.
     */
    public void setPageLimit(int limit) {
        if (limit < 1 || limit > 500) {
            throw new IllegalArgumentException("page limit must be 1 to 500, got " + limit);
        }
        api.pageLimit = limit;
    }

    /** Invalidates every refresh token issued for the account. */
    public void revokeRefreshTokens(String email) {
        box(email);
        oauth.revokeRefreshTokens(email);
    }

    /** Lifetime of access tokens issued from now on (default one hour). */
    public void setAccessTokenLifetime(Duration d) {
        oauth.setAccessTokenLifetime(d);
    }

    /** Issues an access token without the browser dance (tests, benchmarks, the demo's warm start). */
    public String issueAccessToken(String email, Set<String> scopes) {
        box(email);
        return oauth.issueAccessToken(email, scopes);
    }

    /**
     * Issues a refresh token for the account's OAuth client without the browser dance, as if
     * the user had consented to {@code scopes}: a token source can then refresh at {@code /oauth2/token}.
     */
    public String issueRefreshToken(String email, Set<String> scopes) {
        box(email);
        return oauth.issueRefreshToken(email, scopes);
    }

    /** What the fake knows about a live access token; empty when unknown or expired. */
    public Optional<TokenInfo> tokenInfo(String accessToken) {
        return oauth.tokenInfo(accessToken);
    }

    private FakeGmailMailbox box(String email) {
        FakeGmailMailbox box = mailboxes.get(email);
        if (box == null) {
            throw new IllegalArgumentException("no fake Gmail account " + email);
        }
        return box;
    }
}
