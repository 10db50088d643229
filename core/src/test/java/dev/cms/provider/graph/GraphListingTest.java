package dev.cms.provider.graph;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static dev.cms.testing.TextAssert.assertThatText;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.model.CloudMessage;
import dev.cms.model.Flag;
import dev.cms.model.Flags;
import dev.cms.provider.Listing;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class GraphListingTest extends GraphFixture {

    String link(String folderId, String query) {
        return root() + deltaPath(folderId) + "?" + query;
    }

    void stubEmptyDelta(String folderId) {
        wm.stubFor(get(urlPathEqualTo(deltaPath(folderId)))
                .willReturn(okJson("{\"value\":[],\"@odata.deltaLink\":\"" + link(folderId, "$deltatoken=d0")
                        + "\"}")));
    }

    static Map<String, Flags> flagsById(List<CloudMessage> ms) {
        return ms.stream().collect(Collectors.toMap(CloudMessage::id, CloudMessage::flags));
    }

    @Test
    void wellKnownFirstPartIsLookedUpByItsNameInAnyCase() throws Exception {
        stubInbox();
        stubEmptyDelta("INBOX");
        Listing l = mailbox("InBox").list(null);
        assertTrue(l.full());
        assertEquals(link("INBOX", "$deltatoken=d0"), l.syncToken());
        wm.verify(1, getRequestedFor(urlPathEqualTo(path("mailFolders/inbox"))));
    }

    @Test
    void nestedFolderIsResolvedPartByPartAndCached() throws Exception {
        stubInbox();
        wm.stubFor(get(urlPathEqualTo(path("mailFolders/INBOX/childFolders")))
                .withQueryParam("$filter", equalTo("displayName eq 'Lists'"))
                .willReturn(okJson("{\"value\":[{\"id\":\"LISTS\",\"displayName\":\"Lists\"}]}")));
        wm.stubFor(get(urlPathEqualTo(path("mailFolders/LISTS/childFolders")))
                .withQueryParam("$filter", equalTo("displayName eq 'kernel'"))
                .willReturn(okJson("{\"value\":[{\"id\":\"KERNEL\",\"displayName\":\"kernel\"}]}")));
        stubEmptyDelta("KERNEL");
        GraphMailbox mb = mailbox("Inbox/Lists/kernel");
        assertEquals("KERNEL", mb.folderId());
        mb.list(null);
        assertEquals(4, served().size(), "three look-ups once, then the delta");
        assertEquals("o365:" + USER + ":Inbox/Lists/kernel", mb.key());
        assertEquals(Set.of(Flag.READ, Flag.FLAGGED, Flag.REPLIED), mb.supportedFlags());
    }

    @Test
    void missingPartNamesTheFolderTheUserAndThePartThatIsMissing() {
        stubInbox();
        wm.stubFor(get(urlPathEqualTo(path("mailFolders/INBOX/childFolders")))
                .withQueryParam("$filter", equalTo("displayName eq 'Lists'"))
                .willReturn(okJson("{\"value\":[{\"id\":\"LISTS\"}]}")));
        wm.stubFor(get(urlPathEqualTo(path("mailFolders/LISTS/childFolders")))
                .willReturn(okJson("{\"value\":[]}")));
        IOException e = assertThrows(IOException.class, () -> mailbox("Inbox/Lists/kernel").list(null));
        assertEquals("Office365 folder 'Inbox/Lists/kernel' not found for alice@example.com: "
                + "'Inbox/Lists' has no child folder 'kernel'", e.getMessage());
    }

    @Test
    void quoteInAFolderNameIsDoubledInTheFilter() throws Exception {
        wm.stubFor(get(urlPathEqualTo(path("mailFolders/msgfolderroot/childFolders")))
                .withQueryParam("$filter", equalTo("displayName eq 'Bob''s'"))
                .willReturn(okJson("{\"value\":[{\"id\":\"BOBS\"}]}")));
        assertEquals("BOBS", mailbox("Bob's").folderId());
        String url = served().get(0).getRequest().getUrl();
        assertThatText(url).contains("$filter=displayName%20eq%20");
    }

    @Test
    void fullListingFollowsNextLinkToTheDeltaLinkAndMapsFlags() throws Exception {
        stubInbox();
        wm.stubFor(get(urlPathEqualTo(deltaPath("INBOX")))
                .withQueryParam("$select", equalTo("internetMessageId,isRead,flag,receivedDateTime"))
                .withQueryParam("$expand", equalTo("singleValueExtendedProperties($filter=id eq 'Integer 0x1081'"
                        + " or id eq 'Integer 0x1080')"))
                .willReturn(okJson("{\"value\":[{\"id\":\"m1\",\"isRead\":true,\"flag\":{\"flagStatus\":\"flagged\"},"
                        + "\"receivedDateTime\":\"2025-12-01T10:00:00Z\"},"
                        + "{\"id\":\"m2\",\"isRead\":false,\"flag\":{\"flagStatus\":\"notFlagged\"}}],"
                        + "\"@odata.nextLink\":\"" + link("INBOX", "$skiptoken=p2") + "\"}")));
        wm.stubFor(get(urlPathEqualTo(deltaPath("INBOX"))).withQueryParam("$skiptoken", equalTo("p2"))
                .willReturn(okJson("{\"value\":[{\"id\":\"m3\",\"isRead\":true,\"flag\":{\"flagStatus\":\"complete\"},"
                        + "\"singleValueExtendedProperties\":[{\"id\":\"Integer 0x1081\",\"value\":\"102\"}]}],"
                        + "\"@odata.deltaLink\":\"" + link("INBOX", "$deltatoken=d1") + "\"}")));
        Listing l = mailbox("inbox").list(null);
        assertTrue(l.full());
        assertEquals(link("INBOX", "$deltatoken=d1"), l.syncToken());
        assertEquals(List.of("m1", "m2", "m3"), l.messages().stream().map(CloudMessage::id).toList());
        Map<String, Flags> f = flagsById(l.messages());
        assertEquals(Flags.of(Flag.READ, Flag.FLAGGED), f.get("m1"));
        assertEquals(Flags.NONE, f.get("m2"));
        assertEquals(Flags.of(Flag.READ, Flag.REPLIED), f.get("m3"));
        assertEquals(Instant.parse("2025-12-01T10:00:00Z"), l.messages().get(0).received());
        assertNull(l.messages().get(1).received());
        wm.verify(getRequestedFor(urlPathEqualTo(deltaPath("INBOX")))
                .withHeader("Prefer", equalTo("IdType=\"ImmutableId\", odata.maxpagesize=500")));
    }

    @Test
    void unchangedFolderCostsOneRequestWhenResumedFromTheDeltaLink() throws Exception {
        stubInbox();
        stubEmptyDelta("INBOX");
        wm.stubFor(get(urlPathEqualTo(deltaPath("INBOX"))).withQueryParam("$deltatoken", equalTo("d0"))
                .willReturn(okJson("{\"value\":[],\"@odata.deltaLink\":\"" + link("INBOX", "$deltatoken=d0")
                        + "\"}")));
        GraphMailbox mb = mailbox("inbox");
        Listing first = mb.list(null);
        wm.resetRequests();
        Listing again = mb.list(first.syncToken());
        assertFalse(again.full());
        assertTrue(again.messages().isEmpty());
        assertTrue(again.removed().isEmpty());
        assertEquals(1, served().size());
        assertEquals("d0", served().get(0).getRequest().queryParameter("$deltatoken").firstValue());
    }

    @Test
    void incrementalListingReportsChangesAndRemovals() throws Exception {
        stubInbox();
        wm.stubFor(get(urlPathEqualTo(deltaPath("INBOX"))).withQueryParam("$deltatoken", equalTo("d1"))
                .willReturn(okJson("{\"value\":[{\"id\":\"m1\",\"isRead\":false},"
                        + "{\"id\":\"m2\",\"@removed\":{\"reason\":\"deleted\"}}],"
                        + "\"@odata.deltaLink\":\"" + link("INBOX", "$deltatoken=d2") + "\"}")));
        Listing l = mailbox("inbox").list(link("INBOX", "$deltatoken=d1"));
        assertFalse(l.full());
        assertEquals(List.of(new CloudMessage("m1", Flags.NONE, null)), l.messages());
        assertEquals(Set.of("m2"), l.removed());
        assertEquals(link("INBOX", "$deltatoken=d2"), l.syncToken());
    }

    @Test
    void goneDeltaTokenFallsBackToAFullListing() throws Exception {
        stubInbox();
        stubEmptyDelta("INBOX");
        wm.stubFor(get(urlPathEqualTo(deltaPath("INBOX"))).withQueryParam("$deltatoken", equalTo("old"))
                .willReturn(error(410, "SyncStateNotFound")));
        Listing l = mailbox("inbox").list(link("INBOX", "$deltatoken=old"));
        assertTrue(l.full());
        assertEquals(link("INBOX", "$deltatoken=d0"), l.syncToken());
    }

    @Test
    void syncStateInvalidCodeAlsoFallsBackToAFullListing() throws Exception {
        stubInbox();
        stubEmptyDelta("INBOX");
        wm.stubFor(get(urlPathEqualTo(deltaPath("INBOX"))).withQueryParam("$deltatoken", equalTo("old"))
                .willReturn(error(400, "syncStateInvalid")));
        assertTrue(mailbox("inbox").list(link("INBOX", "$deltatoken=old")).full());
    }

    @Test
    void tokenOnAnotherHostIsNeverFollowed() throws Exception {
        stubInbox();
        stubEmptyDelta("INBOX");
        Listing l = mailbox("inbox").list("https://evil.example/v1.0/me/mailFolders/INBOX/messages/delta?x=1");
        assertTrue(l.full());
        assertTrue(served().stream().allMatch(e -> e.getRequest().getUrl().startsWith("/v1.0/")));
    }

    @Test
    void repliedStateComesFromLastVerbOrIconIndex() throws Exception {
        stubInbox();
        String props = "\"singleValueExtendedProperties\":[{\"id\":\"%s\",\"value\":\"%s\"}]";
        String[][] cases = {
            {"v102", "Integer 0x1081", "102"}, {"v103", "Integer 0x1081", "103"},
            {"v104", "Integer 0x1081", "104"}, {"i261", "Integer 0x1080", "261"},
            {"i262", "Integer 0x1080", "262"}, {"v0", "Integer 0x1081", "0"},
            {"i256", "Integer 0x1080", "256"}};
        StringBuilder value = new StringBuilder();
        for (String[] c : cases) {
            value.append(value.length() == 0 ? "" : ",").append("{\"id\":\"").append(c[0])
                    .append("\",\"isRead\":true,").append(String.format(props, c[1], c[2])).append('}');
        }
        wm.stubFor(get(urlPathEqualTo(deltaPath("INBOX"))).willReturn(okJson("{\"value\":[" + value
                + "],\"@odata.deltaLink\":\"" + link("INBOX", "$deltatoken=d") + "\"}")));
        Map<String, Flags> f = flagsById(mailbox("inbox").list(null).messages());
        assertTrue(f.get("v102").has(Flag.REPLIED));
        assertTrue(f.get("v103").has(Flag.REPLIED));
        assertTrue(f.get("v104").has(Flag.REPLIED), "forwarded counts as answered");
        assertTrue(f.get("i261").has(Flag.REPLIED));
        assertTrue(f.get("i262").has(Flag.REPLIED), "icon 0x106 is forwarded mail");
        assertFalse(f.get("v0").has(Flag.REPLIED));
        assertFalse(f.get("i256").has(Flag.REPLIED), "icon 0x100 is read mail");
    }

    @Test
    void malformedJsonIsAnIOExceptionNamingTheCall() {
        stubInbox();
        wm.stubFor(get(urlPathEqualTo(deltaPath("INBOX"))).willReturn(okJson("{\"value\":[{\"id\":")));
        IOException e = assertThrows(IOException.class, () -> mailbox("inbox").list(null));
        assertTrue(e.getMessage().startsWith("malformed Graph response to messages.delta"), e.getMessage());
    }

    @Test
    void messageWithoutIdOrIsReadIsMalformed() {
        stubInbox();
        wm.stubFor(get(urlPathEqualTo(deltaPath("INBOX"))).willReturn(okJson("{\"value\":[{\"id\":\"m1\"}],"
                + "\"@odata.deltaLink\":\"" + link("INBOX", "$deltatoken=d") + "\"}")));
        IOException e = assertThrows(IOException.class, () -> mailbox("inbox").list(null));
        assertEquals("malformed Graph response to messages.delta: message m1 has no boolean isRead", e.getMessage());
        wm.stubFor(get(urlPathEqualTo(deltaPath("INBOX"))).willReturn(okJson("{\"value\":[{\"isRead\":true}]}")));
        e = assertThrows(IOException.class, () -> mailbox("inbox").list(null));
        assertThatText(e.getMessage()).contains("without an id");
    }

    @Test
    void pageWithNeitherLinkIsMalformed() {
        stubInbox();
        wm.stubFor(get(urlPathEqualTo(deltaPath("INBOX"))).willReturn(okJson("{\"value\":[]}")));
        IOException e = assertThrows(IOException.class, () -> mailbox("inbox").list(null));
        assertThatText(e.getMessage()).contains("neither @odata.nextLink nor @odata.deltaLink");
    }
}
