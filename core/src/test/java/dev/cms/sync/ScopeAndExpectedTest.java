package dev.cms.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.model.ContentHash;
import dev.cms.model.Flags;
import dev.cms.provider.memory.InMemoryMailbox;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * What a change-driven cycle looks at: the scope (the contents whose files or cloud copies
 * changed, per Maildir) and the snapshot's messages in it. A content left out is neither
 * planned nor pushed, so each way a content enters the scope is checked.
 */
class ScopeAndExpectedTest {
    private static final ContentHash A = hash('a');
    private static final ContentHash B = hash('b');
    private static final ContentHash C = hash('c');
    private static final ContentHash D = hash('d');

    private final CloudState office = new CloudState(InMemoryMailbox.likeOffice365("o365:me:inbox"), 0);
    private final CloudState gmail = new CloudState(InMemoryMailbox.likeGmail("gmail:me:inbox"), 1);

    private static ContentHash hash(char c) {
        return new ContentHash(String.valueOf(c).repeat(64));
    }

    private static Entry entry(ContentHash h, String flags, int maildir) {
        return new Entry(h, Flags.fromLetters(flags), null, maildir);
    }

    private static Scope empty(int maildirs) {
        List<@Nullable Set<ContentHash>> none = new ArrayList<>();
        for (int i = 0; i < maildirs; i++) {
            none.add(new HashSet<>());
        }
        return Scope.of(none);
    }

    private Map<CloudState, Refresh> refreshed(Refresh forOffice, Refresh forGmail) {
        Map<CloudState, Refresh> m = new HashMap<>();
        m.put(office, forOffice);
        m.put(gmail, forGmail);
        return m;
    }

    @Test
    void everythingCoversEachMaildirAndNothingCoversNone() {
        Scope all = Scope.everything(2);
        assertEquals(2, all.maildirs());
        assertNull(all.in(0));
        assertNull(all.in(1));
        assertTrue(all.contains(1, A));
        assertTrue(all.anything());
        assertFalse(all.contains(-1, A), "a message routed nowhere is in no Maildir's scope");

        Scope none = empty(2);
        assertFalse(none.anything(), "a cycle that changed nothing plans nothing");
        assertFalse(none.contains(0, A));
        none.add(entry(A, "", 1));
        assertTrue(none.anything());
        assertTrue(none.contains(1, A));
        assertFalse(none.contains(0, A), "only in the Maildir the message is routed to");
        none.add(entry(B, "", -1));
        none.add(null);
        assertEquals(Set.of(A), none.in(1));
        assertEquals(Set.of(), none.in(0));
        none.widenToAll();
        assertNull(none.in(0));
        assertTrue(none.contains(0, D));
    }

    @Test
    void ofCopiesSoTheCallersSetsStayAsTheyWere() {
        Set<ContentHash> pending = new HashSet<>(Set.of(A));
        List<@Nullable Set<ContentHash>> list = new ArrayList<>();
        list.add(pending);
        list.add(null);
        Scope s = Scope.of(list);
        s.add(entry(B, "", 0));
        assertEquals(Set.of(A), pending);
        assertEquals(Set.of(A, B), s.in(0));
        assertNull(s.in(1));
        s.add(entry(C, "", 1)); // every content already: nothing to add
        assertNull(s.in(1));
    }

    @Test
    void aChangedMessageAddsItsContentWhereItWasAndWhereItGoes() {
        office.snapshot.put("moved", entry(A, "", 0));
        office.snapshot.put("removed", entry(B, "", 0));
        office.snapshot.put("failed", entry(C, "", 1));
        office.snapshot.put("untouched", entry(D, "", 1));
        Refresh r = new Refresh();
        Listed now = Listed.over(office.snapshot);
        now.put("moved", entry(A, "", 1));
        now.remove("removed");
        r.now = now;
        r.failedIds.add("failed");
        Scope s = empty(2);
        s.addChanged(office, r);
        assertEquals(Set.of(A, B), s.in(0));
        assertEquals(Set.of(A, C), s.in(1));

        Refresh full = new Refresh();
        full.now = Listed.full(1);
        full.now.put("moved", entry(D, "", 0));
        Scope t = empty(2);
        t.addChanged(office, full);
        assertFalse(t.anything(), "a full listing is planned whole, not through the scope");
    }

