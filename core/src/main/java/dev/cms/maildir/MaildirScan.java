package dev.cms.maildir;

import dev.cms.model.FileStat;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.jspecify.annotations.Nullable;

/**
 * Reading a Maildir: one consistent listing of {@code cur/} and {@code new/} with each file's
 * stat data ({@link MaildirFolder#scan()} explains the rules). Reads only, so it needs no file
 * seam.
 */
final class MaildirScan {
    private static final Logger LOG = LoggerFactory.getLogger(MaildirScan.class);
    private static final String STAT_ATTRIBUTES = "unix:ino,size,lastModifiedTime,ctime,isRegularFile,isSymbolicLink";

    private MaildirScan() {
    }

    /** A consistent listing of {@code folder}, or an exception after {@value MaildirFolder#SCAN_TRIES} tries. */
    static List<MaildirFile> scan(MaildirFolder folder, Function<Path, FileStat> known) throws IOException {
        for (int attempt = 1; attempt <= MaildirFolder.SCAN_TRIES; attempt++) {
            List<MaildirFile> files;
            try {
                files = tryScan(folder, known);
            } catch (IOException e) {
                throw folder.explained(e);
            }
            if (files != null) {
                return files;
            }
            LOG.debug("Maildir {} changed during scan {}, scanning again", folder.root(), attempt);
        }
        throw new IOException("Maildir " + folder.root() + " kept changing during " + MaildirFolder.SCAN_TRIES
                + " scans in a row; no consistent listing could be taken");
    }

    /** One scan attempt; null when the Maildir changed meanwhile. */
    private static @Nullable List<MaildirFile> tryScan(MaildirFolder f, Function<Path, FileStat> known) throws IOException {
        FileTime curBefore = Files.getLastModifiedTime(f.cur);
        FileTime newBefore = Files.getLastModifiedTime(f.nu);
        List<Path> curNames = list(f.cur);
        List<Path> newNames = list(f.nu);
        f.beforeRecheck.run();
        FileTime curAfter = Files.getLastModifiedTime(f.cur);
        FileTime newAfter = Files.getLastModifiedTime(f.nu);
        if (!curBefore.equals(curAfter) || !newBefore.equals(newAfter)) {
            return null;
        }
        f.beforeStat.run();
        List<MaildirFile> files = new ArrayList<>(curNames.size() + newNames.size());
        if (!addFiles(f, curNames, false, known, files) || !addFiles(f, newNames, true, known, files)) {
            return null;
        }
        return files;
    }

    private static List<Path> list(Path dir) throws IOException {
        List<Path> paths = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            for (Path p : stream) {
                if (!p.getFileName().toString().startsWith(".")) {
                    paths.add(p);
                }
            }
        }
        return paths;
    }

    /** Adds the message files among {@code paths}; false when one vanished since the listing. */
    private static boolean addFiles(MaildirFolder f, List<Path> paths, boolean inNew, Function<Path, FileStat> known,
            List<MaildirFile> out) throws IOException {
        for (Path p : paths) {
            FileStat seen = known.apply(p);
            Object stat = seen != null ? seen : read(f, p);
            if (stat == VANISHED) {
                return false;
            }
            if (stat instanceof FileStat s) {
                out.add(new MaildirFile(p, MaildirName.parse(p.getFileName().toString()), inNew, s));
            }
        }
        return true;
    }

    /** What {@link #read} found of a file that vanished since the listing. */
    private static final Object VANISHED = new Object();
    /** What {@link #read} found of a file that is not a regular file. */
    private static final Object SKIPPED = new Object();

    /** The stat of message file {@code p}, {@link #VANISHED} or {@link #SKIPPED}; warns once of a symbolic link. */
    private static Object read(MaildirFolder f, Path p) throws IOException {
        Map<String, Object> attrs;
        try {
            attrs = Files.readAttributes(p, STAT_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return VANISHED;
        }
        if (Boolean.TRUE.equals(attrs.get("isRegularFile"))) {
            return toStat(attrs);
        }
        if (Boolean.TRUE.equals(attrs.get("isSymbolicLink")) && f.skipped.add(p)) {
            LOG.warn("Skipping {}: a symbolic link (cloud-mdir-sync never follows one in a Maildir)", p);
        }
        return SKIPPED;
    }

    /** See {@link MaildirFolder#lookAt}. */
    static @Nullable MaildirFile one(MaildirFolder f, Path p) throws IOException {
        Path dir = p.getParent();
        boolean inNew = f.nu.equals(dir);
        if (!inNew && !f.cur.equals(dir) || p.getFileName().toString().startsWith(".")) {
            return null;
        }
        return read(f, p) instanceof FileStat s
                ? new MaildirFile(p, MaildirName.parse(p.getFileName().toString()), inNew, s) : null;
    }

    /** See {@link MaildirFolder#names}. */
    static java.util.Set<Path> names(MaildirFolder f) throws IOException {
        java.util.Set<Path> out = new java.util.HashSet<>(list(f.cur));
        out.addAll(list(f.nu));
        return out;
    }

    static FileStat stat(Path p) throws IOException {
        return toStat(Files.readAttributes(p, STAT_ATTRIBUTES));
    }

    private static FileStat toStat(Map<String, Object> attrs) {
        return new FileStat(
                (Long) attr(attrs, "ino"),
                (Long) attr(attrs, "size"),
                ((FileTime) attr(attrs, "lastModifiedTime")).to(TimeUnit.NANOSECONDS),
                ((FileTime) attr(attrs, "ctime")).to(TimeUnit.NANOSECONDS));
    }

    /** One of {@code STAT_ATTRIBUTES}: the unix view gives each of them for every file. */
    private static Object attr(Map<String, Object> attrs, String name) {
        return Objects.requireNonNull(attrs.get(name), () -> "the unix file attribute " + name + " is missing");
    }
}
