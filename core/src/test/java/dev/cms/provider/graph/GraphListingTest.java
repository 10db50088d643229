package dev.cms.provider.graph;

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
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Listings on the embedded fake Graph: the exact request (its {@code Prefer} header, $select and
 * $expand, read from the fake's log), pages, and, scripted, the mapping of answers the fake never
 * gives (every replied variant of the MAPI properties, a 400 syncStateInvalid, malformed JSON, a
 * page with no link).
 */
class GraphListingTest extends GraphCloudFixture {
    private static final byte[] MIME = "Subject: hi\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);

    private String inbox() {
        return graph.folderId(user, "inbox");
    }

    /** A link into the fake, as Graph writes them. */
    private String link(String query) {
        return ms.graphEndpoint() + API + resumedDeltaOf(inbox()) + "?" + query;
    }

    static Map<String, Flags> flagsById(List<CloudMessage> ms) {
        return ms.stream().collect(Collectors.toMap(CloudMessage::id, CloudMessage::flags));
    }

    @Test
    void fullListingFollowsNextLinkToTheDeltaLinkAndMapsFlags() throws Exception {
        Instant received = Instant.parse("2025-12-01T10:00:00Z");
        String m1 = graph.addMessage(user, "inbox", MIME, received, true, "flagged", false);
        String m2 = graph.addMessage(user, "inbox", MIME, received, false, "notFlagged", false);
        String m3 = graph.addMessage(user, "inbox", MIME, received, true, "complete", true);
        graph.setPageLimit(2);

        Listing l = mailbox("inbox").list(null);

        assertTrue(l.full());
        assertEquals(List.of(m1, m2, m3), l.messages().stream().map(CloudMessage::id).toList());
        Map<String, Flags> f = flagsById(l.messages());
        assertEquals(Flags.of(Flag.READ, Flag.FLAGGED), f.get(m1));
        assertEquals(Flags.NONE, f.get(m2));
        assertEquals(Flags.of(Flag.READ, Flag.REPLIED), f.get(m3));
        assertEquals(received, l.messages().get(0).received());
        calls("GET", deltaOf(inbox()))
                .withQuery("$select", "internetMessageId,isRead,flag,receivedDateTime")
                .withQuery("$expand", "singleValueExtendedProperties($filter=id eq 'Integer 0x1081'"
                        + " or id eq 'Integer 0x1080')")
                .where("preferring immutable ids and 500 a page",
                        e -> "IdType=\"ImmutableId\", odata.maxpagesize=500".equals(e.header("Prefer")))
                .assertOnce();
        // The second page came from the first page's @odata.nextLink, the token from the last page's delta link.
        calls("GET", resumedDeltaOf(inbox())).where("with a $skiptoken", e -> !e.queryParams("$skiptoken").isEmpty())
                .assertOnce();
        assertThatText(l.syncToken(), "the sync token").contains(ms.graphEndpoint() + API + resumedDeltaOf(inbox())
                + "?$deltatoken=");
        requests().assertCalls("GET " + API + "mailFolders/inbox", "GET " + API + deltaOf(inbox()),
                "GET " + API + resumedDeltaOf(inbox()));
    }

    @Test
    void syncStateInvalidCodeAlsoFallsBackToAFullListing() throws Exception {
        answerNext(1, "GET", resumedDeltaOf(inbox()), error(400, "syncStateInvalid"));
        assertTrue(mailbox("inbox").list(link("$deltatoken=old")).full());
        requests().assertCalls("GET " + API + "mailFolders/inbox", "GET " + API + resumedDeltaOf(inbox()),
                "GET " + API + deltaOf(inbox()));
        calls("GET", resumedDeltaOf(inbox())).withQuery("$deltatoken", "old").withStatus(400).assertOnce();
    }

    @Test
    void repliedStateComesFromLastVerbOrIconIndexAndReceivedMayBeMissing() throws Exception {
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
        answerNext(1, "GET", deltaOf(inbox()), okJson("{\"value\":[" + value
                + "],\"@odata.deltaLink\":\"" + link("$deltatoken=d") + "\"}"));
        List<CloudMessage> listed = mailbox("inbox").list(null).messages();
        Map<String, Flags> f = flagsById(listed);
        assertTrue(f.get("v102").has(Flag.REPLIED));
        assertTrue(f.get("v103").has(Flag.REPLIED));
        assertTrue(f.get("v104").has(Flag.REPLIED), "forwarded counts as answered");
        assertTrue(f.get("i261").has(Flag.REPLIED));
        assertTrue(f.get("i262").has(Flag.REPLIED), "icon 0x106 is forwarded mail");
        assertFalse(f.get("v0").has(Flag.REPLIED));
        assertFalse(f.get("i256").has(Flag.REPLIED), "icon 0x100 is read mail");
        assertNull(listed.get(0).received(), "no receivedDateTime: not known");
    }

    @Test
    void malformedJsonIsAnIOExceptionNamingTheCall() {
        answerNext(1, "GET", deltaOf(inbox()), okJson("{\"value\":[{\"id\":"));
        IOException e = assertThrows(IOException.class, () -> mailbox("inbox").list(null));
        assertTrue(e.getMessage().startsWith("malformed Graph response to messages.delta"), e.getMessage());
    }

    @Test
    void messageWithoutIdOrIsReadIsMalformed() {
        answerNext(1, "GET", deltaOf(inbox()), okJson("{\"value\":[{\"id\":\"m1\"}],"
                + "\"@odata.deltaLink\":\"" + link("$deltatoken=d") + "\"}"));
        IOException e = assertThrows(IOException.class, () -> mailbox("inbox").list(null));
        assertEquals("malformed Graph response to messages.delta: message m1 has no boolean isRead", e.getMessage());
        answerNext(1, "GET", deltaOf(inbox()), okJson("{\"value\":[{\"isRead\":true}]}"));
        e = assertThrows(IOException.class, () -> mailbox("inbox").list(null));
        assertThatText(e.getMessage()).contains("without an id");
    }

    @Test
    void pageWithNeitherLinkIsMalformed() {
        answerNext(1, "GET", deltaOf(inbox()), okJson("{\"value\":[]}"));
        IOException e = assertThrows(IOException.class, () -> mailbox("inbox").list(null));
        assertThatText(e.getMessage()).contains("neither @odata.nextLink nor @odata.deltaLink");
    }
}
