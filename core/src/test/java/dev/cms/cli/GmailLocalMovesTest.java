package dev.cms.cli;

import static dev.cms.testing.MaildirAssert.assertThatMaildir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.fakecloud.FakeMicrosoft;
import dev.cms.fakecloud.MessageGenerator;
import dev.cms.fakecloud.RequestLog;
import dev.cms.store.MessageStore;
import dev.cms.testing.MaildirAssert;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Local moves become label changes on Gmail (issue 16, item 3), end to end over HTTP against
 * the fake Gmail: a message moved from one label's Maildir into another's is one
 * {@code messages.modify} removing the old label and adding the new one (with the flags set on
 * the way); a copy adds the label. Nothing is archived, trashed, sent to lost+found or
 * downloaded again. Across accounts a move stays what it was: a deletion, and the file in
 * lost+found.
 */
class GmailLocalMovesTest extends GmailAccountFixture {
    private static final String GUSER = "mo@gmail.example";
    private String id;
    private MessageGenerator.Generated message;

    @BeforeEach
    void account() throws Exception {
        message = gen.text(300);
        id = gmail.addMessage(GUSER, message.raw(), Instant.parse("2026-02-01T00:00:00Z"), Set.of("INBOX", "UNREAD"));
    }

    @Override
    String user() {
        return GUSER;
    }

    private String config() {
        return wholeAccount("");
    }

    private List<RequestLog.Entry> requests(String pathEnd) {
        return google.requests().entries().stream()
                .filter(e -> e.method().equals("POST") && e.path().endsWith(pathEnd)).toList();
    }

    private long bodyDownloads() {
        return google.requests().entries().stream()
                .filter(e -> e.method().equals("GET") && e.path().matches(".*/messages/[^/]+")).count();
    }

    @Test
    void messageMovedIntoAnotherLabelsMaildirIsOneModifySwappingTheLabels() throws Exception {
        try (SyncSetup s = open(config(), google, null)) {
            poll(s);
            Path was = onlyFile(maildir("INBOX"));
            google.requests().clear();
            Files.move(was, maildir("Work").resolve("cur").resolve(was.getFileName().toString().split(":")[0] + ":2,S"));
            poll(s);
            assertOneModifyIntoWorkRead(s);
        }
    }

    /**
     * The message left INBOX for Work in one {@code messages.modify} (read on the way), nothing
     * archived, trashed or imported, the Work Maildir holding it as Gmail has it, also after two
     * more polls, with nothing downloaded again.
     */
    private void assertOneModifyIntoWorkRead(SyncSetup s) throws Exception {
        List<RequestLog.Entry> modify = requests("/messages/" + id + "/modify");
        assertEquals(1, modify.size(), "one messages.modify: " + google.requests());
        String body = modify.get(0).body();
        assertTrue(body.matches("(?s).*\"addLabelIds\"\\s*:\\s*\\[\\s*\"" + work + "\"\\s*].*"), body);
        assertTrue(body.matches("(?s).*\"removeLabelIds\"\\s*:\\s*\\[\\s*\"INBOX\"\\s*,\\s*\"UNREAD\"\\s*].*"), body);
        assertEquals(List.of(), requests("/batchModify"), "no other label edit: nothing archived or trashed");
        assertEquals(List.of(), requests("/messages/import"), "not imported as a new message");
        assertEquals(List.of(id), gmail.messageIds(GUSER, work));
        assertEquals(Set.of(work), gmail.labelsOf(GUSER, id), "in Work, read, the same message");
        assertThatMaildir(maildir("Work")).hasMessages(1).hasMessage(message.raw()).withFlags("S");
        assertThatMaildir(maildir("INBOX")).hasMessages(0);
        poll(s);
        poll(s);
        assertEquals(0, bodyDownloads(), "nothing is downloaded again");
        assertThatMaildir(maildir("Work")).hasMessages(1).hasMessage(message.raw()).withFlags("S");
        assertNoLostAndFound();
    }

    /** mutt's and neomutt's {@code s}: a rewritten file in Work, the original removed. */
    @Test
    void muttsSaveIntoAnotherLabelsMaildirIsOneModifySwappingTheLabels() throws Exception {
        try (SyncSetup s = open(config(), google, null)) {
            poll(s);
            Path was = onlyFile(maildir("INBOX"));
            google.requests().clear();
            Path saved = saveAsMutt(was, maildir("Work"), "S");
            Files.delete(was); // mutt's sync, before the daemon's next cycle
            poll(s);
            assertFalse(Files.exists(saved), "the saved file is now the message as Gmail has it");
            assertOneModifyIntoWorkRead(s);
        }
    }

