package dev.cms.provider.gmail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.cli.AccountOptions;
import dev.cms.config.DeleteAction;
import dev.cms.model.CloudMessage;
import dev.cms.model.Flag;
import dev.cms.model.Flags;
import dev.cms.provider.Change;
import dev.cms.provider.CloudAccount;
import dev.cms.provider.Listing;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A whole Gmail account of 20 labels polled through one {@link GmailAccountHistory}: one
 * {@code history.list} a poll, and each label's listing what a read of its own would give.
 */
class GmailAccountHistoryTest extends GmailCloudFixture {
    /** INBOX, SENT, DRAFT and 17 user labels, nested names among them. */
    private final List<String> names = new ArrayList<>();
    /** Label name → its id. */
    private final Map<String, String> ids = new LinkedHashMap<>();
    private GmailAccountHistory history;
    /** Label name → its mailbox, sharing {@link #history}. */
    private final Map<String, GmailMailbox> boxes = new LinkedHashMap<>();
    /** Label name → the token its last listing gave. */
    private final Map<String, String> tokens = new LinkedHashMap<>();
    private int added;

    @BeforeEach
    void wholeAccount() throws Exception {
        for (String s : List.of("INBOX", "SENT", "DRAFT")) {
            names.add(s);
            ids.put(s, s);
        }
        for (int i = 1; i <= 17; i++) {
            String name = i % 3 == 0 ? "Lists/l" + i : "L" + i;
            names.add(name);
            ids.put(name, gmail.addLabel(USER, name));
        }
        // Two messages in each label, every third also in INBOX, some unread or starred.
        for (String name : names) {
            for (int k = 0; k < 2; k++) {
                added++;
                List<String> labels = new ArrayList<>(List.of(ids.get(name)));
                if (added % 3 == 0 && !name.equals("INBOX")) {
                    labels.add("INBOX");
                }
                if (added % 2 == 0) {
                    labels.add("UNREAD");
                }
                if (added % 5 == 0) {
                    labels.add("STARRED");
                }
                add("Subject: " + added + "\r\n\r\nbody\r\n", NOW.minusSeconds(1000 - added),
                        labels.toArray(new String[0]));
            }
        }
        CloudAccount account = AccountOptions.gmail(account());
        history = new GmailAccountHistory(account, super.tokens, gmailOptions(8));
        for (String name : names) {
            boxes.put(name, new GmailMailbox(account, name, DeleteAction.ARCHIVE, super.tokens, gmailOptions(8),
                    history));
        }
        for (String name : names) {
            Listing l = boxes.get(name).list(null);
            assertTrue(l.full());
            tokens.put(name, l.syncToken());
        }
        requests().clear();
    }

    /** One poll: every label lists from its token, in order; returns the listings by label. */
    private Map<String, Listing> poll() throws Exception {
        Map<String, Listing> out = new LinkedHashMap<>();
        for (String name : names) {
            Listing l = boxes.get(name).list(tokens.get(name));
            out.put(name, l);
            tokens.put(name, l.syncToken());
        }
        return out;
    }

    private GmailMailbox alone(String name) {
        return mailbox(name);
    }

    private static Map<String, Flags> byId(Listing l) {
        Map<String, Flags> m = new TreeMap<>();
        for (CloudMessage c : l.messages()) {
            m.put(c.id(), c.flags());
        }
        return m;
    }

    @Test
    void unchangedPollOfTwentyLabelsCostsOneHistoryCall() throws Exception {
        assertEquals(20, names.size());
        for (int round = 0; round < 3; round++) {
            requests().clear();
            Map<String, Listing> listings = poll();
            assertEquals(1, requests().size(), "requests of an unchanged poll: " + requests());
            calls("GET", "history").withoutQuery("labelId").assertOnce();
            for (Listing l : listings.values()) {
                assertFalse(l.full());
                assertTrue(l.messages().isEmpty() && l.removed().isEmpty());
                assertEquals(Long.toString(gmail.historyId(USER)), l.syncToken());
            }
        }
    }

    /**
     * Labels sharing the account's history check their counts every 6 hours (the history reports
     * every label's changes); a label read on its own every 30 minutes.
     */
    @Test
    void sharedLabelsCheckTheirCountsLessOften() throws Exception {
        for (GmailMailbox box : boxes.values()) {
            assertEquals(java.time.Duration.ofHours(6), box.countCheckInterval(), box.key());
        }
        GmailMailbox alone = mailbox("INBOX");
        assertEquals(java.time.Duration.ofMinutes(30), alone.countCheckInterval());
    }

    @Test
    void aFirstSyncOfAListedAccountMakesNoLabelsListPerLabel() throws Exception {
        // What whole-account discovery does: one labels.list, given to the shared history.
        CloudAccount account = AccountOptions.gmail(account());
        GmailAccountHistory discovered = new GmailAccountHistory(account, super.tokens, gmailOptions(8));
        Map<String, String> byName = new LinkedHashMap<>();
        for (GmailLabels.Label l : GmailLabels.list(account, super.tokens, gmailOptions(8))) {
            byName.put(l.name(), l.id());
        }
        discovered.knownLabels(byName);
        requests().clear();
        for (String name : names) {
            GmailMailbox box = new GmailMailbox(account, name, DeleteAction.ARCHIVE, super.tokens, gmailOptions(8),
                    discovered);
            Listing l = box.list(null);
            assertEquals(gmail.messageIds(USER, ids.get(name)).size(), l.messages().size(), name);
        }
        calls("GET", "labels").assertCount(0);
        // A label the listing did not have (created since) is still found by a listing of its own.
        String late = gmail.addLabel(USER, "Late");
        add("Subject: late\r\n\r\nx\r\n", NOW, late);
        GmailMailbox box = new GmailMailbox(account, "Late", DeleteAction.ARCHIVE, super.tokens, gmailOptions(8),
                discovered);
        assertEquals(1, box.list(null).messages().size());
        calls("GET", "labels").assertOnce();
    }

