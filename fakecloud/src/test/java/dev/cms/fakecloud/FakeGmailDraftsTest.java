package dev.cms.fakecloud;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Drafts in the fake Gmail over HTTP, as Google documents them: {@code drafts.create} makes a
 * message labelled {@code DRAFT} (and nothing else) that listings, {@code messages.get} and the
 * history show like any other; {@code messages.import} does not take the label {@code DRAFT}.
 */
class FakeGmailDraftsTest extends GmailHttpFixture {
    static final String USER = "dora@example.com";
    static final byte[] MIME = ("From: dora@example.com\r\nTo: you@example.com\r\nSubject: later\r\n"
            + "Date: Tue, 3 Feb 2026 10:15:00 +0000\r\n\r\nnot yet sent\r\n").getBytes(StandardCharsets.UTF_8);

    FakeGmailDraftsTest() {
        super(USER);
    }

    private static String raw(byte[] b) {
        return Base64.getUrlEncoder().encodeToString(b);
    }

    private long historyId() throws Exception {
        return Long.parseLong(Http.json(http.get("gmail/v1/users/me/profile")).get("historyId").getAsString());
    }

    @Test
    void draftsCreateMakesADraftMessageThatListingsGetAndHistoryShow() throws Exception {
        long start = historyId();
        clock.advance(java.time.Duration.ofDays(59).plusHours(12));
        http.token = gmail.issueAccessToken(USER, Set.of(FakeGmail.FULL_SCOPE));
        HttpResponse<String> r = http.post("gmail/v1/users/me/drafts", "{\"message\":{\"raw\":\"" + raw(MIME) + "\"}}");
        assertEquals(200, r.statusCode(), r.body());
        JsonObject draft = Http.json(r);
        JsonObject message = draft.getAsJsonObject("message");
        String id = message.get("id").getAsString();
        assertTrue(draft.get("id").getAsString().matches("r[0-9]+"), draft.toString());
        assertEquals("[\"DRAFT\"]", message.getAsJsonArray("labelIds").toString());
        assertEquals(Set.of("DRAFT"), gmail.labelsOf(USER, id), "a draft carries no other label");
        assertEquals(Instant.parse("2026-03-01T12:00:00Z"), gmail.internalDate(USER, id), "made now");
        assertEquals(List.of(id), gmail.messageIds(USER, "DRAFT"));

        JsonArray listed = Http.json(http.get("gmail/v1/users/me/messages?labelIds=DRAFT")).getAsJsonArray("messages");
        assertEquals(id, listed.get(0).getAsJsonObject().get("id").getAsString());
        JsonObject got = Http.json(http.get("gmail/v1/users/me/messages/" + id + "?format=raw"));
        assertArrayEquals(MIME, Base64.getUrlDecoder().decode(got.get("raw").getAsString()));
        JsonArray history = Http.json(http.get("gmail/v1/users/me/history?startHistoryId=" + start))
                .getAsJsonArray("history");
        assertEquals(1, history.size(), history.toString());
        JsonObject added = history.get(0).getAsJsonObject().getAsJsonArray("messagesAdded").get(0).getAsJsonObject()
                .getAsJsonObject("message");
        assertEquals(id, added.get("id").getAsString());
        assertEquals("[\"DRAFT\"]", added.getAsJsonArray("labelIds").toString());
    }

