package dev.cms.cli;

import static dev.cms.testing.MaildirAssert.assertThatMaildir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.fakecloud.MessageGenerator;
import dev.cms.fakecloud.RequestLog;
import dev.cms.testing.MaildirAssert;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code GMail_Labels(..., all_mail="All Mail")} (issue 16), end to end over HTTP against the
 * fake Gmail: a Maildir holding every message of the account out of the trash and spam,
 * archived mail included, drafts left out; a labelled message is the same file (one inode) there
 * and in its labels' Maildirs, downloaded once. A deletion there trashes the message, a move out
 * of it adds the other label only (its file comes back), a new file is imported with no label.
 */
class GmailAllMailTest extends GmailAccountFixture {
    private static final String GUSER = "al@gmail.example";
    private static final Instant DATE = Instant.parse("2026-02-01T00:00:00Z");
    private MessageGenerator.Generated inbox;
    private MessageGenerator.Generated archived;
    private MessageGenerator.Generated both;
    private String inboxId;
    private String archivedId;
    private String bothId;

    @BeforeEach
    void mail() throws Exception {
        inbox = gen.text(300);
        archived = gen.text(300);
        both = gen.text(300);
        inboxId = gmail.addMessage(GUSER, inbox.raw(), DATE, Set.of("INBOX", "UNREAD"));
        archivedId = gmail.addMessage(GUSER, archived.raw(), DATE, Set.of());
        bothId = gmail.addMessage(GUSER, both.raw(), DATE, Set.of("INBOX", work, "STARRED"));
        gmail.addMessage(GUSER, gen.text(300).raw(), DATE, Set.of("TRASH"));
        gmail.addMessage(GUSER, gen.text(300).raw(), DATE, Set.of("SPAM", "UNREAD"));
        gmail.addMessage(GUSER, gen.text(300).raw(), DATE, Set.of("DRAFT"));
    }

    @Override
    String user() {
        return GUSER;
    }

    private String config(String extra) {
        return wholeAccount(", all_mail=\"All Mail\"" + extra);
    }

    private Path allMail() {
        return maildir("All Mail");
    }

    private long bodyDownloads() {
        return google.requests().entries().stream()
                .filter(e -> e.method().equals("GET") && e.path().matches(".*/messages/[^/]+")).count();
    }

    private List<RequestLog.Entry> posts(String pathEnd) {
        return google.requests().entries().stream()
                .filter(e -> e.method().equals("POST") && e.path().endsWith(pathEnd)).toList();
    }

    /** The one file of content {@code g} in {@code maildir}. */
    private static Path fileOf(Path maildir, MessageGenerator.Generated g) throws Exception {
        List<Path> found = new ArrayList<>();
        for (Path f : files(maildir)) {
            if (MaildirAssert.hashOf(g.raw()).equals(dev.cms.store.MessageStore.hashOf(f))) {
                found.add(f);
            }
        }
        assertEquals(1, found.size(), "one file of that message in " + maildir + ": " + found);
        return found.get(0);
    }

    private static Object inode(Path p) throws Exception {
        return Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
    }

    @ParameterizedTest
    @ValueSource(strings = {"verbatim", "maildir++"})
    void allMailHoldsArchivedMailAndEveryLabelledMessageAsTheSameFile(String layout) throws Exception {
        try (SyncSetup s = open(config(", layout=\"" + layout + "\""), google, null)) {
            poll(s);
            Path all = maildir(layout.equals("verbatim") ? "All Mail" : ".All Mail");
            Path in = layout.equals("verbatim") ? maildir("INBOX") : tmp.resolve("gmail");
            Path wk = maildir(layout.equals("verbatim") ? "Work" : ".Work");
            assertThatMaildir(all).hasMessages(3).hasMessage(inbox.raw()).withFlags("")
                    .and().hasMessage(archived.raw()).withFlags("S").and().hasMessage(both.raw()).withFlags("FS");
            assertEquals(inode(fileOf(in, inbox)), inode(fileOf(all, inbox)), "one file, two names");
            assertEquals(inode(fileOf(in, both)), inode(fileOf(all, both)));
            assertEquals(inode(fileOf(wk, both)), inode(fileOf(all, both)));
            assertEquals(4, bodyDownloads(), "each message downloaded once (the draft for Drafts), trash and spam not");
            assertTrue(maildirsUnder(tmp.resolve("gmail")).contains(layout.equals("verbatim") ? "All Mail" : ".All Mail"),
                    maildirsUnder(tmp.resolve("gmail")).toString());
            google.requests().clear();
            poll(s);
            assertEquals(1, google.requests().size(), "an unchanged poll is one request: " + google.requests());
        }
    }