    @Test
    void changesInSeveralLabelsCostOneCallAndMatchEachLabelsOwnListing() throws Exception {
        Map<String, String> before = new LinkedHashMap<>(tokens);
        // A new message in L4 and INBOX; one leaves L5 for L7; one in L8 is starred and read; one in L10 trashed.
        String fresh = add("Subject: new\r\n\r\nx\r\n", NOW, ids.get("L4"), "INBOX", "UNREAD");
        String moved = gmail.messageIds(USER, ids.get("L5")).get(0);
        gmail.relabel(USER, moved, Set.of(ids.get("L7")), Set.of(ids.get("L5")));
        String starred = gmail.messageIds(USER, ids.get("L8")).get(0);
        gmail.relabel(USER, starred, Set.of("STARRED"), Set.of("UNREAD"));
        String trashed = gmail.messageIds(USER, ids.get("L10")).get(0);
        gmail.relabel(USER, trashed, Set.of("TRASH"), Set.of());

        Map<String, Listing> shared = poll();
        calls("GET", "history").assertOnce();
        assertEquals(1, requests().size(), "requests: " + requests());

        assertEquals(Map.of(fresh, Flags.NONE), byId(shared.get("L4")));
        assertTrue(byId(shared.get("INBOX")).containsKey(fresh));
        assertEquals(Set.of(moved), shared.get("L5").removed());
        assertTrue(byId(shared.get("L7")).containsKey(moved));
        assertEquals(Flags.NONE.with(Flag.READ).with(Flag.FLAGGED), byId(shared.get("L8")).get(starred));
        assertEquals(Set.of(trashed), shared.get("L10").removed());
        assertTrue(shared.get("L2").messages().isEmpty() && shared.get("L2").removed().isEmpty(),
                "a label nothing happened to hears nothing");

        // Each label on its own, from the same token, with the labelId filter, says the same.
        for (String name : names) {
            Listing own = alone(name).list(before.get(name));
            assertEquals(byId(own), byId(shared.get(name)), name);
            assertEquals(own.removed(), shared.get(name).removed(), name);
            assertEquals(own.syncToken(), shared.get(name).syncToken(), name);
        }
    }

    @Test
    void aLabelAskingAgainGetsANewReadEvenOnAStoppedClock() throws Exception {
        poll();
        String fresh = add("Subject: new\r\n\r\nx\r\n", NOW, ids.get("Lists/l3"));
        requests().clear();
        Listing l = boxes.get("Lists/l3").list(tokens.get("Lists/l3"));
        assertEquals(Set.of(fresh), byId(l).keySet());
        calls("GET", "history").assertOnce();
    }

    @Test
    void aChangeMadeByAnyLabelEndsTheSharingOfEarlierReads() throws Exception {
        String inbox = gmail.messageIds(USER, "INBOX").get(0);
        // INBOX reads for the poll; then SENT stars an INBOX message; DRAFT's list must not reuse the old read.
        Listing first = boxes.get("INBOX").list(tokens.get("INBOX"));
        assertTrue(first.messages().isEmpty());
        Flags was = Flags.NONE.with(Flag.READ, !gmail.labelsOf(USER, inbox).contains("UNREAD"))
                .with(Flag.FLAGGED, gmail.labelsOf(USER, inbox).contains("STARRED"));
        boxes.get("SENT").apply(List.of(Change.flags(inbox, was, was.with(Flag.FLAGGED, !was.has(Flag.FLAGGED)))));
        boxes.get("DRAFT").list(tokens.get("DRAFT"));
        calls("GET", "history").assertCount(2);
        // A label that listed after the change sees it, from the same token as the first read.
        Listing later = boxes.get("L1").list(tokens.get("L1"));
        assertTrue(later.messages().isEmpty(), "the message is not in L1");
        calls("GET", "history").assertCount(2);
        Listing again = alone("INBOX").list(tokens.get("INBOX"));
        assertEquals(!was.has(Flag.FLAGGED), byId(again).get(inbox).has(Flag.FLAGGED));
    }

    @Test
    void aReadOlderThanTheFreshnessWindowIsNotShared() throws Exception {
        boxes.get("INBOX").list(tokens.get("INBOX"));
        ticker.advance(GmailAccountHistory.DEFAULT_FRESHNESS.plus(Duration.ofSeconds(1)));
        boxes.get("SENT").list(tokens.get("SENT"));
        calls("GET", "history").assertCount(2);
        boxes.get("DRAFT").list(tokens.get("DRAFT"));
        calls("GET", "history").assertCount(2);
    }

    @Test
    void anotherLabelsExpiredIdCostsTheAskerOneMoreReadNotItsDelta() throws Exception {
        // L1 keeps an older token; L2 gets a newer one; the read from L1's id is refused (404).
        String old = tokens.get("L1");
        String fresh = add("Subject: new\r\n\r\nx\r\n", NOW, ids.get("L2"));
        Listing full = boxes.get("L2").list(null);
        assertTrue(byId(full).containsKey(fresh));
        String mine = full.syncToken();
        requests().clear();
        answerNext(1, "GET", "history", error(404, "notFound"));
        Listing l = boxes.get("L2").list(mine);
        assertFalse(l.full());
        List<String> starts = calls("GET", "history").entries().stream()
                .map(e -> e.queryParams("startHistoryId").get(0)).toList();
        assertEquals(List.of(old, mine), starts);
        // L1 itself is still served, by a read of its own.
        Listing l1 = boxes.get("L1").list(old);
        assertFalse(l1.full());
        calls("GET", "history").assertCount(3);
    }
}
