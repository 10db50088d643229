package dev.cms.provider.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.cli.AccountOptions;
import dev.cms.config.DeleteAction;
import dev.cms.config.Office365AccountSpec;
import dev.cms.fakecloud.RequestLog;
import dev.cms.model.CloudMessage;
import dev.cms.model.Flag;
import dev.cms.model.Flags;
import dev.cms.provider.Change;
import dev.cms.provider.CloudAccount;
import dev.cms.provider.Listing;
import dev.cms.provider.MailboxCounts;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A whole Office365 account of 30 folders on one {@link GraphAccountPoll}: an unchanged poll
 * costs at most two requests, a change one more per changed folder, a change no count shows is
 * read within the documented bound, and every folder's listing stays what the cloud holds.
 */
class GraphAccountPollTest extends GraphCloudFixture {
    private static final int FOLDERS = 30;

    /** Folder id → its mailbox on the shared schedule, the inbox first. */
    private final Map<String, GraphMailbox> boxes = new LinkedHashMap<>();
    private final Map<String, String> tokensById = new LinkedHashMap<>();
    /** Folder id → what the listings so far say it holds. */
    private final Map<String, Map<String, Flags>> seen = new LinkedHashMap<>();
    private String inbox;
    private GraphAccountPoll accountPoll;
    private int messages;

    private GraphOptions options() {
        return new GraphOptions(4, Duration.ofSeconds(10), Duration.ofSeconds(10), ticker, new Random(42), null, null)
                .withTls(ms.trustedSocketFactory(), ms.trustManager());
    }

    private CloudAccount account() {
        return AccountOptions.graph(new Office365AccountSpec(user, "common", CLIENT, false,
                ms.authorityHost().toString(), ms.graphEndpoint().toString(), 4, null));
    }

    private String deliver(String folder, boolean read) {
        messages++;
        byte[] mime = ("Message-ID: <m" + messages + "@example.com>\r\nSubject: " + messages + "\r\n\r\nbody\r\n")
                .getBytes(StandardCharsets.UTF_8);
        return graph.addMessage(user, folder, mime, NOW.minusSeconds(1000 - messages), read, null, false);
    }

    @BeforeEach
    void wholeAccount() throws Exception {
        inbox = graph.folderId(user, "inbox");
        List<String> folders = new java.util.ArrayList<>();
        folders.add(inbox);
        for (String w : List.of("sentitems", "drafts", "deleteditems", "archive", "junkemail")) {
            folders.add(graph.folderId(user, w));
        }
        String lists = graph.addFolder(user, "inbox", "Lists");
        folders.add(lists);
        while (folders.size() < FOLDERS) {
            int i = folders.size();
            folders.add(graph.addFolder(user, i % 2 == 0 ? lists : "msgfolderroot", "Folder " + i));
        }
        for (String f : folders) {
            deliver(f, true);
            deliver(f, false);
        }
        GraphAccountPoll poll = new GraphAccountPoll(account(), tokens, options());
        accountPoll = poll;
        for (String f : folders) {
            boxes.put(f, GraphMailbox.ofFolder(account(), "F/" + f, f, f.equals(inbox), DeleteAction.ARCHIVE, tokens,
                    options(), poll));
        }
        Map<String, Listing> first = poll();
        assertTrue(first.values().stream().allMatch(Listing::full));
        requests().clear();
    }

    /** One poll of every folder, in order; keeps the tokens and what each folder holds. */
    private Map<String, Listing> poll() throws Exception {
        Map<String, Listing> out = new LinkedHashMap<>();
        for (String f : boxes.keySet()) {
            out.put(f, list(f));
        }
        return out;
    }

    /** Folder {@code f} lists from its token, as the engine has it; keeps the new token and what it holds. */
    private Listing list(String f) throws Exception {
        Listing l = boxes.get(f).list(tokensById.get(f));
        tokensById.put(f, l.syncToken());
        Map<String, Flags> s = seen.computeIfAbsent(f, k -> new TreeMap<>());
        if (l.full()) {
            s.clear();
        }
        l.removed().forEach(s::remove);
        for (CloudMessage m : l.messages()) {
            s.put(m.id(), m.flags());
        }
        return l;
    }

