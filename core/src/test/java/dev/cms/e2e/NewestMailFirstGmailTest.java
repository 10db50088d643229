package dev.cms.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cms.cli.AccountOptions;
import dev.cms.config.DeleteAction;
import dev.cms.config.GmailAccountSpec;
import dev.cms.fakecloud.MessageGenerator;
import dev.cms.fakecloud.RequestLog;
import dev.cms.maildir.MaildirFolder;
import dev.cms.provider.AccessTokenSource;
import dev.cms.provider.CloudMailbox;
import dev.cms.provider.gmail.GmailMailbox;
import dev.cms.provider.gmail.GmailOptions;
import dev.cms.sync.Router;
import dev.cms.time.Ticker;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Issue 15, item 4: a first Gmail sync downloads the newest mail first. Gmail's listing gives
 * no dates, but lists newest first; the engine keeps that order for undated ids and the
 * provider sends its batches in it. One batch of three at a time, so the fake's log (which
 * records each batch part) is the order.
 */
class NewestMailFirstGmailTest extends GmailEngineFixture {
    static final String USER = "erin@gmail.example";
    static final Instant T0 = Instant.parse("2024-03-01T08:00:00Z");

    NewestMailFirstGmailTest() {
        super(USER);
    }

    @Test
    void aFirstSyncAsksForTheNewestBodiesFirstBatchByBatch() throws Exception {
        MessageGenerator gen = new MessageGenerator(4, USER);
        // Delivered in this order; received at T0 + these many hours (two came in late).
        int[] hours = {0, 1, 2, 30, 3, 4, 5, 40, 6, 7, 8, 9};
        Map<String, Instant> received = new HashMap<>();
        for (int h : hours) {
            Instant at = T0.plus(Duration.ofHours(h));
            received.put(gmail.addMessage(USER, gen.text(400).raw(), at, Set.of("INBOX")), at);
        }
        startEngine(List.of(MaildirFolder.open(tmp.resolve("mail"))), List.<CloudMailbox>of(inbox()),
                Router.defaultOnly());

        assertEquals(hours.length, cycle().fetched());

        List<String> asked = new ArrayList<>();
        for (RequestLog.Entry e : cloud.requests().matching("/messages/[0-9a-f]+$")) {
            if (e.method().equals("GET")) {
                asked.add(e.path().substring(e.path().lastIndexOf('/') + 1));
            }
        }
        List<String> newestFirst = new ArrayList<>(received.keySet());
        newestFirst.sort(Comparator.comparing(received::get).reversed());
        assertEquals(newestFirst, asked, "body downloads in order of received time, newest first");
    }

    /** INBOX with batches of three, one at a time. */
    private GmailMailbox inbox() {
        GmailAccountSpec account = new GmailAccountSpec(USER, "client", "secret",
                cloud.baseUri() + "oauth2/auth", cloud.baseUri() + "oauth2/token", cloud.baseUri().toString(),
                1_000_000, null);
        AccessTokenSource tokens = force -> gmail.issueAccessToken(USER,
                Set.of("https://www.googleapis.com/auth/gmail.modify"));
        GmailOptions options = new GmailOptions(1_000_000, 1, Duration.ofSeconds(10), Duration.ofSeconds(30),
                Ticker.SYSTEM, new Random(1), 3);
        return new GmailMailbox(AccountOptions.gmail(account), "INBOX", DeleteAction.ARCHIVE, tokens, options);
    }
}
