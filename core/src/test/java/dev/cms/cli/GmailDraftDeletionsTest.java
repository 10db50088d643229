package dev.cms.cli;

import static dev.cms.testing.MaildirAssert.assertThatMaildir;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.fakecloud.RequestLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Drafts deleted or moved out of the Gmail Drafts Maildir, end to end over HTTP against the fake
 * Gmail, which refuses every label edit of a draft as Gmail does (400 "Invalid label: DRAFT"). A
 * mutt user who sends a postponed message deletes its file: the draft goes to the trash
 * ({@code messages.trash}) whatever the delete action, and the next cycles are ok and idle. A
 * draft moved into another label's Maildir becomes a message of that label, the draft trashed.
 */
class GmailDraftDeletionsTest extends GmailAccountFixture {
    private static final String GUSER = "dr@gmail.example";

    @Override
    String user() {
        return GUSER;
    }

    private String deleting(String deleteAction) {
        return wholeAccount(", delete_action=\"" + deleteAction + "\"");
    }

    private static byte[] postponed(String subject) {
        return ("From: me@gmail.example\r\nTo: you@example.com\r\nSubject: " + subject
                + "\r\nDate: Tue, 3 Feb 2026 10:15:00 +0000\r\nMessage-ID: <" + subject + "@local>\r\n\r\nmy words\r\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    private List<RequestLog.Entry> posts(String pathRegex) {
        return google.requests().entries().stream()
                .filter(e -> e.method().equals("POST") && e.path().matches(pathRegex)).toList();
    }

    /** The draft is trashed once; no label edit is tried; two more polls change nothing in the cloud. */
    private void assertTrashedThenIdle(SyncSetup s, String id, Path drafts) throws Exception {
        assertEquals(1, posts(".*/messages/" + id + "/trash").size(), "one messages.trash: " + google.requests());
        assertEquals(List.of(), posts(".*/(batchModify|modify)"), "no label edit of the draft");
        assertEquals(Set.of("DRAFT", "TRASH"), gmail.labelsOf(GUSER, id), "in the trash, recoverable");
        assertThatMaildir(drafts).hasMessages(0);
        google.requests().clear();
        poll(s);
        poll(s);
        assertEquals(List.of(), posts(".*"), "idle: nothing pushed, uploaded or tried again");
        assertThatMaildir(drafts).hasMessages(0);
        assertNoLostAndFound();
    }

    @Test
    void aDraftDeletedLocallyIsTrashedAndLaterCyclesAreIdle() throws Exception {
        String id = gmail.addMessage(GUSER, postponed("sent-now"), Instant.parse("2026-02-03T10:15:00Z"),
                Set.of("DRAFT"));
        try (SyncSetup s = open(deleting("archive"), google, null)) {
            poll(s);
            Path file = onlyFile(maildir("Drafts"));
            google.requests().clear();
            Files.delete(file); // mutt sent the postponed message
            poll(s);
            assertTrashedThenIdle(s, id, maildir("Drafts"));
        }
    }

    /** A draft our own upload made (drafts.create), then deleted: the id drafts.create gave is trashed. */
    @Test
    void aDraftMadeByOurUploadThenDeletedLocallyIsTrashed() throws Exception {
        try (SyncSetup s = open(deleting("trash"), google, null)) {
            poll(s);
            Path file = maildir("Drafts").resolve("cur").resolve("1770000000.later.host:2,S");
            Files.write(file, postponed("later"));
            poll(s);
            List<String> drafts = gmail.messageIds(GUSER, "DRAFT");
            assertEquals(1, drafts.size());
            google.requests().clear();
            Files.delete(onlyFile(maildir("Drafts")));
            poll(s);
            assertTrashedThenIdle(s, drafts.get(0), maildir("Drafts"));
        }
    }

    /** {@code GMail("DRAFT", ...)}: a single-label configuration behaves the same. */
    @Test
    void aSingleLabelDraftsMailboxTrashesToo() throws Exception {
        String id = gmail.addMessage(GUSER, postponed("single"), Instant.parse("2026-02-03T10:15:00Z"),
                Set.of("DRAFT"));
        Path drafts = tmp.resolve("drafts");
        try (SyncSetup s = open("MailDir(\"" + drafts + "\")\nGMail(\"DRAFT\", " + accountConfig() + ")\n", google, null)) {
            poll(s);
            Path file = onlyFile(drafts);
            google.requests().clear();
            Files.delete(file);
            poll(s);
            assertTrashedThenIdle(s, id, drafts);
        }
    }

    /**
     * A draft moved into the Work Maildir: Gmail cannot label a draft, so Work gets a new message
     * of the draft's bytes and the draft goes to the trash; the file stays, nothing is downloaded
     * again, and later polls are idle.
     */
    @Test
    void aDraftMovedIntoAnotherLabelsMaildirBecomesAMessageThereAndTheDraftIsTrashed() throws Exception {
        byte[] raw = postponed("filed");
        String id = gmail.addMessage(GUSER, raw, Instant.parse("2026-02-03T10:15:00Z"), Set.of("DRAFT"));
        try (SyncSetup s = open(deleting("archive"), google, null)) {
            poll(s);
            Path was = onlyFile(maildir("Drafts"));
            google.requests().clear();
            Files.move(was, maildir("Work").resolve("cur").resolve(was.getFileName().toString().split(":")[0] + ":2,S"));
            poll(s);
            List<String> inWork = gmail.messageIds(GUSER, work);
            assertEquals(1, inWork.size(), google.requests().toString());
            assertArrayEquals(raw, gmail.raw(GUSER, inWork.get(0)), "the draft's bytes");
            assertEquals(Set.of(work), gmail.labelsOf(GUSER, inWork.get(0)), "read, as the file");
            assertEquals(Set.of("DRAFT", "TRASH"), gmail.labelsOf(GUSER, id));
            assertThatMaildir(maildir("Work")).hasMessages(1).hasMessage(raw).withFlags("S");
            assertThatMaildir(maildir("Drafts")).hasMessages(0);
            google.requests().clear();
            poll(s);
            poll(s);
            assertEquals(List.of(), posts(".*"), "idle");
            assertTrue(google.requests().entries().stream()
                    .noneMatch(e -> e.method().equals("GET") && e.path().matches(".*/messages/[^/]+")),
                    "nothing downloaded again");
            assertThatMaildir(maildir("Work")).hasMessages(1).hasMessage(raw).withFlags("S");
            assertEquals(1, gmail.messageIds(GUSER, work).size());
            assertNoLostAndFound();
        }
    }

    /**
     * Half made: the draft's new message was made in the label but the draft could not go to the
     * trash. The move is never made again (a second import would be a second message): the next
     * cycle takes the draft's departure for its deletion (the trash) and the file for the new
     * message; one message in the label, nothing in lost+found.
     */
    @Test
    void aDraftMoveHalfMadeIsFinishedNotMadeTwice() throws Exception {
        byte[] raw = postponed("halfway");
        String id = gmail.addMessage(GUSER, raw, Instant.parse("2026-02-03T10:15:00Z"), Set.of("DRAFT"));
        try (SyncSetup s = open(deleting("archive"), google, null)) {
            poll(s);
            Path was = onlyFile(maildir("Drafts"));
            google.faults().next(1, "POST", ".*/messages/" + id + "/trash$")
                    .answer(dev.cms.fakecloud.FakeFaults.Answer.status(400)
                            .json("{\"error\":{\"code\":400,\"message\":\"no\"}}"));
            Files.move(was, maildir("Work").resolve("cur").resolve(was.getFileName().toString().split(":")[0] + ":2,S"));
            ticker.advance(java.time.Duration.ofSeconds(60));
            assertTrue(!s.engine.runCycle().ok(), "the move failed half way");
            poll(s);
            poll(s);
            assertEquals(1, posts(".*/messages/import.*").size(), "imported once: " + google.requests());
            assertEquals(1, gmail.messageIds(GUSER, work).size());
            assertEquals(Set.of("DRAFT", "TRASH"), gmail.labelsOf(GUSER, id), "the draft in the trash at last");
            assertThatMaildir(maildir("Work")).hasMessages(1).hasMessage(raw);
            assertThatMaildir(maildir("Drafts")).hasMessages(0);
            assertNoLostAndFound();
        }
    }

    /**
     * A draft moved into a label that Gmail refuses to import (an invalid message, too large)
     * is not tried again every cycle: the next cycle undoes the move here (the draft's file back
     * in Drafts, the moved file kept in lost+found), the draft stays a draft, and the cycles
     * after are ok and idle.
     */
    @Test
    void aDraftMoveGmailRefusesIsUndoneNotTriedEveryCycle() throws Exception {
        byte[] raw = postponed("refused");
        String id = gmail.addMessage(GUSER, raw, Instant.parse("2026-02-03T10:15:00Z"), Set.of("DRAFT"));
        try (SyncSetup s = open(deleting("archive"), google, null)) {
            poll(s);
            Path was = onlyFile(maildir("Drafts"));
            google.faults().next(1, "POST", ".*messages/import.*")
                    .answer(dev.cms.fakecloud.FakeFaults.Answer.status(400)
                            .json("{\"error\":{\"code\":400,\"message\":\"Invalid message\"}}"));
            Files.move(was, maildir("Work").resolve("cur").resolve(was.getFileName().toString().split(":")[0] + ":2,S"));
            ticker.advance(java.time.Duration.ofSeconds(60));
            assertTrue(!s.engine.runCycle().ok(), "the move was refused");
            poll(s);
            assertThatMaildir(maildir("Drafts")).hasMessages(1).hasMessage(raw);
            assertThatMaildir(maildir("Work")).hasMessages(0);
            assertEquals(1, lostAndFound().size(), "the moved file is kept");
            google.requests().clear();
            poll(s);
            poll(s);
            assertEquals(List.of(), posts(".*"), "nothing tried again");
            assertEquals(Set.of("DRAFT"), gmail.labelsOf(GUSER, id), "still a draft, not trashed");
            assertEquals(List.of(), gmail.messageIds(GUSER, work));
        }
    }

    /**
     * Gmail applies no label to a draft, so a flag set on a draft's file is not pushed: no label
     * edit is tried, the cycles stay ok and idle, and the file keeps its flag.
     */
    @Test
    void aFlagSetOnADraftsFileStaysLocalAndCyclesStayOk() throws Exception {
        String id = gmail.addMessage(GUSER, postponed("starred"), Instant.parse("2026-02-03T10:15:00Z"),
                Set.of("DRAFT"));
        try (SyncSetup s = open(deleting("archive"), google, null)) {
            poll(s);
            Path file = onlyFile(maildir("Drafts"));
            google.requests().clear();
            Files.move(file, file.resolveSibling(file.getFileName().toString().split(":")[0] + ":2,FS"));
            poll(s);
            poll(s);
            poll(s);
            assertEquals(List.of(), posts(".*"), "no label edit tried: " + google.requests());
            assertEquals(Set.of("DRAFT"), gmail.labelsOf(GUSER, id));
            assertThatMaildir(maildir("Drafts")).hasMessages(1).hasMessage(postponed("starred")).withFlags("FS");
            assertNoLostAndFound();
        }
    }
}
