package dev.cms.provider.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.cli.AccountOptions;
import dev.cms.config.Office365AccountSpec;
import dev.cms.provider.AccessTokenSource;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Listing every folder of a mailbox for whole-account sync, against the fake Graph (issue 16). */
class GraphFoldersTest extends GraphCloudFixture {
    private List<GraphFolders.Folder> list() throws Exception {
        Office365AccountSpec account = new Office365AccountSpec(user, "common", CLIENT, false,
                ms.authorityHost().toString(), ms.graphEndpoint().toString(), 4, null);
        AccessTokenSource tokens = force -> ms.identity().issueAccessToken(user, CLIENT,
                List.of("https://graph.microsoft.com/Mail.ReadWrite"));
        return GraphFolders.list(AccountOptions.graph(account), tokens,
                GraphOptions.defaults(4).withTls(ms.trustedSocketFactory(), ms.trustManager()));
    }

    private static Map<String, GraphFolders.Folder> byPath(List<GraphFolders.Folder> folders) {
        return folders.stream().collect(Collectors.toMap(f -> String.join("|", f.names()), Function.identity()));
    }

    @Test
    void nestedFoldersComeWithTheirDisplayNamePathsAndWellKnownNames() throws Exception {
        String lists = graph.addFolder(user, "inbox", "Lists");
        String kernel = graph.addFolder(user, lists, "kernel");
        graph.addFolder(user, kernel, "a/b");
        graph.addFolder(user, "msgfolderroot", ".dot");
        Map<String, GraphFolders.Folder> f = byPath(list());
        assertEquals(java.util.Set.of("Inbox", "Archive", "Deleted Items", "Sent Items", "Drafts", "Junk Email",
                "Inbox|Lists", "Inbox|Lists|kernel", "Inbox|Lists|kernel|a/b", ".dot"), f.keySet());
        assertEquals(graph.folderId(user, "inbox"), f.get("Inbox").id());
        assertTrue(f.get("Inbox").inbox());
        assertEquals("sentitems", f.get("Sent Items").wellKnown());
        assertEquals("deleteditems", f.get("Deleted Items").wellKnown());
        assertNull(f.get("Inbox|Lists").wellKnown());
        assertFalse(f.get("Inbox|Lists").inbox());
        assertEquals(kernel, f.get("Inbox|Lists|kernel").id());
    }

    @Test
    void costsTheWellKnownLookupsAndOneListingPerFolderWithChildren() throws Exception {
        String lists = graph.addFolder(user, "inbox", "Lists");
        graph.addFolder(user, lists, "kernel");
        graph.addFolder(user, "msgfolderroot", "Projects");
        requests().clear();
        list();
        assertEquals(6, requests().count("GET", "/v1.0/me/mailFolders/[a-z]+$"), "one per well-known name");
        // msgfolderroot, Inbox, Lists: the folders with children; the others are not asked.
        assertEquals(3, requests().count("GET", "/v1.0/me/mailFolders/[^/]+/childFolders"));
        assertEquals(9, requests().size());
    }

    @Test
    void hiddenFoldersAndTheirSubfoldersAreLeftOut() throws Exception {
        String secret = graph.addFolder(user, "msgfolderroot", "Secret");
        graph.addFolder(user, secret, "inner");
        graph.setHidden(user, secret, true);
        Map<String, GraphFolders.Folder> f = byPath(list());
        assertFalse(f.containsKey("Secret"));
        assertFalse(f.containsKey("Secret|inner"));
    }

    @Test
    void moreChildrenThanAPageArePagedThrough() throws Exception {
        String big = graph.addFolder(user, "msgfolderroot", "Big");
        for (int i = 0; i < GraphFolders.PAGE + 5; i++) {
            graph.addFolder(user, big, "f" + i);
        }
        requests().clear();
        Map<String, GraphFolders.Folder> f = byPath(list());
        for (int i = 0; i < GraphFolders.PAGE + 5; i++) {
            assertTrue(f.containsKey("Big|f" + i), "f" + i);
        }
        assertEquals(2, requests().count("GET", "/v1.0/me/mailFolders/" + big + "/childFolders"), "two pages");
    }
}
