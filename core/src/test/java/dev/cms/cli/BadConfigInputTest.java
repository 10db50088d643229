package dev.cms.cli;

import static dev.cms.testing.TextAssert.assertThatText;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 18 item 11: {@code check -c} on a device, a FIFO or a huge file is one line and exit 2. */
class BadConfigInputTest {
    @TempDir
    Path tmp;

    private static void assertOneLineNaming(CliTest.Result r, Path file, String reason) {
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertThatText(r.err()).contains(file.toString(), reason);
        assertThatText(r.err()).doesNotContain("Exception", "Error");
    }

    @Test
    void devZeroIsRefusedWithoutReadingIt() {
        Path zero = Path.of("/dev/zero");
        assumeTrue(Files.exists(zero));
        CliTest.Result r = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> CliTest.run("check", "-c", "/dev/zero"));
        assertOneLineNaming(r, zero, "not a regular file");
    }

    @Test
    void aFifoIsRefusedWithoutWaitingForAWriter() throws Exception {
        assumeTrue(new File("/usr/bin/mkfifo").canExecute());
        Path fifo = tmp.resolve("cms.cfg");
        assertEquals(0, new ProcessBuilder("/usr/bin/mkfifo", fifo.toString()).start().waitFor());
        CliTest.Result r = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> CliTest.run("check", "-c", fifo.toString()));
        assertOneLineNaming(r, fifo, "not a regular file");
    }

    @Test
    void aHugeFileIsRefusedWithItsSize() throws Exception {
        Path big = tmp.resolve("cms.cfg");
        Files.write(big, new byte[2 * 1024 * 1024]);
        CliTest.Result r = CliTest.run("check", "-c", big.toString());
        assertOneLineNaming(r, big, "larger than 1024 KiB");
    }
}
