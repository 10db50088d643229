package dev.cms.sync;

import static dev.cms.sync.SyncFixture.hash;
import static dev.cms.sync.SyncFixture.setLetters;
import static dev.cms.testing.TextAssert.assertThatText;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.maildir.MaildirFile;
import dev.cms.model.ContentHash;
import dev.cms.model.Flag;
import dev.cms.model.Flags;
import dev.cms.provider.memory.InMemoryMailbox;
import dev.cms.provider.memory.InMemoryMailbox.Op;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class SyncEngineTest extends EngineTestBase {
    private InMemoryMailbox o365(String key) {
        return InMemoryMailbox.likeOffice365(key);
    }

    private static Flags flagsFor(int i) {
        Flags f = Flags.NONE;
        if (i % 2 == 0) {
            f = f.with(Flag.READ);
        }
        if (i % 7 == 0) {
            f = f.with(Flag.FLAGGED);
        }
        if (i % 5 == 0) {
            f = f.with(Flag.REPLIED);
        }
        return f;
    }

    @Test
    void initialSyncOfAThousandMessagesLandsWithTheirFlags() throws Exception {
        InMemoryMailbox cloud = o365("o365:a@b.c:inbox");
        Map<ContentHash, Flags> expected = new HashMap<>();
        for (int i = 0; i < 1000; i++) {
            byte[] body = Messages.message("m" + i);
            cloud.add(body, flagsFor(i), Instant.parse("2026-01-01T00:00:00Z").plusSeconds(i));
            expected.put(hash(body), flagsFor(i));
        }
        single(cloud);
        CycleReport r = fx.cycleOk();

        assertEquals(1000, r.fetched());
        assertEquals(1000, r.delivered());
        assertEquals(expected, fx.local(0));
        // Bodies are stored with LF line endings; mtime is the received time.
        MaildirFile any = fx.fileFor(0, Messages.message("m3"));
        byte[] onDisk = Files.readAllBytes(any.path());
        assertThatText(new String(onDisk, StandardCharsets.UTF_8)).doesNotContain("\r\n");
        assertEquals(Instant.parse("2026-01-01T00:00:03Z"), Files.getLastModifiedTime(any.path()).toInstant());
        // Unread messages without flags are in new/, others in cur/.
        MaildirFile unread = fx.fileFor(0, Messages.message("m1"));
        assertTrue(unread.inNew());
    }

    @Test
    void restartDownloadsNoBody() throws Exception {
        InMemoryMailbox cloud = o365("o365:a@b.c:inbox");
        for (int i = 0; i < 50; i++) {
            cloud.add(Messages.message("m" + i), flagsFor(i), null);
        }
        single(cloud);
        fx.cycleOk();
        long served = cloud.bodiesServed();

        fx.start(false);
        CycleReport r = fx.cycleOk();
        assertEquals(served, cloud.bodiesServed(), "a restart must not download bodies again");
        assertTrue(r.idle(), "nothing to do after a restart: " + r);
        assertEquals(1, cloud.fullListings(), "the restart resumes from the saved token");
    }

    @Test
    void localFlagChangesReachTheCloud() throws Exception {
        InMemoryMailbox cloud = o365("o365:a@b.c:inbox");
        String id = cloud.add(Messages.message("x"), Flags.NONE, null);
        single(cloud);
        fx.cycleOk();

        setLetters(fx.fileFor(0, Messages.message("x")), "FRS");
        CycleReport r = fx.cycleOk();

        assertEquals(1, r.pushedFlags());
        assertEquals(Flags.of(Flag.READ, Flag.FLAGGED, Flag.REPLIED), cloud.flags(id));
        // A quiet cycle afterwards pushes nothing more.
        assertEquals(0, fx.cycleOk().pushedFlags());
    }

    @Test
    void cloudChangesReachTheMaildir() throws Exception {
        InMemoryMailbox cloud = o365("o365:a@b.c:inbox");
        String id = cloud.add(Messages.message("x"), Flags.NONE, null);
        single(cloud);
        fx.cycleOk();

        cloud.setFlags(id, Flags.of(Flag.READ, Flag.FLAGGED));
        fx.cycleOk();
        assertEquals(Flags.of(Flag.READ, Flag.FLAGGED), fx.local(0).get(hash(Messages.message("x"))));

        cloud.remove(id);
        fx.cycleOk();
        assertTrue(fx.local(0).isEmpty());
        assertTrue(fx.lostAndFound().isEmpty(), "a message the cloud deleted is removed, not kept");
    }

    @Test
    void differentFlagsChangedOnBothSidesMerge() throws Exception {
        InMemoryMailbox cloud = o365("o365:a@b.c:inbox");
        String id = cloud.add(Messages.message("x"), Flags.NONE, null);
        single(cloud);
        fx.cycleOk();

        setLetters(fx.fileFor(0, Messages.message("x")), "F");
        cloud.setFlags(id, Flags.of(Flag.READ));
        fx.cycleOk();

        assertEquals(Flags.of(Flag.READ, Flag.FLAGGED), cloud.flags(id));
        assertEquals(Flags.of(Flag.READ, Flag.FLAGGED), fx.local(0).get(hash(Messages.message("x"))));
    }

    @Test
    void sameFlagChangedOnBothSidesCloudWins() throws Exception {
        InMemoryMailbox cloud = o365("o365:a@b.c:inbox");
        String id = cloud.add(Messages.message("x"), Flags.of(Flag.READ), null);
        single(cloud);
        fx.cycleOk();

        // Locally the message becomes unread and flagged; in the cloud it is flagged and then
        // unflagged again by another client, and marked unread too: the cloud's F changed
        // twice (net: unchanged), its S changed once.
        setLetters(fx.fileFor(0, Messages.message("x")), "F");
        cloud.setFlags(id, Flags.of(Flag.FLAGGED));
        fx.cycleOk();
        assertEquals(Flags.of(Flag.FLAGGED), cloud.flags(id));

        // Now both change F: locally cleared, in the cloud cleared and the S set: the cloud's
        // value stands for every flag it changed.
        setLetters(fx.fileFor(0, Messages.message("x")), "S");
        cloud.setFlags(id, Flags.NONE);
        long pushedBefore = cloud.changesApplied();
        fx.cycleOk();
        assertEquals(Flags.NONE.with(Flag.READ), cloud.flags(id), "the local S is pushed, F agrees");
        assertEquals(pushedBefore + 1, cloud.changesApplied());

        // A true conflict on S: the cloud marks it unread while locally it stays read but is
        // also flagged; the cloud's unread wins, the local flag is pushed.
        setLetters(fx.fileFor(0, Messages.message("x")), "FS");
        cloud.setFlags(id, Flags.NONE);
        fx.cycleOk();
        assertEquals(Flags.of(Flag.FLAGGED), cloud.flags(id));
        assertEquals(Flags.of(Flag.FLAGGED), fx.local(0).get(hash(Messages.message("x"))));
    }

    @Test
    void localDeletionArchivesInTheCloud() throws Exception {
        InMemoryMailbox cloud = o365("o365:a@b.c:inbox");
        String keep = cloud.add(Messages.message("keep"), Flags.NONE, null);
        String gone = cloud.add(Messages.message("gone"), Flags.NONE, null);
        single(cloud);
        fx.cycleOk();

        Files.delete(fx.fileFor(0, Messages.message("gone")).path());
        CycleReport r = fx.cycleOk();

        assertEquals(1, r.pushedDeletes());
        assertEquals(Map.of(gone, "archive"), cloud.deletions());
        assertNotNull(cloud.flags(keep));
        assertEquals(1, fx.local(0).size());
        assertEquals(0, fx.cycleOk().delivered(), "the deleted message does not come back");
    }

    @Test
    void trashFlagDeletesWithTheMailboxDeleteAction() throws Exception {
        InMemoryMailbox cloud = new InMemoryMailbox("gmail:a@b.c:INBOX", EnumSet.of(Flag.READ, Flag.FLAGGED), "trash");
        String id = cloud.add(Messages.message("x"), Flags.NONE, null);
        single(cloud);
        fx.cycleOk();

        setLetters(fx.fileFor(0, Messages.message("x")), "ST");
        fx.cycleOk();

        assertEquals(Map.of(id, "trash"), cloud.deletions());
        assertTrue(fx.local(0).isEmpty(), "the trashed file is removed once the cloud deleted it");
    }

    @Test
    void flagsTheCloudCannotStoreStayLocal() throws Exception {
        InMemoryMailbox cloud = InMemoryMailbox.likeGmail("gmail:a@b.c:INBOX");
        String id = cloud.add(Messages.message("x"), Flags.NONE, null);
        single(cloud);
        fx.cycleOk();

        setLetters(fx.fileFor(0, Messages.message("x")), "DRS");
        fx.cycleOk();
        assertEquals(Flags.of(Flag.READ), cloud.flags(id));

        cloud.setFlags(id, Flags.of(Flag.READ, Flag.FLAGGED));
        fx.cycleOk();
        MaildirFile f = fx.fileFor(0, Messages.message("x"));
        assertEquals("DFRS", f.name().info(), "replied and the unmanaged D survive cloud changes");

        fx.start(false);
        fx.cycleOk();
        assertEquals("DFRS", fx.fileFor(0, Messages.message("x")).name().info(), "and a restart");
    }

    @Test
    void startupUndoesLocalChangesMadeWhileStopped() throws Exception {
        InMemoryMailbox cloud = o365("o365:a@b.c:inbox");
        String a = cloud.add(Messages.message("a"), Flags.NONE, null);
        String b = cloud.add(Messages.message("b"), Flags.NONE, null);
        single(cloud);
        fx.cycleOk();
        fx.close();

        setLetters(fx.fileFor(0, Messages.message("a")), "S");
        Files.delete(fx.fileFor(0, Messages.message("b")).path());

        fx.start(false);
        CycleReport r = fx.cycleOk();
        assertEquals(0, r.pushedFlags() + r.pushedDeletes(), "nothing is pushed at start-up");
        assertEquals(Flags.NONE, cloud.flags(a));
        assertNotNull(cloud.flags(b));
        assertEquals(Flags.NONE, fx.local(0).get(hash(Messages.message("a"))), "the local S is undone");
        assertNotNull(fx.local(0).get(hash(Messages.message("b"))), "the deleted file comes back");
    }

    @Test
    void offlineFirstCyclePushesLocalFlagsAndIgnoresMissingMessages() throws Exception {
        InMemoryMailbox cloud = o365("o365:a@b.c:inbox");
        String a = cloud.add(Messages.message("a"), Flags.NONE, null);
        String b = cloud.add(Messages.message("b"), Flags.NONE, null);
        String c = cloud.add(Messages.message("c"), Flags.NONE, null);
        single(cloud);
        fx.cycleOk();
        fx.close();

        setLetters(fx.fileFor(0, Messages.message("a")), "FS");
        Files.delete(fx.fileFor(0, Messages.message("b")).path());
        setLetters(fx.fileFor(0, Messages.message("c")), "T");

        fx.start(true);
        fx.cycleOk();
        assertEquals(Flags.of(Flag.READ, Flag.FLAGGED), cloud.flags(a), "local flags are trusted");
        assertNotNull(cloud.flags(b), "a missing file is not a deletion in offline mode");
        assertNotNull(fx.local(0).get(hash(Messages.message("b"))), "and it is delivered again");
        assertNull(cloud.flags(c), "the T flag still deletes");
        assertEquals(Map.of(c, "archive"), cloud.deletions());
    }

    @Test
    void aFileTheCloudNeverHadGoesToLostAndFound() throws Exception {
        InMemoryMailbox cloud = o365("o365:a@b.c:inbox");
        cloud.add(Messages.message("a"), Flags.NONE, null);
        single(cloud);
        fx.cycleOk();

        Path mine = fx.maildirPaths.get(0).resolve("cur").resolve("1700000000.mine.host:2,S");
        Files.write(mine, Messages.message("my own"));
        CycleReport r = fx.cycleOk();

        assertEquals(1, r.lostFound());
        assertFalse(Files.exists(mine));
        List<Path> lost = fx.lostAndFound();
        assertEquals(1, lost.size());
        assertArrayEquals(Messages.message("my own"), Files.readAllBytes(lost.get(0)));
        assertTrue(cloud.deletions().isEmpty());
    }

    @Test
    void routesByMailboxAndByListIdHeader() throws Exception {
        InMemoryMailbox work = o365("o365:a@b.c:inbox");
        InMemoryMailbox personal = InMemoryMailbox.likeGmail("gmail:a@gmail.com:INBOX");
        // Maildir 0: default; 1: the kernel list from any mailbox; 2: everything else from Gmail.
        Router router = new Router(List.of(
                new Router.Rule(1, -1, "List-ID", null, Pattern.compile("<linux-kernel\\.vger")),
                new Router.Rule(2, 1, null, null, null)));
        fx = new SyncFixture(tmp, 3, List.of(work, personal), router);
        fx.start(false);

        byte[] list = Messages.message("list", "List-ID: Linux kernel\r\n <linux-kernel.vger.kernel.org>\r\n", 200);
        byte[] plain = Messages.message("plain");
        byte[] gmail = Messages.message("gmail");
        byte[] gmailList = Messages.message("gmail-list", "list-id: <linux-kernel.vger.kernel.org>\r\n", 200);
        work.add(list, Flags.NONE, null);
        work.add(plain, Flags.NONE, null);
        personal.add(gmail, Flags.NONE, null);
        personal.add(gmailList, Flags.NONE, null);
        fx.cycleOk();

        assertEquals(java.util.Set.of(hash(plain)), fx.local(0).keySet());
        assertEquals(java.util.Set.of(hash(list), hash(gmailList)), fx.local(1).keySet());
        assertEquals(java.util.Set.of(hash(gmail)), fx.local(2).keySet());
    }

    @Test
    void routeEqualsComparesTheUnfoldedValue() throws Exception {
        InMemoryMailbox cloud = o365("o365:a@b.c:inbox");
        Router router = new Router(List.of(new Router.Rule(1, -1, "List-Id", "Foo list <foo.example.com>", null)));
        fx = new SyncFixture(tmp, 2, List.of(cloud), router);
        fx.start(false);
        byte[] folded = Messages.message("f", "List-Id: Foo list\r\n\t<foo.example.com>\r\n", 200);
        byte[] other = Messages.message("o", "List-Id: <bar.example.com>\r\n", 200);
        cloud.add(folded, Flags.NONE, null);
        cloud.add(other, Flags.NONE, null);
        fx.cycleOk();
        assertEquals(java.util.Set.of(hash(folded)), fx.local(1).keySet());
        assertEquals(java.util.Set.of(hash(other)), fx.local(0).keySet());
    }

    @Test
    void aFailedListingChangesNothingAndTheNextCycleConverges() throws Exception {
        InMemoryMailbox cloud = o365("o365:a@b.c:inbox");
        String id = cloud.add(Messages.message("a"), Flags.NONE, null);
        single(cloud);
        fx.cycleOk();

        setLetters(fx.fileFor(0, Messages.message("a")), "S");
        cloud.add(Messages.message("b"), Flags.NONE, null);
        cloud.failNext(Op.LIST, 1);
        CycleReport failed = fx.cycle();
        assertFalse(failed.ok());
        assertEquals(Flags.of(Flag.READ), fx.local(0).get(hash(Messages.message("a"))), "the local change is kept");
        assertEquals(1, fx.local(0).size());

        fx.cycleOk();
        assertEquals(Flags.of(Flag.READ), cloud.flags(id));
        assertEquals(2, fx.local(0).size());
    }

    @Test
    void aFailedPushKeepsTheLocalChangeForTheNextCycle() throws Exception {
        InMemoryMailbox cloud = o365("o365:a@b.c:inbox");
        String id = cloud.add(Messages.message("a"), Flags.NONE, null);
        single(cloud);
        fx.cycleOk();

        setLetters(fx.fileFor(0, Messages.message("a")), "F");
        cloud.failNext(Op.APPLY, 1);
        assertFalse(fx.cycle().ok());
        assertEquals(Flags.NONE, cloud.flags(id));
        assertEquals(Flags.of(Flag.FLAGGED), fx.local(0).get(hash(Messages.message("a"))));

        fx.cycleOk();
        assertEquals(Flags.of(Flag.FLAGGED), cloud.flags(id));
    }

    @Test
    void aDownloadFailureKeepsWhatArrivedAndFetchesTheRestLater() throws Exception {
        InMemoryMailbox cloud = o365("o365:a@b.c:inbox");
        for (int i = 0; i < 10; i++) {
            cloud.add(Messages.message("m" + i), Flags.NONE, null);
        }
        single(cloud);
        cloud.failNext(Op.FETCH, 3);
        CycleReport r = fx.cycle();
        assertFalse(r.ok());
        assertEquals(7, fx.local(0).size(), "the bodies that arrived are delivered");

        CycleReport again = fx.cycleOk();
        assertEquals(3, again.fetched(), "only the missing bodies are fetched again");
        assertEquals(10, fx.local(0).size());
        assertEquals(10, cloud.bodiesServed(), "no body is downloaded twice");
    }

    @Test
    void anExpiredTokenFallsBackToAFullListingAndConverges() throws Exception {
        InMemoryMailbox cloud = o365("o365:a@b.c:inbox");
        String a = cloud.add(Messages.message("a"), Flags.NONE, null);
        single(cloud);
        fx.cycleOk();
        cloud.setFlags(a, Flags.of(Flag.READ));
        cloud.add(Messages.message("b"), Flags.NONE, null);
        cloud.expireTokens();
        fx.cycleOk();
        assertEquals(2, cloud.fullListings());
        assertEquals(2, fx.local(0).size());
        assertEquals(Flags.of(Flag.READ), fx.local(0).get(hash(Messages.message("a"))));
        assertEquals(2, cloud.bodiesServed(), "known bodies are not fetched again");
    }

    @Test
    void anEmptiedMaildirIsNotTakenAsMassDeletion() throws Exception {
        InMemoryMailbox cloud = o365("o365:a@b.c:inbox");
        for (int i = 0; i < WipeGuard.WIPED_MAILDIR_THRESHOLD + 5; i++) {
            cloud.add(Messages.message("m" + i), Flags.NONE, null);
        }
        single(cloud);
        fx.cycleOk();
        for (MaildirFile f : fx.files(0)) {
            Files.delete(f.path());
        }
        CycleReport r = fx.cycle();
        assertFalse(r.ok());
        assertThatText(r.errors().get(0), r.errors().toString()).contains("refusing to delete");
        assertTrue(cloud.deletions().isEmpty());

        fx.start(false);
        fx.cycleOk();
        assertEquals(WipeGuard.WIPED_MAILDIR_THRESHOLD + 5, fx.local(0).size(), "a restart downloads them again");
    }

    @Test
    void aMessageMovedByTheReaderIntoCurIsNotAChange() throws Exception {
        InMemoryMailbox cloud = o365("o365:a@b.c:inbox");
        String id = cloud.add(Messages.message("a"), Flags.NONE, null);
        single(cloud);
        fx.cycleOk();
        MaildirFile f = fx.fileFor(0, Messages.message("a"));
        assertTrue(f.inNew());
        Files.move(f.path(), f.path().getParent().getParent().resolve("cur").resolve(f.name().base() + ":2,"));
        CycleReport r = fx.cycleOk();
        assertEquals(0, r.pushedFlags() + r.pushedDeletes() + r.delivered());
        assertEquals(Flags.NONE, cloud.flags(id));
    }

    @Test
    void storeBodiesOfDeletedMessagesAreCollected() throws Exception {
        InMemoryMailbox cloud = o365("o365:a@b.c:inbox");
        String a = cloud.add(Messages.message("a"), Flags.NONE, null);
        cloud.add(Messages.message("b"), Flags.NONE, null);
        single(cloud);
        fx.cycleOk();
        assertTrue(fx.store.contains(hash(Messages.message("a"))));
        cloud.remove(a);
        fx.cycleOk();
        assertFalse(fx.store.contains(hash(Messages.message("a"))));
        assertTrue(fx.store.contains(hash(Messages.message("b"))));
    }

    @Test
    void identicalBodiesInTwoMailboxesAreOneLocalMessage() throws Exception {
        InMemoryMailbox one = o365("o365:a@b.c:inbox");
        InMemoryMailbox two = o365("o365:a@b.c:other");
        fx = new SyncFixture(tmp, 1, List.of(one, two), Router.defaultOnly());
        fx.start(false);
        byte[] body = Messages.message("same");
        String id1 = one.add(body, Flags.NONE, null);
        String id2 = two.add(body, Flags.NONE, null);
        fx.cycleOk();
        assertEquals(1, fx.local(0).size());
        setLetters(fx.fileFor(0, body), "S");
        fx.cycleOk();
        assertEquals(Flags.of(Flag.READ), one.flags(id1));
        assertEquals(Flags.of(Flag.READ), two.flags(id2));
        assertTrue(fx.lostAndFound().isEmpty());
    }

    /** Issue 18, item 1: a body with CR CR LF kept its identity through a flag change. */
    @Test
    void flaggingAMessageWithCrCrLfPushesTheFlagAndDeletesNothing() throws Exception {
        InMemoryMailbox cloud = o365("o365:a@b.c:inbox");
        byte[] body = ("From: a@example.com\r\nSubject: odd line ends\r\n\r\n"
                + "one\r\r\ntwo\r\r\r\nthree\r\n").getBytes(StandardCharsets.US_ASCII);
        String id = cloud.add(body, Flags.NONE, null);
        single(cloud);
        fx.cycleOk();
        List<MaildirFile> files = fx.files(0);
        assertEquals(1, files.size());

        setLetters(files.get(0), "F");
        CycleReport r = fx.cycleOk();

        assertEquals(1, r.pushedFlags());
        assertEquals(0, r.pushedDeletes());
        assertEquals(Flags.of(Flag.FLAGGED), cloud.flags(id));
        assertTrue(cloud.deletions().isEmpty(), "no cloud deletion: " + cloud.deletions());
        assertTrue(fx.lostAndFound().isEmpty(), "nothing in lost+found");
        assertEquals(1, fx.files(0).size());
        // And after a restart, whose stat index comes from state.db, nothing changes either.
        fx.start(false);
        setLetters(fx.files(0).get(0), "FS");
        r = fx.cycleOk();
        assertEquals(Flags.of(Flag.FLAGGED), cloud.flags(id), "start-up: the cloud is authoritative");
        assertEquals(0, r.pushedDeletes());
        assertTrue(cloud.deletions().isEmpty());
        assertTrue(fx.lostAndFound().isEmpty());
        assertEquals("F", fx.files(0).get(0).name().info());
    }

    /** Issue 14, defect 1: start-up rules hold until a cycle succeeds, not for the first attempt only. */
    @Test
    void startupRulesHoldUntilACycleSucceeds() throws Exception {
        InMemoryMailbox cloud = o365("o365:a@b.c:inbox");
        String a = cloud.add(Messages.message("a"), Flags.NONE, null);
        String b = cloud.add(Messages.message("b"), Flags.NONE, null);
        single(cloud);
        fx.cycleOk();
        // Stopped: a deleted and b flagged by hand. Then the first listing after the start fails.
        Files.delete(fx.fileFor(0, Messages.message("a")).path());
        setLetters(fx.fileFor(0, Messages.message("b")), "F");
        fx.start(false);
        cloud.failNext(Op.LIST, 1);
        assertFalse(fx.cycle().ok());

        CycleReport r = fx.cycleOk();

        assertEquals(0, r.pushedFlags() + r.pushedDeletes(), "edits made while stopped are not pushed");
        assertTrue(cloud.deletions().isEmpty(), "nothing archived: " + cloud.deletions());
        assertEquals(Flags.NONE, cloud.flags(b));
        assertEquals(Map.of(hash(Messages.message("a")), Flags.NONE, hash(Messages.message("b")), Flags.NONE),
                fx.local(0), "the cloud is authoritative at start-up");
        assertTrue(cloud.ids().contains(a));
    }

    /** Issue 14, defect 2: a re-delivery that failed at start-up does not become a cloud deletion. */
    @Test
    void aFailedRedeliveryAtStartupIsNotACloudDeletion() throws Exception {
        failedRedeliveryAtStartup(false);
    }

    @Test
    void aFailedRedeliveryAtAnOfflineStartupIsNotACloudDeletion() throws Exception {
        failedRedeliveryAtStartup(true);
    }

    private void failedRedeliveryAtStartup(boolean offline) throws Exception {
        InMemoryMailbox cloud = o365("o365:a@b.c:inbox");
        String a = cloud.add(Messages.message("a"), Flags.NONE, null);
        cloud.add(Messages.message("b"), Flags.NONE, null);
        single(cloud);
        fx.cycleOk();
        Files.delete(fx.fileFor(0, Messages.message("a")).path());
        fx.start(offline);
        // tmp/ unusable during the first cycle: delivery fails.
        Path tmpDir = fx.maildirPaths.get(0).resolve("tmp");
        Files.delete(tmpDir);
        Files.writeString(tmpDir, "not a directory");
        assertFalse(fx.cycle().ok());
        Files.delete(tmpDir);
        Files.createDirectory(tmpDir);

        fx.cycleOk();
        fx.cycleOk();

        assertTrue(cloud.deletions().isEmpty(), "nothing archived: " + cloud.deletions());
        assertTrue(cloud.ids().contains(a));
        assertEquals(2, fx.local(0).size(), "the message is delivered again");
    }

    /** Issue 14, defect 3: copies of identical bytes that disagree push nothing by themselves. */
    @Test
    void identicalCopiesWithDifferentFlagsPushNothingWithoutAUserAction() throws Exception {
        InMemoryMailbox cloud = o365("o365:a@b.c:inbox");
        byte[] body = Messages.message("twice");
        String read = cloud.add(body, Flags.of(Flag.READ), null);
        String starred = cloud.add(body, Flags.of(Flag.FLAGGED), null);
        single(cloud);
        fx.cycleOk();
        fx.cycleOk();
        fx.cycleOk();

        assertEquals(0, cloud.changesApplied(), "no user action, no cloud change");
        assertEquals(Flags.of(Flag.READ), cloud.flags(read));
        assertEquals(Flags.of(Flag.FLAGGED), cloud.flags(starred));
        assertEquals(Map.of(hash(body), Flags.of(Flag.READ, Flag.FLAGGED)), fx.local(0),
                "the file shows a flag when any copy has it");

        // A local change goes to every copy; the flags nobody touched stay as they were.
        setLetters(fx.fileFor(0, body), "S");
        fx.cycleOk();
        assertEquals(Flags.of(Flag.READ), cloud.flags(read));
        assertEquals(Flags.NONE, cloud.flags(starred), "unflagged, and still unread: S was not touched");
        assertEquals(0, fx.cycleOk().pushedFlags());
    }

    @Test
    void identicalCopiesAcrossMailboxesWithDifferentFlagsPushNothing() throws Exception {
        InMemoryMailbox one = InMemoryMailbox.likeGmail("gmail:a@b.c:INBOX");
        InMemoryMailbox two = InMemoryMailbox.likeGmail("gmail:a@b.c:Lists");
        fx = new SyncFixture(tmp, 1, List.of(one, two), Router.defaultOnly());
        fx.start(false);
        byte[] body = Messages.message("same");
        String plain = one.add(body, Flags.NONE, null);
        String star = two.add(body, Flags.of(Flag.FLAGGED), null);
        fx.cycleOk();
        fx.cycleOk();

        assertEquals(0, one.changesApplied() + two.changesApplied());
        assertEquals(Flags.NONE, one.flags(plain));
        assertEquals(Flags.of(Flag.FLAGGED), two.flags(star), "the star is kept");

        setLetters(fx.fileFor(0, body), "FS");
        fx.cycleOk();
        assertEquals(Flags.of(Flag.READ), one.flags(plain), "read reached both; the star was not touched");
        assertEquals(Flags.of(Flag.READ, Flag.FLAGGED), two.flags(star));
        assertEquals(0, fx.cycleOk().pushedFlags());
    }

    /** Issue 18, item 3: a local removal that failed leaves the snapshot saying the file is there. */
    @Test
    void aFailedLocalRemovalIsRetriedAndNeverEndsInLostAndFound() throws Exception {
        InMemoryMailbox cloud = o365("o365:a@b.c:inbox");
        String a = cloud.add(Messages.message("a"), Flags.NONE, null);
        cloud.add(Messages.message("b"), Flags.NONE, null);
        single(cloud);
        fx.cycleOk();
        Path file = fx.fileFor(0, Messages.message("a")).path();
        Path aside = tmp.resolve("aside");
        cloud.remove(a); // archived in the cloud by another client
        // The removal fails once: the name is taken by a non-empty directory at that moment.
        boolean[] armed = {true};
        fx.engine.onOwnChanges(p -> {
            if (armed[0] && p.equals(file)) {
                armed[0] = false;
                try {
                    Files.move(file, aside);
                    Files.createDirectories(file.resolve("busy"));
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        });
        assertFalse(fx.cycle().ok());
        Files.delete(file.resolve("busy"));
        Files.delete(file);
        Files.move(aside, file);

        CycleReport r = fx.cycleOk();

        assertEquals(1, r.removed());
        assertFalse(Files.exists(file));
        assertTrue(fx.lostAndFound().isEmpty(), "not taken for a user's own file");
        assertEquals(java.util.Set.of(hash(Messages.message("b"))), fx.local(0).keySet());
    }

    /** Issue 18, item 10: a small Maildir emptied at once is not mass-deleted in the cloud either. */
    @Test
    void aSmallMaildirEmptiedAtOnceIsNotMassDeletedUntilConfirmed() throws Exception {
        InMemoryMailbox cloud = o365("o365:a@b.c:inbox");
        for (int i = 0; i < 15; i++) {
            cloud.add(Messages.message("m" + i), Flags.NONE, null);
        }
        single(cloud);
        fx.cycleOk();
        for (MaildirFile f : fx.files(0)) {
            Files.delete(f.path());
        }

        CycleReport r = fx.cycle();

        assertFalse(r.ok());
        assertThatText(r.errors().get(0), r.errors().toString()).contains("refusing to delete");
        assertThatText(r.errors().get(0), "says how to confirm: " + r.errors()).contains(".cms-confirm-empty");
        assertTrue(cloud.deletions().isEmpty());
        assertEquals(15, cloud.size());

        // Confirmed: the next cycle deletes them and removes the confirmation.
        Path confirm = fx.maildirPaths.get(0).resolve(".cms-confirm-empty");
        Files.createFile(confirm);
        r = fx.cycleOk();
        assertEquals(15, r.pushedDeletes());
        assertEquals(0, cloud.size());
        assertFalse(Files.exists(confirm), "a confirmation is used once");
    }

    @Test
    void messagesDeletedOneByOneMayEmptyAMaildir() throws Exception {
        InMemoryMailbox cloud = o365("o365:a@b.c:inbox");
        for (int i = 0; i < 3; i++) {
            cloud.add(Messages.message("m" + i), Flags.NONE, null);
        }
        single(cloud);
        fx.cycleOk();
        for (int left = 3; left > 0; left--) {
            Files.delete(fx.files(0).get(0).path());
            assertEquals(1, fx.cycleOk().pushedDeletes());
        }
        assertEquals(0, cloud.size());
    }

    /**
     * Issue 12, item 10: a store body removed by hand (notmuch lists the store's copy too) is
     * downloaded again when it is needed, instead of failing every cycle. Issue 15: start-up
     * takes state.db's word that a body is stored (hashes/ is not read), so the first cycle finds
     * it missing when it delivers it, and the next downloads it.
     */
    @Test
    void aStoreBodyRemovedByHandIsDownloadedAgain() throws Exception {
        InMemoryMailbox cloud = o365("o365:a@b.c:inbox");
        String a = cloud.add(Messages.message("a"), Flags.NONE, null);
        single(cloud);
        fx.cycleOk();
        // While stopped: both files of the message removed; at start-up the cloud is authoritative.
        Files.delete(fx.fileFor(0, Messages.message("a")).path());
        Files.delete(fx.store.path(hash(Messages.message("a"))));
        fx.start(false);
        CycleReport noticed = fx.cycle();
        assertEquals(1, noticed.problems().size(), noticed.problems().toString());
        assertThatText(noticed.problems().get(0), "says why").contains("missing from the store");
        assertTrue(cloud.deletions().isEmpty(), "a missing body is never a deletion");
        cloud.failNext(Op.FETCH, 1);
        assertFalse(fx.cycle().ok(), "the first download again fails");

        CycleReport r = fx.cycleOk();

        assertEquals(Map.of(hash(Messages.message("a")), Flags.NONE), fx.local(0));
        assertTrue(cloud.ids().contains(a));
        assertTrue(cloud.deletions().isEmpty());
        assertEquals(2, cloud.bodiesServed(), "fetched once more");
        assertEquals(1, cloud.fullListings(), "no full listing was needed");
        assertTrue(fx.cycleOk().idle(), "and then quiet: " + r);
    }

    /** Issue 18, item 4: a file that cannot be renamed is skipped and reported; the rest goes on. */
    @Test
    void aFileThatCannotTakeItsFlagsIsSkippedAndTheRestSyncs() throws Exception {
        InMemoryMailbox cloud = o365("o365:a@b.c:inbox");
        String a = cloud.add(Messages.message("a"), Flags.NONE, null);
        String b = cloud.add(Messages.message("b"), Flags.NONE, null);
        single(cloud);
        fx.cycleOk();
        // A mail reader gave a's file a 255-byte name: it cannot gain flag letters.
        MaildirFile fa = fx.fileFor(0, Messages.message("a"));
        Files.move(fa.path(), fa.path().getParent().getParent().resolve("cur").resolve("x".repeat(252) + ":2,"));
        fx.cycleOk();
        cloud.setFlags(a, Flags.of(Flag.READ, Flag.FLAGGED));
        cloud.setFlags(b, Flags.of(Flag.READ));

        CycleReport r = fx.cycle();

        assertEquals(1, r.problems().size(), r.problems().toString());
        assertThatText(r.problems().get(0), "names the file: " + r.problems()).contains("x".repeat(20));
        assertTrue(r.errors().isEmpty(), "not a failure of the cycle or the mailbox: " + r.errors());
        assertFalse(r.failedAsAWhole());
        assertTrue(r.failedMailboxes().isEmpty());
        assertEquals(Flags.of(Flag.READ), fx.local(0).get(hash(Messages.message("b"))), "the other message synced");
        assertTrue(cloud.deletions().isEmpty());
        assertEquals(Flags.of(Flag.READ, Flag.FLAGGED), cloud.flags(a), "the cloud is left as it is");
    }

    /** Issue 18, item 4: a symbolic link in a Maildir is never followed, read or moved. */
    @Test
    void aSymbolicLinkInAMaildirIsSkippedAndItsTargetNeverRead() throws Exception {
        InMemoryMailbox cloud = o365("o365:a@b.c:inbox");
        cloud.add(Messages.message("a"), Flags.NONE, null);
        single(cloud);
        fx.cycleOk();
        Path secret = Files.write(tmp.resolve("secret"), Messages.message("not mail"));
        Path link = Files.createSymbolicLink(fx.maildirPaths.get(0).resolve("cur").resolve("link:2,S"), secret);

        CycleReport r = fx.cycleOk();

        assertEquals(0, r.lostFound());
        assertTrue(Files.isSymbolicLink(link), "left where it is");
        assertTrue(Files.exists(secret));
        assertTrue(fx.lostAndFound().isEmpty());
        assertEquals(1, fx.local(0).size());
    }

    /**
     * Issue 18, item 6: changes the running daemon saw (journaled) but had not pushed when it
     * died are pushed after the restart; changes made while it was stopped are still undone.
     */
    @Test
    void journaledLocalChangesArePushedAfterACrashAndOthersAreUndone() throws Exception {
        InMemoryMailbox cloud = o365("o365:a@b.c:inbox");
        String a = cloud.add(Messages.message("a"), Flags.NONE, null);
        String b = cloud.add(Messages.message("b"), Flags.NONE, null);
        String c = cloud.add(Messages.message("c"), Flags.NONE, null);
        single(cloud);
        fx.cycleOk();
        // While running: a read, b deleted; the watcher journals both, then the daemon dies.
        Path readA = setLetters(fx.fileFor(0, Messages.message("a")), "S");
        Path fileB = fx.fileFor(0, Messages.message("b")).path();
        Files.delete(fileB);
        fx.engine.journal(fx.maildirPaths.get(0), List.of(readA, fileB));
        // While stopped: c flagged by hand.
        setLetters(fx.fileFor(0, Messages.message("c")), "F");
        fx.start(false);

        CycleReport r = fx.cycleOk();

        assertEquals(Flags.of(Flag.READ), cloud.flags(a), "a change seen while running is pushed");
        assertEquals("archive", cloud.deletions().get(b), "a deletion seen while running is pushed");
        assertEquals(Flags.NONE, cloud.flags(c), "a change made while stopped is undone");
        assertEquals(Map.of(hash(Messages.message("a")), Flags.of(Flag.READ), hash(Messages.message("c")), Flags.NONE),
                fx.local(0));
        assertEquals(1, r.pushedFlags());
        assertEquals(1, r.pushedDeletes());
        assertEquals(0, fx.db.journalHead(), "the journal is cleared once pushed");

        // Another restart has nothing left to push.
        fx.start(false);
        assertTrue(fx.cycleOk().idle());
    }

    @Test
    void aJournaledChangeWhoseCloudCopyChangedMeanwhileLetsTheCloudWin() throws Exception {
        InMemoryMailbox cloud = o365("o365:a@b.c:inbox");
        String a = cloud.add(Messages.message("a"), Flags.NONE, null);
        single(cloud);
        fx.cycleOk();
        Path read = setLetters(fx.fileFor(0, Messages.message("a")), "S");
        fx.engine.journal(fx.maildirPaths.get(0), List.of(read));
        cloud.setFlags(a, Flags.of(Flag.FLAGGED)); // another client, meanwhile
        fx.start(false);

        fx.cycleOk();

        assertEquals(Flags.of(Flag.READ, Flag.FLAGGED), cloud.flags(a), "both changes kept: per-flag merge");
    }

    /**
     * A file the user renames while the start-up cycle is forcing it is the running daemon's
     * business: the change is pushed by the next cycle, not undone.
     */
    @Test
    void aChangeMadeDuringTheStartupCycleIsPushedNotUndone() throws Exception {
        InMemoryMailbox cloud = o365("o365:a@b.c:inbox");
        String a = cloud.add(Messages.message("a"), Flags.NONE, null);
        single(cloud);
        fx.cycleOk();
        setLetters(fx.fileFor(0, Messages.message("a")), "S"); // while stopped: undone at start-up
        fx.start(false);
        Path[] renamed = {null};
        fx.engine.onOwnChanges(p -> {
            if (renamed[0] == null && Files.exists(p)) {
                try { // the user flags it just before the engine renames it
                    renamed[0] = Files.move(p, p.resolveSibling(p.getFileName().toString().replace(":2,S", ":2,FS")));
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        });
        fx.cycle();
        fx.engine.onOwnChanges(p -> { });

        fx.cycle();
        fx.cycleOk();

        assertTrue(cloud.flags(a).has(Flag.FLAGGED), "the flag set while the daemon ran is pushed: " + cloud.flags(a));
        assertEquals(cloud.flags(a), fx.local(0).get(hash(Messages.message("a"))));
    }

    /** Issue 12, item 12: the log names the file or the subject, so a user can match it. */
    @Test
    void pushedChangesAreLoggedByFileNameOrSubject() throws Exception {
        InMemoryMailbox cloud = o365("o365:a@b.c:inbox");
        cloud.add(Messages.message("a"), Flags.NONE, null);
        byte[] forged = ("From: x@example.com\r\nSubject: =?UTF-8?Q?forged=0A12-04_INFO_fake?=\r\n\r\nbody\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        cloud.add(forged, Flags.NONE, null);
        single(cloud);
        fx.cycleOk();
        Path read = setLetters(fx.fileFor(0, Messages.message("a")), "S");
        Files.delete(fx.fileFor(0, forged).path());

        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        java.io.PrintStream saved = System.err;
        System.setErr(new java.io.PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            fx.cycleOk();
        } finally {
            System.setErr(saved);
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        assertThatText(log).contains("flags none -> S in the cloud: " + read.getFileName());
        assertThatText(log).contains("deleted in the cloud: the message \"forged?12-04 INFO fake\", deleted locally");
        assertThatText(log, "the log (a subject cannot start a line of its own)").doesNotContain("\n12-04 INFO fake");
    }

    /** Issue 12, item 13: a first sync stopped mid-way says what was kept, and the next start uses it. */
    @Test
    void aStoppedFirstSyncSaysWhatWasKeptAndTheNextStartResumes() throws Exception {
        InMemoryMailbox cloud = o365("o365:a@b.c:inbox");
        for (int i = 0; i < 5; i++) {
            cloud.add(Messages.message("m" + i), Flags.NONE, null);
        }
        fx = new SyncFixture(tmp, 1, List.of(new StopAfterFetch(cloud, () -> fx.engine.requestStop())),
                Router.defaultOnly());
        fx.start(false);

        CycleReport r = fx.cycle();

        assertTrue(r.aborted());
        assertEquals("stopped at a safe point before the cycle's end: 5 message bodies downloaded so far are kept,"
                + " and the next start goes on without downloading them again", r.stopSummary());
        fx.start(false);
        fx.cycleOk();
        assertEquals(5, fx.local(0).size());
        assertEquals(5, cloud.bodiesServed(), "nothing downloaded twice");
    }

    /** A mailbox that asks the engine to stop once its bodies were handed over (as Ctrl-C during a download). */
    private static final class StopAfterFetch implements dev.cms.provider.CloudMailbox {
        private final InMemoryMailbox inner;
        private final Runnable stop;
        private boolean stopped;

        StopAfterFetch(InMemoryMailbox inner, Runnable stop) {
            this.inner = inner;
            this.stop = stop;
        }

        @Override
        public String key() {
            return inner.key();
        }

        @Override
        public java.util.Set<Flag> supportedFlags() {
            return inner.supportedFlags();
        }

        @Override
        public dev.cms.provider.Listing list(String token) throws java.io.IOException {
            return inner.list(token);
        }

        @Override
        public void fetchBodies(java.util.Collection<String> ids, dev.cms.provider.BodySink sink) throws java.io.IOException {
            inner.fetchBodies(ids, sink);
            if (!stopped) {
                stopped = true;
                stop.run();
            }
        }

        @Override
        public java.util.Map<dev.cms.provider.Change, String> apply(List<dev.cms.provider.Change> changes)
                throws java.io.IOException {
            return inner.apply(changes);
        }
    }

    /** A confirmation left while nothing needed it never confirms a later, unrelated emptying. */
    @Test
    void aStaleEmptyConfirmationIsDroppedAndConfirmsNothingLater() throws Exception {
        InMemoryMailbox cloud = o365("o365:a@b.c:inbox");
        for (int i = 0; i < 5; i++) {
            cloud.add(Messages.message("m" + i), Flags.NONE, null);
        }
        single(cloud);
        fx.cycleOk();
        Path confirm = Files.createFile(fx.maildirPaths.get(0).resolve(".cms-confirm-empty"));
        fx.cycleOk();
        assertFalse(Files.exists(confirm), "dropped: the Maildir was not empty");

        for (MaildirFile f : fx.files(0)) {
            Files.delete(f.path());
        }
        assertFalse(fx.cycle().ok(), "the later emptying is refused");
        assertTrue(cloud.deletions().isEmpty());
    }
}
