package dev.cms.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code state.db} opened read-only, as {@code status} opens it while the daemon may be
 * writing: it never changes the file, refuses a newer schema and says clearly when the file
 * is no database.
 */
class StateDbReadOnlyTest {
    @TempDir Path tmp;

    @Test
    void aReadOnlyOpenNeverWritesTheDatabase() throws Exception {
        Path f = tmp.resolve("state.db");
        try (StateDb db = StateDb.open(f)) {
            db.setMeta("routes", "before");
        }
        byte[] before = Files.readAllBytes(f);
        try (StateDb db = StateDb.openReadOnly(f)) {
            assertEquals("before", db.meta("routes"));
            assertThrows(IOException.class, () -> db.setMeta("routes", "after"));
            assertThrows(IOException.class, () -> db.putSecret("token", "x".getBytes(StandardCharsets.US_ASCII)));
            assertNull(db.secret("token"));
        }
        assertArrayEquals(before, Files.readAllBytes(f));
        try (StateDb db = StateDb.open(f)) {
            assertEquals("before", db.meta("routes"));
        }
    }

    @Test
    void aReadOnlyOpenRefusesADatabaseOfANewerProgram() throws Exception {
        Path f = tmp.resolve("state.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + f); Statement st = c.createStatement()) {
            st.execute("PRAGMA user_version = 99");
        }
        IOException e = assertThrows(IOException.class, () -> StateDb.openReadOnly(f));
        assertTrue(e.getMessage().contains("schema version 99"), e.getMessage());
        assertTrue(e.getMessage().contains("upgrade cloud-mdir-sync"), e.getMessage());
    }

    @Test
    void aReadOnlyOpenOfAFileThatIsNoDatabaseSaysItIsDamaged() throws Exception {
        Path f = tmp.resolve("state.db");
        byte[] junk = new byte[8192];
        Arrays.fill(junk, (byte) 'x');
        Files.write(f, junk);
        IOException e = assertThrows(IOException.class, () -> {
            try (StateDb db = StateDb.openReadOnly(f)) {
                db.loadMailboxes();
            }
        });
        assertTrue(e.getMessage().contains(f + " is damaged"), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), e.getMessage());
    }
}
