package dev.cms.fakecloud;

import static dev.cms.fakecloud.FakeMicrosoftTestClient.body;
import static dev.cms.fakecloud.FakeMicrosoftTestClient.q;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FakeGraphApiTest {

    private static final String CLIENT = "client-1";
    private static final String USER = "bob@contoso.example";
    private static final String OTHER = "carol@contoso.example";
    private static final String IMMUTABLE = "IdType=\"ImmutableId\"";
    private static final String EXPAND = "singleValueExtendedProperties($filter=id eq 'Integer 0x1081')";

    private final MutableClock clock = new MutableClock();
    private FakeMicrosoft fake;
    private FakeGraph graph;
    private FakeMicrosoftTestClient client;
    private final MessageGenerator generator = new MessageGenerator(7, USER);

    @BeforeEach
    void start() throws Exception {
        fake = FakeMicrosoft.start(0, clock);
        graph = fake.graph();
        graph.addUser(USER, CLIENT);
        graph.addUser(OTHER, CLIENT);
        client = new FakeMicrosoftTestClient(fake);
        client.token = fake.identity().issueAccessToken(USER, CLIENT, List.of("https://graph.microsoft.com/Mail.ReadWrite"));
    }

    @AfterEach
    void stop() {
        fake.close();
    }

    private String add(String folder, boolean read, String flag, boolean replied) {
        MessageGenerator.Generated g = generator.text(200);
        return graph.addMessage(USER, folder, g.raw(), g.date(), read, flag, replied);
    }

    @Test
    void wellKnownFoldersAndNestedDisplayNameWithAQuote() {
        JsonObject inbox = body(client.get("/v1.0/me/mailFolders/inbox"));
        assertEquals("Inbox", inbox.get("displayName").getAsString());
        assertEquals(graph.folderId(USER, "inbox"), inbox.get("id").getAsString());
        assertEquals(graph.folderId(USER, "msgfolderroot"), inbox.get("parentFolderId").getAsString());
        String lists = graph.addFolder(USER, "inbox", "Lists");
        String nested = graph.addFolder(USER, lists, "Bob's \"stuff\"");
        assertEquals(1, body(client.get("/v1.0/me/mailFolders/inbox")).get("childFolderCount").getAsInt());

        JsonArray found = body(client.get("/v1.0/users/" + USER + "/mailFolders/" + lists + "/childFolders?$filter="
                + q("displayName eq 'Bob''s \"stuff\"'"))).getAsJsonArray("value");
        assertEquals(1, found.size());
        assertEquals(nested, found.get(0).getAsJsonObject().get("id").getAsString());
        assertEquals(0, body(client.get("/v1.0/me/mailFolders/" + lists + "/childFolders?$filter="
                + q("displayName eq 'Bob'"))).getAsJsonArray("value").size());
        assertEquals(404, client.get("/v1.0/me/mailFolders/nosuchfolder").statusCode());
    }

    @Test
    void childFoldersPageWithNextLink() {
        for (int i = 0; i < 5; i++) {
            graph.addFolder(USER, "archive", "F" + i);
        }
        Set<String> names = new HashSet<>();
        String url = "/v1.0/me/mailFolders/archive/childFolders?$top=2";
        int pages = 0;
        while (url != null) {
            JsonObject page = body(client.get(url));
            page.getAsJsonArray("value").forEach(v -> names.add(v.getAsJsonObject().get("displayName").getAsString()));
            url = page.has("@odata.nextLink") ? page.get("@odata.nextLink").getAsString() : null;
            pages++;
        }
        assertEquals(3, pages);
        assertEquals(Set.of("F0", "F1", "F2", "F3", "F4"), names);
    }

    /** Follows nextLinks to the end of a delta round; returns items by id and the deltaLink. */
    private Map.Entry<Map<String, JsonObject>, String> round(String url, int pageSize, int[] pageCount) {
        Map<String, JsonObject> items = new HashMap<>();
        while (true) {
            HttpResponse<String> r = client.get(url, "Prefer", "odata.maxpagesize=" + pageSize + ", " + IMMUTABLE);
            assertEquals(200, r.statusCode(), r.body());
            JsonObject page = body(r);
            JsonArray value = page.getAsJsonArray("value");
            assertTrue(value.size() <= pageSize);
            value.forEach(v -> items.put(v.getAsJsonObject().get("id").getAsString(), v.getAsJsonObject()));
            pageCount[0]++;
            if (page.has("@odata.deltaLink")) {
                assertFalse(page.has("@odata.nextLink"));
                return Map.entry(items, page.get("@odata.deltaLink").getAsString());
            }
            url = page.get("@odata.nextLink").getAsString();
        }
    }

    @Test
    void deltaPagesThenReportsOnlyChangesSinceTheDeltaLink() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            ids.add(add("inbox", i % 2 == 0, "notFlagged", i == 3));
        }
        int[] pages = {0};
        var first = round("/v1.0/me/mailFolders/inbox/messages/delta?$select=" + q("isRead,flag,internetMessageId")
                + "&$expand=" + q(EXPAND), 3, pages);
        assertEquals(3, pages[0]);
        assertEquals(new HashSet<>(ids), first.getKey().keySet());
        JsonObject replied = first.getKey().get(ids.get(3));
        assertEquals("102", replied.getAsJsonArray("singleValueExtendedProperties").get(0).getAsJsonObject()
                .get("value").getAsString());
        assertTrue(replied.has("isRead") && replied.has("flag") && replied.has("internetMessageId"));
        assertFalse(replied.has("subject"), "$select limits the fields");
        assertEquals(0, first.getKey().get(ids.get(0)).getAsJsonArray("singleValueExtendedProperties").size());

        String added = add("inbox", false, "flagged", false);
        graph.update(USER, ids.get(1), true, "complete");
        graph.move(USER, ids.get(2), "archive");
        graph.delete(USER, ids.get(4));
        var second = round(first.getValue(), 10, pages);
        Map<String, JsonObject> changes = second.getKey();
        assertEquals(Set.of(added, ids.get(1), ids.get(2), ids.get(4)), changes.keySet());
        assertEquals("complete", changes.get(ids.get(1)).getAsJsonObject("flag").get("flagStatus").getAsString());
        assertTrue(changes.get(ids.get(1)).get("isRead").getAsBoolean());
        assertEquals("deleted", changes.get(ids.get(2)).getAsJsonObject("@removed").get("reason").getAsString());
        assertEquals("deleted", changes.get(ids.get(4)).getAsJsonObject("@removed").get("reason").getAsString());
        assertFalse(changes.get(added).has("@removed"));

        JsonObject unchanged = body(client.get(second.getValue()));
        assertEquals(0, unchanged.getAsJsonArray("value").size());
        assertTrue(unchanged.has("@odata.deltaLink"));

        var archive = round("/v1.0/me/mailFolders/archive/messages/delta", 10, pages);
        assertEquals(Set.of(ids.get(2)), archive.getKey().keySet(), "moved with its id kept");
    }

    @Test
    void expiredDeltaTokensAnswer410() {
        add("inbox", false, null, false);
        String deltaLink = round("/v1.0/me/mailFolders/inbox/messages/delta", 10, new int[1]).getValue();
        graph.expireDeltaTokens(USER);
        HttpResponse<String> r = client.get(deltaLink);
        assertEquals(410, r.statusCode());
        assertEquals("SyncStateNotFound", body(r).getAsJsonObject("error").get("code").getAsString());

        String fresh = round("/v1.0/me/mailFolders/inbox/messages/delta", 10, new int[1]).getValue();
        graph.setDeltaTokenHorizon(Duration.ofDays(7));
        clock.advance(Duration.ofDays(8));
        client.token = fake.identity().issueAccessToken(USER, CLIENT, List.of("Mail.Read"));
        assertEquals(410, client.get(fresh).statusCode());
    }

    @Test
    void valueIsTheExactMimeBytes() throws Exception {
        MessageGenerator.Generated g = generator.withAttachment(300, 2000);
        String id = graph.addMessage(USER, "inbox", g.raw(), g.date(), false, null, false);
        HttpResponse<byte[]> r = client.http.send(client.graph("/v1.0/me/messages/" + id + "/$value").GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode());
        assertArrayEquals(g.raw(), r.body());
        assertTrue(new String(r.body(), StandardCharsets.UTF_8).contains("\r\n\r\n"));
        assertEquals(404, client.get("/v1.0/me/messages/nope/$value").statusCode());
    }

    @Test
    void patchSetsReadFlagAndRepliedProperties() {
        String id = add("inbox", false, null, false);
        HttpResponse<String> r = client.json("PATCH", "/v1.0/me/messages/" + id, "{\"isRead\":true,"
                + "\"flag\":{\"flagStatus\":\"flagged\"},\"singleValueExtendedProperties\":["
                + "{\"id\":\"Integer 0x1081\",\"value\":\"103\"},{\"id\":\"Integer 0x1080\",\"value\":\"261\"},"
                + "{\"id\":\"SystemTime 0x1082\",\"value\":\"2026-01-01T00:00:00Z\"}]}");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(id, body(r).get("id").getAsString());
        FakeGraph.MessageState s = graph.message(USER, id);
        assertTrue(s.isRead());
        assertEquals("flagged", s.flagStatus());
        assertTrue(s.replied());
        assertEquals("261", s.extendedProperties().get("Integer 0x1080"));

        JsonObject got = body(client.get("/v1.0/me/messages/" + id + "?$select=id&$expand=" + q(EXPAND)));
        JsonArray props = got.getAsJsonArray("singleValueExtendedProperties");
        assertEquals(1, props.size());
        assertEquals("Integer 0x1081", props.get(0).getAsJsonObject().get("id").getAsString());
        assertEquals(400, client.json("PATCH", "/v1.0/me/messages/" + id, "{\"flag\":{\"flagStatus\":\"red\"}}").statusCode());
    }

    @Test
    void listingMessagesPagesWithExpandedProperties() {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            ids.add(add("inbox", false, null, true));
        }
        Set<String> seen = new HashSet<>();
        String url = "/v1.0/me/mailFolders/inbox/messages?$select=id&$expand=" + q(EXPAND) + "&$top=2";
        while (url != null) {
            JsonObject page = body(client.get(url));
            for (JsonElement v : page.getAsJsonArray("value")) {
                seen.add(v.getAsJsonObject().get("id").getAsString());
                assertEquals(1, v.getAsJsonObject().getAsJsonArray("singleValueExtendedProperties").size());
            }
            url = page.has("@odata.nextLink") ? page.get("@odata.nextLink").getAsString() : null;
        }
        assertEquals(ids, seen);
    }

    @Test
    void moveKeepsTheIdOnlyWithImmutableIds() {
        String a = add("inbox", false, null, false);
        HttpResponse<String> kept = client.json("POST", "/v1.0/me/messages/" + a + "/move",
                "{\"destinationId\":\"archive\"}", "Prefer", IMMUTABLE);
        assertEquals(201, kept.statusCode(), kept.body());
        assertEquals(a, body(kept).get("id").getAsString());
        assertEquals(graph.folderId(USER, "archive"), graph.message(USER, a).folderId());

        String b = add("inbox", false, null, false);
        HttpResponse<String> renamed = client.json("POST", "/v1.0/me/messages/" + b + "/move",
                "{\"destinationId\":\"" + graph.folderId(USER, "deleteditems") + "\"}");
        assertEquals(201, renamed.statusCode());
        String newId = body(renamed).get("id").getAsString();
        assertNotEquals(b, newId);
        assertNull(graph.message(USER, b));
        assertEquals(graph.folderId(USER, "deleteditems"), graph.message(USER, newId).folderId());
    }

    @Test
    void copyMakesANewMessageWithItsOwnIdTheSameBytesAndFlags() {
        String a = add("inbox", true, "flagged", true);
        String archive = graph.folderId(USER, "archive");
        HttpResponse<String> r = client.json("POST", "/v1.0/me/messages/" + a + "/copy",
                "{\"DestinationId\":\"" + archive + "\"}", "Prefer", IMMUTABLE);
        assertEquals(201, r.statusCode(), r.body());
        String copy = body(r).get("id").getAsString();
        assertNotEquals(a, copy, "a copy is a new message");
        assertEquals(List.of(a), graph.messageIds(USER, "inbox"), "the original stays");
        assertEquals(List.of(copy), graph.messageIds(USER, "archive"));
        FakeGraph.MessageState original = graph.message(USER, a);
        FakeGraph.MessageState copied = graph.message(USER, copy);
        assertEquals(archive, copied.folderId());
        assertTrue(copied.isRead());
        assertEquals("flagged", copied.flagStatus());
        assertTrue(copied.replied());
        assertArrayEquals(original.mime(), copied.mime());
        assertEquals(404, client.json("POST", "/v1.0/me/messages/nope/copy",
                "{\"destinationId\":\"archive\"}").statusCode());
        assertEquals(400, client.json("POST", "/v1.0/me/messages/" + a + "/copy", "{}").statusCode());
        assertEquals(400, client.json("POST", "/v1.0/me/messages/" + a + "/copy",
                "{\"destinationId\":\"nowhere\"}").statusCode());
    }

    @Test
    void batchServesEachPartAndReportsPerPartThrottling() {
        String a = add("inbox", false, null, false);
        String b = add("inbox", false, null, false);
        fake.faults().failNext("/messages/" + b + "$", 1, 429, 7);
        String batch = "{\"requests\":["
                + "{\"id\":\"1\",\"method\":\"PATCH\",\"url\":\"/me/messages/" + a + "\",\"headers\":{\"Content-Type\":\"application/json\"},\"body\":{\"isRead\":true}},"
                + "{\"id\":\"2\",\"method\":\"PATCH\",\"url\":\"/me/messages/" + b + "\",\"headers\":{\"Content-Type\":\"application/json\"},\"body\":{\"isRead\":true}},"
                + "{\"id\":\"3\",\"method\":\"GET\",\"url\":\"me/messages/missing\"}]}";
        HttpResponse<String> r = client.json("POST", "/v1.0/$batch", batch);
        assertEquals(200, r.statusCode(), r.body());
        Map<String, JsonObject> byId = new HashMap<>();
        body(r).getAsJsonArray("responses").forEach(e -> byId.put(e.getAsJsonObject().get("id").getAsString(), e.getAsJsonObject()));
        assertEquals(200, byId.get("1").get("status").getAsInt());
        assertEquals(429, byId.get("2").get("status").getAsInt());
        assertEquals("7", byId.get("2").getAsJsonObject("headers").get("Retry-After").getAsString());
        assertEquals(404, byId.get("3").get("status").getAsInt());
        assertTrue(graph.message(USER, a).isRead());
        assertFalse(graph.message(USER, b).isRead());
        assertEquals(3, fake.requests().entries().stream().filter(RequestLog.Entry::batchPart).count());
        assertEquals(1, fake.requests().count("POST", "/\\$batch$"));

        StringBuilder tooMany = new StringBuilder("{\"requests\":[");
        for (int i = 0; i < 21; i++) {
            tooMany.append(i == 0 ? "" : ",").append("{\"id\":\"").append(i).append("\",\"method\":\"GET\",\"url\":\"/me/mailFolders/inbox\"}");
        }
        assertEquals(400, client.json("POST", "/v1.0/$batch", tooMany + "]}").statusCode());

        // Graph reads a batch only as JSON.
        HttpResponse<String> plain = client.send(client.graph("/v1.0/$batch").header("Content-Type", "text/plain")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(batch)).build());
        assertEquals(415, plain.statusCode(), plain.body());
    }

    @Test
    void requestsWithoutAValidGraphTokenAre401AndOtherMailboxes403() {
        String saved = client.token;
        client.token = null;
        assertEquals(401, client.get("/v1.0/me/mailFolders/inbox").statusCode());
        client.token = "made-up";
        HttpResponse<String> r = client.get("/v1.0/me/mailFolders/inbox");
        assertEquals(401, r.statusCode());
        assertEquals("InvalidAuthenticationToken", body(r).getAsJsonObject("error").get("code").getAsString());
        client.token = fake.identity().issueAccessToken(USER, CLIENT, List.of("https://outlook.office.com/SMTP.Send"));
        assertEquals(401, client.get("/v1.0/me/mailFolders/inbox").statusCode());
        client.token = saved;
        clock.advance(Duration.ofHours(2));
        assertEquals(401, client.get("/v1.0/me/mailFolders/inbox").statusCode(), "expired");
        client.token = fake.identity().issueAccessToken(USER, CLIENT, List.of("Mail.ReadWrite"));
        assertEquals(200, client.get("/v1.0/me/mailFolders/inbox").statusCode());
        assertEquals(403, client.get("/v1.0/users/" + OTHER + "/mailFolders/inbox").statusCode());
    }

    @Test
    void mailboxRequestLimitAnswers429WithRetryAfter() {
        graph.limitMailboxes(3, Duration.ofMinutes(10), 0);
        for (int i = 0; i < 3; i++) {
            assertEquals(200, client.get("/v1.0/me/mailFolders/inbox").statusCode());
        }
        HttpResponse<String> r = client.get("/v1.0/me/mailFolders/inbox");
        assertEquals(429, r.statusCode());
        assertEquals("ApplicationThrottled", body(r).getAsJsonObject("error").get("code").getAsString());
        assertEquals("601", r.headers().firstValue("Retry-After").orElseThrow());
        clock.advance(Duration.ofMinutes(11));
        assertEquals(200, client.get("/v1.0/me/mailFolders/inbox").statusCode());
    }

    @Test
    void fifthConcurrentRequestOfAMailboxIsRefused() throws Exception {
        graph.limitMailboxesLikeOutlook();
        CountDownLatch gate = new CountDownLatch(1);
        graph.gate = gate;
        List<CompletableFuture<HttpResponse<String>>> held = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            held.add(client.http.sendAsync(client.graph("/v1.0/me/mailFolders/inbox").GET().build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (graph.inFlight(USER) < 4 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(4, graph.inFlight(USER));
        graph.gate = null;
        HttpResponse<String> fifth = client.get("/v1.0/me/mailFolders/inbox");
        assertEquals(429, fifth.statusCode());
        assertTrue(body(fifth).getAsJsonObject("error").get("message").getAsString().contains("MailboxConcurrency"));
        assertTrue(fifth.headers().firstValue("Retry-After").isPresent());
        gate.countDown();
        for (CompletableFuture<HttpResponse<String>> f : held) {
            assertEquals(200, f.get(30, TimeUnit.SECONDS).statusCode());
        }
    }

    @Test
    void injectedFaultsStatusResetAndMalformed() {
        fake.faults().failNext("/mailFolders/inbox$", 1, 503, 2);
        HttpResponse<String> r = client.get("/v1.0/me/mailFolders/inbox");
        assertEquals(503, r.statusCode());
        assertEquals("2", r.headers().firstValue("Retry-After").orElseThrow());
        assertEquals(200, client.get("/v1.0/me/mailFolders/inbox").statusCode());

        fake.faults().malformedNext("/mailFolders/inbox$", 1);
        HttpResponse<String> bad = client.get("/v1.0/me/mailFolders/inbox");
        assertEquals(200, bad.statusCode());
        assertThrows(RuntimeException.class, () -> body(bad));

        // java.net.http retries an idempotent request once when the connection drops: reset both tries
        fake.faults().resetNext("/mailFolders/inbox$", 2);
        assertThrows(java.io.UncheckedIOException.class, () -> client.get("/v1.0/me/mailFolders/inbox"));
        assertEquals(RequestLog.NO_ANSWER, fake.requests().matching("/mailFolders/inbox$")
                .get(fake.requests().matching("/mailFolders/inbox$").size() - 1).status());
    }

    @Test
    void adminViewTracksRepliedAndFolderContents() {
        String id = graph.addMessage(USER, "inbox", "Subject: hi\r\n\r\nbody\r\n".getBytes(StandardCharsets.UTF_8),
                Instant.parse("2026-01-01T10:00:00Z"), true, "complete", true);
        FakeGraph.MessageState s = graph.message(USER, id);
        assertTrue(s.replied());
        assertEquals("complete", s.flagStatus());
        assertEquals(List.of(id), graph.messageIds(USER, "inbox"));
        assertThrows(IllegalArgumentException.class, () -> graph.addMessage(USER, "inbox", new byte[0], Instant.EPOCH,
                false, "purple", false));
        assertThrows(IllegalArgumentException.class, () -> graph.move(USER, id, "nowhere"));
    }

}