    /** The message delta requests of the last poll, by folder id. */
    private List<String> deltaFolders() {
        return topLevel().stream().filter(e -> e.path().endsWith("/messages/delta") || e.path().endsWith("/messages/delta()"))
                .map(e -> e.path().replaceAll("^.*/mailFolders/([^/]+)/messages/delta(\\(\\))?$", "$1")).toList();
    }

    private long folderDeltas() {
        return topLevel().stream().filter(e -> e.path().endsWith("/mailFolders/delta")
                || e.path().endsWith("/mailFolders/delta()")).count();
    }

    /** The folder as the cloud holds it. */
    private Map<String, Flags> truth(String folder) {
        Map<String, Flags> m = new TreeMap<>();
        for (String id : graph.messageIds(user, folder)) {
            var s = graph.message(user, id);
            m.put(id, Flags.NONE.with(Flag.READ, s.isRead()).with(Flag.FLAGGED, s.flagStatus().equals("flagged"))
                    .with(Flag.REPLIED, s.replied()));
        }
        return m;
    }

    /** The last poll's requests, paths only. */
    private List<String> brief() {
        return topLevel().stream().map(e -> e.method() + " " + e.path().replaceAll("/mailFolders/(.{8})[^/]*", "/mailFolders/$1..."))
                .toList();
    }

    private List<String> others() {
        return boxes.keySet().stream().filter(f -> !f.equals(inbox)).toList();
    }

    /** Issue 16: what the folder delta a folder round reads anyway says of the folders themselves. */
    @Test
    void theFolderDeltaTellsOfFoldersMadeRenamedMovedOrDeletedAndOfNothingElse() throws Exception {
        String lists = graph.findFolder(user, "Inbox/Lists");
        poll();
        poll();
        assertFalse(accountPoll.takeFoldersChanged(), "the first folder delta lists every folder: no change");
        deliver(lists, false);
        poll();
        poll();
        assertFalse(accountPoll.takeFoldersChanged(), "new mail changes a folder's counts, not the folders");
        graph.renameFolder(user, lists, "Groups");
        poll();
        poll();
        assertTrue(accountPoll.takeFoldersChanged(), "renamed");
        assertFalse(accountPoll.takeFoldersChanged(), "told once");
        graph.moveFolder(user, lists, "msgfolderroot");
        poll();
        poll();
        assertTrue(accountPoll.takeFoldersChanged(), "moved");
        String made = graph.addFolder(user, "msgfolderroot", "New");
        poll();
        poll();
        assertTrue(accountPoll.takeFoldersChanged(), "made");
        graph.deleteFolder(user, made);
        graph.deleteFolder(user, made);
        poll();
        poll();
        assertTrue(accountPoll.takeFoldersChanged(), "deleted for good");
    }

    @Test
    void anUnchangedPollOfThirtyFoldersCostsAtMostTwoRequests() throws Exception {
        for (int round = 0; round < 2 * FOLDERS; round++) {
            requests().clear();
            Map<String, Listing> l = poll();
            List<RequestLog.Entry> sent = topLevel();
            assertTrue(sent.size() <= 2, "poll " + round + " sent " + brief());
            assertTrue(deltaFolders().contains(inbox), "the inbox is read every poll: " + brief());
            assertTrue(l.values().stream().allMatch(x -> !x.full() && x.messages().isEmpty() && x.removed().isEmpty()));
        }
    }

