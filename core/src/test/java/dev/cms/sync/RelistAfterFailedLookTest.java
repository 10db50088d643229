package dev.cms.sync;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.maildir.MaildirFile;
import dev.cms.model.Flag;
import dev.cms.model.Flags;
import dev.cms.provider.memory.InMemoryMailbox;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Maildir read whole again after a failed look (here the wipe guard's refusal), in a run
 * driven by file events whose start-up listing has not yet been committed: only the first
 * listing of a run may be judged against the stat index {@code state.db} held at start-up. By
 * a later one, the run has brought that index's row for an inode up to date through another
 * name (the file a hard link was made from, in another Maildir), so the new link looked
 * "unchanged since the last run" and no cycle ever looked at it (model seed 29717).
 */
class RelistAfterFailedLookTest {
    @TempDir
    Path tmp;

    private SyncFixture fx;

    @AfterEach
    void close() throws Exception {
        if (fx != null) {
            fx.close();
        }
    }

    @Test
    void aHardLinkMadeIntoAMaildirTheWipeGuardRefusedIsLookedAt() throws Exception {
        InMemoryMailbox inbox = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        InMemoryMailbox other = InMemoryMailbox.likeOffice365("o365:x@y.z:inbox"); // another account
        byte[] mine = Messages.message("linked");
        inbox.add(mine, Flags.of(Flag.READ), null);
        other.add(Messages.message("first"), Flags.NONE, null);
        other.add(Messages.message("second"), Flags.NONE, null);
        fx = new SyncFixture(tmp, 2, List.of(inbox, other), new Router(List.of(new Router.Rule(1, 1, null, null, null))));
        fx.start(false);
        fx.engine.useFileEvents(Duration.ofHours(1));
        fx.cycleOk();

        // An --offline restart: the stat rows of state.db are held until a complete cycle commits.
        fx.start(true);
        fx.engine.useFileEvents(Duration.ofHours(1));
        List<Path> wiped = new ArrayList<>();
        for (MaildirFile f : fx.files(1)) {
            Files.delete(f.path());
            wiped.add(f.path());
        }
        CycleReport refused = fx.cycle();
        assertFalse(refused.ok(), "the wipe guard refuses an emptied Maildir");

        MaildirFile original = fx.fileFor(0, mine);
        Path link = fx.maildirPaths.get(1).resolve("cur").resolve(original.name().base() + ":2,S");
        Files.createLink(link, original.path());
        fx.engine.filesChanged(fx.maildirPaths.get(0), List.of(original.path())); // its ctime changed
        fx.engine.filesChanged(fx.maildirPaths.get(1), List.of(link));
        fx.cycle();

        // The link is a file of another account's message where no folder of that account
        // syncs: not this Maildir's message, so it goes to lost+found (README, local moves).
        assertFalse(Files.exists(link), "the linked file was looked at and taken out of Maildir 1");
        List<Path> lost = fx.lostAndFound();
        assertEquals(1, lost.size(), "the linked file went to lost+found");
        assertArrayEquals(Files.readAllBytes(original.path()), Files.readAllBytes(lost.get(0)));
        assertEquals(2, fx.files(1).size(), "the emptied Maildir's messages came back: " + wiped);
        assertTrue(Files.exists(original.path()), "the original stays");
    }
}
