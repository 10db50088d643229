package dev.cms.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.config.DeleteAction;
import dev.cms.config.GmailAccountSpec;
import dev.cms.fakecloud.FakeCloud;
import dev.cms.fakecloud.FakeGmail;
import dev.cms.fakecloud.MessageGenerator;
import dev.cms.maildir.MaildirFolder;
import dev.cms.provider.AccessTokenSource;
import dev.cms.provider.CloudMailbox;
import dev.cms.provider.gmail.GmailMailbox;
import dev.cms.provider.gmail.GmailOptions;
import dev.cms.store.MessageStore;
import dev.cms.store.StateDb;
import dev.cms.sync.CycleReport;
import dev.cms.sync.Router;
import dev.cms.sync.SyncEngine;
import dev.cms.testing.FakeGmailCloud;
import dev.cms.time.FakeTicker;
import dev.cms.time.Ticker;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, item 4: the progress of a first Gmail sync at the default quota, with the real
 * provider against the embedded fake over real HTTP. The provider's quota sleeps on a fake
 * clock (time passes only as the quota makes it), and the progress reads the same clock: the
 * speed it shows is the quota's 40 bodies a second and the time left is what the quota needs
 * for the rest.
 */
class QuotaProgressTest {
    static final String USER = "fay@gmail.example";
    static final Pattern LINE = Pattern.compile(": (\\d+)/1000 (\\d+) msg/s \\d+ kB/s, (\\d+)s left$");

    @RegisterExtension
    final FakeGmailCloud fake = FakeGmailCloud.withAccount(USER, "client", "secret");

    @TempDir
    Path tmp;

    @Test
    void aGmailFirstSyncShowsTheQuotaRateAndTheTimeTheQuotaNeeds() throws Exception {
        FakeCloud cloud = fake.cloud();
        FakeGmail gmail = fake.gmail();
        MessageGenerator gen = new MessageGenerator(11, USER);
        for (int i = 0; i < 1000; i++) {
            gmail.addMessage(USER, gen.text(300).raw(), Instant.parse("2024-01-01T00:00:00Z").plusSeconds(i),
                    Set.of("INBOX"));
        }
        FakeTicker clock = new FakeTicker();
        GmailAccountSpec account = new GmailAccountSpec(USER, "client", "secret",
                cloud.baseUri() + "oauth2/auth", cloud.baseUri() + "oauth2/token", cloud.baseUri().toString(),
                (int) GmailOptions.DEFAULT_QUOTA_UNITS_PER_SECOND, null);
        AccessTokenSource tokens = force -> gmail.issueAccessToken(USER,
                Set.of("https://www.googleapis.com/auth/gmail.modify"));
        GmailOptions options = new GmailOptions(GmailOptions.DEFAULT_QUOTA_UNITS_PER_SECOND, 1,
                Duration.ofSeconds(10), Duration.ofSeconds(30), clock, new Random(1));
        GmailMailbox inbox = new GmailMailbox(AccountOptions.gmail(account), "INBOX", DeleteAction.ARCHIVE,
                tokens, options);
        List<String> logged = new ArrayList<>();
        ConsoleProgress progress = new ConsoleProgress(new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8), false, 80, clock, logged::add, false);
        Path state = tmp.resolve("state");
        MessageStore store = MessageStore.open(state);
        try (StateDb db = StateDb.open(state.resolve("state.db"))) {
            SyncEngine engine = new SyncEngine(List.of(MaildirFolder.open(tmp.resolve("mail"))),
                    List.<CloudMailbox>of(inbox), Router.defaultOnly(), store, db, false, Ticker.SYSTEM, progress);
            CycleReport r = engine.runCycle();
            assertTrue(r.ok(), () -> "cycle failed: " + r.errors());
            assertEquals(1000, r.fetched());
        }
        // Lines at each tenth; from the fifth on (about 12 s in: the bucket's first second of
        // burst outweighed) the speed is the quota's 40 a second, within 10 %, and the time left is
        // what the quota needs for the rest (5 units a body at 200 a second), within 10 %.
        assertEquals(10, logged.size(), logged.toString());
        for (String line : logged.subList(4, 9)) {
            Matcher m = LINE.matcher(line);
            assertTrue(m.find(), line);
            int done = Integer.parseInt(m.group(1));
            int perSecond = Integer.parseInt(m.group(2));
            double left = Integer.parseInt(m.group(3));
            double quotaNeeds = (1000 - done) * 5 / GmailOptions.DEFAULT_QUOTA_UNITS_PER_SECOND;
            assertTrue(perSecond >= 40 && perSecond <= 44, line);
            assertTrue(left >= 0.9 * quotaNeeds && left <= 1.1 * quotaNeeds + 1, line + " vs " + quotaNeeds + " s");
        }
    }
}