    @Test
    void aPollWithChangesCostsTwoPlusOnePerChangedFolder() throws Exception {
        poll(); // a sweep round; the next is a folder round
        List<String> o = others();
        String newMail = o.get(3);
        String readHere = o.get(10);
        String fresh = deliver(newMail, false);
        String unread = graph.messageIds(user, readHere).stream()
                .filter(id -> !graph.message(user, id).isRead()).findFirst().orElseThrow();
        graph.update(user, unread, true, null);
        requests().clear();
        Map<String, Listing> l = poll();
        assertEquals(1, folderDeltas());
        assertEquals(java.util.Set.of(inbox, newMail, readHere), new java.util.HashSet<>(deltaFolders()));
        assertEquals(2 + 2, topLevel().size(), "requests: " + brief());
        assertTrue(l.get(newMail).messages().stream().anyMatch(m -> m.id().equals(fresh)));
        assertTrue(l.get(readHere).messages().stream().anyMatch(m -> m.id().equals(unread) && m.flags().has(Flag.READ)));
        // The next poll is quiet again.
        requests().clear();
        poll();
        assertTrue(topLevel().size() <= 2, "requests: " + brief());
    }

    @Test
    void aFlagChangeNoCountShowsIsReadWithinTheDocumentedBound() throws Exception {
        String quiet = others().get(others().size() - 1);
        String id = graph.messageIds(user, quiet).get(0);
        graph.update(user, id, null, "flagged");
        int bound = 2 * others().size(); // 2 * ceil(F / sweepPerRound) polls, F folders besides the inbox
        int polls = 0;
        boolean found = false;
        while (!found && polls < bound) {
            requests().clear();
            Map<String, Listing> l = poll();
            polls++;
            assertTrue(topLevel().size() <= 2, "poll " + polls + " sent " + brief());
            found = l.get(quiet).messages().stream().anyMatch(m -> m.id().equals(id) && m.flags().has(Flag.FLAGGED));
        }
        assertTrue(found, "the flag was not read within " + bound + " polls");
        assertTrue(polls > 2, "a flag alone is not in the folder delta, so only the sweep finds it (poll " + polls + ")");
    }

    @Test
    void everyFoldersListingMatchesItsOwnFullListingOnceTheBoundHasPassed() throws Exception {
        List<String> o = others();
        deliver(o.get(0), false);
        graph.update(user, graph.messageIds(user, o.get(5)).get(0), false, "flagged");
        graph.move(user, graph.messageIds(user, o.get(7)).get(0), o.get(8));
        graph.delete(user, graph.messageIds(user, inbox).get(0));
        graph.markReplied(user, graph.messageIds(user, o.get(20)).get(0));
        for (int i = 0; i < 2 * o.size(); i++) {
            poll();
        }
        for (String f : boxes.keySet()) {
            assertEquals(truth(f), seen.get(f), "folder " + f);
        }
    }

    @Test
    void aFolderSkippedInAPollDoesNotOfferCountsThatItsListingCannotMatch() throws Exception {
        String f = others().get(4);
        deliver(f, false); // waits for the next folder round: the next poll is a sweep round
        requests().clear();
        Map<String, Listing> l = poll();
        assertFalse(deltaFolders().contains(f), "requests: " + brief());
        assertTrue(l.get(f).messages().isEmpty());
        requests().clear();
        assertTrue(boxes.get(f).counts().isEmpty(), "counts now would not match the listing");
        assertTrue(boxes.get(inbox).counts().isEmpty(), "a sweep round read no folder delta: the check waits a poll");
        assertEquals(0, topLevel().size());
        poll(); // a folder round: f's counts changed, so it is marked and read
        requests().clear();
        assertEquals(3, seen.get(f).size());
        assertTrue(boxes.get(f).counts().isEmpty(), "its listing brought a change since the folder delta: it waits");
        assertEquals(counts(inbox), boxes.get(inbox).counts().orElseThrow(), "a quiet listing matches the delta");
        poll(); // a sweep round
        poll(); // a folder round: f is skipped, its counts unchanged since its read
        assertFalse(deltaFolders().contains(f));
        requests().clear();
        assertEquals(counts(f), boxes.get(f).counts().orElseThrow());
        assertEquals(0, topLevel().size(), "the folder delta of this poll gave the counts: " + brief());
    }