    @Test
    void theUploadUriTakesTheMessageAsMediaOrAsTheLastPartOfAMultipart() throws Exception {
        HttpResponse<String> media = http.send(http.builder("upload/gmail/v1/users/me/drafts?uploadType=media")
                .header("Content-Type", "message/rfc822").POST(HttpRequest.BodyPublishers.ofByteArray(MIME)));
        assertEquals(200, media.statusCode(), media.body());
        String a = Http.json(media).getAsJsonObject("message").get("id").getAsString();
        assertArrayEquals(MIME, gmail.raw(USER, a));

        String body = "--b1\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{}\r\n--b1\r\n"
                + "Content-Type: message/rfc822\r\n\r\n" + new String(MIME, StandardCharsets.ISO_8859_1) + "\r\n--b1--\r\n";
        HttpResponse<String> multi = http.send(http.builder("upload/gmail/v1/users/me/drafts?uploadType=multipart")
                .header("Content-Type", "multipart/related; boundary=b1")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.getBytes(StandardCharsets.ISO_8859_1))));
        assertEquals(200, multi.statusCode(), multi.body());
        String b = Http.json(multi).getAsJsonObject("message").get("id").getAsString();
        assertArrayEquals(MIME, gmail.raw(USER, b));
        assertEquals(Set.of(a, b), Set.copyOf(gmail.messageIds(USER, "DRAFT")));
    }

    @Test
    void aDraftWithoutAMessageIsRefused() throws Exception {
        long before = historyId();
        HttpResponse<String> r = http.post("gmail/v1/users/me/drafts", "{}");
        assertEquals(400, r.statusCode());
        assertTrue(r.body().contains("Missing draft message"), r.body());
        assertEquals(before, historyId(), "nothing made");
    }

    @Test
    void draftsCreateNeedsAScopeThatComposes() throws Exception {
        http.token = gmail.issueAccessToken(USER, Set.of("https://www.googleapis.com/auth/gmail.readonly"));
        assertEquals(403, http.post("gmail/v1/users/me/drafts", "{\"message\":{\"raw\":\"" + raw(MIME) + "\"}}")
                .statusCode());
        http.token = gmail.issueAccessToken(USER, Set.of("https://www.googleapis.com/auth/gmail.compose"));
        assertEquals(200, http.post("gmail/v1/users/me/drafts", "{\"message\":{\"raw\":\"" + raw(MIME) + "\"}}")
                .statusCode());
    }

    @Test
    void messagesImportRefusesTheDraftLabelAndMakesNothing() throws Exception {
        long before = historyId();
        HttpResponse<String> r = http.post("gmail/v1/users/me/messages/import",
                "{\"raw\":\"" + raw(MIME) + "\",\"labelIds\":[\"DRAFT\"]}");
        assertEquals(400, r.statusCode(), r.body());
        JsonObject error = Http.json(r).getAsJsonObject("error");
        assertEquals("Invalid label: DRAFT", error.get("message").getAsString());
        assertEquals(before, historyId(), "nothing imported");
        assertEquals(List.of(), gmail.messageIds(USER, null));
        assertEquals(0, gmail.imports());
        HttpResponse<String> ok = http.post("gmail/v1/users/me/messages/import",
                "{\"raw\":\"" + raw(MIME) + "\",\"labelIds\":[\"INBOX\"]}");
        assertEquals(200, ok.statusCode(), "another label is taken: " + ok.body());
    }

    /**
     * Gmail takes no label edit of DRAFT (its labels guide: DRAFT cannot be applied by hand;
     * clients report 400 "Invalid label: DRAFT") and applies no label to a draft's message; a
     * draft goes to the trash through {@code messages.trash} (or TRASH added), like any message.
     */
    @Test
    void labelEditsOfDraftsAreRefusedAndTrashIsTaken() throws Exception {
        String draft = gmail.addMessage(USER, MIME, Instant.EPOCH, Set.of("DRAFT"));
        String inbox = gmail.addMessage(USER, MIME, Instant.EPOCH, Set.of("INBOX"));
        String base = "gmail/v1/users/me/messages/";
        for (String[] edit : List.of(new String[] {draft, "removeLabelIds", "DRAFT"},
                new String[] {inbox, "addLabelIds", "DRAFT"}, new String[] {draft, "addLabelIds", "STARRED"},
                new String[] {draft, "addLabelIds", "INBOX"})) {
            HttpResponse<String> one = http.post(base + edit[0] + "/modify", "{\"" + edit[1] + "\":[\"" + edit[2] + "\"]}");
            assertEquals(400, one.statusCode(), String.join(" ", edit) + ": " + one.body());
            HttpResponse<String> batch = http.post(base + "batchModify",
                    "{\"ids\":[\"" + inbox + "\",\"" + edit[0] + "\"],\"" + edit[1] + "\":[\"" + edit[2] + "\"]}");
            assertEquals(400, batch.statusCode(), String.join(" ", edit) + ": " + batch.body());
        }
        assertTrue(http.post(base + draft + "/modify", "{\"removeLabelIds\":[\"DRAFT\"]}").body()
                .contains("Invalid label: DRAFT"));
        assertEquals(Set.of("DRAFT"), gmail.labelsOf(USER, draft), "nothing applied");
        assertEquals(Set.of("INBOX"), gmail.labelsOf(USER, inbox), "nothing applied, not even to the other message");

        HttpResponse<String> trashed = http.post(base + draft + "/trash", "");
        assertEquals(200, trashed.statusCode(), trashed.body());
        assertEquals(Set.of("DRAFT", "TRASH"), gmail.labelsOf(USER, draft));
        assertTrue(Http.json(http.get("gmail/v1/users/me/messages?labelIds=DRAFT")).get("messages") == null,
                "out of the drafts listing");
        assertEquals(404, http.post(base + "0123456789abcdef/trash", "").statusCode());
    }
}
