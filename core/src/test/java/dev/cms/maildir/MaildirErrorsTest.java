package dev.cms.maildir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.cms.model.Flags;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 18 item 11: Maildir errors name the Maildir and say why, not just a path. */
class MaildirErrorsTest {
    @TempDir
    Path temp;

    private Path body() throws IOException {
        return Files.writeString(temp.resolve("body"), "From: a@example.com\n\nhi\n");
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Test
    void aRemovedMaildirIsReportedAsSuchWhenDeliveringAndScanning() throws Exception {
        Path root = temp.resolve("mail");
        MaildirFolder folder = MaildirFolder.open(root);
        Path body = body();
        deleteTree(root);

        IOException delivering = assertThrows(IOException.class, () -> folder.deliver(body, Flags.NONE, null));
        // Not "the message file is missing", which would send the body to be downloaded again.
        assertFalse(delivering instanceof NoSuchFileException, delivering.toString());
        assertTrue(delivering.getMessage().contains("no such directory: Maildir " + root), delivering.getMessage());
        assertTrue(Files.exists(body));

        IOException scanning = assertThrows(IOException.class, folder::scan);
        assertTrue(scanning.getMessage().contains("no such directory: Maildir " + root), scanning.getMessage());
    }

    @Test
    void onlyCurRemovedIsReportedAsSuchToo() throws Exception {
        Path root = temp.resolve("mail");
        MaildirFolder folder = MaildirFolder.open(root);
        Files.delete(root.resolve("cur"));
        IOException e = assertThrows(IOException.class, () -> folder.deliver(body(), Flags.fromLetters("S"), null));
        assertTrue(e.getMessage().contains("no such directory: Maildir " + root), e.getMessage());
        try (Stream<Path> s = Files.list(root.resolve("tmp"))) {
            assertEquals(0, s.count(), "tmp/ left clean");
        }
    }

    @Test
    void aReadOnlyMaildirSaysPermissionDeniedAndNamesIt() throws Exception {
        Path root = temp.resolve("mail");
        MaildirFolder folder = MaildirFolder.open(root);
        for (String sub : new String[] {"tmp", "cur", "new"}) {
            Files.setPosixFilePermissions(root.resolve(sub), PosixFilePermissions.fromString("r-x------"));
        }
        assumeFalse(Files.isWritable(root.resolve("tmp")), "permissions are not enforced for this user (root)");
        IOException e = assertThrows(IOException.class, () -> folder.deliver(body(), Flags.NONE, null));
        assertInstanceOf(AccessDeniedException.class, e);
        assertTrue(e.getMessage().contains("permission denied in Maildir " + root), e.getMessage());
    }

    @Test
    void aBarePermissionErrorGainsItsReason() {
        Path root = temp.resolve("mail");
        MaildirFolder folder = new MaildirFolder(root, UniqueNames.system());
        IOException e = folder.explained(new AccessDeniedException(root.resolve("cur/x:2,S").toString()));
        assertInstanceOf(AccessDeniedException.class, e);
        assertEquals(root.resolve("cur/x:2,S") + ": permission denied in Maildir " + root + " (is it read-only?)",
                e.getMessage());
    }
}
