package dev.cms.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.cms.model.Flag;
import dev.cms.model.Flags;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link StateDb#moveMailboxes}: the rows of a folder renamed or deleted in the cloud follow it, in one transaction. */
class MailboxMoveTest {
    @TempDir
    Path tmp;

    private static void mailbox(StateDb db, String key, String target, String id, String token) throws Exception {
        StateDb.CycleCommit c = new StateDb.CycleCommit();
        c.at(Instant.ofEpochMilli(1_000_000));
        StateDb.MailboxCommit m = c.mailbox(key);
        m.upsert(id, StateDbTest.H1, Flags.of(Flag.FLAGGED), Instant.ofEpochMilli(5000), target);
        m.finish(token, 1, false);
        c.statPut(id.hashCode(), new dev.cms.model.FileStat(id.hashCode(), 10, 20, 30), StateDbTest.H1,
                "1700000000." + id + ".host");
        db.commit(c);
    }

    @Test
    void twoFoldersSwapNamesAndAThirdIsForgotten() throws Exception {
        try (StateDb db = StateDb.open(tmp.resolve("state.db"))) {
            mailbox(db, "acct:A", "/mail/A", "a1", "ta");
            mailbox(db, "acct:B", "/mail/B", "b1", "tb");
            mailbox(db, "acct:C", "/mail/C", "c1", "tc");
            db.journalLocalChanges("/mail/A", List.of("1700000000.a1.host"));
            db.moveMailboxes(List.of(new MailboxMove("acct:A", "/mail/A", "acct:B", "/mail/B"),
                    new MailboxMove("acct:B", "/mail/B", "acct:A", "/mail/A"), MailboxMove.forget("acct:C", "/mail/C")), java.util.Map.of("folders", "v"));
            assertEquals("tb", db.loadMailbox("acct:A").syncToken());
            assertEquals("ta", db.loadMailbox("acct:B").syncToken());
            StateDb.MessageRow moved = db.loadMessages("acct:B").get(0);
            assertEquals("a1", moved.cloudId());
            assertEquals("/mail/B", moved.target());
            assertEquals(Flags.of(Flag.FLAGGED), moved.flags(), "flags kept");
            assertEquals("/mail/A", db.loadMessages("acct:A").get(0).target());
            assertNull(db.loadMailbox("acct:C"));
            assertEquals("v", db.meta("folders"), "set in the same transaction");
            db.moveMailboxes(List.of(new MailboxMove("acct:C", "/mail/C", "acct:B", "/mail/B")), java.util.Map.of());
            assertEquals("ta", db.loadMailbox("acct:B").syncToken(),
                    "a move whose source has no rows (done already, before a crash) leaves the destination's");
            assertEquals(List.of(), db.loadMessages("acct:C"));
            assertEquals(List.of("/mail/B"), List.copyOf(db.loadJournal().hashes().keySet()),
                    "the journal of local changes follows its Maildir");
        }
    }
}
