package dev.cms.store;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/** Finds a writable directory on another filesystem than a given one, or skips the test. */
public final class SecondFilesystem {
    private static final Path[] CANDIDATES = {Path.of("/dev/shm"), Path.of("/run/user")};

    private SecondFilesystem() {}

    /** A fresh directory on a different filesystem; the calling test is skipped when none exists. */
    public static Path directoryOnOtherFilesystemThan(Path here) throws IOException {
        Object ours = Files.getAttribute(here, "unix:dev");
        for (Path c : CANDIDATES) {
            if (!Files.isDirectory(c) || !Files.isWritable(c)) {
                continue;
            }
            if (Files.getFileStore(c).equals(Files.getFileStore(here))
                    || Files.getAttribute(c, "unix:dev").equals(ours)) {
                continue;
            }
            try {
                return Files.createTempDirectory(c, "cms-store-test-");
            } catch (IOException e) {
                // not usable after all: try the next one
            }
        }
        assumeTrue(false, "no writable directory on a second filesystem (tried /dev/shm, /run/user)");
        throw new AssertionError("unreachable");
    }

    public static void deleteTree(Path root) throws IOException {
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
