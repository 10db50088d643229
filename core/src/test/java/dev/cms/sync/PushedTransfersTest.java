package dev.cms.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.maildir.MaildirFile;
import dev.cms.model.Flag;
import dev.cms.model.Flags;
import dev.cms.provider.Change;
import dev.cms.provider.memory.InMemoryMailbox;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A message's flags are its account's: a flag pushed through one Maildir, alone or with a move or
 * copy, shows at once in every other Maildir of the account holding that message, and never in
 * another account's. A copy the cloud already made is not made again; a move or a reader's save
 * between accounts is no move. Mailbox {@code i} fills Maildir {@code i}.
 */
class PushedTransfersTest {
    @TempDir
    Path tmp;

    private SyncFixture fx;
    private InMemoryMailbox inbox;
    private InMemoryMailbox work;
    private InMemoryMailbox archive;
    private final byte[] body = Messages.message("labelled");

    @AfterEach
    void close() throws Exception {
        if (fx != null) {
            fx.close();
        }
    }

    /** Gmail-like folders (labels of one account when {@code shared}), one Maildir each. */
    private void open(boolean shared, int mailboxes) throws Exception {
        inbox = InMemoryMailbox.likeGmail("acct:inbox");
        work = InMemoryMailbox.likeGmail(shared ? "acct:work" : "other:work");
        archive = InMemoryMailbox.likeGmail("acct:archive");
        List<InMemoryMailbox> boxes = List.of(inbox, work, archive).subList(0, mailboxes);
        if (shared) {
            InMemoryMailbox.shareAccount("acct", true, boxes.toArray(new InMemoryMailbox[0]));
        }
        List<Router.Rule> rules = new java.util.ArrayList<>();
        for (int i = 1; i < mailboxes; i++) {
            rules.add(new Router.Rule(i, i, null, null, null));
        }
        fx = new SyncFixture(tmp, mailboxes, List.copyOf(boxes), new Router(rules));
        fx.start(false);
        fx.cycleOk();
    }

    /** The message in the inbox, and in {@code labels} too; each Maildir has its file. */
    private String labelled(InMemoryMailbox... labels) throws Exception {
        String id = inbox.add(body, Flags.NONE, null);
        for (InMemoryMailbox l : labels) {
            inbox.apply(List.of(Change.copy(id, Flags.NONE, l)));
        }
        fx.cycleOk();
        assertNotNull(fx.fileFor(0, body), "delivered to Maildir 0");
        for (InMemoryMailbox l : labels) {
            assertNotNull(fx.fileFor(fx.clouds.indexOf(l), body), "delivered to the Maildir of " + l.key());
        }
        return id;
    }

    private Map<dev.cms.model.ContentHash, Flags> only(Flags flags) throws Exception {
        return Map.of(SyncFixture.hash(body), flags);
    }

    @Test
    void aFlagPushedThroughOneLabelShowsAtOnceInTheOtherLabelsMaildir() throws Exception {
        open(true, 2);
        String id = labelled(work);
        SyncFixture.setLetters(fx.fileFor(0, body), "F");
        assertEquals(1, fx.cycleOk().pushedFlags());
        assertEquals(Flags.of(Flag.FLAGGED), inbox.flags(id));
        assertEquals(only(Flags.of(Flag.FLAGGED)), fx.local(0));
        assertEquals(only(Flags.of(Flag.FLAGGED)), fx.local(1), "the same message in the other label");
        assertTrue(fx.cycleOk().idle());
        assertEquals(Flags.of(Flag.FLAGGED), inbox.flags(id), "not undone");
    }

    /**
     * After an {@code --offline} start local flags win over what the listing found, but not over
     * a flag the user set on the message's file in its other label's Maildir: the first label's
     * push is that change, and the second label's push of its own change keeps it (model seed
     * 98307: the second label took its file's unchanged flags for the user's and undid the first).
     */
    @Test
    void afterAnOfflineStartChangesOnTwoLabelsFilesOfOneMessageBothReachTheCloud() throws Exception {
        open(true, 2);
        String id = labelled(work);
        fx.start(true);
        SyncFixture.setLetters(fx.fileFor(0, body), "S");
        SyncFixture.setLetters(fx.fileFor(1, body), "F");
        assertEquals(2, fx.cycleOk().pushedFlags());
        // Pushes change flags as Gmail's modify does (the ones that differ from the listing); the
        // fake keeps a message's flags per label, Gmail one set for both (so no second cycle here).
        Flags both = Flags.of(Flag.READ, Flag.FLAGGED);
        assertEquals(only(both), fx.local(0), "read through one label, flagged through the other");
        assertEquals(only(both), fx.local(1));
        assertEquals(Flags.of(Flag.READ), inbox.flags(id));
        assertEquals(Flags.of(Flag.FLAGGED), work.flags(id), "the read mark is not taken off");
    }

