package dev.cms.cli;

import static dev.cms.testing.MaildirAssert.assertThatMaildir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.fakecloud.RequestLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A user's own new message reaches Gmail (issue 16, item 4), end to end over HTTP against the
 * fake Gmail: a file written into a label's Maildir is one {@code messages.import} into that
 * label (INBOX for the inbox), keeping its date and flags; the file becomes that message, nothing
 * is downloaded as a second copy, and later polls import nothing more.
 */
class GmailLocalUploadsTest extends GmailAccountFixture {
    private static final String GUSER = "up@gmail.example";

    @Override
    String user() {
        return GUSER;
    }

    private String config() {
        return wholeAccount("");
    }

    private List<RequestLog.Entry> imports() {
        return google.requests().entries().stream()
                .filter(e -> e.method().equals("POST") && e.path().endsWith("/messages/import")).toList();
    }

    private List<RequestLog.Entry> draftsCreated() {
        return google.requests().entries().stream()
                .filter(e -> e.method().equals("POST") && e.path().endsWith("/drafts")).toList();
    }

    private static byte[] draft(String subject) {
        return ("From: me@gmail.example\nTo: you@example.com\nSubject: " + subject
                + "\nDate: Tue, 3 Feb 2026 10:15:00 +0000\nMessage-ID: <" + subject + "@local>\n\nmy own words\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aNewFileInALabelsMaildirIsImportedIntoThatLabelWithItsDateAndFlags() throws Exception {
        try (SyncSetup s = open(config(), google, null)) {
            poll(s);
            byte[] mine = draft("notes");
            Files.write(maildir("Work").resolve("cur").resolve("1770000000.notes.host:2,F"), mine);
            byte[] inbox = draft("inbox");
            Files.write(maildir("INBOX").resolve("cur").resolve("1770000001.inbox.host:2,S"), inbox);
            poll(s);
            assertEquals(2, imports().size(), "one messages.import each: " + google.requests());
            for (RequestLog.Entry e : imports()) {
                assertTrue(e.query().contains("internalDateSource=dateHeader"), e.query());
            }
            List<String> inWork = gmail.messageIds(GUSER, work);
            assertEquals(1, inWork.size());
            String id = inWork.get(0);
            assertEquals(Set.of(work, "UNREAD", "STARRED"), gmail.labelsOf(GUSER, id), "no S: unread; F: starred");
            assertEquals(Instant.parse("2026-02-03T10:15:00Z"), gmail.internalDate(GUSER, id), "its date kept");
            List<String> inInbox = gmail.messageIds(GUSER, "INBOX");
            assertEquals(1, inInbox.size());
            assertEquals(Set.of("INBOX"), gmail.labelsOf(GUSER, inInbox.get(0)), "read: no UNREAD");
            assertThatMaildir(maildir("Work")).hasMessages(1).hasMessage(mine).withFlags("F");
            assertThatMaildir(maildir("INBOX")).hasMessages(1).hasMessage(inbox).withFlags("S");
            google.requests().clear();
            poll(s);
            poll(s);
            assertEquals(List.of(), imports(), "imported once");
            assertEquals(0, google.requests().entries().stream()
                    .filter(e -> e.method().equals("GET") && e.path().matches(".*/messages/[^/]+")).count(),
                    "nothing downloaded as a second copy");
            assertThatMaildir(maildir("Work")).hasMessages(1).hasMessage(mine).withFlags("F");
            assertEquals(1, gmail.messageIds(GUSER, work).size());
            assertNoLostAndFound();
        }
    }

    @Test
    void aLargeMessageGoesThroughTheUploadUriInOneMultipartRequest() throws Exception {
        try (SyncSetup s = open(config(), google, null)) {
            poll(s);
            StringBuilder b = new StringBuilder(new String(draft("big"), StandardCharsets.UTF_8));
            while (b.length() < 4_500_000) {
                b.append("a line of a long attachment-like body, to make the message large enough\n");
            }
            byte[] big = b.toString().getBytes(StandardCharsets.UTF_8);
            Files.write(maildir("Work").resolve("cur").resolve("1770000002.big.host:2,S"), big);
            poll(s);
            assertEquals(1, imports().size(), google.requests().toString());
            RequestLog.Entry e = imports().get(0);
            assertTrue(e.path().startsWith("/upload/") && e.query().contains("uploadType=multipart"), e.toString());
            List<String> inWork = gmail.messageIds(GUSER, work);
            assertEquals(1, inWork.size());
            assertEquals(Set.of(work), gmail.labelsOf(GUSER, inWork.get(0)));
            assertThatMaildir(maildir("Work")).hasMessages(1).hasMessage(big).withFlags("S");
            poll(s);
            assertEquals(1, imports().size());
            assertNoLostAndFound();
        }
    }

    /** A 500 may come after Gmail imported the message: the import is not sent again. */
    @Test
    void anImportAnsweredWithAServerErrorIsNeverSentAgain() throws Exception {
        try (SyncSetup s = open(config(), google, null)) {
            poll(s);
            google.faults().next(1, "POST", "/messages/import$").answer(dev.cms.fakecloud.FakeFaults.Answer.status(500));
            Files.write(maildir("Work").resolve("cur").resolve("1770000000.err.host:2,S"), draft("server error"));
            ticker.advance(java.time.Duration.ofSeconds(60));
            assertTrue(!s.engine.runCycle().ok(), "the import's outcome is unknown");
            poll(s);
            poll(s);
            assertEquals(1, imports().size(), "sent once: " + google.requests());
            assertEquals(1, lostAndFound().size(), "kept in lost+found: at most once");
        }
    }

    @Test
    void anImportWhoseConnectionDroppedIsNeverSentAgain() throws Exception {
        try (SyncSetup s = open(config(), google, null)) {
            poll(s);
            google.faults().next(1, "POST", "/messages/import$").reset();
            Files.write(maildir("Work").resolve("cur").resolve("1770000000.notes.host:2,S"), draft("dropped"));
            ticker.advance(java.time.Duration.ofSeconds(60));
            assertTrue(!s.engine.runCycle().ok(), "the import's outcome is unknown");
            assertThatMaildir(maildir("Work")).hasMessages(1);
            poll(s);
            poll(s);
            assertEquals(1, imports().size(), "sent once, not again in the call nor later: " + google.requests());
            assertEquals(new ArrayList<String>(), gmail.messageIds(GUSER, work), "Gmail never took it");
            assertThatMaildir(maildir("Work")).hasMessages(0);
            assertEquals(1, lostAndFound().size(), "kept in lost+found: at most once");
        }
    }

    @Test
    void aMessageGmailRefusesGoesToLostFound() throws Exception {
        try (SyncSetup s = open(config(), google, null)) {
            poll(s);
            byte[] junk = "no header at all, just words\n".getBytes(StandardCharsets.UTF_8);
            Files.write(maildir("Work").resolve("cur").resolve("1770000000.junk.host:2,"), junk);
            poll(s);
            assertEquals(1, imports().size());
            assertEquals(new ArrayList<String>(), gmail.messageIds(GUSER, work));
            assertThatMaildir(maildir("Work")).hasMessages(0);
            assertEquals(1, lostAndFound().size());
            poll(s);
            assertEquals(1, imports().size(), "not tried again");
        }
    }

    /**
     * Gmail makes drafts only through {@code drafts.create} (it refuses the label DRAFT in
     * {@code messages.import}): a file in the Drafts Maildir (mutt's {@code postponed}) becomes a
     * draft, is that message from then on, and is never downloaded as a second copy.
     */
    @Test
    void aNewFileInTheDraftsMaildirBecomesAGmailDraft() throws Exception {
        try (SyncSetup s = open(config(), google, null)) {
            poll(s);
            byte[] mine = draft("postponed");
            Files.write(maildir("Drafts").resolve("cur").resolve("1770000000.postponed.host:2,S"), mine);
            poll(s);
            assertEquals(1, draftsCreated().size(), "one drafts.create: " + google.requests());
            assertEquals(List.of(), imports(), "no messages.import");
            List<String> drafts = gmail.messageIds(GUSER, "DRAFT");
            assertEquals(1, drafts.size());
            assertEquals(Set.of("DRAFT"), gmail.labelsOf(GUSER, drafts.get(0)));
            assertEquals(new String(mine, StandardCharsets.UTF_8).replace("\n", "\r\n"),
                    new String(gmail.raw(GUSER, drafts.get(0)), StandardCharsets.UTF_8), "the file, CRLF on the wire");
            assertThatMaildir(maildir("Drafts")).hasMessages(1).hasMessage(mine).withFlags("S");
            google.requests().clear();
            poll(s);
            poll(s);
            assertEquals(List.of(), draftsCreated(), "made once");
            assertEquals(0, google.requests().entries().stream()
                    .filter(e -> e.method().equals("GET") && e.path().matches(".*/messages/[^/]+")).count(),
                    "nothing downloaded as a second copy");
            assertThatMaildir(maildir("Drafts")).hasMessages(1).hasMessage(mine).withFlags("S");
            assertEquals(1, gmail.messageIds(GUSER, "DRAFT").size());
            assertNoLostAndFound();
        }
    }

    /** A draft carries only the label DRAFT: read and not starred, whatever the file said. */
    @Test
    void anUnreadFlaggedFileInDraftsTakesTheFlagsGmailGivesADraft() throws Exception {
        try (SyncSetup s = open(config(), google, null)) {
            poll(s);
            byte[] mine = draft("flagged");
            Files.write(maildir("Drafts").resolve("cur").resolve("1770000000.flagged.host:2,F"), mine);
            poll(s);
            poll(s);
            List<String> drafts = gmail.messageIds(GUSER, "DRAFT");
            assertEquals(1, drafts.size());
            assertEquals(Set.of("DRAFT"), gmail.labelsOf(GUSER, drafts.get(0)), "nothing but DRAFT sent or set");
            assertEquals(1, draftsCreated().size());
            assertEquals(0, google.requests().entries().stream()
                    .filter(e -> e.path().endsWith("/modify") || e.path().endsWith("/batchModify")).count(),
                    "no label edit tried on the draft: " + google.requests());
            assertThatMaildir(maildir("Drafts")).hasMessages(1).hasMessage(mine).withFlags("S");
            assertNoLostAndFound();
        }
    }

    @Test
    void aDraftGmailRefusesGoesToLostFoundAndIsNotTriedAgain() throws Exception {
        try (SyncSetup s = open(config(), google, null)) {
            poll(s);
            google.faults().next(1, "POST", "/drafts$").answer(dev.cms.fakecloud.FakeFaults.Answer.status(400)
                    .json("{\"error\":{\"code\":400,\"message\":\"Invalid draft\",\"errors\":[{\"reason\":"
                            + "\"invalidArgument\",\"message\":\"Invalid draft\"}]}}"));
            byte[] mine = draft("refused");
            Files.write(maildir("Drafts").resolve("cur").resolve("1770000000.refused.host:2,S"), mine);
            poll(s);
            poll(s);
            assertEquals(1, draftsCreated().size(), "not tried again: " + google.requests());
            assertEquals(List.of(), gmail.messageIds(GUSER, "DRAFT"));
            assertThatMaildir(maildir("Drafts")).hasMessages(0);
            assertEquals(1, lostAndFound().size(), "the file kept in lost+found");
        }
    }

    /** A 500 may come after Gmail made the draft: drafts.create is not sent again. */
    @Test
    void aDraftAnsweredWithAServerErrorIsNeverSentAgain() throws Exception {
        try (SyncSetup s = open(config(), google, null)) {
            poll(s);
            google.faults().next(1, "POST", "/drafts$").answer(dev.cms.fakecloud.FakeFaults.Answer.status(502));
            Files.write(maildir("Drafts").resolve("cur").resolve("1770000000.err.host:2,S"), draft("bad gateway"));
            ticker.advance(java.time.Duration.ofSeconds(60));
            assertTrue(!s.engine.runCycle().ok(), "the draft's outcome is unknown");
            poll(s);
            poll(s);
            assertEquals(1, draftsCreated().size(), "sent once: " + google.requests());
            assertEquals(List.of(), gmail.messageIds(GUSER, "DRAFT"), "Gmail never made it");
            assertEquals(1, lostAndFound().size(), "kept in lost+found: at most once");
        }
    }
}
