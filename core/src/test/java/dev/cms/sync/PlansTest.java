package dev.cms.sync;

import static dev.cms.sync.PlanValues.A;
import static dev.cms.sync.PlanValues.B;
import static dev.cms.sync.PlanValues.C;
import static dev.cms.sync.PlanValues.hash;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.maildir.MaildirFile;
import dev.cms.model.ContentHash;
import dev.cms.model.Flags;
import dev.cms.provider.Change;
import dev.cms.provider.memory.InMemoryMailbox;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The planners on their own: what a cycle decides to push and to do in a Maildir, from values
 * alone. The Maildir here does not exist on disk, so a planner that read a file would fail.
 */
class PlansTest {
    private static final Path ROOT = Path.of("/nonexistent/cms-plans-test/mail");

    private final CloudState office = new CloudState(InMemoryMailbox.likeOffice365("o365:me:inbox"), 0);
    private final PlanValues values = new PlanValues(ROOT);
    private final LocalView view = values.view;

    private MaildirFile file(String name, ContentHash h) {
        return values.file(name, h);
    }

    /** Message {@code id} of {@code office} was synced with {@code flags} into Maildir 0. */
    private void synced(String id, ContentHash h, String flags) {
        office.snapshot.put(id, new Entry(h, Flags.fromLetters(flags), null, 0));
    }

    private Map<CloudState, Refresh> refreshed() {
        Refresh r = new Refresh();
        r.now = Listed.over(office.snapshot);
        Map<CloudState, Refresh> m = new HashMap<>();
        m.put(office, r);
        return m;
    }

    private List<PushPlan.Push> pushes(Listed now, boolean offline) {
        Map<CloudState, Refresh> refreshed = refreshed();
        Expected expected = new Expected(Scope.everything(1), List.of(office), refreshed);
        return PushPlan.plan(office, now, List.of(view), expected, (i, h) -> false, offline, Map.of());
    }

    private Listed cloudNow() {
        return Listed.over(office.snapshot);
    }

    @Test
    void aFlagTheUserChangedIsPushedUnlessTheCloudChangedItToo() {
        office.startup = false;
        synced("m1", A, "S");
        synced("m2", B, "S");
        file("one:2,FS", A); // the user flagged m1
        file("two:2,", B); // the user marked m2 unread ...
        Listed now = cloudNow();
        now.updateFlags("m2", Flags.fromLetters("FS")); // ... while the cloud flagged it
        List<PushPlan.Push> plan = pushes(now, false);
        Map<String, Change> byId = new HashMap<>();
        plan.forEach(p -> byId.put(p.change().id(), p.change()));
        assertEquals(Flags.fromLetters("FS"), byId.get("m1").to());
        assertEquals(Flags.fromLetters("F"), byId.get("m2").to(), "each flag merges on its own: F from the cloud, S off from the file");
        assertEquals("one:2,FS", plan.stream().filter(p -> p.change().id().equals("m1")).findFirst().orElseThrow().file());
    }

    @Test
    void aMissingFileOrATIsADeletionButNotUnderStartUpRules() {
        office.startup = false;
        synced("m1", A, "S");
        synced("m2", B, "S");
        file("two:2,ST", B);
        List<PushPlan.Push> plan = pushes(cloudNow(), false);
        assertEquals(2, plan.size());
        assertTrue(plan.stream().allMatch(p -> p.change().delete()), plan.toString());
        PushPlan.Push gone = plan.stream().filter(p -> p.change().id().equals("m1")).findFirst().orElseThrow();
        assertEquals(null, gone.file(), "a missing file is named by its subject, read later from the body");

        office.startup = true;
        assertEquals(List.of(), pushes(cloudNow(), false), "at start-up the cloud is authoritative");
        List<PushPlan.Push> offline = pushes(cloudNow(), true);
        assertEquals(1, offline.size(), "--offline trusts local flags but ignores missing files");
        assertEquals("m2", offline.get(0).change().id());
    }

    @Test
    void identicalCopiesThatDisagreePushNothingByThemselves() {
        office.startup = false;
        synced("read", A, "S");
        synced("starred", A, "F");
        file("both:2,FS", A); // the file shows the combination
        assertEquals(List.of(), pushes(cloudNow(), false));
        view.remove(ROOT.resolve("cur").resolve("both:2,FS"));
        file("both:2,F", A); // the user marks it unread: only the copy that was read changes
        List<PushPlan.Push> plan = pushes(cloudNow(), false);
        assertEquals(1, plan.size(), plan.toString());
        assertEquals("read", plan.get(0).change().id());
        assertEquals(Flags.NONE, plan.get(0).change().to());
    }

    @Test
    void aMaildirIsPlannedFromValuesAlone() {
        synced("m1", A, "S");
        synced("m2", B, "");
        MaildirFile renamed = file("a:2,FT", A);
        MaildirFile gone = file("b:2,", B);
        MaildirFile stranger = file("c:2,S", C);
        Want w = new Want(null);
        w.add(office, "m1", Flags.fromLetters("S"));
        ContentHash fresh = hash('d');
        Want w2 = new Want(null);
        w2.add(office, "m3", Flags.fromLetters("R"));
        Map<ContentHash, Want> want = Map.of(A, w, fresh, w2);
        Expected expected = new Expected(Scope.everything(1), List.of(office), refreshed());

        List<MaildirPlan.Action> plan = MaildirPlan.plan(view, null, want, expected.in(0), h -> false);

        assertEquals(4, plan.size(), plan.toString());
        MaildirPlan.Rename r = find(plan, MaildirPlan.Rename.class);
        assertEquals(renamed, r.file());
        assertEquals(Flags.fromLetters("S"), r.flags(), "cloud flags for what the cloud stores, and no T");
        MaildirPlan.Remove rm = find(plan, MaildirPlan.Remove.class);
        assertEquals(gone, rm.file());
        assertEquals(List.of(new Source(office, "m2")), rm.sources());
        assertEquals(stranger, find(plan, MaildirPlan.ToLostFound.class).file(), "a file no message of the cloud had");
        MaildirPlan.Deliver d = find(plan, MaildirPlan.Deliver.class);
        assertEquals(fresh, d.hash());
        assertEquals(Flags.fromLetters("R"), d.flags());
    }

    @Test
    void protectedAndOutOfScopeContentsAreLeftAlone() {
        synced("m2", B, "");
        file("b:2,", B);
        file("c:2,S", C);
        Expected expected = new Expected(Scope.everything(1), List.of(office), refreshed());
        assertEquals(List.of(), MaildirPlan.plan(view, null, Map.of(), expected.in(0), h -> h.equals(B) || h.equals(C)),
                "a mailbox that was not refreshed had them: nothing is decided about them");
        List<MaildirPlan.Action> onlyB = MaildirPlan.plan(view, Set.of(B), Map.of(), expected.in(0), h -> false);
        assertEquals(1, onlyB.size());
        assertInstanceOf(MaildirPlan.Remove.class, onlyB.get(0));
        assertFalse(onlyB.stream().anyMatch(a -> a.hash().equals(C)), "C is not in scope");
    }

    private static <T extends MaildirPlan.Action> T find(List<MaildirPlan.Action> plan, Class<T> type) {
        return plan.stream().filter(type::isInstance).map(type::cast).findFirst().orElseThrow();
    }
}
