package dev.cms.fakecloud;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How the fake Graph writes messages and folders as JSON, reads {@code $select} and
 * {@code $expand}, and answers a missing item, in the shapes Graph v1.0 uses. Callers hold the
 * mailbox's monitor while they render its messages and folders.
 */
final class FakeGraphJson {

    private static final Pattern QUOTED = Pattern.compile("'((?:[^']|'')*)'");
    private static final List<String> DEFAULT_FIELDS = List.of("receivedDateTime", "lastModifiedDateTime", "subject",
            "internetMessageId", "isRead", "parentFolderId", "flag");

    private FakeGraphJson() {}

    static JsonObject message(FakeGraphMailbox.Msg msg, Set<String> select, Set<String> expand) {
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

    static JsonObject folder(FakeGraphMailbox.Folder f) {
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

    /** A folder delta's entry for a folder deleted for good: its id and {@code @removed}. */
    static JsonObject removedFolder(String id) {
        JsonObject removed = new JsonObject();
        removed.addProperty("reason", "deleted");
        JsonObject o = new JsonObject();
        o.addProperty("id", id);
        o.add("@removed", removed);
        return o;
    }

    static FakeMicrosoftResponse folderNotFound(String id) {
        return FakeMicrosoftResponse.graphError(404, "ErrorItemNotFound",
                "The specified object was not found in the store. (folder " + id + ")");
    }

    static FakeMicrosoftResponse messageNotFound(String id) {
        return FakeMicrosoftResponse.graphError(404, "ErrorItemNotFound",
                "The specified object was not found in the store. (message " + id + ")");
    }

    /** Lower-case field names of a {@code $select}, or null for the default set. */
    static Set<String> select(String select) {
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
    static Set<String> expand(String expand) {
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
    static String canonical(String propId) {
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

    /** The request body as a JSON object, or null when it is not one. */
    static JsonObject body(FakeMicrosoftRequest r) {
        try {
            JsonElement e = JsonParser.parseString(r.bodyText());
            return e.isJsonObject() ? e.getAsJsonObject() : null;
        } catch (JsonParseException e) {
            return null;
        }
    }
}
