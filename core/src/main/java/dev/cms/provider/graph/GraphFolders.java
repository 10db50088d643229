package dev.cms.provider.graph;

import com.microsoft.graph.models.MailFolder;
import com.microsoft.graph.models.MailFolderCollectionResponse;
import com.microsoft.graph.models.MailSearchFolder;
import com.microsoft.graph.users.item.mailfolders.item.childfolders.ChildFoldersRequestBuilder;
import dev.cms.provider.AccessTokenSource;
import dev.cms.provider.CloudAccount;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Lists every mail folder of an Office365 mailbox, for whole-account sync: the ids of the
 * well-known folders ({@code GET /me/mailFolders/inbox}, {@code .../sentitems}, ...: Graph v1.0
 * does not say which folder is which in a listing), then the children of the top of the mailbox
 * ({@code msgfolderroot}) and, folder by folder, the children of each folder whose
 * {@code childFolderCount} is not 0 ({@code GET /me/mailFolders/{id}/childFolders}, pages of
 * {@value #PAGE} through {@code @odata.nextLink}). Hidden folders are not listed (Graph leaves
 * them out unless asked), and neither are search folders (they hold no messages of their own).
 * A mailbox of F folders, P of them with subfolders, costs 7 + P requests (more for a folder
 * with over {@value #PAGE} children).
 */
public final class GraphFolders {
    /**
     * One folder: its id, its display names from the top, and its well-known name
     * ({@code inbox}, {@code sentitems}, ...) when it has one of those a per-folder
     * {@code Office365(...)} call may start its path with.
     */
    public record Folder(String id, List<String> names, @Nullable String wellKnown) {
        public boolean inbox() {
            return "inbox".equals(wellKnown);
        }

        public Folder {
            names = List.copyOf(names);
        }
    }

    static final int PAGE = 100;
    private static final String CALL = "mailFolders.childFolders";
    private static final String[] SELECT = {"id", "displayName", "childFolderCount"};

    private final GraphTransport transport;

    private GraphFolders(GraphTransport transport) {
        this.transport = transport;
    }

    /** Every visible mail folder of {@code account}'s mailbox, parents before their children. */
    public static List<Folder> list(CloudAccount account, AccessTokenSource tokens, GraphOptions options)
            throws IOException, InterruptedException {
        Objects.requireNonNull(tokens, "tokens");
        GraphFolders f = new GraphFolders(new GraphTransport(account.endpoint(), account.user(), tokens, options));
        return f.list();
    }

    /**
     * Creates a folder named {@code displayName} under folder {@code parentId}, or at the top of the
     * mailbox when it is null ({@code POST /me/mailFolders} or {@code .../childFolders}); returns its id.
     */
    public static String create(CloudAccount account, AccessTokenSource tokens, GraphOptions options,
            @Nullable String parentId, String displayName) throws IOException, InterruptedException {
        GraphTransport t = new GraphTransport(account.endpoint(), account.user(), tokens, options);
        MailFolder body = new MailFolder();
        body.setDisplayName(displayName);
        String call = "mailFolders.create";
        MailFolder made = t.call(call, () -> parentId == null
                ? t.graph().me().mailFolders().post(body, rc -> rc.options.add(GraphCall.json(call)))
                : t.graph().me().mailFolders().byMailFolderId(parentId).childFolders().post(body,
                        rc -> rc.options.add(GraphCall.json(call))));
        if (made == null || made.getId() == null || made.getId().isEmpty()) {
            throw new MalformedGraphResponse(call, "a folder without an id");
        }
        return made.getId();
    }

    private List<Folder> list() throws IOException, InterruptedException {
        Map<String, String> wellKnown = new HashMap<>();
        for (String name : GraphMailbox.WELL_KNOWN) {
            String id = wellKnownId(name);
            if (id != null) {
                wellKnown.put(id, name);
            }
        }
        List<Folder> out = new ArrayList<>();
        record Pending(String id, List<String> names) {}
        Deque<Pending> todo = new ArrayDeque<>();
        todo.add(new Pending("msgfolderroot", List.of()));
        while (!todo.isEmpty()) {
            Pending parent = todo.removeFirst();
            for (MailFolder m : children(parent.id())) {
                if (m instanceof MailSearchFolder) {
                    continue;
                }
                String id = m.getId();
                String name = m.getDisplayName();
                if (id == null || id.isEmpty() || name == null) {
                    throw new MalformedGraphResponse(CALL, "a folder without id or displayName");
                }
                List<String> names = new ArrayList<>(parent.names());
                names.add(name);
                out.add(new Folder(id, names, wellKnown.get(id)));
                Integer kids = m.getChildFolderCount();
                if (kids == null || kids > 0) {
                    todo.add(new Pending(id, names));
                }
            }
        }
        return out;
    }

    /** The id of the well-known folder {@code name}, or null when the mailbox has none (404). */
    private @Nullable String wellKnownId(String name) throws IOException, InterruptedException {
        String call = "mailFolders.get";
        try {
            MailFolder f = transport.call(call, () -> transport.graph().me().mailFolders().byMailFolderId(name)
                    .get(rc -> {
                        rc.options.add(GraphCall.json(call));
                        rc.queryParameters.select = new String[] {"id"};
                    }));
            String id = f.getId();
            if (id == null || id.isEmpty()) {
                throw new MalformedGraphResponse(call, "a folder without an id");
            }
            return id;
        } catch (GraphStatusException e) {
            if (e.status() != 404) {
                throw e;
            }
            return null;
        }
    }

    private List<MailFolder> children(String parent) throws IOException, InterruptedException {
        List<MailFolder> out = new ArrayList<>();
        @Nullable String next = null;
        do {
            ChildFoldersRequestBuilder b = transport.graph().me().mailFolders().byMailFolderId(parent).childFolders();
            ChildFoldersRequestBuilder page = next == null ? b : b.withUrl(next);
            boolean first = next == null;
            MailFolderCollectionResponse r = transport.call(CALL, () -> page.get(rc -> {
                rc.options.add(GraphCall.json(CALL));
                if (first) {
                    rc.queryParameters.top = PAGE;
                    rc.queryParameters.select = SELECT;
                }
            }));
            List<MailFolder> value = r.getValue();
            if (value == null) {
                throw new MalformedGraphResponse(CALL, "no value list");
            }
            for (MailFolder m : value) {
                if (m == null) {
                    throw new MalformedGraphResponse(CALL, "a folder that is not a JSON object");
                }
                out.add(m);
            }
            String link = r.getOdataNextLink();
            next = link == null ? null : transport.sameHost(CALL, link);
        } while (next != null);
        return out;
    }
}
