package dev.cms.cli;

import dev.cms.config.WholeAccountSpec;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.EnumSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * The Maildirs under a whole-account call's root as the layout places them: directories with
 * {@code cur/}, {@code new/} and {@code tmp/}, the root itself aside; verbatim: at any depth (not
 * looking inside a Maildir's own {@code cur/}, {@code new/}, {@code tmp/}), Maildir++: the
 * root's {@code .}-named directories. Symbolic links are not followed.
 */
final class LocalMaildirs {
    private static final int MAX_DEPTH = 32;

    private LocalMaildirs() {}

    static Set<Path> under(WholeAccountSpec call) throws IOException {
        Path root = call.root();
        Set<Path> out = new TreeSet<>();
        if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
            return out;
        }
        if (call.layout() == dev.cms.folders.FolderLayout.MAILDIR_PLUS_PLUS) {
            try (DirectoryStream<Path> s = Files.newDirectoryStream(root, ".*")) {
                for (Path p : s) {
                    if (isMaildir(p)) {
                        out.add(p);
                    }
                }
            }
            return out;
        }
        Files.walkFileTree(root, EnumSet.noneOf(java.nio.file.FileVisitOption.class), MAX_DEPTH,
                new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                        Path parent = dir.getParent();
                        String name = String.valueOf(dir.getFileName());
                        if (parent != null && Set.of("cur", "new", "tmp").contains(name) && isMaildir(parent)) {
                            return FileVisitResult.SKIP_SUBTREE;
                        }
                        if (!dir.equals(root) && isMaildir(dir)) {
                            out.add(dir);
                        }
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFileFailed(Path file, IOException e) {
                        return FileVisitResult.CONTINUE; // unreadable: not a Maildir to act on
                    }
                });
        return out;
    }

    static boolean isMaildir(Path dir) {
        for (String sub : new String[] {"cur", "new", "tmp"}) {
            if (!Files.isDirectory(dir.resolve(sub), LinkOption.NOFOLLOW_LINKS)) {
                return false;
            }
        }
        return true;
    }
}
