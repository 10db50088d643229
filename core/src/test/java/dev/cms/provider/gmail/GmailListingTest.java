package dev.cms.provider.gmail;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.exactly;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.havingExactly;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import dev.cms.model.CloudMessage;
import dev.cms.model.Flag;
import dev.cms.model.Flags;
import dev.cms.provider.Listing;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class GmailListingTest extends GmailFixture {
    private static final String LABELS = "{\"labels\":["
            + "{\"id\":\"INBOX\",\"name\":\"INBOX\",\"type\":\"system\"},"
            + "{\"id\":\"Label_7\",\"name\":\"Lists/Work\",\"type\":\"user\"},"
            + "{\"id\":\"Label_9\",\"name\":\"lists/work\",\"type\":\"user\"},"
            + "{\"id\":\"Label_3\",\"name\":\"Receipts\",\"type\":\"user\"}]}";

    private static final String EMPTY_HISTORY = "{\"historyId\":\"555\"}";

    private MappingBuilder history(String start) {
        return get(urlPathEqualTo(path("history"))).withQueryParam("startHistoryId", equalTo(start));
    }

    @Test
    void labelIsResolvedByExactNameOnceAndCached() throws Exception {
        stubLabels(LABELS);
        wm.stubFor(get(urlPathEqualTo(path("history"))).willReturn(okJson(EMPTY_HISTORY)));
        GmailMailbox box = mailbox("Lists/Work");
        box.list("100");
        box.list("555");

        wm.verify(exactly(1), getRequestedFor(urlPathEqualTo(path("labels"))));
        wm.verify(exactly(2), getRequestedFor(urlPathEqualTo(path("history")))
                .withQueryParam("labelId", equalTo("Label_7")));
    }

    @Test
    void labelFallsBackToCaseInsensitiveName() throws Exception {
        stubLabels(LABELS);
        assertEquals("Label_3", mailbox("receipts").labelId());
    }

    @Test
    void missingLabelNamesTheLabelTheUserAndTheExistingLabels() {
        stubLabels(LABELS);
        IOException e = assertThrows(IOException.class, () -> mailbox("Foo").list(null));
        assertEquals("Gmail label 'Foo' not found for alice@example.com; existing labels: "
                + "INBOX, Lists/Work, lists/work, Receipts", e.getMessage());
    }

    @Test
    void systemLabelNeedsNoLabelsList() throws Exception {
        assertEquals("INBOX", mailbox("INBOX").labelId());
        assertEquals(0, wm.getAllServeEvents().size());
    }

    /** Three pages of a messages.list for {@code labelIds}, stubbed by page token. */
    private void stubPages(List<String> labelIds, String prefix, List<List<String>> pages) {
        for (int i = 0; i < pages.size(); i++) {
            StringBuilder json = new StringBuilder("{\"messages\":[");
            for (int j = 0; j < pages.get(i).size(); j++) {
                json.append(j > 0 ? "," : "").append("{\"id\":\"").append(pages.get(i).get(j))
                        .append("\",\"threadId\":\"t\"}");
            }
            json.append("]");
            if (i + 1 < pages.size()) {
                json.append(",\"nextPageToken\":\"").append(prefix).append(i + 1).append("\"");
            }
            json.append(",\"resultSizeEstimate\":9}");
            MappingBuilder m = get(urlPathEqualTo(path("messages")))
                    .withQueryParam("labelIds", havingExactly(labelIds.toArray(new String[0])))
                    .withQueryParam("maxResults", equalTo("500"))
                    .withQueryParam("pageToken", i == 0 ? absent() : equalTo(prefix + i));
            wm.stubFor(m.willReturn(okJson(json.toString())));
        }
    }

    private void stubFullListing() {
        wm.stubFor(get(urlPathEqualTo(path("profile"))).willReturn(okJson(
                "{\"emailAddress\":\"alice@example.com\",\"messagesTotal\":9,\"historyId\":\"4242\"}")));
        stubPages(List.of("INBOX"), "all", List.of(List.of("m1", "m2", "m3"), List.of("m4", "m5"), List.of("m6")));
        stubPages(List.of("INBOX", "UNREAD"), "unr", List.of(List.of("m2"), List.of(), List.of("m6")));
        stubPages(List.of("INBOX", "STARRED"), "star", List.of(List.of("m1"), List.of("m2"), List.of()));
    }

    private static Map<String, Flags> flagsById(Listing l) {
        Map<String, Flags> m = new TreeMap<>();
        for (CloudMessage c : l.messages()) {
            m.put(c.id(), c.flags());
        }
        return m;
    }

    @Test
    void fullListingPagesThroughThreeListingsAfterReadingTheProfile() throws Exception {
        stubFullListing();
        Listing l = mailbox("INBOX").list(null);

        assertTrue(l.full());
        assertEquals("4242", l.syncToken());
        Flags read = Flags.of(Flag.READ);
        assertEquals(Map.of("m1", Flags.of(Flag.READ, Flag.FLAGGED), "m2", Flags.of(Flag.FLAGGED),
                "m3", read, "m4", read, "m5", read, "m6", Flags.NONE), flagsById(l));
        for (CloudMessage c : l.messages()) {
            assertEquals(null, c.received());
        }
        List<ServeEvent> events = served();
        assertEquals(10, events.size());
        assertEquals(path("profile"), events.get(0).getRequest().getUrl());
        for (ServeEvent e : events) {
            assertTrue(e.getWasMatched(), e.getRequest().getUrl());
            assertEquals("Bearer tok-1", e.getRequest().getHeader("Authorization"));
        }
        wm.verify(exactly(3), getRequestedFor(urlPathEqualTo(path("messages")))
                .withQueryParam("labelIds", havingExactly("INBOX")));
        wm.verify(exactly(3), getRequestedFor(urlPathEqualTo(path("messages")))
                .withQueryParam("labelIds", havingExactly("INBOX", "UNREAD")));
        wm.verify(exactly(3), getRequestedFor(urlPathEqualTo(path("messages")))
                .withQueryParam("labelIds", havingExactly("INBOX", "STARRED")));
    }

    @Test
    void emptyLabelListsNoMessages() throws Exception {
        wm.stubFor(get(urlPathEqualTo(path("profile"))).willReturn(okJson("{\"historyId\":\"7\"}")));
        wm.stubFor(get(urlPathEqualTo(path("messages"))).willReturn(okJson("{\"resultSizeEstimate\":0}")));
        Listing l = mailbox("INBOX").list(null);
        assertTrue(l.full());
        assertTrue(l.messages().isEmpty());
        assertEquals("7", l.syncToken());
    }

    @Test
    void historyTurnsAddsLabelChangesAndDeletesIntoADeltaAcrossPages() throws Exception {
        stubLabels(LABELS);
        String page1 = "{\"history\":["
                // m1 arrives unread; m2 arrives read and starred
                + "{\"id\":\"101\",\"messagesAdded\":[{\"message\":{\"id\":\"m1\",\"labelIds\":[\"Label_7\",\"UNREAD\"]}}]},"
                + "{\"id\":\"102\",\"messagesAdded\":[{\"message\":{\"id\":\"m2\",\"labelIds\":[\"Label_7\",\"STARRED\"]}}]},"
                // m1 is read later: later wins
                + "{\"id\":\"103\",\"labelsRemoved\":[{\"message\":{\"id\":\"m1\",\"labelIds\":[\"Label_7\"]},"
                + "\"labelIds\":[\"UNREAD\"]}]},"
                // m3, an old message, gets our label
                + "{\"id\":\"104\",\"labelsAdded\":[{\"message\":{\"id\":\"m3\",\"labelIds\":[\"Label_7\",\"STARRED\",\"UNREAD\"]},"
                + "\"labelIds\":[\"Label_7\"]}]},"
                // m9 gets an unrelated label: no change
                + "{\"id\":\"105\",\"labelsAdded\":[{\"message\":{\"id\":\"m9\",\"labelIds\":[\"Label_7\",\"IMPORTANT\"]},"
                + "\"labelIds\":[\"IMPORTANT\"]}]}"
                + "],\"nextPageToken\":\"hp2\",\"historyId\":\"200\"}";
        String page2 = "{\"history\":["
                + "{\"id\":\"106\",\"messagesDeleted\":[{\"message\":{\"id\":\"m4\"}}]},"
                + "{\"id\":\"107\",\"labelsRemoved\":[{\"message\":{\"id\":\"m5\",\"labelIds\":[\"INBOX\"]},"
                + "\"labelIds\":[\"Label_7\"]}]},"
                + "{\"id\":\"108\",\"labelsAdded\":[{\"message\":{\"id\":\"m6\",\"labelIds\":[\"Label_7\",\"TRASH\"]},"
                + "\"labelIds\":[\"TRASH\"]}]},"
                // m2 removed from the label and then back, unstarred
                + "{\"id\":\"109\",\"labelsRemoved\":[{\"message\":{\"id\":\"m2\",\"labelIds\":[]},\"labelIds\":[\"Label_7\"]}]},"
                + "{\"id\":\"110\",\"labelsAdded\":[{\"message\":{\"id\":\"m2\",\"labelIds\":[\"Label_7\"]},\"labelIds\":[\"Label_7\"]}]}"
                + "],\"historyId\":\"210\"}";
        wm.stubFor(history("100").withQueryParam("pageToken", absent()).willReturn(okJson(page1)));
        wm.stubFor(history("100").withQueryParam("pageToken", equalTo("hp2")).willReturn(okJson(page2)));

        Listing l = mailbox("Lists/Work").list("100");

        assertFalse(l.full());
        assertEquals("200", l.syncToken());
        assertEquals(Map.of("m1", Flags.of(Flag.READ), "m2", Flags.of(Flag.READ), "m3", Flags.of(Flag.FLAGGED)),
                flagsById(l));
        assertEquals(Set.of("m4", "m5", "m6"), l.removed());
        wm.verify(exactly(2), getRequestedFor(urlPathEqualTo(path("history")))
                .withQueryParam("startHistoryId", equalTo("100"))
                .withQueryParam("labelId", equalTo("Label_7"))
                .withQueryParam("maxResults", equalTo("500"))
                .withQueryParam("historyTypes",
                        havingExactly("messageAdded", "messageDeleted", "labelAdded", "labelRemoved")));
    }

    @Test
    void unchangedMailboxCostsExactlyOneRequest() throws Exception {
        wm.stubFor(history("555").willReturn(okJson(EMPTY_HISTORY)));
        Listing l = mailbox("INBOX").list("555");
        assertFalse(l.full());
        assertTrue(l.messages().isEmpty());
        assertTrue(l.removed().isEmpty());
        assertEquals("555", l.syncToken());
        assertEquals(1, wm.getAllServeEvents().size());
    }

    @Test
    void expiredHistoryIdFallsBackToAFullListing() throws Exception {
        wm.stubFor(history("3").willReturn(status(404)));
        stubFullListing();
        Listing l = mailbox("INBOX").list("3");
        assertTrue(l.full());
        assertEquals("4242", l.syncToken());
        assertEquals(6, l.messages().size());
        assertTrue(ticker.sleeps().isEmpty(), "a 404 is not retried");
    }

    @Test
    void historyWithoutHistoryIdIsMalformed() {
        wm.stubFor(history("5").willReturn(okJson("{\"history\":[]}")));
        IOException e = assertThrows(IOException.class, () -> mailbox("INBOX").list("5"));
        assertEquals("malformed Gmail response to history.list: missing historyId", e.getMessage());
    }
}