    @Test
    void cloudArchiveTrashAndNewArchivedMailReachAllMailInOnePoll() throws Exception {
        try (SyncSetup s = open(config(""), google, null)) {
            poll(s);
            gmail.relabel(GUSER, inboxId, Set.of(), Set.of("INBOX")); // archived in the web UI
            gmail.relabel(GUSER, bothId, Set.of("TRASH"), Set.of());
            MessageGenerator.Generated sent = gen.text(300);
            gmail.addMessage(GUSER, sent.raw(), DATE, Set.of("SENT"));
            MessageGenerator.Generated filtered = gen.text(300);
            gmail.addMessage(GUSER, filtered.raw(), DATE, Set.of()); // a filter's "skip the inbox"
            google.requests().clear();
            poll(s);
            assertThatMaildir(maildir("INBOX")).hasMessages(0);
            assertThatMaildir(maildir("Work")).hasMessages(0);
            assertThatMaildir(allMail()).hasMessages(4).hasMessage(inbox.raw()).and().hasMessage(archived.raw())
                    .and().hasMessage(sent.raw()).and().hasMessage(filtered.raw());
            assertEquals(2, bodyDownloads(), "only the two new messages are downloaded");
            gmail.relabel(GUSER, bothId, Set.of(), Set.of("TRASH")); // taken out of the trash
            google.requests().clear();
            poll(s);
            assertThatMaildir(allMail()).hasMessages(5).hasMessage(both.raw()).withFlags("FS");
            assertThatMaildir(maildir("INBOX")).hasMessages(1).hasMessage(both.raw());
            assertEquals(inode(fileOf(maildir("INBOX"), both)), inode(fileOf(allMail(), both)));
        }
    }

    @Test
    void aFlagSetInAllMailReachesTheCloudAndTheLabelsMaildirsInTheSameCycle() throws Exception {
        try (SyncSetup s = open(config(""), google, null)) {
            poll(s);
            Path f = fileOf(allMail(), both);
            Path in = fileOf(maildir("INBOX"), both);
            Files.delete(f); // a reader's flag change: the file renamed (here, a name of its own)
            Files.copy(in, allMail().resolve("cur").resolve("both:2,S"));
            google.requests().clear();
            poll(s);
            assertEquals(Set.of("INBOX", work), gmail.labelsOf(GUSER, bothId), "unstarred in Gmail");
            assertThatMaildir(maildir("INBOX")).hasMessage(both.raw()).withFlags("S");
            assertThatMaildir(maildir("Work")).hasMessage(both.raw()).withFlags("S");
            assertThatMaildir(allMail()).hasMessages(3).hasMessage(both.raw()).withFlags("S");
            assertEquals(0, bodyDownloads());
        }
    }

    /**
     * A file deleted from All Mail trashes its message whatever the delete action, once no other
     * Maildir shows it; while a label's Maildir still does, nothing is sent and the file comes back.
     */
    @Test
    void aDeletionInAllMailTrashesTheMessageWhateverTheDeleteAction() throws Exception {
        try (SyncSetup s = open(config(", delete_action=\"archive\""), google, null)) {
            poll(s);
            Files.delete(fileOf(allMail(), archived));
            Files.delete(fileOf(allMail(), both));
            poll(s);
            assertEquals(Set.of("TRASH"), gmail.labelsOf(GUSER, archivedId), "trashed");
            assertEquals(Set.of("INBOX", work, "STARRED"), gmail.labelsOf(GUSER, bothId), "still in two labels here");
            assertThatMaildir(allMail()).hasMessages(2).hasMessage(both.raw());
            Files.delete(fileOf(allMail(), both));
            Files.delete(fileOf(maildir("INBOX"), both));
            Files.delete(fileOf(maildir("Work"), both));
            poll(s);
            poll(s);
            assertTrue(gmail.labelsOf(GUSER, bothId).contains("TRASH"), "trashed: " + gmail.labelsOf(GUSER, bothId));
            assertThatMaildir(allMail()).hasMessages(1).hasMessage(inbox.raw());
            assertThatMaildir(maildir("INBOX")).hasMessages(1).hasMessage(inbox.raw());
            assertThatMaildir(maildir("Work")).hasMessages(0);
            assertNoLostAndFound();
        }
    }

