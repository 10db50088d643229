package dev.cms.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.maildir.MaildirFile;
import dev.cms.model.ContentHash;
import dev.cms.model.Flags;
import dev.cms.provider.memory.InMemoryMailbox;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15: a start over a large state reads its Maildirs while it loads that state. A file a
 * mail reader renames after that listing was read, before the first cycle looks, is judged as
 * if the listing had been read when the cycle looked: the same outcome as a rename made before
 * the start.
 */
class ScanAheadStartTest {
    private static final String KEY = "o365:a@b.c:inbox";

    @TempDir Path tmp;
    private SyncFixture fx;

    @AfterEach
    void closeFixture() throws Exception {
        if (fx != null) {
            fx.close();
        }
    }

    private record Outcome(Map<ContentHash, Flags> local, int pushed, boolean scannedAhead) {}

    /** A fixture at {@code root} whose one Maildir holds just enough messages to be listed ahead at a start. */
    private void syncedOnce(Path root) throws Exception {
        InMemoryMailbox cloud = InMemoryMailbox.likeOffice365(KEY);
        for (int i = 0; i < SyncEngine.SCAN_AHEAD_FROM; i++) {
            cloud.add(Messages.message("m" + i), Flags.NONE, null);
        }
        fx = new SyncFixture(root, 1, List.of(cloud), Router.defaultOnly());
        fx.start(false);
        fx.cycleOk();
    }

    private Outcome restartWithARename(Path root, boolean renameAfterTheListing) throws Exception {
        syncedOnce(root);
        MaildirFile victim = fx.files(0).get(7);
        if (!renameAfterTheListing) {
            SyncFixture.setLetters(victim, "F");
        }
        fx.start(false);
        boolean ahead = fx.engine.awaitScanAhead();
        if (renameAfterTheListing) {
            SyncFixture.setLetters(victim, "F");
        }
        CycleReport r = fx.cycleOk();
        Outcome o = new Outcome(fx.local(0), r.pushedFlags(), ahead);
        fx.close();
        fx = null;
        return o;
    }

    @Test
    void aRenameAfterTheListingAheadIsJudgedAsARenameBeforeTheStart() throws Exception {
        Outcome before = restartWithARename(tmp.resolve("before"), false);
        Outcome after = restartWithARename(tmp.resolve("after"), true);
        assertTrue(after.scannedAhead(), "a state of " + SyncEngine.SCAN_AHEAD_FROM + " messages is listed ahead");
        assertEquals(before.pushed(), after.pushed());
        assertEquals(before.local(), after.local());
        assertFalse(after.local().containsValue(Flags.fromLetters("F")),
                "the cloud is authoritative at a start: the flag set while stopped is undone");
    }

    @Test
    void theFirstCycleLetsTheWatchGo() throws Exception {
        syncedOnce(tmp);
        fx.start(false);
        assertTrue(fx.engine.awaitScanAhead());
        fx.cycleOk();
        assertFalse(fx.engine.awaitScanAhead(), "closed after the first look: no inotify instance kept");
    }
}
