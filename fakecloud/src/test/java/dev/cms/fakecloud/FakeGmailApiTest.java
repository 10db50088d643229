package dev.cms.fakecloud;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FakeGmailApiTest extends GmailHttpFixture {
    static final String USER = "bob@example.com";
    static final Instant T0 = Instant.parse("2025-06-01T10:00:00Z");

    FakeGmailApiTest() {
        super(USER);
    }

    static byte[] msg(int n) {
        return ("From: a@example.com\r\nSubject: m" + n + "\r\n\r\nBody " + n + "\r\nline two\r\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    String add(int n, String... labels) {
        return gmail.addMessage(USER, msg(n), T0.plusSeconds(n), Set.of(labels));
    }

    List<String> ids(JsonObject listing) {
        List<String> out = new ArrayList<>();
        if (listing.has("messages")) {
            for (JsonElement e : listing.getAsJsonArray("messages")) {
                out.add(e.getAsJsonObject().get("id").getAsString());
            }
        }
        return out;
    }

    JsonObject getJson(String path) throws Exception {
        HttpResponse<String> r = http.get(path);
        assertEquals(200, r.statusCode(), path + ": " + r.body());
        return Http.json(r);
    }

    @Test
    void labelsListSystemAndUserLabels() throws Exception {
        String id = gmail.addLabel(USER, "Lists/rdma");
        assertEquals("Label_1", id);
        JsonArray labels = getJson("gmail/v1/users/me/labels").getAsJsonArray("labels");
        List<String> seen = new ArrayList<>();
        for (JsonElement e : labels) {
            JsonObject l = e.getAsJsonObject();
            seen.add(l.get("id").getAsString() + "/" + l.get("name").getAsString() + "/" + l.get("type").getAsString());
        }
        assertTrue(seen.contains("INBOX/INBOX/system"), seen.toString());
        assertTrue(seen.contains("TRASH/TRASH/system"), seen.toString());
        assertTrue(seen.contains("Label_1/Lists/rdma/user"), seen.toString());
    }

    @Test
    void userIdMayBeTheAddressButNotAnotherAccount() throws Exception {
        assertEquals(USER, getJson("gmail/v1/users/" + USER + "/profile").get("emailAddress").getAsString());
        assertEquals(403, http.get("gmail/v1/users/eve@example.com/profile").statusCode());
    }

    @Test
    void listingIntersectsLabelsPagesNewestFirstAndHidesTrash() throws Exception {
        List<String> both = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            both.add(0, add(i, "INBOX", "UNREAD"));
        }
        add(10, "INBOX");
        add(11, "UNREAD");
        String trashed = add(12, "INBOX", "UNREAD", "TRASH");

        List<String> seen = new ArrayList<>();
        String token = null;
        int pages = 0;
        do {
            JsonObject page = getJson("gmail/v1/users/me/messages?labelIds=INBOX&labelIds=UNREAD&maxResults=3"
                    + (token == null ? "" : "&pageToken=" + token));
            seen.addAll(ids(page));
            token = page.has("nextPageToken") ? page.get("nextPageToken").getAsString() : null;
            pages++;
        } while (token != null);
        assertEquals(both, seen);
        assertEquals(3, pages);

        assertFalse(ids(getJson("gmail/v1/users/me/messages")).contains(trashed));
        assertEquals(List.of(trashed), ids(getJson("gmail/v1/users/me/messages?labelIds=TRASH")));
        assertEquals(List.of(trashed), ids(getJson("gmail/v1/users/me/messages?q=in:trash")));
        assertEquals(10, ids(getJson("gmail/v1/users/me/messages?includeSpamTrash=true")).size());
    }

    @Test
    void pageLimitCutsListingsAndHistoryShorterThanMaxResults() throws Exception {
        long start = gmail.historyId(USER);
        for (int i = 0; i < 5; i++) {
            add(i, "INBOX");
        }
        gmail.setPageLimit(2);
        JsonObject first = getJson("gmail/v1/users/me/messages?labelIds=INBOX&maxResults=500");
        assertEquals(2, ids(first).size());
        assertTrue(first.has("nextPageToken"), first.toString());
        JsonObject history = getJson("gmail/v1/users/me/history?startHistoryId=" + start + "&maxResults=500");
        assertEquals(2, history.getAsJsonArray("history").size());
        assertTrue(history.has("nextPageToken"), history.toString());
        assertThrows(IllegalArgumentException.class, () -> gmail.setPageLimit(501));
    }

    @Test
    void rawGetDecodesToTheStoredBytesWithCrlf() throws Exception {
        byte[] raw = new MessageGenerator(7, USER).text(5000).raw();
        String id = gmail.addMessage(USER, raw, T0, Set.of("INBOX"));
        JsonObject m = getJson("gmail/v1/users/me/messages/" + id + "?format=raw");
        assertEquals(id, m.get("id").getAsString());
        assertEquals(Long.toString(T0.toEpochMilli()), m.get("internalDate").getAsString());
        assertEquals(raw.length, m.get("sizeEstimate").getAsInt());
        String b64 = m.get("raw").getAsString();
        assertFalse(b64.contains("+") || b64.contains("/"), "base64url alphabet");
        assertArrayEquals(raw, Base64.getUrlDecoder().decode(b64));
        assertArrayEquals(raw, gmail.raw(USER, id));

        JsonObject minimal = getJson("gmail/v1/users/me/messages/" + id + "?format=minimal");
        assertFalse(minimal.has("raw"));
        assertEquals("INBOX", minimal.getAsJsonArray("labelIds").get(0).getAsString());

        JsonObject meta = getJson("gmail/v1/users/me/messages/" + id + "?format=metadata&metadataHeaders=Subject");
        JsonArray headers = meta.getAsJsonObject("payload").getAsJsonArray("headers");
        assertEquals(1, headers.size());
        assertEquals("Subject", headers.get(0).getAsJsonObject().get("name").getAsString());
    }

    @Test
    void unknownMessageIs404InGoogleShape() throws Exception {
        HttpResponse<String> r = http.get("gmail/v1/users/me/messages/0123456789abcdef?format=raw");
        assertEquals(404, r.statusCode());
        JsonObject error = Http.json(r).getAsJsonObject("error");
        assertEquals(404, error.get("code").getAsInt());
        assertEquals("NOT_FOUND", error.get("status").getAsString());
        assertEquals("notFound", error.getAsJsonArray("errors").get(0).getAsJsonObject().get("reason").getAsString());
    }

    JsonObject history(long start, String extra) throws Exception {
        return getJson("gmail/v1/users/me/history?startHistoryId=" + start + extra);
    }

    @Test
    void historyRecordsAddRelabelDeleteAndBatchModify() throws Exception {
        long start = Long.parseLong(getJson("gmail/v1/users/me/profile").get("historyId").getAsString());
        String a = add(1, "INBOX", "UNREAD");
        String b = add(2, "INBOX");
        gmail.relabel(USER, a, Set.of("STARRED"), Set.of("UNREAD"));
        gmail.delete(USER, b);
        HttpResponse<String> bm = http.post("gmail/v1/users/me/messages/batchModify",
                "{\"ids\":[\"" + a + "\",\"ffffffffffffffff\"],\"addLabelIds\":[\"TRASH\"],\"removeLabelIds\":[\"INBOX\"]}");
        assertEquals(204, bm.statusCode(), bm.body());
        assertEquals("", bm.body());
        assertEquals(Set.of("STARRED", "TRASH"), gmail.labelsOf(USER, a));
        assertNull(gmail.labelsOf(USER, b));

        JsonObject h = history(start, "");
        JsonArray records = h.getAsJsonArray("history");
        assertEquals(5, records.size(), records.toString());
        assertEquals(a, records.get(0).getAsJsonObject().getAsJsonArray("messagesAdded").get(0).getAsJsonObject()
                .getAsJsonObject("message").get("id").getAsString());
        JsonObject relabel = records.get(2).getAsJsonObject();
        assertEquals("[\"STARRED\"]", relabel.getAsJsonArray("labelsAdded").get(0).getAsJsonObject()
                .getAsJsonArray("labelIds").toString());
        assertEquals("[\"UNREAD\"]", relabel.getAsJsonArray("labelsRemoved").get(0).getAsJsonObject()
                .getAsJsonArray("labelIds").toString());
        assertEquals(b, records.get(3).getAsJsonObject().getAsJsonArray("messagesDeleted").get(0).getAsJsonObject()
                .getAsJsonObject("message").get("id").getAsString());
        JsonObject moved = records.get(4).getAsJsonObject();
        assertTrue(moved.has("labelsAdded") && moved.has("labelsRemoved"), moved.toString());
        long current = Long.parseLong(h.get("historyId").getAsString());
        assertEquals(gmail.historyId(USER), current);
        long previous = start;
        for (JsonElement e : records) {
            long id = Long.parseLong(e.getAsJsonObject().get("id").getAsString());
            assertTrue(id > previous, "history ids increase");
            previous = id;
        }

        JsonObject onlyDeletes = history(start, "&historyTypes=messageDeleted");
        assertEquals(1, onlyDeletes.getAsJsonArray("history").size());
        JsonObject unread = history(start, "&labelId=UNREAD");
        assertEquals(2, unread.getAsJsonArray("history").size(), unread.toString()); // added with it, then lost it

        List<String> paged = new ArrayList<>();
        String token = null;
        do {
            JsonObject page = history(start, "&maxResults=2" + (token == null ? "" : "&pageToken=" + token));
            page.getAsJsonArray("history").forEach(e -> paged.add(e.getAsJsonObject().get("id").getAsString()));
            token = page.has("nextPageToken") ? page.get("nextPageToken").getAsString() : null;
        } while (token != null);
        List<String> all = new ArrayList<>();
        records.forEach(e -> all.add(e.getAsJsonObject().get("id").getAsString()));
        assertEquals(all, paged);
    }

    @Test
    void unchangedLabelsLeaveNoHistory() throws Exception {
        String a = add(1, "INBOX");
        long before = gmail.historyId(USER);
        assertEquals(204, http.post("gmail/v1/users/me/messages/batchModify",
                "{\"ids\":[\"" + a + "\"],\"addLabelIds\":[\"INBOX\"],\"removeLabelIds\":[\"UNREAD\"]}").statusCode());
        JsonObject h = history(before, "");
        assertFalse(h.has("history"), h.toString());
        assertEquals(Long.toString(before), h.get("historyId").getAsString());
        JsonObject future = history(before + 1000, "");
        assertFalse(future.has("history"));
    }

    @Test
    void singleModifyAnswersTheMinimalMessage() throws Exception {
        String a = add(1, "INBOX", "UNREAD");
        HttpResponse<String> r = http.post("gmail/v1/users/me/messages/" + a + "/modify",
                "{\"removeLabelIds\":[\"UNREAD\"]}");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("[\"INBOX\"]", Http.json(r).getAsJsonArray("labelIds").toString());
        assertEquals(404, http.post("gmail/v1/users/me/messages/0000000000000000/modify", "{}").statusCode());
        assertEquals(400, http.post("gmail/v1/users/me/messages/" + a + "/modify",
                "{\"addLabelIds\":[\"Label_99\"]}").statusCode());
    }

    @Test
    void singleModifyMovesAMessageBetweenLabelsInOneHistoryRecord() throws Exception {
        String work = gmail.addLabel(USER, "Work");
        String a = add(1, "INBOX", "UNREAD");
        long start = gmail.historyId(USER);
        HttpResponse<String> r = http.post("gmail/v1/users/me/messages/" + a + "/modify",
                "{\"addLabelIds\":[\"" + work + "\",\"STARRED\"],\"removeLabelIds\":[\"INBOX\"]}");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(Set.of(work, "STARRED", "UNREAD"), gmail.labelsOf(USER, a), "the same message, now in Work");
        JsonArray records = history(start, "").getAsJsonArray("history");
        assertEquals(1, records.size(), "one change, one history record: " + records);
        JsonObject rec = records.get(0).getAsJsonObject();
        assertEquals("[\"INBOX\"]", rec.getAsJsonArray("labelsRemoved").get(0).getAsJsonObject()
                .getAsJsonArray("labelIds").toString());
        assertTrue(rec.getAsJsonArray("labelsAdded").get(0).getAsJsonObject().getAsJsonArray("labelIds").toString()
                .contains(work), rec.toString());
        assertTrue(history(start, "&labelId=" + work).has("history"), "Work's history names it");
        assertTrue(history(start, "&labelId=INBOX").has("history"), "and so does the inbox's");
    }

    @Test
    void expiredHistoryIs404() throws Exception {
        long start = gmail.historyId(USER);
        add(1, "INBOX");
        gmail.expireHistory(USER);
        HttpResponse<String> r = http.get("gmail/v1/users/me/history?startHistoryId=" + start);
        assertEquals(404, r.statusCode());
        assertEquals(200, http.get("gmail/v1/users/me/history?startHistoryId=" + gmail.historyId(USER)).statusCode());
    }

    @Test
    void historyBeyondTheHorizonIs404() throws Exception {
        gmail.setHistoryHorizon(java.time.Duration.ofDays(7));
        long start = gmail.historyId(USER);
        add(1, "INBOX");
        long afterFirst = gmail.historyId(USER);
        clock.advance(java.time.Duration.ofDays(8));
        http.token = gmail.issueAccessToken(USER, Set.of(FakeGmail.FULL_SCOPE));
        assertEquals(404, http.get("gmail/v1/users/me/history?startHistoryId=" + start).statusCode());
        add(2, "INBOX");
        JsonObject h = history(afterFirst, "");
        assertEquals(1, h.getAsJsonArray("history").size(), h.toString());
    }

    @Test
    void batchModifyRefusesMoreThan1000Ids() throws Exception {
        StringBuilder ids = new StringBuilder();
        for (int i = 0; i < 1001; i++) {
            ids.append(i == 0 ? "" : ",").append('"').append(String.format("%016x", i)).append('"');
        }
        HttpResponse<String> r = http.post("gmail/v1/users/me/messages/batchModify",
                "{\"ids\":[" + ids + "],\"addLabelIds\":[\"STARRED\"]}");
        assertEquals(400, r.statusCode());
        assertEquals("INVALID_ARGUMENT", Http.json(r).getAsJsonObject("error").get("status").getAsString());
    }

    @Test
    void httpBatchServesEachPartAndLogsItAsACall() throws Exception {
        String a = add(1, "INBOX");
        String boundary = "b0undary";
        String body = "--" + boundary + "\r\nContent-Type: application/http\r\nContent-ID: <1>\r\n\r\n"
                + "GET /gmail/v1/users/me/messages/" + a + "?format=raw HTTP/1.1\r\n\r\n"
                + "--" + boundary + "\r\nContent-Type: application/http\r\nContent-ID: <2>\r\n\r\n"
                + "POST https://gmail.googleapis.com/gmail/v1/users/me/messages/batchModify HTTP/1.1\r\n"
                + "Content-Type: application/json\r\n\r\n"
                + "{\"ids\":[\"" + a + "\"],\"addLabelIds\":[\"STARRED\"]}\r\n"
                + "--" + boundary + "\r\nContent-Type: application/http\r\nContent-ID: <3>\r\n\r\n"
                + "GET /gmail/v1/users/me/messages/ffffffffffffffff HTTP/1.1\r\n\r\n"
                + "--" + boundary + "--\r\n";
        HttpResponse<String> r = http.send(http.builder("batch/gmail/v1")
                .header("Content-Type", "multipart/mixed; boundary=" + boundary)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)));
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElseThrow().startsWith("multipart/mixed; boundary="));
        String text = r.body();
        assertTrue(text.contains("Content-ID: <response-1>") && text.contains("HTTP/1.1 200 OK"), text);
        assertTrue(text.contains("HTTP/1.1 204 No Content"), text);
        assertTrue(text.contains("HTTP/1.1 404 Not Found"), text);
        String encoded = Base64.getUrlEncoder().encodeToString(msg(1));
        assertTrue(text.contains("\"raw\":\"" + encoded + "\""), text);
        assertEquals(Set.of("INBOX", "STARRED"), gmail.labelsOf(USER, a));
        assertEquals(3, cloud.requests().entries().stream().filter(RequestLog.Entry::batchPart).count());
        assertEquals(1, cloud.requests().count("POST", "^/gmail/v1/users/me/messages/batchModify$"));
    }

    @Test
    void adminMessageIdsFollowLabels() {
        String a = add(1, "INBOX");
        String b = add(2, "INBOX", "TRASH");
        assertEquals(List.of(b, a), gmail.messageIds(USER, "INBOX"));
        assertEquals(List.of(b), gmail.messageIds(USER, "TRASH"));
        assertTrue(a.matches("[0-9a-f]{16}"), a);
    }
}
