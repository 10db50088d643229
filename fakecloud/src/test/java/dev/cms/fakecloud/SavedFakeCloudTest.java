package dev.cms.fakecloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, item 4: the demo's fake cloud, saved and restored into fresh fakes, is the same
 * cloud: ids, labels, flags, history, tenant and tokens, and it goes on without reusing ids.
 */
class SavedFakeCloudTest {
    @TempDir
    Path tmp;

    private record Seen(Map<String, Set<String>> gmail, long historyId, Map<String, String> graph, String tenant) {}

    private static Seen look(FakeCloud cloud, FakeMicrosoft ms) {
        Map<String, Set<String>> gmail = new HashMap<>();
        for (String id : cloud.gmail().messageIds(DemoWorld.GMAIL_USER, null)) {
            gmail.put(id, cloud.gmail().labelsOf(DemoWorld.GMAIL_USER, id));
        }
        Map<String, String> graph = new HashMap<>();
        for (String folder : List.of("inbox", "archive", "deleteditems")) {
            for (String id : ms.graph().messageIds(DemoWorld.O365_USER, folder)) {
                FakeGraph.MessageState m = ms.graph().message(DemoWorld.O365_USER, id);
                graph.put(id, folder + " " + m.isRead() + " " + m.flagStatus() + " " + m.replied());
            }
        }
        return new Seen(gmail, cloud.gmail().historyId(DemoWorld.GMAIL_USER), graph, ms.identity().tenantId());
    }

    @Test
    void aRestoredCloudIsTheSavedOneAndGoesOnFromIt() throws Exception {
        Path dir = tmp.resolve(".fakecloud");
        Seen before;
        String gmailToken;
        String graphToken;
        String movedId;
        long historyBeforeChanges;
        try (FakeCloud cloud = FakeCloud.start(0); FakeMicrosoft ms = FakeMicrosoft.start(0)) {
            DemoWorld.create(cloud, ms, 30, 7);
            SavedFakeCloud saved = new SavedFakeCloud(dir, cloud, ms);
            historyBeforeChanges = cloud.gmail().historyId(DemoWorld.GMAIL_USER);
            // Changes a demo run makes: flags, a deletion, a move, new mail, tokens.
            String first = cloud.gmail().messageIds(DemoWorld.GMAIL_USER, null).get(0);
            cloud.gmail().relabel(DemoWorld.GMAIL_USER, first, Set.of("STARRED"), Set.of("UNREAD"));
            cloud.gmail().delete(DemoWorld.GMAIL_USER, cloud.gmail().messageIds(DemoWorld.GMAIL_USER, null).get(1));
            List<String> inbox = ms.graph().messageIds(DemoWorld.O365_USER, "inbox");
            ms.graph().update(DemoWorld.O365_USER, inbox.get(0), true, "flagged");
            movedId = inbox.get(1);
            ms.graph().move(DemoWorld.O365_USER, movedId, "archive");
            gmailToken = cloud.gmail().issueAccessToken(DemoWorld.GMAIL_USER, Set.of(FakeGmail.FULL_SCOPE));
            graphToken = ms.identity().issueAccessToken(DemoWorld.O365_USER, DemoWorld.O365_CLIENT_ID,
                    List.of("https://graph.microsoft.com/Mail.ReadWrite"));
            saved.save();
            before = look(cloud, ms);
        }
        assertTrue(Files.isRegularFile(dir.resolve("state.json")));
        assertFalse(Files.readString(dir.resolve("state.json")).contains("Subject:"), "bodies are kept apart");

        try (FakeCloud cloud = FakeCloud.start(0); FakeMicrosoft ms = FakeMicrosoft.start(0)) {
            SavedFakeCloud saved = new SavedFakeCloud(dir, cloud, ms);
            assertTrue(saved.exists());
            DemoWorld world = DemoWorld.resume(cloud, ms, saved, 7);
            assertEquals(before, look(cloud, ms));
            assertNotNull(cloud.gmail().tokenInfo(gmailToken).orElse(null), "a Gmail access token stays valid");
            assertNotNull(ms.identity().tokenInfo(graphToken), "an Office365 access token stays valid");

            // Gmail's history since before the changes is still there for an incremental sync.
            Http http = new Http(cloud.baseUri());
            http.token = gmailToken;
            JsonObject h = Http.json(http.get("gmail/v1/users/me/history?startHistoryId=" + historyBeforeChanges));
            assertTrue(h.getAsJsonArray("history").size() >= 2, h.toString());

            // New mail gets new ids: none of the restored ones is issued again.
            Set<String> known = new HashSet<>(before.graph().keySet());
            known.add(movedId);
            for (int i = 0; i < 5; i++) {
                world.anotherClientActs();
            }
            String fresh = ms.graph().addMessage(DemoWorld.O365_USER, "inbox",
                    "Subject: new\r\n\r\nnew\r\n".getBytes(java.nio.charset.StandardCharsets.UTF_8), Instant.now(),
                    false, "notFlagged", false);
            assertFalse(known.contains(fresh), "a new Graph id is not a restored one: " + fresh);
            String freshGmail = cloud.gmail().addMessage(DemoWorld.GMAIL_USER,
                    "Subject: new\r\n\r\nnew\r\n".getBytes(java.nio.charset.StandardCharsets.UTF_8), Instant.now(),
                    Set.of("INBOX"));
            assertFalse(before.gmail().containsKey(freshGmail));
            assertTrue(cloud.gmail().historyId(DemoWorld.GMAIL_USER) > before.historyId());
        }
    }
}
