package dev.cms.fakecloud;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

/**
 * The folder-changing requests of the fake Graph, as Outlook answers them: rename
 * ({@code PATCH /me/mailFolders/{id}} with a {@code displayName}), move
 * ({@code POST /me/mailFolders/{id}/move} with a {@code destinationId}: a folder id or a
 * well-known name) and delete ({@code DELETE /me/mailFolders/{id}}: the folder, its subfolders and
 * their messages go into Deleted Items with their ids; one already in Deleted Items is removed for
 * good). Well-known folders cannot be renamed, moved or deleted. Every method holds the mailbox's
 * monitor; the Java methods throw {@link IllegalArgumentException} where the HTTP ones answer an error.
 */
final class FakeGraphFolders {
    private FakeGraphFolders() {}

    /** Renames folder {@code id}; null when done, else the error to answer. */
    static FakeMicrosoftResponse rename(FakeGraphMailbox m, String id, String displayName) {
        synchronized (m) {
            FakeGraphMailbox.Folder f = m.folder(id);
            FakeMicrosoftResponse refused = refuse(m, f, id);
            if (refused != null) {
                return refused;
            }
            if (displayName.isBlank()) {
                return FakeMicrosoftResponse.graphError(400, "ErrorInvalidRequest", "A displayName is required.");
            }
            if (m.nameTaken(m.folders.get(f.parentId), displayName, f)) {
                return exists(displayName);
            }
            f.displayName = displayName;
            return null;
        }
    }

    /** Moves folder {@code id} under {@code destination}; null when done, else the error to answer. */
    static FakeMicrosoftResponse move(FakeGraphMailbox m, String id, String destination) {
        synchronized (m) {
            FakeGraphMailbox.Folder f = m.folder(id);
            FakeMicrosoftResponse refused = refuse(m, f, id);
            if (refused != null) {
                return refused;
            }
            FakeGraphMailbox.Folder to = m.folder(destination);
            if (to == null) {
                return FakeMicrosoftResponse.graphError(400, "ErrorInvalidIdMalformed", "Id is malformed: " + destination);
            }
            if (m.within(to, f)) {
                return FakeMicrosoftResponse.graphError(400, "ErrorMoveCopyFailed",
                        "A folder cannot be moved into itself or one of its subfolders.");
            }
            if (m.nameTaken(to, f.displayName, f)) {
                return exists(f.displayName);
            }
            m.moveFolder(f, to);
            return null;
        }
    }

    /**
     * Deletes folder {@code id} as Outlook does: into Deleted Items (renamed {@code name 1},
     * {@code name 2}, ... when Deleted Items has a folder of its name), or for good when it is in
     * Deleted Items already; null when done, else the error to answer.
     */
    static FakeMicrosoftResponse delete(FakeGraphMailbox m, String id) {
        synchronized (m) {
            FakeGraphMailbox.Folder f = m.folder(id);
            FakeMicrosoftResponse refused = refuse(m, f, id);
            if (refused != null) {
                return refused;
            }
            FakeGraphMailbox.Folder deleted = m.folder("deleteditems");
            if (m.within(f, deleted)) {
                m.removeFolder(f);
                return null;
            }
            String name = f.displayName;
            for (int n = 1; m.nameTaken(deleted, name, f); n++) {
                name = f.displayName + " " + n;
            }
            f.displayName = name;
            m.moveFolder(f, deleted);
            return null;
        }
    }

    /** The answer for a folder that is missing or may not be changed; null when it may. */
    private static FakeMicrosoftResponse refuse(FakeGraphMailbox m, FakeGraphMailbox.Folder f, String id) {
        if (f == null) {
            return FakeMicrosoftResponse.graphError(404, "ErrorItemNotFound",
                    "The specified object was not found in the store. (folder " + id + ")");
        }
        if (m.wellKnown.containsValue(f.id)) {
            return FakeMicrosoftResponse.graphError(403, "ErrorDeleteDistinguishedFolder",
                    "Distinguished folders cannot be deleted, moved or renamed.");
        }
        return null;
    }

    private static FakeMicrosoftResponse exists(String name) {
        return FakeMicrosoftResponse.graphError(409, "ErrorFolderExists",
                "A folder with the specified name already exists. (" + name + ")");
    }

    /** The string field {@code name} of a JSON body, or null. */
    static String field(JsonObject body, String name) {
        JsonElement e = body == null ? null : body.get(name);
        return e == null || !e.isJsonPrimitive() ? null : e.getAsString();
    }

    /** Throws what an HTTP client would have been answered. */
    static void orThrow(FakeMicrosoftResponse error) {
        if (error != null) {
            throw new IllegalArgumentException(error.status() + ": "
                    + new String(error.body(), java.nio.charset.StandardCharsets.UTF_8));
        }
    }
}
