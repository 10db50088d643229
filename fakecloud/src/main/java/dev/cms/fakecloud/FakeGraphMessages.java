package dev.cms.fakecloud;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The message requests of the fake Graph: list a folder's messages (in id order, paged by
 * {@code $skiptoken}, or the one {@code $filter=internetMessageId eq '...'} the fake supports),
 * get one, its {@code $value}, PATCH (read state, flag, extended properties), delete, move and
 * copy. Messages made from MIME are in {@link FakeGraphNewMessages}, message delta in
 * {@link FakeGraphDelta}.
 */
final class FakeGraphMessages {

    private static final Pattern PROP_ID = Pattern.compile("(?i)(Integer|SystemTime|String|Boolean|Long) 0x[0-9a-f]{4}");
    private static final Pattern MESSAGE_ID_EQ = Pattern.compile("^\\s*internetMessageId\\s+eq\\s+'((?:[^']|'')*)'\\s*$");

    private final Clock clock;
    private final FakeGraphPaging paging;

    FakeGraphMessages(Clock clock, FakeGraphPaging paging) {
        this.clock = clock;
        this.paging = paging;
    }

    FakeMicrosoftResponse list(FakeMicrosoftRequest r, FakeGraphMailbox m, String folder, String path) {
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
                    return FakeGraphJson.folderNotFound(folder);
                }
                JsonArray value = new JsonArray();
                for (FakeGraphMailbox.Msg msg : f.members.values()) {
                    if (wanted.equals(msg.internetMessageId)) {
                        value.add(FakeGraphJson.message(msg, FakeGraphJson.select(r.param("$select")),
                                FakeGraphJson.expand(r.param("$expand"))));
                    }
                }
                JsonObject o = new JsonObject();
                o.add("value", value);
                return FakeMicrosoftResponse.json(200, o);
            }
        }
        int top = FakeGraphPaging.intParam(r, "$top", paging.pageSize(r, 10));
        if (top < 1) {
            return FakeMicrosoftResponse.graphError(400, "BadRequest", "Invalid $top.");
        }
        top = Math.min(top, 1000);
        String after = r.param("$skiptoken");
        Set<String> select = FakeGraphJson.select(r.param("$select"));
        Set<String> expand = FakeGraphJson.expand(r.param("$expand"));
        synchronized (m) {
            FakeGraphMailbox.Folder f = m.folder(folder);
            if (f == null) {
                return FakeGraphJson.folderNotFound(folder);
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
                value.add(FakeGraphJson.message(msg, select, expand));
                last = msg.id;
            }
            JsonObject o = new JsonObject();
            o.addProperty("@odata.context", paging.root() + "/v1.0/$metadata#users('" + m.upn + "')/mailFolders('"
                    + f.id + "')/messages");
            o.add("value", value);
            if (more) {
                Map<String, String> q = new LinkedHashMap<>();
                FakeGraphPaging.copy(r, q, "$select");
                FakeGraphPaging.copy(r, q, "$expand");
                q.put("$top", Integer.toString(top));
                q.put("$skiptoken", last);
                o.addProperty("@odata.nextLink", paging.link(path, q));
            }
            return FakeMicrosoftResponse.json(200, o);
        }
    }

    FakeMicrosoftResponse get(FakeMicrosoftRequest r, FakeGraphMailbox m, String id) {
        Set<String> select = FakeGraphJson.select(r.param("$select"));
        Set<String> expand = FakeGraphJson.expand(r.param("$expand"));
        synchronized (m) {
            FakeGraphMailbox.Msg msg = m.messages.get(id);
            if (msg == null) {
                return FakeGraphJson.messageNotFound(id);
            }
            JsonObject o = FakeGraphJson.message(msg, select, expand);
            o.addProperty("@odata.context", paging.root() + "/v1.0/$metadata#users('" + m.upn + "')/messages/$entity");
            return FakeMicrosoftResponse.json(200, o);
        }
    }

    FakeMicrosoftResponse value(FakeGraphMailbox m, String id) {
        byte[] mime;
        synchronized (m) {
            FakeGraphMailbox.Msg msg = m.messages.get(id);
            if (msg == null) {
                return FakeGraphJson.messageNotFound(id);
            }
            mime = msg.mime;
        }
        // the bytes are never modified once stored, so they are written outside the lock
        return FakeMicrosoftResponse.bytes(200, "text/plain", mime);
    }

    FakeMicrosoftResponse patch(FakeMicrosoftRequest r, FakeGraphMailbox m, String id) {
        JsonObject body = FakeGraphJson.body(r);
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
                if (!FakeGraph.FLAG_STATUSES.contains(flagStatus)) {
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
                    props.put(FakeGraphJson.canonical(pid), v);
                }
            }
        } catch (RuntimeException e) {
            return FakeMicrosoftResponse.graphError(400, "RequestBodyRead", "Cannot read the PATCH body: " + e.getMessage());
        }
        synchronized (m) {
            FakeGraphMailbox.Msg msg = m.messages.get(id);
            if (msg == null) {
                return FakeGraphJson.messageNotFound(id);
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
            return FakeMicrosoftResponse.json(200, FakeGraphJson.message(msg, null, null));
        }
    }

    FakeMicrosoftResponse delete(FakeGraphMailbox m, String id) {
        synchronized (m) {
            FakeGraphMailbox.Msg msg = m.messages.get(id);
            if (msg == null) {
                return FakeGraphJson.messageNotFound(id);
            }
            m.delete(msg);
            return FakeMicrosoftResponse.empty(204);
        }
    }

    /** {@code POST messages/{id}/move}: 201 with the message, its id kept only with an ImmutableId preference. */
    FakeMicrosoftResponse move(FakeMicrosoftRequest r, FakeGraphMailbox m, String id) {
        boolean immutable = r.headerValues("prefer").stream()
                .anyMatch(p -> p.replace(" ", "").equalsIgnoreCase("IdType=\"ImmutableId\""));
        return relocate(r, m, id, (msg, to) -> {
            m.move(msg, to, immutable, clock.instant());
            return msg;
        });
    }

    /** {@code POST messages/{id}/copy}: 201 with the copy, a new message with an id of its own. */
    FakeMicrosoftResponse copy(FakeMicrosoftRequest r, FakeGraphMailbox m, String id) {
        return relocate(r, m, id, (msg, to) -> m.copy(msg, to, clock.instant()));
    }

    /**
     * A move or copy of message {@code id} into the request's {@code destinationId}: {@code how}
     * does it, holding the mailbox's monitor, and returns the message to answer with.
     */
    private static FakeMicrosoftResponse relocate(FakeMicrosoftRequest r, FakeGraphMailbox m, String id,
            BiFunction<FakeGraphMailbox.Msg, FakeGraphMailbox.Folder, FakeGraphMailbox.Msg> how) {
        String dest = destinationId(r);
        if (dest == null) {
            return FakeMicrosoftResponse.graphError(400, "ErrorInvalidRequest", "destinationId is required.");
        }
        synchronized (m) {
            FakeGraphMailbox.Msg msg = m.messages.get(id);
            if (msg == null) {
                return FakeGraphJson.messageNotFound(id);
            }
            FakeGraphMailbox.Folder to = m.folder(dest);
            if (to == null) {
                return FakeMicrosoftResponse.graphError(400, "ErrorInvalidIdMalformed", "Id is malformed: " + dest);
            }
            return FakeMicrosoftResponse.json(201, FakeGraphJson.message(how.apply(msg, to), null, null));
        }
    }

    /** The {@code destinationId} of a move or copy, in any case (the Graph SDK sends "DestinationId", the docs "destinationId"); null when missing. */
    private static String destinationId(FakeMicrosoftRequest r) {
        JsonObject body = FakeGraphJson.body(r);
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
}
