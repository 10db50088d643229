package dev.cms.sync;

import static dev.cms.sync.PlanValues.A;
import static dev.cms.sync.PlanValues.B;
import static dev.cms.sync.PlanValues.C;
import static dev.cms.sync.PlanValues.hash;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.cms.maildir.MaildirFile;
import dev.cms.model.ContentHash;
import dev.cms.model.Flags;
import dev.cms.provider.memory.InMemoryMailbox;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * How one Maildir is brought to show the cloud (DESIGN §5), from values alone: a file already
 * right is left alone, every file of a content gets the content's flags, a content some
 * mailbox that was not refreshed had is not touched at all, and what is wanted but missing is
 * delivered once.
 */
class MaildirPlanTest {
    private static final Path ROOT = Path.of("/nonexistent/cms-maildir-plan/mail");

    private final CloudState gmail = new CloudState(InMemoryMailbox.likeGmail("gmail:me:inbox"), 0);
    private final PlanValues values = new PlanValues(ROOT);
    private final LocalView view = values.view;

    private MaildirFile file(String name, ContentHash h) {
        return values.file(name, h);
    }

    private Want want(String id, String flags) {
        Want w = new Want(null);
        w.add(gmail, id, Flags.fromLetters(flags));
        return w;
    }

    @Test
    void aFileThatAlreadyShowsTheCloudIsLeftAlone() {
        // R is not Gmail's: the file keeps it, and the flags Gmail stores already agree
        file("a:2,RS", A);
        assertEquals(List.of(), MaildirPlan.plan(view, null, Map.of(A, want("m1", "S")), Map.of(), h -> false));
    }

    @Test
    void everyFileOfAContentIsRenamedToTheCloudsFlagsKeepingWhatTheCloudCannotStore() {
        MaildirFile first = file("a:2,R", A);
        MaildirFile second = file("a-copy:2,FT", A);
        List<MaildirPlan.Action> plan = MaildirPlan.plan(view, null, Map.of(A, want("m1", "S")), Map.of(), h -> false);
        assertEquals(2, plan.size(), plan.toString());
        Map<MaildirFile, Flags> renamed = new HashMap<>();
        for (MaildirPlan.Action a : plan) {
            MaildirPlan.Rename r = assertInstanceOf(MaildirPlan.Rename.class, a);
            assertEquals(A, r.hash());
            renamed.put(r.file(), r.flags());
        }
        assertEquals(Flags.fromLetters("RS"), renamed.get(first));
        assertEquals(Flags.fromLetters("S"), renamed.get(second), "F is the cloud's to clear, and T never stays");
    }

    @Test
    void aProtectedContentKeepsAllItsFilesAndOthersAreStillPlanned() {
        file("b:2,S", B);
        file("b-copy:2,", B);
        file("c:2,", C);
        Map<ContentHash, List<Source>> before = Map.of(B, List.of(new Source(gmail, "m2")), C,
                List.of(new Source(gmail, "m3")));
        List<MaildirPlan.Action> plan = MaildirPlan.plan(view, null, Map.of(), before, h -> h.equals(B));
        assertEquals(1, plan.size(), plan.toString());
        MaildirPlan.Remove rm = assertInstanceOf(MaildirPlan.Remove.class, plan.get(0));
        assertEquals(C, rm.hash());
        assertEquals(List.of(new Source(gmail, "m3")), rm.sources());
    }

    @Test
    void bothFilesOfARemovedContentAreRemoved() {
        file("b:2,S", B);
        file("b-copy:2,", B);
        List<MaildirPlan.Action> plan = MaildirPlan.plan(view, Set.of(B), Map.of(),
                Map.of(B, List.of(new Source(gmail, "m2"))), h -> false);
        assertEquals(2, plan.size(), plan.toString());
        plan.forEach(a -> assertInstanceOf(MaildirPlan.Remove.class, a));
    }

    @Test
    void aContentInScopeWithoutAFileIsDeliveredOnceWithTheCloudsFlags() {
        file("a:2,S", A);
        Map<ContentHash, Want> want = new LinkedHashMap<>();
        want.put(A, want("m1", "S"));
        want.put(B, want("m2", "FS"));
        Set<ContentHash> scope = Set.of(A, B, C); // C: neither a file nor wanted
        List<MaildirPlan.Action> plan = MaildirPlan.plan(view, scope, want, Map.of(), h -> false);
        assertEquals(1, plan.size(), plan.toString());
        MaildirPlan.Deliver d = assertInstanceOf(MaildirPlan.Deliver.class, plan.get(0));
        assertEquals(B, d.hash());
        assertEquals(Flags.fromLetters("FS"), d.flags());
        assertEquals(List.of(new Source(gmail, "m2")), d.want().sources);
    }

    @Test
    void aFileOutsideTheScopeIsNotLookedAt() {
        file("c:2,S", C);
        List<MaildirPlan.Action> plan = MaildirPlan.plan(view, Set.of(A), Map.of(), Map.of(), h -> false);
        assertEquals(List.of(), plan, "C is not in scope, so not moved to lost+found");
        List<MaildirPlan.Action> all = new ArrayList<>(MaildirPlan.plan(view, null, Map.of(), Map.of(), h -> false));
        assertEquals(1, all.size());
        assertInstanceOf(MaildirPlan.ToLostFound.class, all.get(0));
    }

    /**
     * A mail reader's save the cloud took as a move (issue 16): the message's own body is
     * delivered first and the reader's file removed after it, never sent to lost+found; without
     * a delivery wanted here the file is what any unknown file is.
     */
    @Test
    void aReadersSaveIsReplacedAfterTheMessagesOwnBodyIsDelivered() {
        MaildirFile saved = file("saved:2,S", B);
        List<MaildirPlan.Action> plan = MaildirPlan.plan(view, null, Map.of(A, want("m1", "S")), Map.of(),
                h -> false, Map.of(B, A));
        assertEquals(2, plan.size(), plan.toString());
        MaildirPlan.Deliver d = assertInstanceOf(MaildirPlan.Deliver.class, plan.get(0));
        assertEquals(A, d.hash());
        assertEquals(Flags.fromLetters("S"), d.flags());
        assertEquals(new MaildirPlan.Replaced(saved, B, A), plan.get(1));

        List<MaildirPlan.Action> notWanted = MaildirPlan.plan(view, null, Map.of(), Map.of(), h -> false,
                Map.of(B, A));
        assertEquals(List.of(new MaildirPlan.ToLostFound(saved, B)), notWanted);
        assertEquals(List.of(), MaildirPlan.plan(view, null, Map.of(), Map.of(), h -> true, Map.of(B, A)),
                "a protected save stays");
    }
}