    /**
     * The daemon's cycle between mutt's save and mutt's sync (its watcher reacts within a second):
     * the save is a copy (the label added; the message's flags, as for any copy), the original's
     * removal then takes the INBOX label away: the message ends in Work alone.
     */
    @Test
    void muttsSaveSeenBeforeTheOriginalIsRemovedEndsInTheOtherLabelAlone() throws Exception {
        try (SyncSetup s = open(config(), google, null)) {
            poll(s);
            Path was = onlyFile(maildir("INBOX"));
            google.requests().clear();
            Path saved = saveAsMutt(was, maildir("Work"), "S");
            poll(s);
            assertEquals(Set.of("INBOX", "UNREAD", work), gmail.labelsOf(GUSER, id), "copied: the label added");
            assertFalse(Files.exists(saved), "the saved file is now the message as Gmail has it");
            assertThatMaildir(maildir("Work")).hasMessages(1).hasMessage(message.raw()).withFlags("");
            assertEquals(was, onlyFile(maildir("INBOX")), "the original untouched, for mutt to remove");
            Files.delete(was); // mutt's sync removes the original
            poll(s);
            assertEquals(Set.of("UNREAD", work), gmail.labelsOf(GUSER, id), "in Work alone");
            assertThatMaildir(maildir("Work")).hasMessages(1).hasMessage(message.raw()).withFlags("");
            assertThatMaildir(maildir("INBOX")).hasMessages(0);
            poll(s);
            assertEquals(0, bodyDownloads(), "nothing is downloaded again");
            assertNoLostAndFound();
        }
    }

    /**
     * A save whose body was edited is another message: the user's own, imported into the label
     * it was saved to; the original's removal is a deletion (archived).
     */
    @Test
    void muttsSaveOfAnotherMessageIsNoMove() throws Exception {
        try (SyncSetup s = open(config(), google, null)) {
            poll(s);
            Path was = onlyFile(maildir("INBOX"));
            Path saved = saveAsMutt(was, maildir("Work"), "S");
            Files.delete(was);
            Files.writeString(saved, Files.readString(saved).replace("\n\n", "\n\nEdited before saving.\n"));
            poll(s);
            assertEquals(Set.of("UNREAD"), gmail.labelsOf(GUSER, id), "archived: a deletion");
            List<String> inWork = gmail.messageIds(GUSER, work);
            assertEquals(1, inWork.size(), "the edited save is a message of its own in Work: " + inWork);
            assertFalse(inWork.contains(id));
            assertTrue(new String(gmail.raw(GUSER, inWork.get(0)), StandardCharsets.UTF_8).contains("Edited before saving."));
            assertNoLostAndFound();
        }
    }

    @Test
    void messageCopiedIntoAnotherLabelsMaildirGetsThatLabel() throws Exception {
        try (SyncSetup s = open(config(), google, null)) {
            poll(s);
            Path was = onlyFile(maildir("INBOX"));
            google.requests().clear();
            Files.createLink(maildir("Work").resolve("cur").resolve("copied:2,"), was);
            poll(s);
            List<RequestLog.Entry> modify = requests("/messages/" + id + "/modify");
            assertEquals(1, modify.size(), "one messages.modify: " + google.requests());
            assertTrue(modify.get(0).body().contains(work) && !modify.get(0).body().contains("removeLabelIds"),
                    modify.get(0).body());
            assertEquals(Set.of("INBOX", "UNREAD", work), gmail.labelsOf(GUSER, id));
            assertThatMaildir(maildir("INBOX")).hasMessages(1).hasMessage(message.raw());
            assertThatMaildir(maildir("Work")).hasMessages(1).hasMessage(message.raw());
            poll(s);
            poll(s);
            assertEquals(0, bodyDownloads(), "nothing is downloaded again");
            assertNoLostAndFound();
        }
    }

    @Test
    void acrossAccountsAMoveStaysADeletionAndTheFileGoesToLostAndFound() throws Exception {
        try (FakeMicrosoft ms = FakeMicrosoft.start(0)) {
            ms.graph().addUser("w@example.com", CLIENT);
            String cfg = config() + "work = Office365_Account(user=\"w@example.com\", client_id=\"" + CLIENT
                    + "\", authority_host=\"" + ms.authorityHost() + "\", graph_endpoint=\"" + ms.graphEndpoint()
                    + "\")\nOffice365_Folders(work, root=\"" + tmp.resolve("work") + "\", exclude=[\"Junk Email\"])\n";
            try (SyncSetup s = open(cfg, google, ms)) {
                poll(s);
                Path was = onlyFile(maildir("INBOX"));
                Path into = tmp.resolve("work").resolve("Inbox").resolve("cur").resolve("from-gmail:2,S");
                Files.move(was, into);
                poll(s);
                assertEquals(Set.of("UNREAD"), gmail.labelsOf(GUSER, id), "archived: a deletion, as before");
                assertEquals(List.of(), ms.graph().messageIds("w@example.com", "inbox"), "nothing made on Office365");
                Set<Path> lost = lostAndFound();
                assertEquals(1, lost.size(), "the file is kept in lost+found");
                assertEquals(MaildirAssert.hashOf(message.raw()), MessageStore.hashOf(lost.iterator().next()),
                        "the message's own bytes");
            }
        }
    }
}