    /**
     * Issue 16: count checks come due in unchanged polls too (every 30 minutes a folder); in a
     * whole account they cost no request, so such a poll costs two requests like any other. The
     * check after a full listing asks the folder itself: it learns the difference the service
     * keeps (a first sync is long; the folder delta was read at its start).
     */
    @Test
    void countChecksOfAWholeAccountCostNoRequestOnceItsFoldersAreListed() throws Exception {
        requests().clear();
        assertEquals(counts(inbox), boxes.get(inbox).counts().orElseThrow());
        assertEquals(1, topLevel().size(), "after the full listing: one mailFolders.get, " + brief());
        assertTrue(topLevel().get(0).path().endsWith("/mailFolders/" + inbox), brief().toString());
        deliver(inbox, false);
        for (int round = 0; round < 4; round++) {
            requests().clear();
            poll();
            boolean folderRound = folderDeltas() == 1;
            int offered = 0;
            for (String folder : boxes.keySet()) {
                Optional<MailboxCounts> c = boxes.get(folder).counts();
                if (c.isPresent()) {
                    offered++;
                    assertEquals(listed(folder), c.get(), "folder " + folder + " in poll " + round);
                }
            }
            assertEquals(folderRound ? boxes.size() : 0, offered,
                    "every folder in a quiet folder round, none in a sweep round (poll " + round + ")");
            assertTrue(topLevel().size() <= 2, "poll " + round + " with its checks sent " + brief());
        }
    }

    /** A quiet folder, read only by the sweep, is still checked: in the folder rounds it is skipped in. */
    @Test
    void aQuietFoldersCountsAreCheckedInTheFolderRoundsThatSkipIt() throws Exception {
        String quiet = others().get(others().size() - 1);
        int offered = 0;
        for (int i = 0; i < 6; i++) {
            poll();
            Optional<MailboxCounts> c = boxes.get(quiet).counts();
            if (c.isPresent()) {
                offered++;
                assertEquals(listed(quiet), c.get());
            }
        }
        assertEquals(3, offered, "once in each folder round");
    }

    /**
     * The folder delta is read when a poll begins; mail that arrives while the folders before
     * the inbox are read is in the inbox's listing but not in those counts. The check waits
     * rather than take it for a change the listing missed (a full listing of the inbox).
     */
    @Test
    void mailArrivingAfterTheFolderDeltaIsNotTakenForAMissedChange() throws Exception {
        poll(); // a sweep round; the next is a folder round
        List<String> order = new java.util.ArrayList<>(others());
        order.add(inbox); // as the engine orders a whole account's folders: by path, "Archive" first
        boolean delivered = false;
        for (String f : order) {
            list(f);
            if (!delivered) {
                deliver(inbox, false); // after the folder delta, before the inbox's listing
                delivered = true;
            }
        }
        assertEquals(truth(inbox), seen.get(inbox), "the inbox's listing has the new mail");
        assertTrue(boxes.get(inbox).counts().isEmpty(), "counts from before it would disagree with the listing");
    }

    /** The next folder delta names {@code f} with {@code properties} (JSON members) and hands back the real link. */
    private void nextFolderDeltaNames(String f, String properties) {
        faults().next(1, "GET", ".*/mailFolders/delta(\\(\\))?$").answer(okJson("{\"value\":[{\"id\":\"" + f + "\""
                + properties + "}],\"@odata.deltaLink\":\"" + accountPoll.folderDeltaLink() + "\"}"));
    }

    /** Counts the folder delta gave unusable (more unread than in all) are not used: the folder is asked. */
    @Test
    void aFolderWhoseDeltaCountsAreUnusableIsAskedForItsOwn() throws Exception {
        poll(); // a sweep round; the next is a folder round
        String f = others().get(3);
        nextFolderDeltaNames(f, ",\"totalItemCount\":1,\"unreadItemCount\":5");
        poll(); // f named and read: its listing is quiet
        assertTrue(deltaFolders().contains(f), brief().toString());
        requests().clear();
        assertEquals(listed(f), boxes.get(f).counts().orElseThrow());
        assertEquals(1, topLevel().size(), "one mailFolders.get: " + brief());
    }

