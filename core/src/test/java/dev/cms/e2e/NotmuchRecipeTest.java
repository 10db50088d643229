package dev.cms.e2e;

import static dev.cms.testing.TextAssert.assertThatText;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cms.e2e.ReaderMailbox.Message;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's notmuch recipes (issue 12, item 10) with Debian's notmuch, on a Maildir the
 * real engine filled from the fake Gmail with the default state directory {@code ~/mail/.cms}
 * inside the mail root: {@code new.ignore} makes notmuch index each message once, and both
 * deletion recipes change only Maildir files, which the next cycle deletes in the cloud.
 * The snippets are run exactly as the README prints them.
 */
class NotmuchRecipeTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private ReaderMailbox mail;
    private Map<String, String> env;

    @BeforeEach
    void start() throws Exception {
        assumeTrue(BrokerPrograms.find("notmuch") != null, "notmuch is not installed");
        Path home = Files.createDirectories(dir.resolve("home"));
        mail = ReaderMailbox.start(home, List.of(
                new Message("unread-to-trash", false),
                new Message("read-to-trash", true),
                new Message("to-remove", true),
                new Message("kept-unread", false),
                new Message("kept-read", true)));
        Path config = home.resolve(".notmuch-config");
        // What `notmuch setup` writes for a database in ~/mail, before the README's settings.
        Files.writeString(config, "[database]\npath=" + mail.mailRoot + "\n\n[new]\ntags=unread;inbox;\n");
        env = Map.of("HOME", home.toString(), "NOTMUCH_CONFIG", config.toString(),
                "XDG_CONFIG_HOME", home.resolve(".config").toString(),
                "XDG_DATA_HOME", home.resolve(".local/share").toString());
    }

    @AfterEach
    void stop() throws IOException {
        if (mail != null) {
            mail.close();
        }
    }

    private String sh(String script) throws Exception {
        BrokerPrograms.Result r = BrokerPrograms.run(dir, env, null, TIMEOUT, "sh", "-ec", script);
        if (r.exit() != 0) {
            throw new AssertionError("exit " + r.exit() + " from:\n" + script + "\n" + r.output());
        }
        return r.output();
    }

    private int notmuchCount(String... args) throws Exception {
        StringBuilder cmd = new StringBuilder("notmuch count");
        for (String a : args) {
            cmd.append(" '").append(a).append('\'');
        }
        String out = sh(cmd.toString()).strip();
        return Integer.parseInt(out.substring(out.lastIndexOf('\n') + 1));
    }

    private static String readme(String name) throws IOException {
        return BrokerDocs.snippet("../README.md", name);
    }

    @Test
    void ignoringTheStateDirectoryIndexesEachMessageOnceAndDeletingLeavesTheStoreAlone() throws Exception {
        mail.cycle();
        assertEquals(5, mail.maildirFiles().size());
        assertEquals(5, mail.storedBodies().size(), "every body is in the store as well");

        // Without the setting notmuch finds each message twice: its Maildir file and the store's link.
        sh("notmuch new");
        assertEquals(10, notmuchCount("--output=files", "*"), "the layout this recipe is for");

        // The README's settings; the next `notmuch new` forgets the copies it had indexed.
        sh(readme("notmuch-config"));
        sh("notmuch new");
        assertEquals(5, notmuchCount("--output=files", "*"), "each Maildir file once, the store's copy not at all");
        assertEquals(5, notmuchCount("*"));
        for (String f : sh("notmuch search --output=files '*'").strip().split("\n")) {
            assertTrue(Path.of(f).startsWith(mail.maildir), f);
        }
        assertEquals(2, notmuchCount("tag:unread"), "synchronize_flags reads S");

        // Tag two messages `deleted` (one in new/, one in cur/) and run the T recipe.
        Path unread = mail.fileOf("unread-to-trash").orElseThrow();
        assertEquals("new", unread.getParent().getFileName().toString());
        Set<String> stored = mail.storedBodies();
        sh("notmuch tag +deleted -- id:unread-to-trash@example.org or id:read-to-trash@example.org");
        sh(readme("notmuch-delete"));
        for (String subject : List.of("unread-to-trash", "read-to-trash")) {
            Path f = mail.fileOf(subject).orElseThrow();
            assertEquals("cur", f.getParent().getFileName().toString(), f.toString());
            String info = f.getFileName().toString().substring(f.getFileName().toString().lastIndexOf(":2,") + 3);
            assertThatText(info, f.toString()).contains("T");
            assertEquals(subject.startsWith("read"), info.contains("S"), "the other flags are kept: " + f);
        }
        assertEquals(5, mail.maildirFiles().size());
        assertEquals(stored, mail.storedBodies(), "the store is not touched");
        for (Path f : mail.maildirFiles()) {
            assertEquals(2, Files.getAttribute(f, "unix:nlink"), "still linked to the store: " + f);
        }

        // The next cycle deletes both in the cloud (archive: INBOX removed) and removes their files.
        mail.cycle();
        for (String subject : List.of("unread-to-trash", "read-to-trash")) {
            assertFalse(mail.labelsOf(subject).contains("INBOX"), subject + " archived: " + mail.labelsOf(subject));
            assertTrue(mail.fileOf(subject).isEmpty(), subject);
        }
        assertEquals(Set.of("INBOX", "UNREAD"), mail.labelsOf("kept-unread"));
        assertEquals(Set.of("INBOX"), mail.labelsOf("kept-read"));
        assertEquals(Set.of("INBOX"), mail.labelsOf("to-remove"));
        sh("notmuch new");
        assertEquals(3, notmuchCount("--output=files", "*"));

        // The removal recipe names only the Maildir file.
        stored = mail.storedBodies();
        sh("notmuch tag +deleted -- id:to-remove@example.org");
        sh(readme("notmuch-rm"));
        assertTrue(mail.fileOf("to-remove").isEmpty());
        assertEquals(2, mail.maildirFiles().size());
        assertEquals(stored, mail.storedBodies(), "the store keeps the removed message's body");
        assertEquals(2, notmuchCount("--output=files", "*"));
        mail.cycle();
        assertFalse(mail.labelsOf("to-remove").contains("INBOX"), mail.labelsOf("to-remove").toString());
        assertEquals(Set.of("INBOX", "UNREAD"), mail.labelsOf("kept-unread"));
        assertEquals(Set.of("INBOX"), mail.labelsOf("kept-read"));
        assertEquals(2, mail.maildirFiles().size());
    }
}
