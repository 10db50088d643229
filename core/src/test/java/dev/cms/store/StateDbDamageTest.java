package dev.cms.store;

import static dev.cms.testing.TextAssert.assertThatText;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 18 item 11: a damaged state.db is one clear line saying what to do. */
class StateDbDamageTest {
    @TempDir
    Path tmp;

    private static void assertClear(IOException e, Path file) {
        String m = e.getMessage();
        assertThatText(m).contains(file + " is damaged", "move it aside", "rebuilds it from the cloud");
        assertThatText(m).doesNotContain("SQLITE", "\n");
    }

    @Test
    void corruptPagesSayWhatToDo() throws Exception {
        Path file = tmp.resolve("state.db");
        try (StateDb db = StateDb.open(file)) {
            db.recordContent("gmail:a:INBOX", Map.of());
        }
        // Keep the 100-byte header, wreck the pages after it (the schema included).
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            byte[] junk = new byte[(int) f.length() - 100];
            Arrays.fill(junk, (byte) 0x5a);
            f.seek(100);
            f.write(junk);
        }
        assertClear(assertThrows(IOException.class, () -> StateDb.open(file)), file);
        // status opens it read-only, which reads only the header; the first query finds the damage.
        try (StateDb db = StateDb.openReadOnly(file)) {
            assertClear(assertThrows(IOException.class, db::loadMailboxes), file);
        }
    }

    @Test
    void aFileThatIsNoDatabaseSaysWhatToDo() throws Exception {
        Path file = tmp.resolve("state.db");
        byte[] junk = new byte[8192];
        Arrays.fill(junk, (byte) 'x');
        Files.write(file, junk);
        assertClear(assertThrows(IOException.class, () -> StateDb.open(file)), file);
    }
}