    /** A changed folder the delta names without its counts (they may have changed) is asked, not given stale ones. */
    @Test
    void aFolderNamedWithoutCountsIsAskedNotGivenStaleOnes() throws Exception {
        String f = others().get(0); // the first swept (all tie; the first joined goes first)
        deliver(f, false);
        poll(); // a sweep round: f is swept and sees the new mail
        assertTrue(deltaFolders().contains(f), brief().toString());
        nextFolderDeltaNames(f, "");
        poll(); // a folder round: f named (no counts), read, quiet
        assertTrue(deltaFolders().contains(f), brief().toString());
        requests().clear();
        assertEquals(listed(f), boxes.get(f).counts().orElseThrow());
        assertEquals(1, topLevel().size(), "one mailFolders.get: " + brief());
    }

    /**
     * A read the engine did not keep (a body it could not fetch, a cycle that stopped before its
     * commit: the old token comes back) is read again at once, and never compared with counts
     * the snapshot cannot match.
     */
    @Test
    void aReadTheEngineDidNotKeepIsReadAgainNotCompared() throws Exception {
        poll(); // a sweep round; the next is a folder round
        String f = others().get(5);
        deliver(f, false);
        String oldToken = tokensById.get(f);
        Map<String, Flags> before = new TreeMap<>(seen.get(f));
        poll(); // a folder round: f is named and read...
        assertTrue(deltaFolders().contains(f), brief().toString());
        tokensById.put(f, oldToken); // ...but the engine keeps its old token and snapshot
        seen.put(f, before);
        requests().clear();
        poll(); // a sweep round: f reads again from its old token
        assertTrue(deltaFolders().contains(f), brief().toString());
        assertEquals(truth(f), seen.get(f));
        assertTrue(boxes.get(f).counts().isEmpty(), "a sweep round");
        requests().clear();
        poll(); // a folder round: f skipped, its counts those of its listing
        assertFalse(deltaFolders().contains(f), brief().toString());
        assertEquals(listed(f), boxes.get(f).counts().orElseThrow());
    }

    /** An inbox whose every listing brings mail is asked for its counts once its check waited 30 minutes. */
    @Test
    void aBusyInboxIsAskedOnceItsCheckHasWaitedAnInterval() throws Exception {
        int asked = 0;
        for (int minute = 1; minute <= 35; minute++) {
            ticker.advance(Duration.ofSeconds(60));
            deliver(inbox, false);
            poll();
            requests().clear();
            Optional<MailboxCounts> c = boxes.get(inbox).counts(); // as the engine asks while the check is due
            if (c.isPresent()) {
                asked++;
                assertEquals(31, minute, "after 30 minutes of waiting");
                assertEquals(listed(inbox), c.get());
                assertEquals(1, topLevel().size(), "one mailFolders.get: " + brief());
            } else {
                assertEquals(0, topLevel().size(), "waiting costs nothing: " + brief());
            }
        }
        assertEquals(1, asked);
    }

    /** A folder with no usable counts from the delta, skipped in a folder round, reads next poll and is asked then. */
    @Test
    void aSkippedFolderWithUnknownCountsReadsNextPollAndIsAskedThen() throws Exception {
        poll(); // a sweep round; the next is a folder round
        String f = others().get(3);
        nextFolderDeltaNames(f, ",\"totalItemCount\":1,\"unreadItemCount\":5");
        poll(); // a folder round: f named (unusable counts), read, quiet
        poll(); // a sweep round: f not swept
        requests().clear();
        poll(); // a folder round: f skipped, its counts unknown
        assertFalse(deltaFolders().contains(f), brief().toString());
        requests().clear();
        assertTrue(boxes.get(f).counts().isEmpty(), "counts asked now could hold mail its listing left for later");
        assertEquals(0, topLevel().size());
        poll(); // a sweep round: f reads, quiet
        assertTrue(deltaFolders().contains(f), brief().toString());
        requests().clear();
        assertEquals(listed(f), boxes.get(f).counts().orElseThrow());
        assertEquals(1, topLevel().size(), "one mailFolders.get: " + brief());
    }

