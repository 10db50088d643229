package dev.cms.fakecloud;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The folder requests of the fake Graph: get a folder, list a folder's children
 * ({@code $filter=displayName eq '...'}, {@code $top}/{@code $skip} pages, hidden folders only
 * with {@code includeHiddenFolders=true}), create one, and hand renames, moves and deletes to
 * {@link FakeGraphFolders}. Folder delta is in {@link FakeGraphDelta}.
 */
final class FakeGraphFolderRequests {

    private static final Pattern DISPLAY_NAME_EQ = Pattern.compile("^\\s*displayName\\s+eq\\s+'((?:[^']|'')*)'\\s*$");

    private final FakeGraphPaging paging;

    FakeGraphFolderRequests(FakeGraphPaging paging) {
        this.paging = paging;
    }

    FakeMicrosoftResponse get(FakeGraphMailbox m, String idOrName) {
        synchronized (m) {
            FakeGraphMailbox.Folder f = m.folder(idOrName);
            if (f == null) {
                return FakeGraphJson.folderNotFound(idOrName);
            }
            JsonObject o = FakeGraphJson.folder(f);
            o.addProperty("@odata.context", paging.root() + "/v1.0/$metadata#users('" + m.upn + "')/mailFolders/$entity");
            return FakeMicrosoftResponse.json(200, o);
        }
    }

    FakeMicrosoftResponse children(FakeMicrosoftRequest r, FakeGraphMailbox m, String parent, String path) {
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
        int top = FakeGraphPaging.intParam(r, "$top", 10);
        int skip = FakeGraphPaging.intParam(r, "$skip", 0);
        if (top < 1 || skip < 0) {
            return FakeMicrosoftResponse.graphError(400, "BadRequest", "Invalid $top or $skip.");
        }
        synchronized (m) {
            FakeGraphMailbox.Folder f = m.folder(parent);
            if (f == null) {
                return FakeGraphJson.folderNotFound(parent);
            }
            List<FakeGraphMailbox.Folder> all = new ArrayList<>();
            for (FakeGraphMailbox.Folder c : m.children(f)) {
                if ((name == null || c.displayName.equalsIgnoreCase(name)) && (withHidden || !c.hidden)) {
                    all.add(c);
                }
            }
            JsonArray value = new JsonArray();
            for (int i = skip; i < Math.min(all.size(), skip + top); i++) {
                value.add(FakeGraphJson.folder(all.get(i)));
            }
            JsonObject o = new JsonObject();
            o.addProperty("@odata.context", paging.root() + "/v1.0/$metadata#users('" + m.upn + "')/mailFolders");
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
                o.addProperty("@odata.nextLink", paging.link(path, q));
            }
            return FakeMicrosoftResponse.json(200, o);
        }
    }

    FakeMicrosoftResponse create(FakeMicrosoftRequest r, FakeGraphMailbox m, String parent) {
        JsonObject body = FakeGraphJson.body(r);
        if (body == null || !body.has("displayName")) {
            return FakeMicrosoftResponse.graphError(400, "ErrorInvalidRequest", "A displayName is required.");
        }
        synchronized (m) {
            FakeGraphMailbox.Folder p = m.folder(parent);
            if (p == null) {
                return FakeGraphJson.folderNotFound(parent);
            }
            try {
                FakeGraphMailbox.Folder f = m.addFolder(p.id, body.get("displayName").getAsString());
                return FakeMicrosoftResponse.json(201, FakeGraphJson.folder(f));
            } catch (IllegalArgumentException e) {
                return FakeMicrosoftResponse.graphError(409, "ErrorFolderExists", e.getMessage());
            }
        }
    }

    /** Rename (PATCH), move (POST .../move) or delete (DELETE) a folder: see {@link FakeGraphFolders}. */
    FakeMicrosoftResponse change(FakeMicrosoftRequest r, FakeGraphMailbox m, String id) {
        if (r.method().equals("DELETE")) {
            FakeMicrosoftResponse error = FakeGraphFolders.delete(m, id);
            return error != null ? error : FakeMicrosoftResponse.empty(204);
        }
        JsonObject body = FakeGraphJson.body(r);
        boolean move = r.method().equals("POST");
        String value = FakeGraphFolders.field(body, move ? "destinationId" : "displayName");
        if (value == null) {
            return move ? FakeMicrosoftResponse.graphError(400, "ErrorInvalidRequest", "destinationId is required.")
                    : get(m, id); // a PATCH of other properties changes nothing the fake keeps
        }
        FakeMicrosoftResponse error = move ? FakeGraphFolders.move(m, id, value) : FakeGraphFolders.rename(m, id, value);
        if (error != null) {
            return error;
        }
        synchronized (m) {
            return FakeMicrosoftResponse.json(move ? 201 : 200, FakeGraphJson.folder(m.folder(id)));
        }
    }
}