    /** Ids are unique within an account only: another account's message of the same id is another message. */
    @Test
    void aFlagPushedInOneAccountNeverReachesAnotherAccountsMessageOfTheSameId() throws Exception {
        open(false, 2);
        byte[] theirs = Messages.message("theirs");
        String mine = inbox.add(body, Flags.NONE, null);
        String other = work.add(theirs, Flags.NONE, null);
        assertEquals(mine, other, "the same id in two accounts");
        fx.cycleOk();
        SyncFixture.setLetters(fx.fileFor(0, body), "F");
        assertEquals(1, fx.cycleOk().pushedFlags());
        assertEquals(only(Flags.of(Flag.FLAGGED)), fx.local(0));
        assertEquals(Map.of(SyncFixture.hash(theirs), Flags.NONE), fx.local(1), "the other account's message");
        assertEquals(Flags.NONE, work.flags(other));
        assertTrue(fx.cycleOk().idle());
    }

    /** A move with a flag set on the way: a third label's file of the message shows the flag at once. */
    @Test
    void aMoveWithAFlagSetOnTheWayFlagsTheMessageInItsOtherLabels() throws Exception {
        open(true, 3);
        String id = labelled(archive);
        MaildirFile f = fx.fileFor(0, body);
        Files.move(f.path(), fx.maildirPaths.get(1).resolve("cur").resolve(f.name().base() + ":2,F"));
        CycleReport r = fx.cycleOk();
        assertEquals(1, r.pushedMoves(), r.toString());
        assertEquals(Set.of(id), work.ids());
        assertEquals(Map.of(), fx.local(0));
        assertEquals(only(Flags.of(Flag.FLAGGED)), fx.local(1));
        assertEquals(only(Flags.of(Flag.FLAGGED)), fx.local(2), "the same message under the third label");
        assertEquals(List.of(), fx.lostAndFound());
    }

    /**
     * The user copies a message into the work Maildir while the web interface adds the work label
     * to it: the cloud has the copy already, none is pushed, and the Maildir has one file of it.
     */
    @Test
    void aCopyTheCloudMadeAlreadyIsNotMadeAgain() throws Exception {
        open(true, 2);
        String id = labelled();
        inbox.apply(List.of(Change.copy(id, Flags.NONE, work))); // in the web interface
        MaildirFile f = fx.fileFor(0, body);
        Files.createLink(fx.maildirPaths.get(1).resolve("cur").resolve(f.name().base() + ":2,"), f.path());
        long served = inbox.bodiesServed() + work.bodiesServed();
        CycleReport r = fx.cycleOk();
        assertEquals(0, r.pushedCopies(), r.toString());
        assertEquals(List.of("copy " + id + " -> acct:work"), inbox.transfers(), "only the web interface's");
        assertEquals(only(Flags.NONE), fx.local(0));
        assertEquals(only(Flags.NONE), fx.local(1));
        assertEquals(List.of(), fx.lostAndFound());
        assertEquals(served, inbox.bodiesServed() + work.bodiesServed(), "nothing downloaded");
        assertTrue(fx.cycleOk().idle());
    }

    /**
     * A mail reader's save (rewritten) of a message of one account into another account's
     * Maildir is no move: the other account takes it as the user's new message, and the
     * original's removal is a deletion, as for any file.
     */
    @Test
    void aReaderSaveIntoAnotherAccountsMaildirIsUploadedThere() throws Exception {
        open(false, 2);
        inbox.takeUploads();
        work.takeUploads();
        String id = inbox.add(body, Flags.NONE, null);
        fx.cycleOk();
        MaildirFile f = fx.fileFor(0, body);
        byte[] saved = ReaderSavesTest.asMuttSaves(Files.readAllBytes(f.path()));
        Files.write(fx.maildirPaths.get(1).resolve("cur").resolve("1767225600.R1.mutt:2,S"), saved);
        Files.delete(f.path());
        CycleReport r = fx.cycleOk();
        assertEquals(1, r.uploaded(), r.toString());
        assertEquals(1, work.uploads().size());
        assertEquals(SyncFixture.hash(saved), SyncFixture.hash(work.body(work.uploads().get(0))));
        assertEquals(Map.of(id, "archive"), inbox.deletions());
        assertEquals(List.of(), inbox.transfers(), "no move between accounts");
        assertEquals(List.of(), fx.lostAndFound());
    }

    /** A new file put next to a moved one in the same cycle is the user's own: it is uploaded. */
    @Test
    void aNewFileArrivingWithAMovedOneIsUploaded() throws Exception {
        open(true, 2);
        inbox.takeUploads();
        work.takeUploads();
        String id = labelled();
        byte[] mine = Messages.message("mine");
        MaildirFile f = fx.fileFor(0, body);
        Files.move(f.path(), fx.maildirPaths.get(1).resolve("cur").resolve(f.name().base() + ":2,S"));
        Files.write(fx.maildirPaths.get(1).resolve("cur").resolve("1767225600.new.host:2,"), mine);
        CycleReport r = fx.cycleOk();
        assertEquals(1, r.pushedMoves(), r.toString());
        assertEquals(1, r.uploaded(), r.toString());
        assertEquals(2, work.ids().size(), "moved " + id + " and the new one");
        assertEquals(Map.of(SyncFixture.hash(body), Flags.of(Flag.READ), SyncFixture.hash(mine), Flags.NONE),
                fx.local(1));
        assertEquals(List.of(), fx.lostAndFound());
        assertTrue(fx.cycleOk().idle());
    }
}