    /** The same folder, when mail reaches it after the folder delta but before its turn: no false alarm. */
    @Test
    void aSkippedFolderWithUnknownCountsIsNotComparedWithMailItsListingLeftForLater() throws Exception {
        poll(); // a sweep round; the next is a folder round
        String f = others().get(3);
        nextFolderDeltaNames(f, ",\"totalItemCount\":1,\"unreadItemCount\":5");
        poll(); // a folder round: f named (unusable counts), read, quiet
        poll(); // a sweep round
        boolean delivered = false;
        for (String g : boxes.keySet()) { // a folder round, by hand
            list(g);
            if (!delivered) {
                deliver(f, false); // after the folder delta, before f's turn
                delivered = true;
            }
        }
        Optional<MailboxCounts> c = boxes.get(f).counts();
        assertTrue(c.isEmpty() || c.get().equals(listed(f)), "counts " + c + " vs the listing " + listed(f));
    }

    /** A check whose mailFolders.get failed is tried again next cycle, not after another interval. */
    @Test
    void aBusyInboxWhoseAskFailedIsAskedAgainNextCycle() throws Exception {
        Integer failedAt = null;
        Integer askedAt = null;
        for (int minute = 1; minute <= 40 && askedAt == null; minute++) {
            ticker.advance(Duration.ofSeconds(60));
            deliver(inbox, false);
            poll();
            if (minute == 31) {
                faults().next(1, "GET", ".*/mailFolders/" + java.util.regex.Pattern.quote(inbox) + "$")
                        .answer(error(400, "BadRequest"));
            }
            try {
                if (boxes.get(inbox).counts().isPresent()) {
                    askedAt = minute;
                }
            } catch (java.io.IOException e) {
                failedAt = minute;
            }
        }
        assertEquals(31, failedAt);
        assertEquals(32, askedAt, "tried again next cycle");
    }

    /** A quiet read the engine did not keep lost nothing (the old token is as good): it is not read again. */
    @Test
    void aQuietReadNotKeptIsNotReadAgain() throws Exception {
        poll(); // a sweep round; the next is a folder round
        String f = others().get(3);
        MailboxCounts now = counts(f);
        String oldToken = tokensById.get(f);
        nextFolderDeltaNames(f, ",\"totalItemCount\":" + now.total() + ",\"unreadItemCount\":" + now.unread());
        deliver(others().get(10), false); // elsewhere in the account: the fake gives f a new delta link
        Map<String, Listing> l = poll(); // a folder round: f named, read, quiet
        assertTrue(l.get(f).messages().isEmpty() && l.get(f).removed().isEmpty());
        assertFalse(oldToken.equals(l.get(f).syncToken()), "a new link, or this test shows nothing");
        tokensById.put(f, oldToken); // the engine kept the old token (a delivery or the commit failed)
        requests().clear();
        poll(); // a sweep round: f is not the one swept
        assertFalse(deltaFolders().contains(f), "read again for nothing: " + brief());
    }

    /** A check answered by asking the folder (the folder delta failed) ends the wait an earlier one started. */
    @Test
    void anAskAfterAFailedFolderDeltaEndsTheWait() throws Exception {
        poll(); // a sweep round
        assertTrue(boxes.get(inbox).counts().isEmpty(), "due in a sweep round: the check waits");
        faults().next(1, "GET", ".*/mailFolders/delta(\\(\\))?$").answer(error(400, "BadRequest"));
        poll(); // a folder round whose folder delta fails: the inbox is read and asked
        assertEquals(counts(inbox), boxes.get(inbox).counts().orElseThrow());
        ticker.advance(Duration.ofMinutes(31)); // the engine's next check of the inbox comes due
        requests().clear();
        poll(); // an unchanged sweep round
        assertTrue(boxes.get(inbox).counts().isEmpty(), "a sweep round: the check waits a poll");
        assertTrue(topLevel().size() <= 2, "an unchanged poll with its check sent " + brief());
    }

