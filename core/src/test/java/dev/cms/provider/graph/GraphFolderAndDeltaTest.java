package dev.cms.provider.graph;

import static dev.cms.testing.TextAssert.assertThatText;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Folder resolution and delta listings against the embedded fake Graph. */
class GraphFolderAndDeltaTest extends GraphCloudFixture {
    private static final byte[] MIME = "Subject: hi\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final Instant RECEIVED = Instant.parse("2025-12-01T10:00:00Z");

    private String add(String folder, boolean read) {
        return graph.addMessage(user, folder, MIME, RECEIVED, read, "notFlagged", false);
    }

    @Test
    void wellKnownFirstPartIsLookedUpByItsNameInAnyCase() throws Exception {
        Listing l = mailbox("InBox").list(null);
        assertTrue(l.full());
        assertThatText(l.syncToken(), "the sync token").contains(ms.graphEndpoint().getHost(), "deltatoken");
        calls("GET", "mailFolders/inbox").assertOnce();
        calls("GET", deltaOf(graph.folderId(user, "inbox"))).assertOnce();
    }

    @Test
    void nestedFolderIsResolvedPartByPartAndCached() throws Exception {
        String lists = graph.addFolder(user, "inbox", "Lists");
        String kernel = graph.addFolder(user, lists, "kernel");
        GraphMailbox mb = mailbox("Inbox/Lists/kernel");
        assertEquals(kernel, mb.folderId());
        mb.list(null);
        requests().assertCalls("GET " + API + "mailFolders/inbox",
                "GET " + API + "mailFolders/" + graph.folderId(user, "inbox") + "/childFolders",
                "GET " + API + "mailFolders/" + lists + "/childFolders",
                "GET " + API + deltaOf(kernel)); // three look-ups once, then the delta
        calls("GET", "mailFolders/" + lists + "/childFolders").withQuery("$filter", "displayName eq 'kernel'")
                .assertOnce();
        assertEquals("o365:" + user + ":Inbox/Lists/kernel", mb.key());
        assertEquals(Set.of(Flag.READ, Flag.FLAGGED, Flag.REPLIED), mb.supportedFlags());
    }

    @Test
    void missingPartNamesTheFolderTheUserAndThePartThatIsMissing() {
        graph.addFolder(user, "inbox", "Lists");
        IOException e = assertThrows(IOException.class, () -> mailbox("Inbox/Lists/kernel").list(null));
        assertEquals("Office365 folder 'Inbox/Lists/kernel' not found for " + user + ": "
                + "'Inbox/Lists' has no child folder 'kernel'", e.getMessage());
    }

    @Test
    void quoteInAFolderNameIsDoubledInTheFilter() throws Exception {
        String bobs = graph.addFolder(user, "msgfolderroot", "Bob's");
        assertEquals(bobs, mailbox("Bob's").folderId());
        calls("GET", "mailFolders/msgfolderroot/childFolders").withQuery("$filter", "displayName eq 'Bob''s'")
                .where("with spaces as %20", e -> e.query().contains("displayName%20eq%20"))
                .assertOnce();
    }

    @Test
    void unchangedFolderCostsOneRequestWhenResumedFromTheDeltaLink() throws Exception {
        add("inbox", true);
        GraphMailbox mb = mailbox("inbox");
        Listing first = mb.list(null);
        requests().clear();
        Listing again = mb.list(first.syncToken());
        assertFalse(again.full());
        assertTrue(again.messages().isEmpty());
        assertTrue(again.removed().isEmpty());
        assertEquals(1, requests().size(), requests().toString());
        calls("GET", resumedDeltaOf(graph.folderId(user, "inbox")))
                .where("with a $deltatoken", e -> !e.queryParams("$deltatoken").isEmpty()).assertOnce();
    }

    @Test
    void incrementalListingReportsChangesAndRemovals() throws Exception {
        String m1 = add("inbox", true);
        String m2 = add("inbox", true);
        GraphMailbox mb = mailbox("inbox");
        Listing first = mb.list(null);
        graph.update(user, m1, false, null);
        graph.delete(user, m2);

        Listing l = mb.list(first.syncToken());

        assertFalse(l.full());
        assertEquals(List.of(m1), l.messages().stream().map(CloudMessage::id).toList());
        assertEquals(Flags.NONE, l.messages().get(0).flags());
        assertEquals(Set.of(m2), l.removed());
        assertFalse(l.syncToken().equals(first.syncToken()), "a new delta link");
    }

    @Test
    void goneDeltaTokenFallsBackToAFullListing() throws Exception {
        String m1 = add("inbox", true);
        GraphMailbox mb = mailbox("inbox");
        Listing first = mb.list(null);
        graph.expireDeltaTokens(user);

        Listing l = mb.list(first.syncToken());

        assertTrue(l.full());
        assertEquals(List.of(m1), l.messages().stream().map(CloudMessage::id).toList());
        String inbox = graph.folderId(user, "inbox");
        calls("GET", resumedDeltaOf(inbox)).withStatus(410).assertOnce();
        calls("GET", deltaOf(inbox)).assertCount(2); // the first listing, and the one after the 410
    }

    @Test
    void tokenOnAnotherHostIsNeverFollowed() throws Exception {
        add("inbox", true);
        Listing l = mailbox("inbox").list("https://evil.example/v1.0/me/mailFolders/INBOX/messages/delta?x=1");
        assertTrue(l.full());
        assertEquals(1, l.messages().size());
        assertTrue(requests().entries().stream().allMatch(e -> e.path().startsWith("/v1.0/")), requests().toString());
        assertTrue(requests().entries().stream().noneMatch(e -> e.query().contains("x=1")), requests().toString());
    }
}
