package dev.cms.fakecloud;

import static dev.cms.fakecloud.FakeMicrosoftTestClient.body;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The fake Graph's folder create, rename, move and delete over HTTP, and what the folder delta shows of them. */
class FakeGraphFolderChangesTest {
    private static final String CLIENT = "client-1";
    private static final String USER = "fran@contoso.example";

    private FakeMicrosoft fake;
    private FakeGraph graph;
    private FakeMicrosoftTestClient client;

    @BeforeEach
    void start() throws Exception {
        fake = FakeMicrosoft.start(0, new MutableClock());
        graph = fake.graph();
        graph.addUser(USER, CLIENT);
        client = new FakeMicrosoftTestClient(fake);
        client.token = fake.identity().issueAccessToken(USER, CLIENT, List.of("https://graph.microsoft.com/Mail.ReadWrite"));
    }

    @AfterEach
    void stop() {
        fake.close();
    }

    /** Id → the delta's entry, following pages; the delta link goes into {@code link[0]}. */
    private Map<String, JsonObject> delta(String[] link) {
        Map<String, JsonObject> out = new HashMap<>();
        String url = link[0] == null ? "/v1.0/me/mailFolders/delta" : link[0];
        while (true) {
            JsonObject page = body(client.get(url));
            for (JsonElement e : page.getAsJsonArray("value")) {
                out.put(e.getAsJsonObject().get("id").getAsString(), e.getAsJsonObject());
            }
            if (page.has("@odata.nextLink")) {
                url = page.get("@odata.nextLink").getAsString();
            } else {
                link[0] = page.get("@odata.deltaLink").getAsString();
                return out;
            }
        }
    }

    @Test
    void createRenameMoveAndDeleteAsOutlookDoes() {
        HttpResponse<String> created = client.json("POST", "/v1.0/me/mailFolders", "{\"displayName\":\"Projects\"}");
        assertEquals(201, created.statusCode(), created.body());
        String projects = body(created).get("id").getAsString();
        HttpResponse<String> child = client.json("POST", "/v1.0/me/mailFolders/" + projects + "/childFolders",
                "{\"displayName\":\"2026\"}");
        assertEquals(201, child.statusCode(), child.body());
        String year = body(child).get("id").getAsString();
        String msg = graph.addMessage(USER, year, new MessageGenerator(1, USER).text(100).raw(),
                java.time.Instant.parse("2026-01-01T00:00:00Z"), false, null, false);
        String[] link = {null};
        assertTrue(delta(link).keySet().containsAll(List.of(projects, year)));

        HttpResponse<String> renamed = client.json("PATCH", "/v1.0/me/mailFolders/" + projects,
                "{\"displayName\":\"Work\"}");
        assertEquals(200, renamed.statusCode(), renamed.body());
        assertEquals("Work", body(renamed).get("displayName").getAsString());
        Map<String, JsonObject> seen = delta(link);
        assertEquals(List.of(projects), List.copyOf(seen.keySet()), "a rename changes the folder, not its children");
        assertEquals("Work", seen.get(projects).get("displayName").getAsString());

        HttpResponse<String> moved = client.json("POST", "/v1.0/me/mailFolders/" + year + "/move",
                "{\"destinationId\":\"inbox\"}");
        assertEquals(201, moved.statusCode(), moved.body());
        assertEquals(graph.folderId(USER, "inbox"), body(moved).get("parentFolderId").getAsString());
        assertEquals(List.of(msg), graph.messageIds(USER, year), "its messages move with it, ids kept");
        assertEquals(graph.folderId(USER, "inbox"), delta(link).get(year).get("parentFolderId").getAsString());

        assertEquals(204, client.json("DELETE", "/v1.0/me/mailFolders/" + year, "").statusCode());
        assertEquals(graph.folderId(USER, "deleteditems"), body(client.get("/v1.0/me/mailFolders/" + year))
                .get("parentFolderId").getAsString(), "deleting moves into Deleted Items");
        assertEquals(List.of(msg), graph.messageIds(USER, year));
        assertEquals(204, client.json("DELETE", "/v1.0/me/mailFolders/" + year, "").statusCode());
        assertEquals(404, client.get("/v1.0/me/mailFolders/" + year).statusCode(), "deleted from Deleted Items: gone");
        assertTrue(delta(link).get(year).has("@removed"));
    }

    @Test
    void refusesWhatOutlookRefuses() {
        String a = graph.addFolder(USER, "msgfolderroot", "A");
        String b = graph.addFolder(USER, a, "B");
        graph.addFolder(USER, "msgfolderroot", "C");
        assertEquals(409, client.json("PATCH", "/v1.0/me/mailFolders/" + a, "{\"displayName\":\"c\"}").statusCode());
        assertEquals(400, client.json("POST", "/v1.0/me/mailFolders/" + a + "/move",
                "{\"destinationId\":\"" + b + "\"}").statusCode(), "not into its own subfolder");
        assertEquals(403, client.json("DELETE", "/v1.0/me/mailFolders/inbox", "").statusCode());
        assertEquals(404, client.json("DELETE", "/v1.0/me/mailFolders/nope", "").statusCode());
        assertThrows(IllegalArgumentException.class, () -> graph.renameFolder(USER, "inbox", "Post"));
        graph.deleteFolder(USER, a);
        String again = graph.addFolder(USER, "msgfolderroot", "A");
        graph.deleteFolder(USER, again);
        assertEquals("A 1", body(client.get("/v1.0/me/mailFolders/" + again)).get("displayName").getAsString(),
                "a second folder of the name in Deleted Items is numbered");
    }
}
