package dev.cms.store;

import dev.cms.fs.FileOps;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The state directory's {@code lost+found/}: where files the cloud never had are kept, never overwritten. */
final class LostAndFound {
    /** Logged under the store's name, as the store's own moves always were. */
    private static final Logger log = LoggerFactory.getLogger(MessageStore.class);
    private static final int MAX_LOST_FOUND_SUFFIX = 100_000;

    private final Path lostFound;
    private final FileOps files;

    LostAndFound(Path lostFound, FileOps files) {
        this.lostFound = lostFound;
        this.files = files;
    }

    /**
     * Moves a file the cloud never had into {@code lost+found/} under its own name, or that name
     * plus ".1", ".2", ... when taken; never overwrites. On another filesystem the file is
     * copied, fsynced and then deleted. Returns where it went.
     */
    Path take(Path file) throws IOException {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                throw new NoSuchFileException(file.toString());
            }
            throw new FileSystemException(file.toString(), null,
                    "only regular files can be moved to " + lostFound);
        }
        String name = file.getFileName().toString();
        for (int n = 0; n <= MAX_LOST_FOUND_SUFFIX; n++) {
            Path target = lostFound.resolve(n == 0 ? name : name + "." + n);
            try {
                moveNoReplace(file, target);
                StateFiles.fsyncDirectory(files, lostFound);
                log.debug("moved {} to {}", file, target); // the caller's warning says why
                return target;
            } catch (FileAlreadyExistsException e) {
                // taken: try the next suffix
            }
        }
        throw new FileSystemException(file.toString(), lostFound.toString(),
                "no free name in lost+found after " + MAX_LOST_FOUND_SUFFIX + " tries");
    }

    /** Link-then-unlink, which fails rather than replace; copies when the link crosses devices. */
    private void moveNoReplace(Path source, Path target) throws IOException {
        try {
            files.createLink(target, source);
        } catch (FileAlreadyExistsException e) {
            throw e;
        } catch (FileSystemException e) {
            if (!StateFiles.isCrossDevice(e)) {
                throw e;
            }
            copyNoReplace(source, target);
        }
        try {
            if (!files.deleteIfExists(source)) {
                throw new NoSuchFileException(source.toString(), null, "removed while it was moved to " + lostFound);
            }
        } catch (IOException e) {
            StateFiles.deleteQuietly(files, target);
            throw e;
        }
    }

    private void copyNoReplace(Path source, Path target) throws IOException {
        try (OutputStream out = files.newOutputStream(target, Set.of(StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE), StateFiles.privateFile(target))) {
            try {
                Files.copy(source, out);
            } catch (IOException | RuntimeException e) {
                out.close();
                StateFiles.deleteQuietly(files, target);
                throw e;
            }
        }
        try {
            files.fsync(target);
        } catch (IOException e) {
            StateFiles.deleteQuietly(files, target);
            throw e;
        }
    }
}
