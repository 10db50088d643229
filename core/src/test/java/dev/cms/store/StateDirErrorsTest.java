package dev.cms.store;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A state directory that cannot be made: one line that names the directory, its role and the reason. */
class StateDirErrorsTest {
    @TempDir Path tmp;

    @Test
    void aStateDirectoryUnderAFileSaysWhyItCannotBeMade() throws IOException {
        Path file = Files.writeString(tmp.resolve("not-a-dir"), "x");
        IOException e = assertThrows(IOException.class, () -> MessageStore.open(file.resolve("state")));
        String m = e.getMessage();
        assertTrue(m.contains(file.resolve("state").toString()), m);
        assertTrue(m.contains("cannot create the state directory"), m);
        assertTrue(m.endsWith("Not a directory"), "the system's reason comes last: " + m);
        assertTrue(!m.contains("\n"), m);
    }

    @Test
    void aStateDirectoryThatIsAFileIsNamedAsSuch() throws IOException {
        Path file = Files.writeString(tmp.resolve("state"), "x");
        IOException e = assertThrows(IOException.class, () -> MessageStore.open(file));
        String m = e.getMessage();
        assertTrue(m.contains("the state directory exists but is not a directory"), m);
    }
}
