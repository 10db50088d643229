package dev.cms.provider.graph;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.cms.model.CloudMessage;
import dev.cms.model.Flag;
import dev.cms.model.Flags;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Set;

/**
 * Reads Graph message JSON into {@link CloudMessage}s. The replied state lives in MAPI
 * properties: PidTagLastVerbExecuted ({@code Integer 0x1081}) 102 (reply) or 103 (reply to
 * all), or PidTagIconIndex ({@code Integer 0x1080}) 0x105 (replied mail), 0x113 (encrypted
 * replied) or 0x114 (S/MIME signed replied). Forwarding (verb 104, icon 0x106) is not a reply.
 */
final class GraphMessages {
    static final String LAST_VERB = "Integer 0x1081";
    static final String LAST_VERB_TIME = "SystemTime 0x1082";
    static final String ICON_INDEX = "Integer 0x1080";
    static final int VERB_REPLY = 102;
    static final int VERB_REPLY_ALL = 103;
    static final int ICON_REPLIED = 0x105;
    static final int ICON_READ = 0x100;
    static final int ICON_UNREAD = 0x101;
    static final Set<Integer> REPLIED_ICONS = Set.of(ICON_REPLIED, 0x113, 0x114);
    /** The fields a listing asks for; the replied state comes with {@link #EXPAND}. */
    static final String SELECT = "internetMessageId,isRead,flag,receivedDateTime";
    static final String EXPAND = "singleValueExtendedProperties($filter=id eq '" + LAST_VERB + "' or id eq '"
            + ICON_INDEX + "')";

    private GraphMessages() {}

    /** The id of a listed entry, which must be a non-empty string. */
    static String id(String call, JsonElement e) throws MalformedGraphResponse {
        if (e == null || !e.isJsonObject()) {
            throw new MalformedGraphResponse(call, "a listed entry that is not a JSON object");
        }
        JsonElement id = e.getAsJsonObject().get("id");
        if (id == null || !id.isJsonPrimitive() || !id.getAsJsonPrimitive().isString() || id.getAsString().isEmpty()) {
            throw new MalformedGraphResponse(call, "a listed message without an id");
        }
        return id.getAsString();
    }

    static CloudMessage message(String call, String id, JsonObject m) throws MalformedGraphResponse {
        JsonElement isRead = m.get("isRead");
        if (isRead == null || !isRead.isJsonPrimitive() || !isRead.getAsJsonPrimitive().isBoolean()) {
            throw new MalformedGraphResponse(call, "message " + id + " has no boolean isRead");
        }
        Flags flags = Flags.NONE.with(Flag.READ, isRead.getAsBoolean())
                .with(Flag.FLAGGED, flagged(m))
                .with(Flag.REPLIED, replied(call, id, m));
        return new CloudMessage(id, flags, received(call, id, m));
    }

    private static boolean flagged(JsonObject m) {
        JsonElement flag = m.get("flag");
        if (flag == null || !flag.isJsonObject()) {
            return false;
        }
        return "flagged".equals(GraphTransport.stringOrNull(flag.getAsJsonObject(), "flagStatus"));
    }

    static boolean replied(String call, String id, JsonObject m) throws MalformedGraphResponse {
        JsonElement props = m.get("singleValueExtendedProperties");
        if (props == null || props.isJsonNull()) {
            return false;
        }
        if (!props.isJsonArray()) {
            throw new MalformedGraphResponse(call, "message " + id + ": singleValueExtendedProperties is not a list");
        }
        boolean replied = false;
        for (JsonElement p : (JsonArray) props) {
            if (!p.isJsonObject()) {
                throw new MalformedGraphResponse(call, "message " + id + ": an extended property is not an object");
            }
            String pid = GraphTransport.stringOrNull(p.getAsJsonObject(), "id");
            String value = GraphTransport.stringOrNull(p.getAsJsonObject(), "value");
            if (pid == null || value == null) {
                continue;
            }
            Integer v = parseInt(value);
            if (pid.equalsIgnoreCase(LAST_VERB)) {
                replied |= v != null && (v == VERB_REPLY || v == VERB_REPLY_ALL);
            } else if (pid.equalsIgnoreCase(ICON_INDEX)) {
                replied |= v != null && REPLIED_ICONS.contains(v);
            }
        }
        return replied;
    }

    private static Integer parseInt(String s) {
        try {
            return Integer.valueOf(s.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static Instant received(String call, String id, JsonObject m) throws MalformedGraphResponse {
        String s = GraphTransport.stringOrNull(m, "receivedDateTime");
        if (s == null) {
            return null;
        }
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            throw new MalformedGraphResponse(call, "message " + id + " has receivedDateTime '" + s + "'", e);
        }
    }
}
