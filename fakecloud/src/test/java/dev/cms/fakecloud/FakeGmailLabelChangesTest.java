package dev.cms.fakecloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The fake Gmail's labels.create, labels.patch and labels.delete over HTTP. */
class FakeGmailLabelChangesTest extends GmailHttpFixture {
    static final String USER = "lena@example.com";

    FakeGmailLabelChangesTest() {
        super(USER);
    }

    private HttpResponse<String> call(String method, String path, String json) throws Exception {
        return http.send(http.builder(path).header("Content-Type", "application/json")
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json)));
    }

    @Test
    void createPatchAndDeleteALabel() throws Exception {
        HttpResponse<String> created = http.post("gmail/v1/users/me/labels", "{\"name\":\"Lists/kernel\"}");
        assertEquals(200, created.statusCode(), created.body());
        JsonObject label = Http.json(created);
        String id = label.get("id").getAsString();
        assertEquals("user", label.get("type").getAsString());
        assertEquals(409, http.post("gmail/v1/users/me/labels", "{\"name\":\"lists/KERNEL\"}").statusCode());
        String msg = gmail.addMessage(USER, FakeGmailApiTest.msg(1), FakeGmailApiTest.T0, Set.of("INBOX", id));
        long before = gmail.historyId(USER);

        HttpResponse<String> patched = call("PATCH", "gmail/v1/users/me/labels/" + id, "{\"name\":\"Lists/linux\"}");
        assertEquals(200, patched.statusCode(), patched.body());
        assertEquals("Lists/linux", Http.json(patched).get("name").getAsString());
        assertEquals("Lists/linux", Http.json(http.get("gmail/v1/users/me/labels/" + id)).get("name").getAsString());
        assertEquals(Set.of("INBOX", id), gmail.labelsOf(USER, msg), "a rename keeps the label on its messages");
        assertEquals(before, gmail.historyId(USER), "and records no history");
        assertEquals(400, call("PATCH", "gmail/v1/users/me/labels/INBOX", "{\"name\":\"In\"}").statusCode());

        assertEquals(204, call("DELETE", "gmail/v1/users/me/labels/" + id, null).statusCode());
        assertEquals(404, http.get("gmail/v1/users/me/labels/" + id).statusCode());
        assertEquals(Set.of("INBOX"), gmail.labelsOf(USER, msg), "taken off its messages");
        assertTrue(gmail.historyId(USER) > before, "as a label change the history shows");
        assertEquals(404, call("DELETE", "gmail/v1/users/me/labels/" + id, null).statusCode());
        assertEquals(400, call("DELETE", "gmail/v1/users/me/labels/INBOX", null).statusCode());
    }
}
