package dev.cms.provider.gmail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.api.services.gmail.model.History;
import com.google.api.services.gmail.model.HistoryLabelAdded;
import com.google.api.services.gmail.model.HistoryLabelRemoved;
import com.google.api.services.gmail.model.HistoryMessageAdded;
import com.google.api.services.gmail.model.Message;
import dev.cms.model.CloudMessage;
import dev.cms.model.Flag;
import dev.cms.model.Flags;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HistoryDeltaTest {
    private final HistoryDelta delta = new HistoryDelta("INBOX", "history.list");

    private static Message msg(String id, String... labels) {
        return new Message().setId(id).setLabelIds(labels.length == 0 ? List.of() : List.of(labels));
    }

    private static History added(Message m) {
        return new History().setMessagesAdded(List.of(new HistoryMessageAdded().setMessage(m)));
    }

    private static History labelAdded(Message m, String... labels) {
        return new History().setLabelsAdded(List.of(new HistoryLabelAdded().setMessage(m).setLabelIds(List.of(labels))));
    }

    private static History labelRemoved(Message m, String... labels) {
        return new History().setLabelsRemoved(
                List.of(new HistoryLabelRemoved().setMessage(m).setLabelIds(List.of(labels))));
    }

    @Test
    void spamRemovesAndNotSpamBringsBack() throws Exception {
        delta.apply(labelAdded(msg("a", "INBOX", "SPAM"), "SPAM"));
        assertEquals(Set.of("a"), delta.removed());
        delta.apply(labelRemoved(msg("a", "INBOX", "STARRED"), "SPAM"));
        assertEquals(List.of(new CloudMessage("a", Flags.of(Flag.READ, Flag.FLAGGED), null)), delta.changed());
        assertTrue(delta.removed().isEmpty());
    }

    @Test
    void untrashOfAMessageInTheLabelBringsItBack() throws Exception {
        delta.apply(labelRemoved(msg("a", "INBOX", "UNREAD"), "TRASH"));
        assertEquals(List.of(new CloudMessage("a", Flags.NONE, null)), delta.changed());
    }

    @Test
    void messageAddedElsewhereIsIgnored() throws Exception {
        delta.apply(added(msg("a", "SENT")));
        assertTrue(delta.changed().isEmpty());
        assertTrue(delta.removed().isEmpty());
    }

    @Test
    void labelRecordWithoutTheMessagesLabelsIsMalformed() {
        History h = labelAdded(new Message().setId("a"), "UNREAD");
        Exception e = assertThrows(GmailTransport.MalformedGmailResponse.class, () -> delta.apply(h));
        assertEquals("malformed Gmail response to history.list: missing labelsAdded[].message.labelIds",
                e.getMessage());
    }

    /** All Mail holds every message out of the trash and spam, drafts left out; no label edit but those takes one out. */
    @Test
    void allMailHoldsEveryMessageButTrashSpamAndDrafts() throws Exception {
        HistoryDelta all = new HistoryDelta(Membership.ALL_MAIL, "history.list");
        all.apply(added(msg("archived")));
        all.apply(added(msg("sent", "SENT", "UNREAD")));
        all.apply(added(msg("draft", "DRAFT")));
        all.apply(added(msg("spam", "SPAM")));
        all.apply(labelRemoved(msg("a", "STARRED"), "INBOX")); // archived: stays, no record needed
        all.apply(labelAdded(msg("b", "Label_1", "TRASH"), "TRASH"));
        all.apply(labelAdded(msg("c", "INBOX", "STARRED"), "STARRED"));
        all.apply(labelRemoved(msg("d"), "TRASH")); // out of the trash with no label: back in All Mail
        assertEquals(List.of(new CloudMessage("archived", Flags.of(Flag.READ), null),
                new CloudMessage("sent", Flags.NONE, null),
                new CloudMessage("c", Flags.of(Flag.READ, Flag.FLAGGED), null),
                new CloudMessage("d", Flags.of(Flag.READ), null)), all.changed());
        assertEquals(Set.of("b"), all.removed(), "spam and the draft were never held");
    }

    @Test
    void everyRecordConcernsAllMailAndOnlyTheLabelsOwnConcernAnother() {
        History elsewhere = added(msg("a", "Label_9"));
        assertTrue(GmailAccountHistory.concerns(elsewhere, Membership.ALL_MAIL));
        assertEquals(false, GmailAccountHistory.concerns(elsewhere, Membership.label("INBOX")));
        assertTrue(GmailAccountHistory.concerns(labelRemoved(msg("a"), "INBOX"), Membership.label("INBOX")));
    }
}
