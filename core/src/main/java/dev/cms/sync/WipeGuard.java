package dev.cms.sync;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.IntSupplier;
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
     * or more at the last cycle fails the look unless confirmed. The confirmation is used up.
     */
    static void check(Path root, String key, int files, boolean guard, IntSupplier expected) throws IOException {
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
        if (Files.deleteIfExists(confirm)) {
            log.warn("Maildir {} was emptied and {} confirms it: deleting its {} messages in the cloud", key,
                    CONFIRM_EMPTY, n);
            return;
        }
        throw new IOException("the Maildir is empty but held " + n + " messages at the last cycle;"
                + " refusing to delete them all in the cloud (if you meant it, run 'touch " + confirm
                + "' and the next cycle deletes them; if not, restart cloud-mdir-sync to download them again)");
    }
}
