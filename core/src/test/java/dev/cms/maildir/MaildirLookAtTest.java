package dev.cms.maildir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.model.Flag;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One file looked at for a watcher's event: it must be what a scan would see, or nothing.
 * A file the engine took for a message where a scan would skip it could be pushed to the
 * cloud or moved to lost+found.
 */
class MaildirLookAtTest {
    @TempDir Path temp;

    @Test
    void aMessageFileOfCurOrNewIsSeenAsAScanSeesIt() throws IOException {
        MaildirFolder f = MaildirFolder.open(temp.resolve("m"));
        Path cur = Files.writeString(f.root().resolve("cur/1.M1P1Q1.host:2,FS"), "mail");
        Path nu = Files.writeString(f.root().resolve("new/2.M1P1Q1.host"), "mail too");

        MaildirFile c = f.lookAt(cur);
        assertNotNull(c);
        assertEquals(cur, c.path());
        assertFalse(c.inNew());
        assertTrue(c.flags().has(Flag.FLAGGED) && c.flags().has(Flag.READ));
        assertEquals(Files.getAttribute(cur, "unix:ino", LinkOption.NOFOLLOW_LINKS), c.stat().inode());
        assertEquals(4, c.stat().size());

        MaildirFile n = f.lookAt(nu);
        assertNotNull(n);
        assertTrue(n.inNew());
        assertEquals(8, n.stat().size());
        assertEquals(java.util.Set.of(cur, nu), f.names());
    }

    @Test
    void whatAScanSkipsIsNothing() throws IOException {
        MaildirFolder f = MaildirFolder.open(temp.resolve("m"));
        Path inTmp = Files.writeString(f.root().resolve("tmp/3.M1P1Q1.host"), "being delivered");
        Path dot = Files.writeString(f.root().resolve("cur/.hidden"), "a reader's own file");
        Path dir = Files.createDirectory(f.root().resolve("new/subdir"));
        Path link = Files.createSymbolicLink(f.root().resolve("cur/4.M1P1Q1.host:2,S"), inTmp);
        Path outside = Files.writeString(temp.resolve("elsewhere"), "not in the Maildir");
        assertNull(f.lookAt(inTmp));
        assertNull(f.lookAt(dot));
        assertNull(f.lookAt(dir));
        assertNull(f.lookAt(link), "a symbolic link is never followed");
        assertNull(f.lookAt(outside));
        assertNull(f.lookAt(f.root().resolve("cur/gone:2,")), "a file already gone");
    }
}
