package dev.cms.provider.gmail;

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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Label resolution, full listings and history deltas against the embedded fake Gmail. */
class GmailListingTest extends GmailCloudFixture {
    private static final List<String> HISTORY_TYPES =
            List.of("messageAdded", "messageDeleted", "labelAdded", "labelRemoved");

    private int added;

    /** Adds a small message, each newer than the last. */
    private String add(String... labels) {
        added++;
        return add("Subject: " + added + "\r\n\r\nbody\r\n", NOW.minusSeconds(1000 - added), labels);
    }

    /** Lists/Work, Lists/Working and Receipts, in that order; returns the id of Lists/Work. */
    private String addUserLabels() {
        String work = gmail.addLabel(USER, "Lists/Work");
        gmail.addLabel(USER, "Lists/Working");
        gmail.addLabel(USER, "Receipts");
        return work;
    }

    private String historyId() {
        return Long.toString(gmail.historyId(USER));
    }

    private static Map<String, Flags> flagsById(Listing l) {
        Map<String, Flags> m = new TreeMap<>();
        for (CloudMessage c : l.messages()) {
            m.put(c.id(), c.flags());
        }
        return m;
    }

    @Test
    void labelIsResolvedByExactNameOnceAndCached() throws Exception {
        String work = addUserLabels();
        GmailMailbox box = mailbox("Lists/Work");
        box.list(historyId());
        box.list(historyId());

        calls("GET", "labels").assertOnce();
        calls("GET", "history").withQuery("labelId", work).assertCount(2);
    }

    @Test
    void labelFallsBackToCaseInsensitiveName() throws Exception {
        addUserLabels();
        String receipts = gmail.addLabel(USER, "Old receipts");
        assertEquals("Label_3", mailbox("receipts").labelId());
        assertEquals("Label_4", receipts);
    }

    @Test
    void missingLabelNamesTheLabelTheUserAndTheExistingLabels() {
        addUserLabels();
        IOException e = assertThrows(IOException.class, () -> mailbox("Foo").list(null));
        assertEquals("Gmail label 'Foo' not found for alice@example.com; existing labels: "
                + "INBOX, UNREAD, STARRED, TRASH, SPAM, SENT, DRAFT, IMPORTANT, CHAT, CATEGORY_PERSONAL, CATEGORY_SOCIAL,"
                + " CATEGORY_PROMOTIONS, CATEGORY_UPDATES, CATEGORY_FORUMS, Lists/Work, Lists/Working, Receipts",
                e.getMessage());
    }

    @Test
    void systemLabelNeedsNoLabelsList() throws Exception {
        assertEquals("INBOX", mailbox("INBOX").labelId());
        requests().assertNone();
    }

    @Test
    void fullListingPagesThroughThreeListingsAfterReadingTheProfile() throws Exception {
        String m1 = add("INBOX", "STARRED");
        String m2 = add("INBOX", "STARRED", "UNREAD");
        String m3 = add("INBOX");
        String m4 = add("INBOX");
        String m5 = add("INBOX", "UNREAD");
        String m6 = add("INBOX", "UNREAD");
        add("UNREAD", "STARRED"); // not in the inbox
        gmail.setPageLimit(2);

        Listing l = mailbox("INBOX").list(null);

        assertTrue(l.full());
        assertEquals(historyId(), l.syncToken());
        Flags read = Flags.of(Flag.READ);
        assertEquals(Map.of(m1, Flags.of(Flag.READ, Flag.FLAGGED), m2, Flags.of(Flag.FLAGGED),
                m3, read, m4, read, m5, Flags.NONE, m6, Flags.NONE), flagsById(l));
        for (CloudMessage c : l.messages()) {
            assertNull(c.received());
        }
        assertEquals("GET " + API + "profile", requests().entries().get(0).call());
        calls("GET", "profile").assertOnce();
        calls("GET", "messages").withQuery("labelIds", "INBOX").assertCount(3);
        calls("GET", "messages").withQuery("labelIds", "INBOX", "UNREAD").assertCount(2);
        calls("GET", "messages").withQuery("labelIds", "INBOX", "STARRED").assertCount(1);
        calls("GET", "messages").withoutQuery("pageToken").assertCount(3);
        calls("GET", "messages").withQuery("maxResults", "500").assertCount(6);
        assertEquals(7, requests().size(), requests().toString());
    }