    @Test
    void notYetInHandsOutOnlyWhatIsNewAndRecordsIt() {
        Scope s = empty(3);
        s.add(entry(A, "", 0));
        s.add(entry(B, "", 0));
        s.add(entry(C, "", 1));
        List<@Nullable Set<ContentHash>> covered = new ArrayList<>();
        covered.add(new HashSet<>(Set.of(A)));
        covered.add(null); // everything already
        covered.add(new HashSet<>());
        List<@Nullable Set<ContentHash>> more = s.notYetIn(covered);
        assertEquals(Set.of(B), more.get(0));
        assertEquals(Set.of(), more.get(1));
        assertEquals(Set.of(), more.get(2));
        assertEquals(Set.of(A, B), covered.get(0));
        assertEquals(Set.of(), s.notYetIn(covered).get(0), "asked again: nothing new");
    }

    @Test
    void expectedHoldsTheSnapshotsMessagesInScopeAndGrowsWithIt() {
        office.snapshot.put("o1", entry(A, "S", 0));
        office.snapshot.put("o2", entry(B, "", 0));
        office.snapshot.put("nowhere", entry(C, "", -1));
        gmail.snapshot.put("g1", entry(A, "F", 0));
        gmail.snapshot.put("g2", entry(C, "", 1));
        Scope s = empty(2);
        s.add(entry(A, "", 0));
        Expected e = new Expected(s, List.of(office, gmail), refreshed(new Refresh(), new Refresh()));
        assertEquals(Set.of(A), e.in(0).keySet());
        assertEquals(Set.of(new Source(office, "o1"), new Source(gmail, "g1")), new HashSet<>(e.in(0).get(A)));
        assertEquals(Map.of(), e.in(1));
        assertEquals(List.of("o1"), e.idsOf(office));
        assertEquals(List.of("g1"), e.idsOf(gmail));

        s.add(entry(C, "", 1));
        e.extendTo(s);
        assertEquals(List.of(new Source(gmail, "g2")), e.in(1).get(C));
        assertEquals(2, e.in(0).get(A).size(), "extending adds no second copy of what was covered");
        assertEquals(Set.of("g1", "g2"), new HashSet<>(e.idsOf(gmail)));

    }

    @Test
    void whatAFileShowedIsTheCombinationOfItsCopiesWhereTheyCanStoreIt() {
        office.snapshot.put("o1", entry(A, "R", 0));
        gmail.snapshot.put("g1", entry(A, "F", 0));
        gmail.snapshot.put("g2", entry(A, "S", 0));
        Expected e = new Expected(Scope.everything(1), List.of(office, gmail), refreshed(new Refresh(), new Refresh()));
        assertEquals(Flags.fromLetters("FRS"), e.shown(office.snapshot.get("o1")));

        // a message outside what is covered shows its own flags
        Expected none = new Expected(empty(1), List.of(office, gmail), refreshed(new Refresh(), new Refresh()));
        assertEquals(Flags.fromLetters("R"), none.shown(office.snapshot.get("o1")));
    }

    @Test
    void aContentIsProtectedWhenAnyMailboxThatHadItWasNotRefreshed() {
        office.snapshot.put("o1", entry(A, "", 0));
        gmail.snapshot.put("g1", entry(A, "", 0));
        gmail.snapshot.put("g2", entry(B, "", 0));
        Refresh failed = new Refresh();
        failed.failure = new IOException("listing failed");
        Expected e = new Expected(Scope.everything(1), List.of(office, gmail), refreshed(new Refresh(), failed));
        assertTrue(e.protects(0, A), "Gmail failed: its copy of A stays as it was");
        assertTrue(e.protects(0, B));
        assertFalse(e.protects(0, C), "a content no message had is not protected");

        Refresh skipped = new Refresh();
        skipped.skipped = true;
        Expected s = new Expected(Scope.everything(1), List.of(office, gmail), refreshed(skipped, new Refresh()));
        assertTrue(s.protects(0, A));
        assertFalse(s.protects(0, B), "only Gmail had B, and Gmail was refreshed");
    }
}
