package dev.cms.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The product alone (its jar without the demo module, as this module's tests run) answers
 * {@code demo} with one line saying what is missing, exit 1, and writes nothing.
 */
class DemoWithoutFakeCloudTest {
    @TempDir
    Path tmp;

    @Test
    void demoWithoutItsFakeCloudSaysSoAndWritesNothing() {
        Path dir = tmp.resolve("demo");
        CliTest.Result r = CliTest.run("demo", dir.toString());
        assertEquals(1, r.code(), r.err());
        assertEquals("cloud-mdir-sync: the demo's fake cloud is not on the class path: run `./cloud-mdir-sync demo`"
                + " from the source tree (it builds the demo module)", r.err().strip());
        assertFalse(Files.exists(dir), "nothing is written");
    }
}