    /** All Mail on its own (a per-folder {@code GMail("[Gmail]/All Mail", ...)}): every message but trash, spam and drafts. */
    @Test
    void allMailListsEveryMessageButTrashSpamAndDraftsThenReadsTheWholeHistory() throws Exception {
        String inbox = add("INBOX", "UNREAD");
        String archived = add("STARRED");
        add("TRASH");
        add("SPAM");
        add("DRAFT");
        GmailMailbox all = mailbox(GmailMailbox.ALL_MAIL);

        Listing l = all.list(null);

        assertTrue(l.full());
        assertEquals(Map.of(inbox, Flags.NONE, archived, Flags.of(Flag.READ, Flag.FLAGGED)), flagsById(l));
        calls("GET", "labels").assertNone();
        calls("GET", "messages").withoutQuery("labelIds").assertOnce();
        calls("GET", "messages").withQuery("labelIds", "DRAFT").assertOnce();
        assertEquals(Optional.empty(), all.counts(), "no label counts All Mail");
        String start = l.syncToken();
        relabel(inbox, Set.of(), Set.of("INBOX"));
        String sent = add("SENT");
        relabel(archived, Set.of("TRASH"), Set.of());
        requests().clear();

        Listing d = all.list(start);

        assertEquals(Map.of(sent, Flags.of(Flag.READ)), flagsById(d), "archiving changes nothing in All Mail");
        assertEquals(Set.of(archived), d.removed());
        calls("GET", "history").withoutQuery("labelId").assertOnce();
        assertEquals(1, requests().size(), requests().toString());
    }

    @Test
    void emptyLabelListsNoMessages() throws Exception {
        add("UNREAD");
        Listing l = mailbox("INBOX").list(null);
        assertTrue(l.full());
        assertTrue(l.messages().isEmpty());
        assertEquals(historyId(), l.syncToken());
    }

    @Test
    void historyTurnsAddsLabelChangesAndDeletesIntoADeltaAcrossPages() throws Exception {
        String work = addUserLabels();
        String m3 = add("INBOX", "STARRED", "UNREAD");
        String m9 = add(work);
        String m4 = add(work);
        String m5 = add(work, "INBOX");
        String m6 = add(work);
        String start = historyId();
        String m1 = add(work, "UNREAD");                      // arrives unread
        String m2 = add(work, "STARRED");                     // arrives read and starred
        relabel(m1, Set.of(), Set.of("UNREAD"));              // read later: later wins
        relabel(m3, Set.of(work), Set.of());                  // an old message gets our label
        relabel(m9, Set.of("IMPORTANT"), Set.of());           // an unrelated label: no change
        gmail.delete(USER, m4);
        relabel(m5, Set.of(), Set.of(work));
        relabel(m6, Set.of("TRASH"), Set.of());
        relabel(m2, Set.of(), Set.of(work, "STARRED"));       // out of the label, unstarred...
        relabel(m2, Set.of(work), Set.of());                  // ...and back
        gmail.setPageLimit(5);

        Listing l = mailbox("Lists/Work").list(start);

        assertFalse(l.full());
        assertEquals(historyId(), l.syncToken());
        assertEquals(new TreeMap<>(Map.of(m1, Flags.of(Flag.READ), m2, Flags.of(Flag.READ),
                m3, Flags.of(Flag.FLAGGED))), flagsById(l));
        assertEquals(Set.of(m4, m5, m6), l.removed());
        calls("GET", "history").withQuery("startHistoryId", start).withQuery("labelId", work)
                .withQuery("maxResults", "500").withQuery("historyTypes", HISTORY_TYPES.toArray(new String[0]))
                .assertCount(2);
        calls("GET", "history").withoutQuery("pageToken").assertOnce();
    }

    private void relabel(String id, Set<String> add, Set<String> remove) {
        gmail.relabel(USER, id, add, remove);
    }

    @Test
    void unchangedMailboxCostsExactlyOneRequest() throws Exception {
        add("INBOX");
        String now = historyId();
        Listing l = mailbox("INBOX").list(now);
        assertFalse(l.full());
        assertTrue(l.messages().isEmpty());
        assertTrue(l.removed().isEmpty());
        assertEquals(now, l.syncToken());
        requests().assertCalls("GET " + API + "history");
    }

    @Test
    void expiredHistoryIdFallsBackToAFullListing() throws Exception {
        for (int i = 0; i < 6; i++) {
            add("INBOX");
        }
        String old = historyId();
        add("INBOX");
        gmail.expireHistory(USER);

        Listing l = mailbox("INBOX").list(old);

        assertTrue(l.full());
        assertEquals(historyId(), l.syncToken());
        assertEquals(7, l.messages().size());
        calls("GET", "history").withStatus(404).assertOnce();
        calls("GET", "profile").assertOnce();
        assertTrue(ticker.sleeps().isEmpty(), "a 404 is not retried: " + ticker.sleeps());
    }

}