    /** The same after a full listing (a refused token, or the engine dropped it). */
    @Test
    void anAskAfterAFullListingEndsTheWait() throws Exception {
        poll(); // a sweep round
        assertTrue(boxes.get(inbox).counts().isEmpty(), "due in a sweep round: the check waits");
        tokensById.put(inbox, null);
        poll(); // a folder round: the inbox lists fully and is asked
        assertEquals(counts(inbox), boxes.get(inbox).counts().orElseThrow());
        ticker.advance(Duration.ofMinutes(31));
        requests().clear();
        poll(); // an unchanged sweep round
        assertTrue(boxes.get(inbox).counts().isEmpty(), "a sweep round: the check waits a poll");
        assertTrue(topLevel().size() <= 2, "an unchanged poll with its check sent " + brief());
    }

    /**
     * When every cycle takes longer than a round's freshness (downloads, Retry-After pauses) it
     * spans two rounds, and the folders listed before the split are skipped in every folder
     * round. Their checks still run: after waiting an interval the folder reads, then asks.
     */
    @Test
    void aFolderInSweepRoundsOnlyIsStillCheckedWhenCyclesSpanTwoRounds() throws Exception {
        List<String> order = new java.util.ArrayList<>(boxes.keySet());
        String early = order.get(1);
        String late = order.get(order.size() - 1);
        Map<String, Integer> offered = new java.util.HashMap<>(Map.of(early, 0, late, 0));
        for (int cycle = 0; cycle < 4 * FOLDERS; cycle++) {
            ticker.advance(Duration.ofSeconds(60));
            for (int i = 0; i < order.size(); i++) {
                if (i == order.size() / 2) {
                    ticker.advance(Duration.ofSeconds(21)); // this cycle's downloads took a while
                }
                String f = order.get(i);
                list(f);
                if (offered.containsKey(f)) { // due every cycle, as an overdue check is
                    Optional<MailboxCounts> c = boxes.get(f).counts();
                    if (c.isPresent()) {
                        assertEquals(listed(f), c.get(), "folder " + f + " in cycle " + cycle);
                        offered.merge(f, 1, Integer::sum);
                    }
                }
            }
        }
        assertTrue(offered.get(early) > 0, "checks in " + 4 * FOLDERS + " cycles: before the split "
                + offered.get(early) + ", after it " + offered.get(late));
    }

    /**
     * A check the engine did not run in the folder round that would have answered it (pending
     * local changes, a mailbox held back) is not a folder cut off from folder rounds: it does not
     * make the folder read again for nothing.
     */
    @Test
    void aCheckTheEngineSkippedInAFolderRoundDoesNotMakeTheFolderReadAgain() throws Exception {
        String f = others().get(20);
        poll(); // a sweep round
        assertTrue(boxes.get(f).counts().isEmpty(), "due in a sweep round: the check waits");
        poll(); // a folder round: the engine did not check
        ticker.advance(Duration.ofMinutes(31));
        poll(); // a sweep round
        assertTrue(boxes.get(f).counts().isEmpty());
        requests().clear();
        poll(); // an unchanged folder round
        assertTrue(topLevel().size() <= 2, "an unchanged poll sent " + brief());
        assertEquals(listed(f), boxes.get(f).counts().orElseThrow(), "and answered from the folder delta");
    }

