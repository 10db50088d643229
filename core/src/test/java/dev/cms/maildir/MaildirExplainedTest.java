package dev.cms.maildir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How a Maildir error is told apart before the engine acts on it: a missing file in an intact
 * Maildir stays a {@link NoSuchFileException} (the file is gone: download it again), while a
 * missing {@code tmp/}, {@code cur/} or {@code new/} is a broken Maildir, never "file missing".
 * Errors that already carry a reason, and other kinds, pass through unchanged.
 */
class MaildirExplainedTest {
    @TempDir Path temp;

    private MaildirFolder maildir() throws IOException {
        return MaildirFolder.open(temp.resolve("mail"));
    }

    private static NoSuchFileException bare(Path root) {
        return new NoSuchFileException(root.resolve("cur/1.m.h:2,S").toString());
    }

    @Test
    void aMissingFileInAnIntactMaildirStaysAMissingFile() throws IOException {
        MaildirFolder folder = maildir();
        IOException e = folder.explained(bare(folder.root()));
        assertInstanceOf(NoSuchFileException.class, e);
        assertEquals(folder.root().resolve("cur/1.m.h:2,S") + ": no such file in Maildir " + folder.root(), e.getMessage());
        assertInstanceOf(NoSuchFileException.class, e.getCause());
    }

    @Test
    void eachMissingSubdirectoryMakesItABrokenMaildir() throws IOException {
        for (String sub : new String[] {"tmp", "cur", "new"}) {
            MaildirFolder folder = MaildirFolder.open(temp.resolve("mail-" + sub));
            Files.delete(folder.root().resolve(sub));
            IOException e = folder.explained(bare(folder.root()));
            assertEquals(FileSystemException.class, e.getClass(), sub);
            assertEquals(folder.root().resolve("cur/1.m.h:2,S") + ": no such directory: Maildir " + folder.root()
                    + " or its tmp/, cur/ or new/ was removed", e.getMessage(), sub);
        }
    }

    @Test
    void errorsWithAReasonOrOfOtherKindsPassThrough() throws IOException {
        MaildirFolder folder = maildir();
        NoSuchFileException withReason = new NoSuchFileException("x", null, "already explained");
        assertSame(withReason, folder.explained(withReason));
        FileSystemException other = new FileSystemException("x");
        assertSame(other, folder.explained(other));
        IOException plain = new IOException("not about a file");
        assertSame(plain, folder.explained(plain));
    }
}