    @Test
    void aDeletionInALabelArchivesAndAllMailKeepsTheMessage() throws Exception {
        try (SyncSetup s = open(config(""), google, null)) {
            poll(s);
            Files.delete(fileOf(maildir("INBOX"), inbox));
            poll(s);
            poll(s);
            assertEquals(Set.of("UNREAD"), gmail.labelsOf(GUSER, inboxId), "archived");
            assertThatMaildir(maildir("INBOX")).hasMessages(1);
            assertThatMaildir(allMail()).hasMessages(3).hasMessage(inbox.raw()).withFlags("");
            assertEquals(4, bodyDownloads(), "nothing downloaded again");
        }
    }

    @Test
    void aMoveOutOfAllMailAddsTheLabelAndTheFileStaysInAllMail() throws Exception {
        try (SyncSetup s = open(config(""), google, null)) {
            poll(s);
            Path f = fileOf(allMail(), archived);
            Files.move(f, maildir("Work").resolve("cur").resolve("moved:2,S"));
            google.requests().clear();
            poll(s);
            assertEquals(Set.of(work), gmail.labelsOf(GUSER, archivedId), "the label added, nothing else");
            assertEquals(List.of(), posts("/batchModify"), "nothing archived or trashed");
            assertThatMaildir(maildir("Work")).hasMessages(2).hasMessage(archived.raw()).withFlags("S");
            assertThatMaildir(allMail()).hasMessages(3).hasMessage(archived.raw()).withFlags("S");
            assertEquals(inode(fileOf(maildir("Work"), archived)), inode(fileOf(allMail(), archived)));
            poll(s);
            poll(s);
            assertEquals(0, bodyDownloads(), "nothing is downloaded again");
            assertThatMaildir(allMail()).hasMessages(3);
            assertNoLostAndFound();
        }
    }

    /** mutt's {@code s} from INBOX to All Mail: the message leaves the inbox and stays in All Mail, once. */
    @Test
    void muttsSaveIntoAllMailArchives() throws Exception {
        try (SyncSetup s = open(config(", delete_action=\"trash\""), google, null)) {
            poll(s);
            Path was = fileOf(maildir("INBOX"), inbox);
            google.requests().clear();
            saveAsMutt(was, allMail(), "S");
            Files.delete(was);
            poll(s);
            assertEquals(Set.of(), gmail.labelsOf(GUSER, inboxId), "archived and read, not trashed");
            assertThatMaildir(maildir("INBOX")).hasMessages(1);
            assertThatMaildir(allMail()).hasMessages(3).hasMessage(inbox.raw()).withFlags("S");
            poll(s);
            assertThatMaildir(allMail()).hasMessages(3);
            assertEquals(0, bodyDownloads(), "nothing is downloaded again");
            assertNoLostAndFound();
        }
    }

