package dev.cms.fakecloud;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/** The REST resources under {@code /gmail/v1/users/{userId}/}, as Gmail API v1 shapes them. */
final class GmailApi {

    static final String PREFIX = "/gmail/v1/users/";
    static final int MAX_BATCH_MODIFY_IDS = 1000;
    private static final String DRAFT = "DRAFT";
    private static final String TRASH = "TRASH";

    private static final Set<String> READ_SCOPES = Set.of("https://mail.google.com/",
            "https://www.googleapis.com/auth/gmail.modify", "https://www.googleapis.com/auth/gmail.readonly");
    private static final Set<String> WRITE_SCOPES = Set.of("https://mail.google.com/",
            "https://www.googleapis.com/auth/gmail.modify");
    private static final Set<String> DELETE_SCOPES = Set.of("https://mail.google.com/");

    private final GoogleOAuth oauth;
    private final Function<String, FakeGmailMailbox> mailboxes;
    /** The most items a listing or history page holds, whatever maxResults asks for. */
    volatile int pageLimit = 500;

    GmailApi(GoogleOAuth oauth, Function<String, FakeGmailMailbox> mailboxes) {
        this.oauth = oauth;
        this.mailboxes = mailboxes;
    }

    Response handle(Request r) {
        String rest = r.path().substring(PREFIX.length());
        int slash = rest.indexOf('/');
        if (slash <= 0) {
            return notFound();
        }
        String userId = rest.substring(0, slash);
        String[] parts = rest.substring(slash + 1).split("/", -1);

        String auth = r.header("Authorization");
        TokenInfo token = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)
                ? oauth.tokenInfo(auth.substring(7).trim()).orElse(null) : null;
        if (token == null) {
            return unauthenticated();
        }
        if (!userId.equals("me") && !userId.equalsIgnoreCase(token.email())) {
            return Response.googleError(403, "forbidden", "Delegation denied for " + token.email());
        }
        FakeGmailMailbox box = mailboxes.apply(token.email());
        if (box == null) {
            return Response.googleError(400, "failedPrecondition", "Mail service not enabled");
        }
        Set<String> needed = "GET".equals(r.method()) ? READ_SCOPES
                : "DELETE".equals(r.method()) ? DELETE_SCOPES : WRITE_SCOPES;
        if (token.scopes().stream().noneMatch(needed::contains)) {
            return Response.googleError(403, "insufficientPermissions",
                    "Request had insufficient authentication scopes.");
        }
        try {
            return route(r, box, parts);
        } catch (IllegalArgumentException e) {
            return Response.googleError(400, "invalidArgument", e.getMessage());
        }
    }

    private Response route(Request r, FakeGmailMailbox box, String[] p) {
        String m = r.method();
        if (p.length == 1 && p[0].equals("labels") && m.equals("GET")) {
            return labels(box);
        }
        if (p.length == 2 && p[0].equals("labels") && m.equals("GET")) {
            return label(box, p[1]);
        }
        if (p.length == 1 && p[0].equals("labels") && m.equals("POST")) {
            return createLabel(r, box);
        }
        if (p.length == 2 && p[0].equals("labels") && (m.equals("PATCH") || m.equals("PUT"))) {
            return patchLabel(r, box, p[1]);
        }
        if (p.length == 2 && p[0].equals("labels") && m.equals("DELETE")) {
            if (FakeGmailMailbox.SYSTEM_LABELS.contains(p[1])) {
                return Response.googleError(400, "invalidArgument", "Invalid delete request");
            }
            return box.deleteLabel(p[1]) ? Response.empty(204) : notFound();
        }
        if (p.length == 1 && p[0].equals("profile") && m.equals("GET")) {
            return profile(box);
        }
        if (p.length == 1 && p[0].equals("history") && m.equals("GET")) {
            return history(r, box);
        }
        if (p.length == 1 && p[0].equals("messages") && m.equals("GET")) {
            return list(r, box);
        }
        if (p.length == 2 && p[0].equals("messages") && p[1].equals("batchModify") && m.equals("POST")) {
            return batchModify(r, box);
        }
        if (p.length == 2 && p[0].equals("messages") && m.equals("GET")) {
            return get(r, box, p[1]);
        }
        if (p.length == 2 && p[0].equals("messages") && m.equals("DELETE")) {
            return box.delete(p[1]) ? Response.empty(204) : notFound();
        }
        if (p.length == 3 && p[0].equals("messages") && p[2].equals("modify") && m.equals("POST")) {
            return modify(r, box, p[1]);
        }
        if (p.length == 3 && p[0].equals("messages") && p[2].equals("trash") && m.equals("POST")) {
            List<FakeGmailMailbox.Message> found = box.modify(List.of(p[1]), List.of(TRASH), List.of());
            return found.isEmpty() ? notFound() : Response.json(200, minimal(found.get(0)));
        }
        return Response.googleError(404, "notFound", "Not found: " + m + " " + r.path());
    }

    private static Response labels(FakeGmailMailbox box) {
        JsonArray labels = new JsonArray();
        for (String id : FakeGmailMailbox.SYSTEM_LABELS) {
            labels.add(label(id, id, "system"));
        }
        for (Map.Entry<String, String> e : box.userLabels().entrySet()) {
            labels.add(label(e.getKey(), e.getValue(), "user"));
        }
        JsonObject root = new JsonObject();
        root.add("labels", labels);
        return Response.json(200, root);
    }

    /** labels.get: the label with its message counts. */
    private static Response label(FakeGmailMailbox box, String id) {
        String name = FakeGmailMailbox.SYSTEM_LABELS.contains(id) ? id : box.userLabels().get(id);
        if (name == null) {
            return Response.googleError(404, "notFound", "Requested entity was not found.");
        }
        JsonObject o = label(id, name, FakeGmailMailbox.SYSTEM_LABELS.contains(id) ? "system" : "user");
        int[] counts = box.labelCounts(id);
        o.addProperty("messagesTotal", counts[0]);
        o.addProperty("messagesUnread", counts[1]);
        o.addProperty("threadsTotal", counts[0]);
        o.addProperty("threadsUnread", counts[1]);
        return Response.json(200, o);
    }

    /** labels.create: a user label named {@code name}; 409 when the name is taken. */
    private static Response createLabel(Request r, FakeGmailMailbox box) {
        String name = labelName(r);
        if (name == null) {
            return Response.googleError(400, "invalidArgument", "Invalid label name");
        }
        String id;
        try {
            id = box.addLabel(name);
        } catch (IllegalArgumentException e) {
            return Response.googleError(409, "alreadyExists", "Label name exists or conflicts");
        }
        return Response.json(200, label(id, name, "user"));
    }

    /** labels.patch (and labels.update): renames a user label; other fields are accepted and ignored. */
    private static Response patchLabel(Request r, FakeGmailMailbox box, String id) {
        if (FakeGmailMailbox.SYSTEM_LABELS.contains(id)) {
            return Response.googleError(400, "invalidArgument", "Invalid label: " + id);
        }
        String name = labelName(r);
        String now = box.userLabels().get(id);
        if (now == null) {
            return notFound();
        }
        if (name != null) {
            try {
                box.renameLabel(id, name);
            } catch (IllegalArgumentException e) {
                return Response.googleError(409, "alreadyExists", "Label name exists or conflicts");
            }
        }
        return Response.json(200, label(id, name == null ? now : name, "user"));
    }

    /** The non-blank {@code name} of a label body, or null. */
    private static String labelName(Request r) {
        JsonObject body;
        try {
            body = com.google.gson.JsonParser.parseString(r.bodyText()).getAsJsonObject();
        } catch (RuntimeException e) {
            return null;
        }
        com.google.gson.JsonElement n = body.get("name");
        return n == null || !n.isJsonPrimitive() || n.getAsString().isBlank() ? null : n.getAsString();
    }

    private static JsonObject label(String id, String name, String type) {
        JsonObject o = new JsonObject();
        o.addProperty("id", id);
        o.addProperty("name", name);
        o.addProperty("type", type);
        return o;
    }

    private static Response profile(FakeGmailMailbox box) {
        JsonObject o = new JsonObject();
        o.addProperty("emailAddress", box.email);
        o.addProperty("messagesTotal", box.messageCount());
        o.addProperty("threadsTotal", box.messageCount());
        o.addProperty("historyId", Long.toString(box.historyId()));
        return Response.json(200, o);
    }

    private Response list(Request r, FakeGmailMailbox box) {
        List<String> labelIds = new ArrayList<>(r.params("labelIds"));
        String q = r.param("q");
        if (q != null && q.strip().startsWith("rfc822msgid:")) {
            return byMessageId(box, q.strip().substring("rfc822msgid:".length()).strip(), r);
        }
        if (q != null) {
            labelIds.addAll(QueryTerms.labels(q, box));
        }
        boolean includeSpamTrash = "true".equals(r.param("includeSpamTrash"));
        int max = maxResults(r, 100, pageLimit);
        FakeGmailMailbox.Page page = box.list(labelIds, r.param("pageToken"), max, includeSpamTrash);
        JsonArray messages = new JsonArray();
        for (FakeGmailMailbox.Message m : page.messages()) {
            messages.add(ref(m));
        }
        JsonObject root = new JsonObject();
        if (messages.size() > 0) {
            root.add("messages", messages);
        }
        if (page.nextPageToken() != null) {
            root.addProperty("nextPageToken", page.nextPageToken());
        }
        root.addProperty("resultSizeEstimate", page.resultSizeEstimate());
        return Response.json(200, root);
    }

    /** {@code q=rfc822msgid:<id>}: the messages (any label) whose Message-ID is {@code id}, brackets optional. */
    private static Response byMessageId(FakeGmailMailbox box, String id, Request r) {
        String bare = id.startsWith("<") && id.endsWith(">") ? id.substring(1, id.length() - 1) : id;
        JsonArray messages = new JsonArray();
        String token = null;
        do {
            FakeGmailMailbox.Page page = box.list(List.of(), token, 500, true);
            for (FakeGmailMailbox.Message m : page.messages()) {
                FakeOutgoing.Parsed p = FakeOutgoing.parse(m.raw());
                String mid = p.messageId() == null ? "" : p.messageId().strip();
                if (mid.equals("<" + bare + ">") || mid.equals(bare)) {
                    messages.add(ref(m));
                }
            }
            token = page.nextPageToken();
        } while (token != null);
        JsonObject root = new JsonObject();
        if (messages.size() > 0) {
            root.add("messages", messages);
        }
        root.addProperty("resultSizeEstimate", messages.size());
        return Response.json(200, root);
    }

    private static Response get(Request r, FakeGmailMailbox box, String id) {
        FakeGmailMailbox.Message m = box.message(id);
        if (m == null) {
            return notFound();
        }
        String format = r.param("format") == null ? "full" : r.param("format").toLowerCase(Locale.ROOT);
        switch (format) {
            case "minimal":
                return Response.json(200, minimal(m));
            case "raw":
                return raw(m);
            case "metadata":
            case "full": {
                JsonObject o = minimal(m);
                o.add("payload", MimeHeaders.payload(m.raw(), r.params("metadataHeaders"), format.equals("full")));
                return Response.json(200, o);
            }
            default:
                return Response.googleError(400, "invalidArgument", "Invalid format: " + r.param("format"));
        }
    }

    /** The raw form, spliced so the cached base64url bytes are copied once, never re-encoded. */
    private static Response raw(FakeGmailMailbox.Message m) {
        byte[] head = Response.GSON.toJson(minimal(m)).getBytes(StandardCharsets.UTF_8);
        byte[] b64 = m.base64Url();
        ByteArrayOutputStream out = new ByteArrayOutputStream(head.length + b64.length + 16);
        out.write(head, 0, head.length - 1); // drop the closing brace
        out.writeBytes(",\"raw\":\"".getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(b64);
        out.writeBytes("\"}".getBytes(StandardCharsets.US_ASCII));
        return Response.bytes(200, Response.JSON, out.toByteArray());
    }

    static JsonObject minimal(FakeGmailMailbox.Message m) {
        FakeGmailMailbox.State s = m.state;
        JsonObject o = new JsonObject();
        o.addProperty("id", m.id);
        o.addProperty("threadId", m.threadId);
        o.add("labelIds", strings(s.labels()));
        o.addProperty("snippet", m.snippet);
        o.addProperty("sizeEstimate", m.size);
        o.addProperty("historyId", Long.toString(s.historyId()));
        o.addProperty("internalDate", Long.toString(m.internalDate));
        return o;
    }

    private static Response modify(Request r, FakeGmailMailbox box, String id) {
        JsonObject body = jsonBody(r);
        Response refused = draftRefusal(box, List.of(id), strings(body, "addLabelIds"), strings(body, "removeLabelIds"));
        if (refused != null) {
            return refused;
        }
        List<FakeGmailMailbox.Message> found = box.modify(List.of(id), strings(body, "addLabelIds"),
                strings(body, "removeLabelIds"));
        return found.isEmpty() ? notFound() : Response.json(200, minimal(found.get(0)));
    }

    private static Response batchModify(Request r, FakeGmailMailbox box) {
        JsonObject body = jsonBody(r);
        List<String> ids = strings(body, "ids");
        if (ids.isEmpty()) {
            return Response.googleError(400, "invalidArgument", "No message ids specified.");
        }
        if (ids.size() > MAX_BATCH_MODIFY_IDS) {
            return Response.googleError(400, "invalidArgument",
                    "Too many ids: " + ids.size() + " (at most " + MAX_BATCH_MODIFY_IDS + " per request)");
        }
        Response refused = draftRefusal(box, ids, strings(body, "addLabelIds"), strings(body, "removeLabelIds"));
        if (refused != null) {
            return refused;
        }
        box.modify(ids, strings(body, "addLabelIds"), strings(body, "removeLabelIds"));
        return Response.empty(204);
    }

    /**
     * Gmail's refusals of a label edit that touches drafts: {@code DRAFT} added or removed (400
     * "Invalid label: DRAFT"; its labels guide lists DRAFT as a label that cannot be applied by
     * hand), or a label other than {@code TRASH} added to a draft's message ("labels cannot be
     * applied to draft messages"; moving a draft to the trash is allowed). Null when allowed.
     */
    private static Response draftRefusal(FakeGmailMailbox box, List<String> ids, List<String> add, List<String> remove) {
        if (add.contains(DRAFT) || remove.contains(DRAFT)) {
            return Response.googleError(400, "invalidArgument", "Invalid label: " + DRAFT);
        }
        if (add.stream().allMatch(TRASH::equals)) {
            return null;
        }
        for (String id : ids) {
            FakeGmailMailbox.Message m = box.message(id);
            if (m != null && m.state.labels().contains(DRAFT)) {
                return Response.googleError(400, "invalidArgument",
                        "Draft messages cannot have any label other than the DRAFT system label");
            }
        }
        return null;
    }

    private Response history(Request r, FakeGmailMailbox box) {
        String startText = r.param("startHistoryId");
        if (startText == null) {
            return Response.googleError(400, "invalidArgument", "Missing required parameter: startHistoryId");
        }
        long start;
        try {
            start = Long.parseLong(startText);
        } catch (NumberFormatException e) {
            return Response.googleError(400, "invalidArgument", "Invalid startHistoryId: " + startText);
        }
        Set<FakeGmailMailbox.Change> types = EnumSet.noneOf(FakeGmailMailbox.Change.class);
        Set<String> typeNames = new TreeSet<>();
        for (String t : r.params("historyTypes")) {
            typeNames.add(t);
            switch (t) {
                case "messageAdded": types.add(FakeGmailMailbox.Change.ADDED); break;
                case "messageDeleted": types.add(FakeGmailMailbox.Change.DELETED); break;
                case "labelAdded":
                case "labelRemoved": types.add(FakeGmailMailbox.Change.LABELS); break;
                default: return Response.googleError(400, "invalidArgument", "Invalid historyTypes: " + t);
            }
        }
        FakeGmailMailbox.HistoryPage page;
        try {
            page = box.history(start, r.param("labelId"), types, r.param("pageToken"), maxResults(r, 100, pageLimit));
        } catch (FakeGmailMailbox.HistoryExpiredException e) {
            return notFound();
        }
        JsonArray history = new JsonArray();
        for (FakeGmailMailbox.HistoryRecord h : page.records()) {
            JsonObject rec = historyRecord(h, typeNames);
            if (rec != null) {
                history.add(rec);
            }
        }
        JsonObject root = new JsonObject();
        if (history.size() > 0) {
            root.add("history", history);
        }
        if (page.nextPageToken() != null) {
            root.addProperty("nextPageToken", page.nextPageToken());
        }
        root.addProperty("historyId", Long.toString(page.historyId()));
        return Response.json(200, root);
    }

    private static JsonObject historyRecord(FakeGmailMailbox.HistoryRecord h, Set<String> typeNames) {
        JsonObject rec = new JsonObject();
        rec.addProperty("id", Long.toString(h.id()));
        JsonObject ref = new JsonObject();
        ref.addProperty("id", h.messageId());
        ref.addProperty("threadId", h.threadId());
        JsonArray messages = new JsonArray();
        messages.add(ref);
        rec.add("messages", messages);
        boolean any = false;
        switch (h.change()) {
            case ADDED:
                any = addChange(rec, "messagesAdded", "messageAdded", typeNames, withLabels(ref, h.after()), null);
                break;
            case DELETED:
                any = addChange(rec, "messagesDeleted", "messageDeleted", typeNames, ref.deepCopy(), null);
                break;
            default:
                if (!h.added().isEmpty()) {
                    any |= addChange(rec, "labelsAdded", "labelAdded", typeNames, withLabels(ref, h.after()), h.added());
                }
                if (!h.removed().isEmpty()) {
                    any |= addChange(rec, "labelsRemoved", "labelRemoved", typeNames, withLabels(ref, h.after()),
                            h.removed());
                }
        }
        return any ? rec : null;
    }

    private static boolean addChange(JsonObject rec, String field, String typeName, Set<String> typeNames,
                                     JsonObject message, Set<String> labelIds) {
        if (!typeNames.isEmpty() && !typeNames.contains(typeName)) {
            return false;
        }
        JsonObject change = new JsonObject();
        change.add("message", message);
        if (labelIds != null) {
            change.add("labelIds", strings(labelIds));
        }
        JsonArray list = new JsonArray();
        list.add(change);
        rec.add(field, list);
        return true;
    }

    private static JsonObject withLabels(JsonObject ref, Set<String> labels) {
        JsonObject o = ref.deepCopy();
        o.add("labelIds", strings(labels));
        return o;
    }

    private static JsonObject ref(FakeGmailMailbox.Message m) {
        JsonObject o = new JsonObject();
        o.addProperty("id", m.id);
        o.addProperty("threadId", m.threadId);
        return o;
    }

    private static int maxResults(Request r, int dflt, int limit) {
        String text = r.param("maxResults");
        if (text == null) {
            return Math.min(dflt, limit);
        }
        try {
            int n = Integer.parseInt(text);
            if (n < 1) {
                throw new IllegalArgumentException("Invalid maxResults: " + text);
            }
            return Math.min(n, limit);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Invalid maxResults: " + text, e);
        }
    }

    private static JsonObject jsonBody(Request r) {
        try {
            JsonElement e = JsonParser.parseString(r.bodyText());
            if (!e.isJsonObject()) {
                throw new IllegalArgumentException("Request body must be a JSON object");
            }
            return e.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new IllegalArgumentException("Invalid JSON payload received: " + e.getMessage(), e);
        }
    }

    private static List<String> strings(JsonObject body, String field) {
        JsonElement e = body.get(field);
        List<String> out = new ArrayList<>();
        if (e == null || e.isJsonNull()) {
            return out;
        }
        if (!e.isJsonArray()) {
            throw new IllegalArgumentException("Invalid value at '" + field + "': expected a list of strings");
        }
        for (JsonElement item : e.getAsJsonArray()) {
            out.add(item.getAsString());
        }
        return out;
    }

    private static JsonArray strings(Set<String> values) {
        JsonArray a = new JsonArray();
        new TreeSet<>(values).forEach(a::add);
        return a;
    }

    static Response notFound() {
        return Response.googleError(404, "notFound", "Requested entity was not found.");
    }

    static Response unauthenticated() {
        JsonObject detail = new JsonObject();
        detail.addProperty("message", "Invalid Credentials");
        detail.addProperty("domain", "global");
        detail.addProperty("reason", "authError");
        detail.addProperty("location", "Authorization");
        detail.addProperty("locationType", "header");
        JsonArray errors = new JsonArray();
        errors.add(detail);
        JsonObject error = new JsonObject();
        error.addProperty("code", 401);
        error.addProperty("message", "Request had invalid authentication credentials. Expected OAuth 2 access token,"
                + " login cookie or other valid authentication credential.");
        error.add("errors", errors);
        error.addProperty("status", "UNAUTHENTICATED");
        JsonObject root = new JsonObject();
        root.add("error", error);
        return Response.json(401, root)
                .withHeader("WWW-Authenticate", "Bearer realm=\"https://accounts.google.com/\", error=\"invalid_token\"");
    }
}
