package dev.cms.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.model.Flag;
import dev.cms.model.Flags;
import dev.cms.provider.BodySink;
import dev.cms.provider.Change;
import dev.cms.provider.CloudMailbox;
import dev.cms.provider.Listing;
import dev.cms.provider.memory.InMemoryMailbox;
import dev.cms.time.FakeTicker;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mail is readable during a first sync (issue 15, item 4): new messages reach the Maildir in
 * chunks while the download runs, and a crash part-way resumes without downloading a body twice
 * or leaving two files of one message.
 */
class FirstSyncTest {
    private static final int MESSAGES = 700;

    @TempDir
    Path tmp;

    private SyncFixture fx;
    private final FakeTicker ticker = new FakeTicker();

    @AfterEach
    void close() throws Exception {
        if (fx != null) {
            fx.close();
        }
    }

    /** Thrown from the download to end the process there, as kill -9 would. */
    private static final class Killed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Killed() {
            super("killed", null, false, false);
        }
    }

    /** The in-memory mailbox, with a hook run after each body it hands over. */
    private static final class Watched implements CloudMailbox {
        final InMemoryMailbox inner;
        /** Called with the number of bodies handed over so far. */
        java.util.function.IntConsumer afterBody = n -> { };

        Watched(InMemoryMailbox inner) {
            this.inner = inner;
        }

        @Override
        public String key() {
            return inner.key();
        }

        @Override
        public Set<Flag> supportedFlags() {
            return inner.supportedFlags();
        }

        @Override
        public Listing list(String syncToken) throws IOException {
            return inner.list(syncToken);
        }

        @Override
        public void fetchBodies(Collection<String> ids, BodySink sink) throws IOException {
            int[] n = {0};
            inner.fetchBodies(ids, (id, body, received) -> {
                sink.accept(id, body, received);
                afterBody.accept(++n[0]);
            });
        }

        @Override
        public java.util.Map<Change, String> apply(List<Change> changes) throws IOException {
            return inner.apply(changes);
        }

        @Override
        public Optional<dev.cms.provider.MailboxCounts> counts() throws IOException {
            return inner.counts();
        }
    }

    private Watched mailbox() {
        InMemoryMailbox cloud = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        for (int i = 0; i < MESSAGES; i++) {
            cloud.add(Messages.message("m" + i), i % 3 == 0 ? Flags.of(Flag.READ) : Flags.NONE,
                    Instant.parse("2026-01-01T00:00:00Z").plusSeconds(i));
        }
        return new Watched(cloud);
    }

    @Test
    void messagesAppearInTheMaildirWhileTheDownloadRuns() throws Exception {
        Watched cloud = mailbox();
        fx = new SyncFixture(tmp, 1, List.of(cloud), Router.defaultOnly());
        fx.ticker = ticker; // fake time: only the count of bodies flushes, however slow the machine
        fx.start(false);
        List<Integer> visibleAt = new ArrayList<>();
        cloud.afterBody = n -> {
            if (n == 450) {
                try {
                    visibleAt.add(fx.files(0).size());
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        };

        fx.cycleOk();

        assertTrue(visibleAt.get(0) >= 400, "400 of the 450 bodies downloaded so far are readable: " + visibleAt);
        assertEquals(MESSAGES, fx.local(0).size());
        assertTrue(fx.cycleOk().idle());
    }

    /** A slow download delivers what it has every {@link Downloads#EARLY_DELIVERY_EVERY} too. */
    @Test
    void aSlowDownloadDeliversWhatItHasEveryTwoSeconds() throws Exception {
        Watched cloud = mailbox();
        fx = new SyncFixture(tmp, 1, List.of(cloud), Router.defaultOnly());
        fx.ticker = ticker;
        fx.start(false);
        List<Integer> visibleAt = new ArrayList<>();
        cloud.afterBody = n -> {
            try {
                if (n == 30) {
                    visibleAt.add(fx.files(0).size());
                    ticker.advance(Downloads.EARLY_DELIVERY_EVERY.plusSeconds(1));
                } else if (n == 31) {
                    visibleAt.add(fx.files(0).size());
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };

        fx.cycleOk();

        assertEquals(List.of(0, 31), visibleAt, "nothing before the time passed, the 31 bodies at the next one");
        assertEquals(MESSAGES, fx.local(0).size());
    }

    @Test
    void aCrashPartWayResumesWithoutDownloadingAgainOrDuplicates() throws Exception {
        Watched cloud = mailbox();
        fx = new SyncFixture(tmp, 1, List.of(cloud), Router.defaultOnly());
        fx.ticker = ticker; // fake time: only the count of bodies flushes, however slow the machine
        fx.start(false);
        cloud.afterBody = n -> {
            if (n == 450) {
                throw new Killed();
            }
        };
        assertThrows(Killed.class, fx::cycle);
        int early = fx.files(0).size();
        assertTrue(early >= 400, "delivered before the crash: " + early);
        dev.cms.store.StateDb.MailboxRow row = fx.db.loadMailbox(cloud.key());
        assertTrue(row == null || row.lastSuccess() == null && row.syncToken() == null,
                "the saved early deliveries do not make the mailbox's first sync look done (status): " + row);

        cloud.afterBody = n -> { };
        fx.start(false);
        fx.cycleOk();

        assertEquals(MESSAGES, fx.local(0).size(), "every message once (local() fails on a duplicate)");
        assertTrue(cloud.inner.bodiesServed() <= MESSAGES + (450 - early),
                "only bodies not saved before the crash are downloaded again: " + cloud.inner.bodiesServed());
        assertEquals(0, fx.lostAndFound().size());
        assertEquals(Flags.of(Flag.READ), fx.local(0).get(SyncFixture.hash(Messages.message("m3"))));
        assertTrue(fx.cycleOk().idle());
    }

    /**
     * What a first sync delivered before it was killed is saved with it: a flag the user changes
     * on such a message while the daemon is stopped is pushed by an {@code --offline} restart,
     * which trusts the files (without the saved entry that start knew no message to push it to).
     */
    @Test
    void aChangeToAMessageDeliveredBeforeACrashIsPushedAfterTheRestart() throws Exception {
        Watched cloud = mailbox();
        fx = new SyncFixture(tmp, 1, List.of(cloud), Router.defaultOnly());
        fx.ticker = ticker;
        fx.start(false);
        cloud.afterBody = n -> {
            if (n == 450) {
                throw new Killed();
            }
        };
        assertThrows(Killed.class, fx::cycle);
        // The newest come first: m698 (unread) and m696 (read) were among the first delivered.
        dev.cms.maildir.MaildirFile unread = fx.fileFor(0, Messages.message("m698"));
        dev.cms.maildir.MaildirFile read = fx.fileFor(0, Messages.message("m696"));
        assertEquals(Flags.NONE, unread.flags());
        assertEquals(Flags.of(Flag.READ), read.flags());
        SyncFixture.setLetters(unread, "FS");
        SyncFixture.setLetters(read, "");

        cloud.afterBody = n -> { };
        fx.start(true);
        fx.cycleOk();

        assertEquals(Flags.of(Flag.READ, Flag.FLAGGED), cloud.inner.flags(idOf(cloud.inner, "m698")),
                "the user's flags reach the cloud");
        assertEquals(Flags.NONE, cloud.inner.flags(idOf(cloud.inner, "m696")),
                "and the user's unread");
        assertTrue(fx.cycleOk().idle());
    }

    private static String idOf(InMemoryMailbox m, String name) {
        byte[] body = Messages.message(name);
        for (String id : m.ids()) {
            if (java.util.Arrays.equals(body, m.body(id))) {
                return id;
            }
        }
        throw new AssertionError("no message " + name);
    }
}
