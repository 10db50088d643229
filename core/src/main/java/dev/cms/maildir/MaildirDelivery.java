package dev.cms.maildir;

import dev.cms.fs.FileOps;
import dev.cms.model.FileStat;
import dev.cms.model.Flags;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Locale;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.jspecify.annotations.Nullable;

/**
 * Delivering a store body into a Maildir by hard links, through the folder's {@link FileOps}:
 * linked into {@code tmp/} under a unique name, then linked under a free name in {@code new/}
 * or {@code cur/}, then the {@code tmp/} name removed. Any failure before the final link
 * removes the {@code tmp/} name (or, when even that fails, leaves it for the next start's
 * clean-up); the final name, once linked, is a whole message.
 */
final class MaildirDelivery {
    private static final Logger LOG = LoggerFactory.getLogger(MaildirDelivery.class);
    private static final int NAME_TRIES = 100;

    private final MaildirFolder folder;
    private final FileOps files;

    MaildirDelivery(MaildirFolder folder, FileOps files) {
        this.folder = folder;
        this.files = files;
    }

    MaildirFile deliver(Path source, Flags flags, @Nullable Instant received, Consumer<Path> beforeCreate)
            throws IOException {
        Path tmpFile;
        try {
            tmpFile = linkIntoTmp(source, beforeCreate);
        } catch (IOException e) {
            throw folder.explained(e);
        }
        try {
            if (received != null) {
                files.setLastModifiedTime(tmpFile, FileTime.from(received));
            }
            Path dest = linkUnderFreeName(tmpFile, flags, beforeCreate);
            folder.afterDeliveredLink.accept(dest);
            return finish(tmpFile, dest, flags);
        } catch (IOException | RuntimeException e) {
            try {
                files.deleteIfExists(tmpFile);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            if (e instanceof IOException io) {
                throw folder.explained(io);
            }
            throw e;
        }
    }

    /** The message is at {@code dest}: drops the {@code tmp/} name and reads the stat data. */
    private MaildirFile finish(Path tmpFile, Path dest, Flags flags) throws IOException {
        // The same inode through tmp/: a mail reader may rename the new name at once.
        FileStat delivered = MaildirScan.stat(tmpFile);
        try {
            files.deleteIfExists(tmpFile);
        } catch (IOException e) {
            // The message is delivered; a stale tmp/ link is harmless (and readers ignore tmp/).
            LOG.warn("Delivered {} but could not remove {}: {}", dest, tmpFile, e.toString());
        }
        try {
            delivered = MaildirScan.stat(dest);
        } catch (NoSuchFileException renamedAlready) {
            // Delivered, and already renamed or moved by a mail reader: the next scan finds it.
        }
        return new MaildirFile(dest, MaildirName.parse(dest.getFileName().toString()), flags.isEmpty(), delivered);
    }

    private Path linkIntoTmp(Path source, Consumer<Path> beforeCreate) throws IOException {
        for (int i = 0; i < NAME_TRIES; i++) {
            Path tmpFile = folder.tmp.resolve(folder.names.next());
            beforeCreate.accept(tmpFile);
            try {
                files.createLink(tmpFile, source);
                return tmpFile;
            } catch (FileAlreadyExistsException e) {
                // Someone holds this name: take the next counter.
            } catch (NoSuchFileException e) {
                if (Files.notExists(source, LinkOption.NOFOLLOW_LINKS)) {
                    throw (NoSuchFileException) new NoSuchFileException(source.toString(), tmpFile.toString(),
                            "the message file to deliver does not exist").initCause(e);
                }
                throw e;
            } catch (FileSystemException e) {
                if (e.getReason() != null && e.getReason().toLowerCase(Locale.ROOT).contains("cross-device")) {
                    throw (FileSystemException) new FileSystemException(source.toString(), tmpFile.toString(),
                            "cannot hard-link: the message store and the Maildir are on different file systems;"
                                    + " put the state directory on the Maildir's file system").initCause(e);
                }
                throw e;
            }
        }
        throw new FileAlreadyExistsException(folder.tmp.toString(), null,
                "no free unique name after " + NAME_TRIES + " tries");
    }

    private Path linkUnderFreeName(Path tmpFile, Flags flags, Consumer<Path> beforeCreate) throws IOException {
        for (int i = 0; i < NAME_TRIES; i++) {
            String base = i == 0 ? tmpFile.getFileName().toString() : folder.names.next();
            Path dest = flags.isEmpty()
                    ? folder.nu.resolve(base)
                    : folder.cur.resolve(new MaildirName(base, null).withFlags(flags).fileName());
            beforeCreate.accept(dest);
            try {
                files.createLink(dest, tmpFile);
                return dest;
            } catch (FileAlreadyExistsException e) {
                // Taken in new/ or cur/: take the next counter.
            }
        }
        throw new FileAlreadyExistsException(flags.isEmpty() ? folder.nu.toString() : folder.cur.toString(), null,
                "no free unique name after " + NAME_TRIES + " tries");
    }
}
