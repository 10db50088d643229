package dev.cms.testing;

import static dev.cms.testing.MaildirAssert.assertThatDirectory;
import static dev.cms.testing.MaildirAssert.assertThatMaildir;
import static dev.cms.testing.MaildirAssert.hashOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cms.fakecloud.FakeCloud;
import dev.cms.fakecloud.FakeGmail;
import dev.cms.model.ContentHash;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The domain assertions pass on what holds and fail saying what the Maildir (or mailbox) holds. */
class MaildirAssertTest {
    static final byte[] A = "Subject: a\n\nbody a\n".getBytes(StandardCharsets.US_ASCII);
    static final byte[] B = "Subject: b\n\nbody b\n".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    private void write(String sub, String name, byte[] content) throws Exception {
        Files.createDirectories(dir.resolve(sub));
        Files.write(dir.resolve(sub).resolve(name), content);
    }

    @Test
    void passesOnWhatTheMaildirHolds() throws Exception {
        write("cur", "1.x:2,SR", A);
        write("new", "2.x", B);
        write("cur", ".hidden", B);
        Files.createDirectories(dir.resolve("tmp"));

        assertThatMaildir(dir).hasMessages(2).hasNothingIn("tmp")
                .hasMessage(A).withFlags("RS").in("cur")
                .and().hasMessage(hashOf(B)).withFlags("").in("new");
        assertThatMaildir(dir).hasNoMessage(hashOf("Subject: c\n\n".getBytes(StandardCharsets.US_ASCII)));
        assertThatDirectory(dir.resolve("cur")).hasMessages(1).hasMessage(A);
        assertThatMaildir(dir.resolve("missing")).isEmpty();
    }

    @Test
    void failuresListTheFilesWithTheirHashes() throws Exception {
        write("cur", "1.x:2,S", A);
        ContentHash a = hashOf(A);
        String holds = " in " + dir + ", which holds 1 message:\n  cur/1.x:2,S (" + a.shortHex() + ") \"a\"";

        assertEquals("expected 2 messages" + holds,
                assertThrows(AssertionError.class, () -> assertThatMaildir(dir).hasMessages(2)).getMessage());
        assertEquals("expected one file of message " + hashOf(B).shortHex() + ", found 0" + holds,
                assertThrows(AssertionError.class, () -> assertThatMaildir(dir).hasMessage(B)).getMessage());
        assertEquals("expected no file of message " + a.shortHex() + holds,
                assertThrows(AssertionError.class, () -> assertThatMaildir(dir).hasNoMessage(A)).getMessage());
        AssertionError flags = assertThrows(AssertionError.class,
                () -> assertThatMaildir(dir).hasMessage(A).withFlags("FS"));
        assertEquals("expected message " + a.shortHex() + " with flags 'FS' but its file is cur/1.x:2,S ("
                + a.shortHex() + ") \"a\"; the Maildir " + dir + " holds 1 message:\n  cur/1.x:2,S (" + a.shortHex()
                + ") \"a\"", flags.getMessage());
        write("tmp", "half", B);
        assertEquals("expected nothing in " + dir.resolve("tmp") + " but it holds 1: [half]",
                assertThrows(AssertionError.class, () -> assertThatMaildir(dir).hasNothingIn("tmp")).getMessage());
    }

    @Test
    void messagesAreFoundByMessageIdOrContent() throws Exception {
        byte[] sent = "Message-ID:\r\n <s-1@example.com>\r\nSubject: sent\r\n\r\nMessage-ID: <body@x>\r\n"
                .getBytes(StandardCharsets.US_ASCII);
        write("cur", "1.x:2,S", sent);
        write("new", "2.x", B);

        assertThatMaildir(dir).hasMessageWithId("<s-1@example.com>").withFlags("S").in("cur")
                .and().hasMessageWithId("s-1@example.com")
                .and().hasNoMessageWithId("<body@x>")
                .hasMessageContaining("body b").withFlags("").in("new")
                .and().hasNoMessageContaining("body c");
        String holds = ", which holds 2 messages:\n  cur/1.x:2,S (" + hashOf(sent).shortHex() + ") \"sent\"\n  new/2.x ("
                + hashOf(B).shortHex() + ") \"b\"";
        assertEquals("expected one message with Message-ID <nope@x>, found 0 in " + dir + holds,
                assertThrows(AssertionError.class, () -> assertThatMaildir(dir).hasMessageWithId("nope@x")).getMessage());
        assertEquals("expected no message containing 'Subject: b' but found [new/2.x (" + hashOf(B).shortHex()
                + ") \"b\"] in " + dir + holds, assertThrows(AssertionError.class,
                        () -> assertThatMaildir(dir).hasNoMessageContaining("Subject: b")).getMessage());
        assertEquals("expected one message containing 'Subject', found 2 in " + dir + holds, assertThrows(AssertionError.class,
                        () -> assertThatMaildir(dir).hasMessageContaining("Subject")).getMessage());
    }

    @Test
    void gmailAssertionsNameTheMessageAndItsLabels() throws Exception {
        try (FakeCloud cloud = FakeCloud.start(0)) {
            FakeGmail gmail = cloud.gmail();
            gmail.addAccount("u@example.com", "c", "s");
            String id = gmail.addMessage("u@example.com", A, Instant.EPOCH, Set.of("INBOX", "UNREAD"));
            FakeGmailAssert.assertThatGmail(gmail, "u@example.com").message(id)
                    .hasLabels("INBOX").lacksLabels("STARRED").hasExactly("INBOX", "UNREAD");
            AssertionError e = assertThrows(AssertionError.class,
                    () -> FakeGmailAssert.assertThatGmail(gmail, "u@example.com").message(id).lacksLabels("UNREAD"));
            assertEquals("expected message " + id + " of u@example.com without [UNREAD] but its labels are [INBOX, UNREAD]",
                    e.getMessage());
            gmail.delete("u@example.com", id);
            FakeGmailAssert.assertThatGmail(gmail, "u@example.com").message(id).isDeleted();
            assertThrows(AssertionError.class,
                    () -> FakeGmailAssert.assertThatGmail(gmail, "u@example.com").message(id).hasLabels("INBOX"));
        }
    }
}
