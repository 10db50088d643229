package dev.cms.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.maildir.MaildirFile;
import dev.cms.maildir.MaildirName;
import dev.cms.model.ContentHash;
import dev.cms.model.FileStat;
import dev.cms.model.Flags;
import dev.cms.provider.Change;
import dev.cms.provider.memory.InMemoryMailbox;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiPredicate;
import org.junit.jupiter.api.Test;

/**
 * What a cycle pushes to the cloud, decided from values alone (DESIGN §5): the cloud is never
 * changed for a message nobody changed, a missing file or a T deletes only outside start-up
 * rules, and each flag merges on its own. The Maildirs here exist only in memory.
 */
class PushPlanTest {
    private static final Path ROOT0 = Path.of("/nonexistent/cms-push-plan/zero");
    private static final Path ROOT1 = Path.of("/nonexistent/cms-push-plan/one");
    private static final ContentHash A = hash('a');
    private static final ContentHash B = hash('b');

    private final CloudState gmail = new CloudState(InMemoryMailbox.likeGmail("gmail:me:inbox"), 0);
    private final LocalView zero = new LocalView(ROOT0);
    private final LocalView one = new LocalView(ROOT1);
    private int inode = 1;

    private static ContentHash hash(char c) {
        return new ContentHash(String.valueOf(c).repeat(64));
    }

    private void file(LocalView view, Path root, String name, ContentHash h) {
        view.add(new MaildirFile(root.resolve("cur").resolve(name), MaildirName.parse(name), false,
                new FileStat(inode++, 10, 1, 1)), h);
    }

    private void synced(String id, ContentHash h, String flags, int maildir) {
        gmail.snapshot.put(id, new Entry(h, Flags.fromLetters(flags), null, maildir));
    }

    private List<PushPlan.Push> plan(Listed now, BiPredicate<Integer, ContentHash> journaled, boolean offline) {
        Refresh r = new Refresh();
        r.now = now;
        Map<CloudState, Refresh> refreshed = new HashMap<>();
        refreshed.put(gmail, r);
        Expected expected = new Expected(Scope.everything(2), List.of(gmail), refreshed);
        return PushPlan.plan(gmail, now, List.of(zero, one), expected, journaled, offline, Map.of());
    }

    private List<PushPlan.Push> plan(Listed now) {
        return plan(now, (i, h) -> false, false);
    }

    private Listed cloud() {
        return Listed.over(gmail.snapshot);
    }

    @Test
    void aFileThatStillShowsTheSyncedFlagsPushesNothing() {
        gmail.startup = false;
        synced("m1", A, "FS", 0);
        // R is not Gmail's to store: a file that adds it changes nothing in Gmail
        file(zero, ROOT0, "a:2,FRS", A);
        assertEquals(List.of(), plan(cloud()));
    }

    @Test
    void aFileInTheOtherMaildirIsFoundThere() {
        gmail.startup = false;
        synced("m1", A, "", 1);
        file(zero, ROOT0, "wrong-place:2,S", A); // the same content in a Maildir it is not routed to
        file(one, ROOT1, "a:2,F", A);
        List<PushPlan.Push> p = plan(cloud());
        assertEquals(1, p.size(), p.toString());
        assertEquals(Change.flags("m1", Flags.NONE, Flags.fromLetters("F")), p.get(0).change());
        assertEquals("a:2,F", p.get(0).file());
        assertEquals(A, p.get(0).hash());
    }

    @Test
    void aMessageTheCloudRemovedOrReplacedIsNotPushed() {
        gmail.startup = false;
        synced("gone", A, "S", 0);
        synced("replaced", B, "S", 0);
        Listed now = cloud();
        now.remove("gone");
        now.put("replaced", new Entry(hash('c'), Flags.NONE, null, 0));
        // neither message has a file any more, and the user flagged nothing: no deletion, no flag
        assertEquals(List.of(), plan(now));
    }

    @Test
    void aTOnAFileThatOtherwiseShowsItsFlagsIsADeletionNamedByTheFile() {
        gmail.startup = false;
        synced("m1", A, "S", 0);
        file(zero, ROOT0, "a:2,ST", A);
        List<PushPlan.Push> p = plan(cloud());
        assertEquals(1, p.size(), p.toString());
        assertEquals(Change.delete("m1", Flags.fromLetters("S")), p.get(0).change());
        assertEquals("a:2,ST", p.get(0).file());
    }

