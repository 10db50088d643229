package dev.cms.e2e;

import static dev.cms.testing.MaildirAssert.assertThatMaildir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cms.e2e.ReaderMailbox.Message;
import dev.cms.testing.MaildirAssert;
import dev.cms.maildir.MaildirName;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's mutt and neomutt settings with Debian's programs, driven through tmux on a
 * Maildir the real engine keeps in step with the fake Gmail: the user deletes one message
 * while the daemon removes another that the cloud archived, and the reader must then save the
 * mailbox. neomutt with {@code maildir_trash = yes} stopped with "Unable to write" there
 * (issue 12, item 11); the README's {@code maildir_trash = no} saves it at once. mutt 2.2
 * with {@code maildir_trash = yes} reloads on the first sync and writes {@code T} on the
 * second, as the README says. Either way the next cycle archives the deleted message.
 */
class MuttRecipeTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private ReaderMailbox mail;
    private Path socket;
    private Map<String, String> env;

    @AfterEach
    void stop() throws Exception {
        try {
            if (socket != null && Files.exists(socket)) {
                // Ends the reader if a failed test left it running; "no server" when it has quit.
                BrokerPrograms.run(dir, env, null, TIMEOUT, "tmux", "-S", socket.toString(), "kill-server");
            }
        } finally {
            if (mail != null) {
                mail.close();
            }
        }
    }

    /**
     * Syncs four messages, opens {@code program} on the Maildir with the README's snippet, marks
     * "deleted-in-the-reader" deleted there, and lets the daemon's cycle remove the file of
     * "archived-in-the-cloud" while the reader has it open.
     */
    private void deleteOneWhileTheDaemonRemovesAnother(String program, String snippet) throws Exception {
        assumeTrue(BrokerPrograms.find(program) != null, program + " is not installed");
        assumeTrue(BrokerPrograms.find("tmux") != null, "tmux is not installed");
        Path home = Files.createDirectories(dir.resolve("home"));
        mail = ReaderMailbox.start(home, List.of(
                new Message("kept-first", true),
                new Message("deleted-in-the-reader", true),
                new Message("archived-in-the-cloud", true),
                new Message("kept-last", false)));
        socket = dir.resolve("tmux.sock");
        env = Map.of("HOME", home.toString(), "TERM", "xterm", "LANG", "C.UTF-8");
        mail.cycle();
        maildir().hasMessages(4);

        Path muttrc = home.resolve("muttrc");
        // The README's settings; the test only answers the purge question in advance.
        Files.writeString(muttrc, BrokerDocs.snippet("../README.md", snippet) + "set delete = yes\n");
        tmux("new-session", "-d", "-x", "160", "-y", "30", program + " -n -F '" + muttrc + "'");
        awaitScreen("the index", s -> s.contains("kept-first") && s.contains("kept-last")
                && s.contains("archived-in-the-cloud") && s.contains("deleted-in-the-reader"));

        // Delete one message in the reader (delete-pattern), not yet synced.
        tmux("send-keys", "D");
        awaitScreen("the pattern prompt", s -> s.contains("Delete messages matching:"));
        tmux("send-keys", "-l", "~s deleted-in-the-reader");
        tmux("send-keys", "Enter");
        awaitScreen("the message marked deleted",
                s -> indexLine(s, "deleted-in-the-reader").matches("\\s*\\d+\\s+D\\s.*"));

        // Another client archives a message; the daemon's cycle removes its file under the reader.
        mail.gmail.relabel(ReaderMailbox.USER, mail.idOf("archived-in-the-cloud"), Set.of(), Set.of("INBOX"));
        mail.cycle();
        // The daemon removed the archived message; the reader has not written yet.
        maildir().hasNoMessageWithId(idOf("archived-in-the-cloud")).hasMessageWithId(idOf("deleted-in-the-reader"));
        // The readers notice a change by cur/'s mtime in whole seconds (Debian's neomutt 20220429
        // missed a removal made within the second it opened the mailbox). A daemon removes the
        // file seconds or minutes later; moving the mtime on stands for that, without sleeping.
        Path cur = mail.maildir.resolve("cur");
        Files.setLastModifiedTime(cur, FileTime.from(Files.getLastModifiedTime(cur).toInstant().plusSeconds(2)));
    }

    /** The reader's Maildir, checked. */
    private MaildirAssert maildir() {
        return assertThatMaildir(mail.maildir);
    }

    /** The Message-ID of the test message with this subject. */
    private static String idOf(String subject) {
        return "<" + subject + "@example.org>";
    }

    /** The next cycle deletes the reader's deleted message in the cloud and leaves the others alone. */
    private void assertTheNextCycleArchivesOnlyTheDeletedMessage() throws Exception {
        mail.cycle();
        assertFalse(mail.labelsOf("deleted-in-the-reader").contains("INBOX"),
                mail.labelsOf("deleted-in-the-reader").toString());
        assertEquals(Set.of("INBOX"), mail.labelsOf("kept-first"));
        assertEquals(Set.of("INBOX", "UNREAD"), mail.labelsOf("kept-last"));
        maildir().hasMessages(2).hasNoMessageWithId(idOf("deleted-in-the-reader"))
                .hasMessageWithId(idOf("kept-first")).and().hasMessageWithId(idOf("kept-last"));
    }

    @Test
    void neomuttSavesTheMailboxAfterTheDaemonRemovedAFileItHadOpen() throws Exception {
        deleteOneWhileTheDaemonRemovesAnother("neomutt", "neomutt");

        tmux("send-keys", "$");
        String after = awaitScreen("the sync to finish",
                s -> s.contains("Unable to write") || !s.contains("deleted-in-the-reader"));
        assertFalse(after.contains("Unable to write"), after);
        assertFalse(after.contains("archived-in-the-cloud"), after);
        // neomutt removed the deleted message's file.
        maildir().hasMessages(2).hasNoMessageWithId(idOf("deleted-in-the-reader"));

        assertTheNextCycleArchivesOnlyTheDeletedMessage();
        quit();
    }

    @Test
    void muttReloadsOnTheFirstSyncAndWritesTheTrashFlagOnTheSecond() throws Exception {
        deleteOneWhileTheDaemonRemovesAnother("mutt", "mutt");

        tmux("send-keys", "$");
        String reloaded = awaitScreen("the reload", s -> !s.contains("archived-in-the-cloud"));
        assertFalse(reloaded.contains("Unable to write"), reloaded);
        tmux("send-keys", "$");
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!MaildirName.parse(mail.fileOf("deleted-in-the-reader").orElseThrow().getFileName().toString())
                .info().contains("T")) {
            assertTrue(System.nanoTime() < deadline, () -> "mutt did not write T; the screen:\n" + screen());
            Thread.sleep(50);
        }
        assertFalse(screen().contains("Unable to write"));

        assertTheNextCycleArchivesOnlyTheDeletedMessage();
        quit();
    }

    private String tmux(String... args) throws Exception {
        String[] cmd = new String[args.length + 3];
        cmd[0] = "tmux";
        cmd[1] = "-S";
        cmd[2] = socket.toString();
        System.arraycopy(args, 0, cmd, 3, args.length);
        BrokerPrograms.Result r = BrokerPrograms.run(dir, env, null, TIMEOUT, cmd);
        if (r.exit() != 0) {
            throw new IOException(String.join(" ", cmd) + " exited with " + r.exit() + ": " + r.output());
        }
        return r.output();
    }

    private String screen() {
        try {
            return tmux("capture-pane", "-p");
        } catch (Exception e) {
            throw new AssertionError("cannot read the screen", e);
        }
    }

    /** Waits (bounded) until the reader's screen satisfies {@code condition}; returns that screen. */
    private String awaitScreen(String what, Predicate<String> condition) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        String s = screen();
        while (!condition.test(s)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + "; the screen:\n" + s);
            }
            Thread.sleep(50);
            s = screen();
        }
        return s;
    }

    /** The line of the index that shows this subject. */
    private static String indexLine(String screen, String subject) {
        return screen.lines().filter(l -> l.endsWith(" " + subject)).findFirst().orElse("");
    }

    /** Quits the reader, which must exit (nothing left it cannot write), ending the tmux session. */
    private void quit() throws Exception {
        tmux("send-keys", "q");
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (BrokerPrograms.run(dir, env, null, TIMEOUT, "tmux", "-S", socket.toString(), "has-session").exit() == 0) {
            assertTrue(System.nanoTime() < deadline, () -> "the reader did not quit; the screen:\n" + screen());
            Thread.sleep(50);
        }
    }
}
