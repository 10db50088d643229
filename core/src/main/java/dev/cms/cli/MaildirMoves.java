package dev.cms.cli;

import dev.cms.config.WholeAccountSpec;
import dev.cms.folders.FolderChanges;
import dev.cms.folders.FolderPlan;
import dev.cms.model.ContentHash;
import dev.cms.store.MailboxMove;
import dev.cms.store.MessageStore;
import dev.cms.store.StateDb;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Makes the Maildirs and {@code state.db} follow a whole-account call's folders changed in the
 * cloud ({@link FolderChanges}), between two cycles:
 * <ul>
 *   <li>a folder renamed or moved: its Maildir directory is renamed (files, names and flags as
 *       they are: nothing is downloaded again) and its rows in {@code state.db} follow. When the
 *       new directory is taken, or the Maildir is the root itself, the old one is emptied as for a
 *       deleted folder and the next cycle links the messages into the new one from the store;
 *   <li>a folder deleted (or no longer selected): each file of its Maildir whose content is a
 *       message the cloud gave that folder is deleted, every other file (a user's own, one in
 *       {@code tmp/}) is moved to {@code lost+found/}; then its {@code cur/}, {@code new/},
 *       {@code tmp/} and the directory go when empty, and its rows are forgotten.
 * </ul>
 * Nothing here changes the cloud. Directories are moved first and the rows in one transaction
 * after, so that a crash in between leaves at worst a folder synced again from the store.
 */
final class MaildirMoves {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(MaildirMoves.class);

    private final WholeAccountSpec call;
    private final MessageStore store;
    private final StateDb db;

    MaildirMoves(WholeAccountSpec call, MessageStore store, StateDb db) {
        this.call = call;
        this.store = store;
        this.db = db;
    }

    /** Carries out {@code changes} on disk and in {@code state.db}, where {@code meta} is set in the same transaction. */
    void apply(FolderChanges changes, Map<String, String> meta) throws IOException {
        List<MailboxMove> rows = new ArrayList<>();
        for (FolderPlan.Mapped gone : changes.removed()) {
            String key = key(gone);
            log.info("{}(...) at {}: folder \"{}\" is gone from {}: removing its Maildir {}", call.callName(),
                    call.pos(), gone.folder().pathText(), call.account().key(), gone.maildir());
            retire(gone.maildir(), key);
            rows.add(MailboxMove.forget(key, target(gone.maildir())));
        }
        Map<Path, Path> moved = new LinkedHashMap<>();
        for (FolderChanges.Moved m : changes.moved()) {
            Path source = whereNow(m.from().maildir(), moved);
            Path dest = m.to().maildir();
            log.info("{}(...) at {}: folder \"{}\" is now \"{}\": Maildir {} -> {}", call.callName(), call.pos(),
                    m.from().folder().pathText(), m.to().folder().pathText(), source, dest);
            if (!source.equals(dest) && Files.isDirectory(source, LinkOption.NOFOLLOW_LINKS)) {
                if (movable(source, dest)) {
                    Files.createDirectories(dest.getParent());
                    Files.move(source, dest, StandardCopyOption.ATOMIC_MOVE);
                    moved.put(m.from().maildir(), dest);
                    pruneEmptyParents(source.getParent());
                } else {
                    log.warn("{} cannot be renamed to {} (taken, or the root): its messages are linked there"
                            + " from the store instead", source, dest);
                    retire(source, key(m.from()));
                }
            }
            rows.add(new MailboxMove(key(m.from()), target(m.from().maildir()), key(m.to()), target(dest)));
        }
        db.moveMailboxes(rows, meta);
    }

    private String key(FolderPlan.Mapped m) {
        return call.mailbox(m.folder().mailbox()).key();
    }

    /** A Maildir as the engine keys its rows. */
    static String target(Path maildir) {
        return maildir.toAbsolutePath().normalize().toString();
    }

    /** Where Maildir {@code dir} is now, after the moves so far (a parent's move takes its subfolders along). */
    private static Path whereNow(Path dir, Map<Path, Path> moved) {
        for (Map.Entry<Path, Path> e : moved.entrySet()) {
            if (dir.startsWith(e.getKey()) && !dir.equals(e.getKey())) {
                return e.getValue().resolve(e.getKey().relativize(dir));
            }
        }
        return dir;
    }

    private boolean movable(Path source, Path dest) {
        return !source.equals(call.root()) && !dest.equals(call.root()) && !dest.startsWith(source)
                && !Files.exists(dest, LinkOption.NOFOLLOW_LINKS);
    }

    /** Empties the Maildir {@code dir} of mailbox {@code key} (see the class comment) and removes what is left empty. */
    private void retire(Path dir, String key) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Set<ContentHash> cloud = new HashSet<>();
        for (StateDb.MessageRow r : db.loadMessages(key)) {
            cloud.add(r.hash());
        }
        for (String sub : new String[] {"cur", "new", "tmp"}) {
            Path d = dir.resolve(sub);
            if (!Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            try (DirectoryStream<Path> files = Files.newDirectoryStream(d)) {
                for (Path f : files) {
                    if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                        continue; // not a message: left where it is, and so is its directory
                    }
                    if (!sub.equals("tmp") && cloud.contains(MessageStore.hashOf(f))) {
                        Files.delete(f);
                    } else {
                        log.warn("Moved {} (a message the cloud does not have) to {}", f, store.moveToLostFound(f));
                    }
                }
            }
            deleteIfEmpty(d);
        }
        if (!dir.equals(call.root())) {
            deleteIfEmpty(dir);
            pruneEmptyParents(dir.getParent());
        }
    }

    /** Removes the empty directories from {@code dir} up to the root (not included). */
    private void pruneEmptyParents(@org.jspecify.annotations.Nullable Path dir) throws IOException {
        for (Path d = dir; d != null && d.startsWith(call.root()) && !d.equals(call.root()); d = d.getParent()) {
            if (!deleteIfEmpty(d)) {
                return;
            }
        }
    }

    private static boolean deleteIfEmpty(Path dir) throws IOException {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            if (s.iterator().hasNext()) {
                return false;
            }
        } catch (java.nio.file.NoSuchFileException e) {
            return false;
        }
        Files.delete(dir);
        return true;
    }
}
