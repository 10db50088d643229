package dev.cms.provider.gmail;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.config.DeleteAction;
import dev.cms.model.CloudMessage;
import dev.cms.model.Flag;
import dev.cms.model.Flags;
import dev.cms.provider.Change;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
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

    /**
     * A draft moved into another label's Maildir: Gmail cannot take DRAFT off it nor label it, so
     * the draft's bytes become a new message of that label (with the file's flags), and only then
     * the draft goes to the trash; the new id is the one returned.
     */
    @Test
    void aDraftMovedOutBecomesANewMessageOfTheLabelAndTheDraftIsTrashed() throws Exception {
        String lists = gmail.addLabel(USER, "Lists");
        String draft = add(BODY, WHEN, "DRAFT");
        Change move = Change.move(draft, Flags.of(Flag.READ), Flags.of(Flag.READ, Flag.FLAGGED), mailbox("Lists"));
        Map<Change, String> placed = mailbox("DRAFT", DeleteAction.ARCHIVE).apply(List.of(move));
        String made = placed.get(move);
        assertNotEquals(draft, made, "a new message: " + placed);
        assertEquals(Set.of(lists, "STARRED"), gmail.labelsOf(USER, made));
        assertArrayEquals(BODY.getBytes(StandardCharsets.UTF_8), gmail.raw(USER, made));
        assertEquals(Set.of("DRAFT", "TRASH"), gmail.labelsOf(USER, draft));
        calls("POST", "messages/batchModify").assertNone();
        calls("POST", "messages/" + draft + "/modify").assertNone();
    }

    @Test
    void aDraftCopiedOutStaysADraft() throws Exception {
        String lists = gmail.addLabel(USER, "Lists");
        String draft = add(BODY, WHEN, "DRAFT");
        Change copy = Change.copy(draft, Flags.of(Flag.READ), mailbox("Lists"));
        String made = mailbox("DRAFT").apply(List.of(copy)).get(copy);
        assertEquals(Set.of(lists), gmail.labelsOf(USER, made));
        assertEquals(Set.of("DRAFT"), gmail.labelsOf(USER, draft), "untouched");
        calls("POST", "messages/" + draft + "/trash").assertNone();
    }

    /** A message moved into the Drafts Maildir becomes a draft; the original only loses its label. */
    @Test
    void aMessageMovedIntoDraftBecomesADraftAndKeepsItsOtherLabels() throws Exception {
        String x = add(BODY, WHEN, "INBOX", "IMPORTANT");
        Change move = Change.move(x, Flags.of(Flag.READ), Flags.of(Flag.READ), mailbox("DRAFT"));
        String made = mailbox("INBOX").apply(List.of(move)).get(move);
        calls("POST", "drafts").assertOnce();
        assertEquals(Set.of("DRAFT"), gmail.labelsOf(USER, made));
        assertArrayEquals(BODY.getBytes(StandardCharsets.UTF_8), gmail.raw(USER, made));
        assertEquals(Set.of("IMPORTANT"), gmail.labelsOf(USER, x), "out of INBOX, still in All Mail");
    }

    @Test
    void aDraftGoneBeforeItsMoveIsLeftOut() throws Exception {
        gmail.addLabel(USER, "Lists");
        String draft = add(BODY, WHEN, "DRAFT");
        gmail.delete(USER, draft);
        Change move = Change.move(draft, Flags.of(Flag.READ), Flags.of(Flag.READ), mailbox("Lists"));
        assertEquals(Map.of(), mailbox("DRAFT").apply(List.of(move)));
        calls("POST", "messages/import").assertNone();
    }

    /**
     * A draft moved out whose new message was made but whose original could not go to the trash
     * is reported as a change that may have been made: the engine never makes it again (a second
     * import would be a second message).
     */
    @Test
    void aMoveHalfMadeIsReportedAsMadeNotToBeSentAgain() throws Exception {
        String lists = gmail.addLabel(USER, "Lists");
        String draft = add(BODY, WHEN, "DRAFT");
        answerNext(1, "POST", "messages/" + draft + "/trash", error(400, "failedPrecondition"));
        Change move = Change.move(draft, Flags.of(Flag.READ), Flags.of(Flag.READ), mailbox("Lists"));
        dev.cms.provider.ChangesOutcomeUnknownException e = org.junit.jupiter.api.Assertions.assertThrows(
                dev.cms.provider.ChangesOutcomeUnknownException.class, () -> mailbox("DRAFT").apply(List.of(move)));
        assertEquals(List.of(move), e.unknown());
        assertTrue(e.getMessage().contains("could not leave"), e.getMessage());
        assertEquals(1, gmail.messageIds(USER, lists).size(), "made once");
        assertEquals(Set.of("DRAFT"), gmail.labelsOf(USER, draft), "the original is still a draft");
    }

    /** An import that Gmail made but answered with a server error is not sent again, and is reported so. */
    @Test
    void aMoveWhoseImportMayHaveBeenMadeIsReportedAndNotSentAgain() throws Exception {
        String lists = gmail.addLabel(USER, "Lists");
        String draft = add(BODY, WHEN, "DRAFT");
        faults().next(1, "POST", ".*messages/import.*").serveThenAnswer(error(502, "backendError"));
        Change move = Change.move(draft, Flags.of(Flag.READ), Flags.of(Flag.READ), mailbox("Lists"));
        dev.cms.provider.ChangesOutcomeUnknownException e = org.junit.jupiter.api.Assertions.assertThrows(
                dev.cms.provider.ChangesOutcomeUnknownException.class, () -> mailbox("DRAFT").apply(List.of(move)));
        assertEquals(List.of(move), e.unknown());
        assertEquals(1, gmail.messageIds(USER, lists).size(), "sent once, made once");
        assertEquals(Set.of("DRAFT"), gmail.labelsOf(USER, draft), "nothing removed before the new message is known");
    }

    /**
     * Two drafts moved out in one push, the second's import refused: the first was made anew, so
     * the failure reports it as made (never made again) and leaves the second to be tried again.
     */
    @Test
    void aMoveMadeBesideOneThatFailedIsReportedAsMade() throws Exception {
        String lists = gmail.addLabel(USER, "Lists");
        String first = add(BODY, WHEN, "DRAFT");
        String second = add(BODY.replace("postponed", "later"), WHEN, "DRAFT");
        Change one = Change.move(first, Flags.of(Flag.READ), Flags.of(Flag.READ), mailbox("Lists"));
        Change two = Change.move(second, Flags.of(Flag.READ), Flags.of(Flag.READ), mailbox("Lists"));
        faults().next(1, "POST", ".*messages/import.*").after(() -> { }).serve();
        faults().next(1, "POST", ".*messages/import.*").answer(error(400, "invalidArgument"));
        dev.cms.provider.ChangesOutcomeUnknownException e = org.junit.jupiter.api.Assertions.assertThrows(
                dev.cms.provider.ChangesOutcomeUnknownException.class,
                () -> mailbox("DRAFT").apply(List.of(one, two)));
        assertEquals(List.of(one), e.unknown(), e.getMessage());
        assertEquals(1, gmail.messageIds(USER, lists).size());
    }
}
