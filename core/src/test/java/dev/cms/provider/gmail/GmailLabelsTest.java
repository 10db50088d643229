package dev.cms.provider.gmail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.cli.AccountOptions;
import dev.cms.config.GmailAccountSpec;
import dev.cms.fakecloud.FakeGmail;
import dev.cms.provider.AccessTokenSource;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Listing every label of an account for whole-account sync, against the fake Gmail (issue 16). */
class GmailLabelsTest extends GmailCloudFixture {
    @Test
    void systemAndUserLabelsInOneRequest() throws Exception {
        String kernel = gmail.addLabel(USER, "Lists/kernel");
        GmailAccountSpec account = new GmailAccountSpec(USER, "client-id", "client-secret",
                cloud.baseUri() + "oauth2/auth", cloud.baseUri() + "oauth2/token", cloud.baseUri().toString(), null);
        AccessTokenSource tokens = force -> gmail.issueAccessToken(USER, Set.of(FakeGmail.FULL_SCOPE));
        requests().clear();
        List<GmailLabels.Label> labels = GmailLabels.list(AccountOptions.gmail(account), tokens,
                new GmailOptions(1e9, 8, Duration.ofSeconds(10), Duration.ofSeconds(10), ticker, new Random(1)));
        assertEquals(1, requests().size());
        assertTrue(labels.contains(new GmailLabels.Label("INBOX", "INBOX", true)), labels.toString());
        assertTrue(labels.contains(new GmailLabels.Label("SENT", "SENT", true)));
        assertTrue(labels.contains(new GmailLabels.Label("CATEGORY_SOCIAL", "CATEGORY_SOCIAL", true)));
        assertTrue(labels.contains(new GmailLabels.Label(kernel, "Lists/kernel", false)));
    }
}
