package dev.cms.sync;

import dev.cms.model.ContentHash;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Refuses a Maildir found empty that held messages (an unmounted disk, a wiped directory), unless confirmed. */
final class WipeGuard {
    private static final Logger log = LoggerFactory.getLogger(WipeGuard.class);
    /**
     * A Maildir found empty while the snapshot expects at least this many messages is not
     * trusted unless {@link #CONFIRM_EMPTY} confirms it. Two: the last message of a Maildir
     * deleted on its own is an ordinary deletion.
     */
    static final int WIPED_MAILDIR_THRESHOLD = 2;
    /** A file in a Maildir's root that confirms, once, that the Maildir was emptied on purpose. */
    static final String CONFIRM_EMPTY = ".cms-confirm-empty";

    private WipeGuard() {}

    /**
     * Checks the Maildir at {@code root} (called {@code key} in messages), which holds
     * {@code files} files; with {@code guard}, an empty one that held {@code expected} messages
     * or more at the last cycle fails the look unless confirmed, or unless {@code movedAway}
     * says that each of them has a file in another Maildir where it was not before (the user
     * moved them all). The confirmation is used up.
     */
    static void check(Path root, String key, int files, boolean guard, IntSupplier expected, BooleanSupplier movedAway)
            throws IOException {
        Path confirm = root.resolve(CONFIRM_EMPTY);
        if (files > 0) {
            // A confirmation is for an emptied Maildir, once: never left to confirm a later one.
            Files.deleteIfExists(confirm);
            return;
        }
        if (!guard) {
            return;
        }
        int n = expected.getAsInt();
        if (n < WIPED_MAILDIR_THRESHOLD) {
            return;
        }
        if (movedAway.getAsBoolean()) {
            log.info("Maildir {} was emptied by moving its {} messages into other Maildirs", key, n);
            return;
        }
        if (Files.deleteIfExists(confirm)) {
            log.warn("Maildir {} was emptied and {} confirms it: deleting its {} messages in the cloud", key,
                    CONFIRM_EMPTY, n);
            return;
        }
        throw new IOException("the Maildir is empty but held " + n + " messages at the last cycle;"
                + " refusing to delete them all in the cloud (if you meant it, run 'touch " + confirm
                + "' and the next cycle deletes them; if not, restart cloud-mdir-sync to download them again)");
    }

    /**
     * Whether every content the snapshot places in Maildir {@code i} has a file in another
     * Maildir where the snapshot placed none of it: the user moved them all away, which the wipe
     * guard lets through. A content also placed elsewhere (a Gmail message with two labels) does
     * not count, so a wiped Maildir whose messages all have other copies is still refused.
     */
    static boolean movedAway(int i, List<CloudState> clouds, List<@Nullable LocalView> views) {
        Map<ContentHash, Set<Integer>> placed = new HashMap<>();
        for (CloudState c : clouds) {
            c.snapshot.forEachWhere((t, h) -> t == i, (id, e) -> placed.putIfAbsent(e.hash(), new HashSet<>()));
        }
        for (CloudState c : clouds) {
            c.snapshot.forEachWhere((t, h) -> placed.containsKey(h),
                    (id, e) -> Objects.requireNonNull(placed.get(e.hash()), "placed").add(e.target()));
        }
        for (Map.Entry<ContentHash, Set<Integer>> p : placed.entrySet()) {
            boolean arrived = false;
            for (int j = 0; j < views.size() && !arrived; j++) {
                LocalView v = views.get(j);
                arrived = j != i && v != null && !p.getValue().contains(j) && v.has(p.getKey());
            }
            if (!arrived) {
                return false;
            }
        }
        return !placed.isEmpty();
    }
}
