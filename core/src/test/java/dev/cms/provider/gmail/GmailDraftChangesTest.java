package dev.cms.provider.gmail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.config.DeleteAction;
import dev.cms.model.CloudMessage;
import dev.cms.model.Flag;
import dev.cms.model.Flags;
import dev.cms.provider.Change;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * Changes pushed to the label DRAFT against the fake Gmail over HTTP. Gmail refuses every label
 * edit of a draft (DRAFT added or removed: 400 "Invalid label: DRAFT"; any other label applied to
 * a draft's message), so a draft deleted locally goes to the trash through {@code messages.trash}
 * whatever the delete action, and a flag change of a draft stays local.
 */
class GmailDraftChangesTest extends GmailCloudFixture {
    private static final String BODY = "From: me@example.com\r\nSubject: postponed\r\n\r\nnot sent yet\r\n";
    private static final Instant WHEN = Instant.ofEpochMilli(1_700_000_000_000L);

    @ParameterizedTest
    @EnumSource(DeleteAction.class)
    void aDraftDeletedLocallyIsTrashedWhateverTheDeleteAction(DeleteAction action) throws Exception {
        String draft = add(BODY, WHEN, "DRAFT");
        String other = add(BODY, WHEN, "DRAFT");
        GmailMailbox drafts = mailbox("DRAFT", action);
        drafts.apply(List.of(Change.delete(draft, Flags.of(Flag.READ))));
        calls("POST", "messages/" + draft + "/trash").assertOnce();
        calls("POST", "messages/batchModify").assertNone();
        calls("POST", "messages/" + draft + "/modify").assertNone();
        assertEquals(Set.of("DRAFT", "TRASH"), gmail.labelsOf(USER, draft), "in the trash, recoverable");
        List<String> listed = drafts.list(null).messages().stream().map(CloudMessage::id).toList();
        assertEquals(List.of(other), listed, "the trashed draft is out of the label's listing");
    }

    @Test
    void aDraftGoneFromGmailIsNoFailure() throws Exception {
        String draft = add(BODY, WHEN, "DRAFT");
        gmail.delete(USER, draft);
        mailbox("DRAFT", DeleteAction.ARCHIVE).apply(List.of(Change.delete(draft, Flags.of(Flag.READ))));
        calls("POST", "messages/" + draft + "/trash").withStatus(404).assertOnce();
    }

    @Test
    void flagChangesOfDraftsSendNothingAndDeletionsStillGo() throws Exception {
        String a = add(BODY, WHEN, "DRAFT");
        String b = add(BODY, WHEN, "DRAFT");
        String c = add(BODY, WHEN, "DRAFT");
        mailbox("DRAFT").apply(List.of(Change.flags(a, Flags.of(Flag.READ), Flags.of(Flag.READ, Flag.FLAGGED)),
                Change.flags(b, Flags.of(Flag.READ), Flags.NONE), Change.delete(c, Flags.NONE)));
        assertEquals(1, requests().size(), "only the trash of c: " + requests());
        calls("POST", "messages/" + c + "/trash").assertOnce();
        assertEquals(Set.of("DRAFT"), gmail.labelsOf(USER, a));
        assertEquals(Set.of("DRAFT"), gmail.labelsOf(USER, b));
        assertTrue(gmail.labelsOf(USER, c).contains("TRASH"));
    }
}