    @Test
    void aMissingFileDeletesWithTheCloudsCurrentFlags() {
        gmail.startup = false;
        synced("m1", A, "S", 0);
        Listed now = cloud();
        now.updateFlags("m1", Flags.fromLetters("FS"));
        List<PushPlan.Push> p = plan(now);
        assertEquals(List.of(new PushPlan.Push(Change.delete("m1", Flags.fromLetters("FS")), null, A)), p);
    }

    @Test
    void anUnsettledMessageKeepsStartUpRulesAfterTheStart() {
        gmail.startup = false;
        gmail.unsettled.add("m1");
        synced("m1", A, "S", 0); // its file is gone: its re-delivery failed, no deletion
        synced("m2", B, "", 0);
        file(zero, ROOT0, "b:2,F", B);
        List<PushPlan.Push> p = plan(cloud());
        assertEquals(1, p.size(), p.toString());
        assertEquals("m2", p.get(0).change().id());
    }

    @Test
    void aJournaledChangeIsPushedAtStartUpAndOthersAreNot() {
        gmail.startup = true;
        synced("m1", A, "", 0);
        synced("m2", B, "", 0);
        file(zero, ROOT0, "a:2,S", A);
        file(zero, ROOT0, "b:2,S", B);
        List<PushPlan.Push> p = plan(cloud(), (i, h) -> i == 0 && h.equals(A), false);
        assertEquals(1, p.size(), p.toString());
        assertEquals(Change.flags("m1", Flags.NONE, Flags.fromLetters("S")), p.get(0).change());

        // a journaled deletion is pushed at start-up as well
        zero.remove(ROOT0.resolve("cur").resolve("a:2,S"));
        List<PushPlan.Push> d = plan(cloud(), (i, h) -> h.equals(A), false);
        assertEquals(List.of(new PushPlan.Push(Change.delete("m1", Flags.NONE), null, A)), d);
    }

    @Test
    void offlineLocalFlagsWinOverTheCloudsChange() {
        gmail.startup = true;
        synced("m1", A, "", 0);
        file(zero, ROOT0, "a:2,F", A); // flagged while stopped
        Listed now = cloud();
        now.updateFlags("m1", Flags.fromLetters("S")); // read in the cloud while stopped
        List<PushPlan.Push> p = plan(now, (i, h) -> false, true);
        assertEquals(1, p.size(), p.toString());
        // --offline: the file is the truth for every flag, so the cloud's S is undone
        assertEquals(Change.flags("m1", Flags.fromLetters("S"), Flags.fromLetters("F")), p.get(0).change());

        // and outside start-up rules the same change merges per flag: the cloud keeps its S
        gmail.startup = false;
        List<PushPlan.Push> merged = plan(now);
        assertEquals(Change.flags("m1", Flags.fromLetters("S"), Flags.fromLetters("FS")), merged.get(0).change());
    }

    @Test
    void aChangeOnOneOfTwoLocalCopiesIsPushed() {
        gmail.startup = false;
        synced("m1", A, "S", 0);
        file(zero, ROOT0, "a:2,S", A);
        file(zero, ROOT0, "a-copy:2,", A); // the user's cp, then marked unread
        List<PushPlan.Push> p = plan(cloud());
        assertEquals(1, p.size(), p.toString());
        assertEquals(Flags.NONE, p.get(0).change().to());
        assertTrue(p.get(0).file() != null);
    }

    @Test
    void aTOnOneOfTwoLocalCopiesDeletes() {
        gmail.startup = false;
        synced("m1", A, "S", 0);
        file(zero, ROOT0, "a:2,S", A);
        file(zero, ROOT0, "a-copy:2,ST", A);
        List<PushPlan.Push> p = plan(cloud());
        assertEquals(1, p.size(), p.toString());
        assertTrue(p.get(0).change().delete(), p.toString());
    }

    @Test
    void aMessageOutsideAnyMaildirIsNotPushed() {
        gmail.startup = false;
        synced("m1", A, "S", -1); // routed nowhere
        assertEquals(List.of(), plan(cloud()));
        assertNull(zero.files(A));
    }
}
