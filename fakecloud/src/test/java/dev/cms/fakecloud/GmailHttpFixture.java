package dev.cms.fakecloud;

import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A fake cloud on a movable clock with one Gmail account, and a plain HTTP client holding its token. */
abstract class GmailHttpFixture {
    final MutableClock clock = new MutableClock();
    final String user;
    FakeCloud cloud;
    FakeGmail gmail;
    Http http;

    GmailHttpFixture(String user) {
        this.user = user;
    }

    @BeforeEach
    void startCloud() throws Exception {
        cloud = FakeCloud.start(0, clock);
        gmail = cloud.gmail();
        gmail.addAccount(user, "cid", "secret");
        http = new Http(cloud.baseUri());
        http.token = gmail.issueAccessToken(user, Set.of(FakeGmail.FULL_SCOPE));
    }

    @AfterEach
    void stopCloud() {
        cloud.close();
    }
}
