package dev.cms.maildir;

import dev.cms.fs.FileOps;
import dev.cms.time.Ticker;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes what deliveries left in a Maildir's {@code tmp/}: our own names (this host) whose
 * process is gone, or made before the live process of that id started (the id was reused),
 * such as hard links left by a daemon killed while delivering (they keep the space of bodies
 * the store no longer has), and any other file neither accessed nor modified for
 * {@link #TMP_STALE}. Directories and symbolic links are left alone; failures are logged.
 */
final class TmpCleaner {
    private static final Logger LOG = LoggerFactory.getLogger(TmpCleaner.class);
    /** Maildir's rule for {@code tmp/}: a file untouched this long is left over and may go. */
    static final Duration TMP_STALE = Duration.ofHours(36);

    private TmpCleaner() {
    }

    /** When the live process {@code pid} started; empty when there is none (or it cannot be told). */
    static Optional<Instant> processStart(long pid) {
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                .map(p -> p.info().startInstant().orElse(Instant.MIN));
    }

    /** Cleans {@code tmp}; returns how many files were removed. */
    static int clean(Path tmp, UniqueNames names, FileOps files, Ticker ticker,
            LongFunction<Optional<Instant>> processStart) {
        int removed = 0;
        Instant staleBefore = ticker.now().minus(TMP_STALE);
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(tmp)) {
            for (Path f : entries) {
                try {
                    if (leftOver(f, names, staleBefore, processStart)) {
                        files.deleteIfExists(f);
                        removed++;
                    }
                } catch (IOException e) {
                    LOG.warn("Cannot clean {}: {}", f, e.toString());
                }
            }
        } catch (IOException e) {
            LOG.warn("Cannot clean {}: {}", tmp, e.toString());
        }
        if (removed > 0) {
            LOG.info("Removed {} file(s) left over in {}", removed, tmp);
        }
        return removed;
    }

    private static boolean leftOver(Path f, UniqueNames names, Instant staleBefore,
            LongFunction<Optional<Instant>> processStart) throws IOException {
        BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!a.isRegularFile()) {
            return false;
        }
        UniqueNames.Maker maker = names.maker(f.getFileName().toString());
        boolean ownLeftover = maker != null && processStart.apply(maker.pid())
                .map(started -> maker.made().isBefore(started.truncatedTo(ChronoUnit.SECONDS)))
                .orElse(true);
        boolean stale = a.lastAccessTime().toInstant().isBefore(staleBefore)
                && a.lastModifiedTime().toInstant().isBefore(staleBefore);
        return ownLeftover || stale;
    }
}