    /**
     * {@code mv} from INBOX into All Mail, which shows the message already: the file that left
     * INBOX is a deletion there, by the delete action (archive: the message stays in All Mail),
     * and the moved file stays beside the message's own.
     */
    @Test
    void aFileMovedIntoAllMailIsTheInboxsDeletion() throws Exception {
        try (SyncSetup s = open(config(""), google, null)) {
            poll(s);
            Path was = fileOf(maildir("INBOX"), inbox);
            Files.move(was, allMail().resolve("cur").resolve("moved:2,"));
            poll(s);
            poll(s);
            assertEquals(Set.of("UNREAD"), gmail.labelsOf(GUSER, inboxId), "archived");
            assertThatMaildir(maildir("INBOX")).hasMessages(1);
            assertThatMaildir(allMail()).hasMessages(4);
            assertEquals(2, files(allMail()).stream().filter(f -> {
                try {
                    return dev.cms.store.MessageStore.hashOf(f).equals(MaildirAssert.hashOf(inbox.raw()));
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).count(), "two files of it: nothing is removed that the user made");
            assertEquals(4, bodyDownloads(), "nothing is downloaded again");
            assertNoLostAndFound();
        }
    }

    /**
     * The daemon's cycle between neomutt's save into All Mail and its removal of the original:
     * the save is a copy into a mailbox that has the message, so nothing is sent, and the saved
     * file (which may carry the reader's edits, such as an X-Label) is kept in lost+found; the
     * removal then archives, by the delete action.
     */
    @Test
    void muttsSaveIntoAllMailSeenBeforeTheOriginalIsRemovedArchives() throws Exception {
        try (SyncSetup s = open(config(""), google, null)) {
            poll(s);
            Path was = fileOf(maildir("INBOX"), inbox);
            google.requests().clear();
            Path saved = saveAsMutt(was, allMail(), "S");
            poll(s);
            assertEquals(Set.of("INBOX", "UNREAD"), gmail.labelsOf(GUSER, inboxId), "nothing changed yet");
            assertEquals(List.of(), posts("/modify"), "nothing sent");
            assertEquals(was, fileOf(maildir("INBOX"), inbox), "the original untouched, for mutt to remove");
            assertFalse(Files.exists(saved), "the saved file left All Mail");
            assertEquals(1, lostAndFound().size(), "kept in lost+found");
            assertThatMaildir(allMail()).hasMessages(3).hasMessage(inbox.raw());
            Files.delete(was);
            poll(s);
            poll(s);
            assertEquals(Set.of("UNREAD"), gmail.labelsOf(GUSER, inboxId), "archived");
            assertFalse(Files.exists(saved));
            assertThatMaildir(allMail()).hasMessages(3).hasMessage(inbox.raw());
            assertThatMaildir(maildir("INBOX")).hasMessages(1);
            assertEquals(0, bodyDownloads(), "nothing is downloaded again");
        }
    }

    /**
     * neomutt's {@code s} out of All Mail with the daemon's cycle in between: a copy (the label
     * added), then the original's removal, which is no deletion while the message shows in the
     * label's Maildir: never trashed, and its file comes back in All Mail.
     */
    @Test
    void muttsSaveOutOfAllMailSeenBeforeTheOriginalIsRemovedNeverTrashes() throws Exception {
        try (SyncSetup s = open(config(""), google, null)) {
            poll(s);
            Path was = fileOf(allMail(), archived);
            saveAsMutt(was, maildir("Work"), "S");
            poll(s);
            assertEquals(Set.of(work), gmail.labelsOf(GUSER, archivedId), "copied: the label added");
            Files.delete(was); // neomutt's $ removes the original
            poll(s);
            poll(s);
            assertEquals(Set.of(work), gmail.labelsOf(GUSER, archivedId), "never trashed");
            assertThatMaildir(allMail()).hasMessages(3).hasMessage(archived.raw());
            assertThatMaildir(maildir("Work")).hasMessages(2).hasMessage(archived.raw());
            assertEquals(inode(fileOf(maildir("Work"), archived)), inode(fileOf(allMail(), archived)));
            assertNoLostAndFound();
        }
    }

    @Test
    void aNewFileInAllMailIsImportedWithNoLabel() throws Exception {
        try (SyncSetup s = open(config(""), google, null)) {
            poll(s);
            MessageGenerator.Generated mine = gen.text(300);
            Files.write(allMail().resolve("new").resolve("mine"), mine.raw());
            google.requests().clear();
            poll(s);
            assertEquals(1, posts("/messages/import").size(), google.requests().toString());
            List<String> all = gmail.messageIds(GUSER, null);
            String made = all.stream().filter(id -> new String(gmail.raw(GUSER, id), StandardCharsets.UTF_8)
                    .equals(new String(mine.raw(), StandardCharsets.UTF_8))).findFirst().orElseThrow();
            assertEquals(Set.of("UNREAD"), gmail.labelsOf(GUSER, made), "no label: archived mail");
            poll(s);
            assertThatMaildir(allMail()).hasMessages(4).hasMessage(mine.raw());
            assertThatMaildir(maildir("INBOX")).hasMessages(2);
            assertNoLostAndFound();
        }
    }

    @Test
    void aLabelNamedAsAllMailsMaildirIsAClearError() throws Exception {
        gmail.addLabel(GUSER, "All Mail");
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                () -> open(config(""), google, null).close());
        assertTrue(e.getMessage().contains("\"All Mail\"") && e.getMessage().contains("would both be the Maildir"),
                e.getMessage());
        assertFalse(Files.exists(allMail()), "nothing made");
    }
}
