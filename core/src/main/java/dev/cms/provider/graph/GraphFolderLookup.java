package dev.cms.provider.graph;

import com.microsoft.graph.models.MailFolder;
import com.microsoft.graph.models.MailFolderCollectionResponse;
import com.microsoft.graph.serviceclient.GraphServiceClient;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Finds a folder's id from its path of display names (a well-known name may come first). */
final class GraphFolderLookup {
    private static final Logger log = LoggerFactory.getLogger(GraphFolderLookup.class);
    private final GraphTransport transport;
    private final String folderPath;
    private final String who;
    private final String key;

    GraphFolderLookup(GraphTransport transport, String folderPath, String who, String key) {
        this.transport = transport;
        this.folderPath = folderPath;
        this.who = who;
        this.key = key;
    }

    /** The id of the folder whose path is {@code parts}. */
    String resolve(List<String> parts) throws IOException, InterruptedException {
        String id;
        String first = parts.get(0);
        String walked = first;
        String lower = first.toLowerCase(Locale.ROOT);
        if (GraphMailbox.WELL_KNOWN.contains(lower)) {
            String call = "mailFolders.get";
            try {
                MailFolder f = transport.call(call,
                        () -> graph().me().mailFolders().byMailFolderId(lower).get(GraphTransport.named(call)));
                id = requireId(call, f.getId());
            } catch (GraphStatusException e) {
                if (e.status() != 404) {
                    throw e;
                }
                throw notFound("the mailbox has no well-known folder '" + lower + "'");
            }
        } else {
            id = child("msgfolderroot", first);
            if (id == null) {
                throw notFound("the mailbox has no top-level folder '" + first + "'");
            }
        }
        for (String part : parts.subList(1, parts.size())) {
            String next = child(id, part);
            if (next == null) {
                throw notFound("'" + walked + "' has no child folder '" + part + "'");
            }
            id = next;
            walked = walked + "/" + part;
        }
        return id;
    }

    private GraphServiceClient graph() {
        return transport.graph();
    }

    private IOException notFound(String why) {
        return new IOException("Office365 folder '" + folderPath + "' not found for " + who + ": " + why);
    }

    /** The id of {@code parent}'s child folder named {@code name}, or null when there is none. */
    private @Nullable String child(String parent, String name) throws IOException, InterruptedException {
        String call = "mailFolders.childFolders";
        String filter = "displayName eq '" + name.replace("'", "''") + "'";
        MailFolderCollectionResponse r = transport.call(call,
                () -> graph().me().mailFolders().byMailFolderId(parent).childFolders().get(rc -> {
                    rc.options.add(GraphCall.json(call));
                    rc.queryParameters.filter = filter;
                }));
        List<MailFolder> a = r.getValue();
        if (a == null) {
            throw new MalformedGraphResponse(call, "no value list");
        }
        if (a.isEmpty()) {
            return null;
        }
        if (a.size() > 1) {
            log.warn("{}: {} folders named '{}'; using the first", key, a.size(), name);
        }
        if (a.get(0) == null) {
            throw new MalformedGraphResponse(call, "a folder that is not a JSON object");
        }
        return requireId(call, a.get(0).getId());
    }

    private static String requireId(String call, String id) throws MalformedGraphResponse {
        if (id == null || id.isEmpty()) {
            throw new MalformedGraphResponse(call, "a folder without an id");
        }
        return id;
    }
}
