package dev.cms.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cms.model.ContentHash;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DroppedBodiesTest {
    @TempDir
    Path dir;

    private static ContentHash hash(String s) throws Exception {
        return MessageStore.hashOf(new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void remembersWhatWasDroppedAcrossInstancesInAPrivateFile() throws Exception {
        ContentHash a = hash("a");
        ContentHash b = hash("b");
        assertEquals(Set.of(), new DroppedBodies(dir).among(List.of(a)), "no file yet: nothing dropped");
        new DroppedBodies(dir).record(List.of(a));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("dropped.log"))),
                "private from its creation");
        new DroppedBodies(dir).record(List.of());
        DroppedBodies later = new DroppedBodies(dir);
        assertEquals(Set.of(a), later.among(List.of(a, b)));
        later.record(List.of(b));
        assertEquals(Set.of(a, b), new DroppedBodies(dir).among(Set.of(a, b)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("dropped.log"))));
    }
}
