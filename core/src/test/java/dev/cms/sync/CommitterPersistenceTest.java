package dev.cms.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.model.Flags;
import dev.cms.provider.memory.InMemoryMailbox;
import dev.cms.provider.memory.InMemoryMailbox.Op;
import dev.cms.store.StateDb;
import dev.cms.time.FakeTicker;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a committed cycle leaves in {@code state.db} for each mailbox, as {@code status} and the
 * next start read it: when it was last tried and last synced, and the error of a failed
 * attempt, which a later success clears.
 */
class CommitterPersistenceTest extends EngineTestBase {
    @Test
    void eachMailboxsAttemptSuccessAndErrorAreSaved() throws Exception {
        InMemoryMailbox cloud = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        cloud.add(Messages.message("one"), Flags.NONE, null);
        FakeTicker ticker = new FakeTicker();
        fx = new SyncFixture(tmp, 1, List.of(cloud), Router.defaultOnly());
        fx.ticker = ticker;
        fx.start(false);
        Instant first = ticker.now();
        fx.cycleOk();
        StateDb.MailboxRow ok = fx.db.loadMailbox(cloud.key());
        assertEquals(first, ok.lastSuccess());
        assertEquals(first, ok.lastAttempt());
        assertNull(ok.lastError());
        assertNotNull(ok.syncToken());

        ticker.advance(Duration.ofMinutes(5));
        Instant second = ticker.now();
        cloud.failNext(Op.LIST, 1);
        assertFalse(fx.cycle().ok());
        StateDb.MailboxRow failed = fx.db.loadMailbox(cloud.key());
        assertEquals(second, failed.lastAttempt());
        assertEquals(first, failed.lastSuccess(), "the last success stays");
        assertNotNull(failed.lastError(), "the failure is saved for status and the next start");
        assertEquals(ok.syncToken(), failed.syncToken(), "the token is kept");

        ticker.advance(Duration.ofMinutes(5));
        fx.cycleOk();
        StateDb.MailboxRow again = fx.db.loadMailbox(cloud.key());
        assertEquals(ticker.now(), again.lastSuccess());
        assertNull(again.lastError(), "a success clears it");
        assertTrue(again.messageCount() == 1);
    }
}
