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
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Listings against answers scripted byte for byte with WireMock, for what the embedded fake Graph
 * (see {@link GraphFolderAndDeltaTest}) cannot show: the exact request (its {@code Prefer}
 * header, $select and $expand) and the mapping of answers it never gives (every replied
 * variant of the MAPI properties, a 400 syncStateInvalid, malformed JSON, a page with no link).
 */
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
    void syncStateInvalidCodeAlsoFallsBackToAFullListing() throws Exception {
        stubInbox();
        stubEmptyDelta("INBOX");
        wm.stubFor(get(urlPathEqualTo(deltaPath("INBOX"))).withQueryParam("$deltatoken", equalTo("old"))
                .willReturn(error(400, "syncStateInvalid")));
        assertTrue(mailbox("inbox").list(link("INBOX", "$deltatoken=old")).full());
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