    /**
     * A folder that does not read when the sweep chooses it (the daemon holds it back, or its
     * listing fails) has had its turn: the sweep goes on to the others, and every one of them
     * is swept within the bound.
     */
    @Test
    void aFolderThatDoesNotReadWhenSweptDoesNotHoldUpTheSweep() throws Exception {
        String held = others().get(0); // the first joined: the sweep's first choice among equals
        java.util.Set<String> swept = new java.util.HashSet<>();
        for (int i = 0; i < 2 * others().size() + 2; i++) {
            requests().clear();
            for (String f : boxes.keySet()) {
                if (!f.equals(held)) {
                    list(f);
                }
            }
            if (folderDeltas() == 0) {
                swept.addAll(deltaFolders());
            }
            assertTrue(topLevel().size() <= 2, "poll " + i + " sent " + brief());
        }
        swept.remove(inbox);
        java.util.Set<String> rest = new java.util.HashSet<>(others());
        rest.remove(held);
        assertEquals(rest, swept, "every other folder is swept");
    }

    /** What the folder's listings have shown, as counts. */
    private MailboxCounts listed(String folder) {
        Map<String, Flags> l = seen.get(folder);
        return new MailboxCounts(l.size(), (int) l.values().stream().filter(x -> !x.has(Flag.READ)).count());
    }

    /** The folder's counts as the cloud holds them. */
    private MailboxCounts counts(String folder) {
        Map<String, Flags> t = truth(folder);
        return new MailboxCounts(t.size(), (int) t.values().stream().filter(x -> !x.has(Flag.READ)).count());
    }

    @Test
    void aFailedFolderDeltaLosesNothingTheNextFolderRoundReportsIt() throws Exception {
        poll(); // a sweep round; the next is a folder round
        String f = others().get(6);
        String fresh = deliver(f, false);
        faults().next(1, "GET", ".*/mailFolders/delta(\\(\\))?$").answer(error(400, "BadRequest"));
        requests().clear();
        poll();
        assertEquals(1, folderDeltas());
        assertEquals(List.of(inbox), deltaFolders(), "the inbox is still read: " + brief());
        requests().clear();
        assertEquals(counts(inbox), boxes.get(inbox).counts().orElseThrow(), "without the folder delta, asked");
        assertEquals(1, topLevel().size(), "one mailFolders.get: " + brief());
        assertTrue(boxes.get(f).counts().isEmpty(), "a folder skipped has nothing to compare with");
        poll(); // a sweep round
        assertFalse(seen.get(f).containsKey(fresh));
        requests().clear();
        poll(); // the next folder round, from the link the failed one did not replace
        assertTrue(deltaFolders().contains(f), "requests: " + brief());
        assertTrue(seen.get(f).containsKey(fresh));
    }

    @Test
    void anExpiredFolderDeltaLinkMakesEveryFolderReadOnceAndStartsOverInTheSameRound() throws Exception {
        poll(); // a sweep round; the next is a folder round
        graph.expireDeltaTokens(user);
        requests().clear();
        Map<String, Listing> l = poll();
        assertEquals(2, folderDeltas(), "the refused link, then a new start: " + brief());
        assertTrue(l.values().stream().allMatch(Listing::full), "every folder's own token was refused too");
        requests().clear();
        poll();
        poll();
        assertTrue(topLevel().size() <= 4, "quiet again: " + brief());
        for (String f : boxes.keySet()) {
            assertEquals(truth(f), seen.get(f), "folder " + f);
        }
    }

    @Test
    void aFolderThatChangedTheCloudReadsItsOwnDeltaNextPoll() throws Exception {
        poll();
        poll(); // a sweep round, then a folder round: the next is a sweep round
        String f = others().get(12);
        String id = graph.messageIds(user, f).get(0);
        Flags was = seen.get(f).get(id);
        boxes.get(f).apply(List.of(Change.flags(id, was, was.with(Flag.FLAGGED))));
        requests().clear();
        Map<String, Listing> l = poll();
        assertTrue(deltaFolders().contains(f), "requests: " + brief());
        assertTrue(l.get(f).messages().stream().anyMatch(m -> m.id().equals(id) && m.flags().has(Flag.FLAGGED)));
        assertFalse(l.get(f).full());
    }
}
