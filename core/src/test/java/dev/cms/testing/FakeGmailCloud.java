package dev.cms.testing;

import dev.cms.fakecloud.FakeCloud;
import dev.cms.fakecloud.FakeGmail;
import dev.cms.fakecloud.RequestLog;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The embedded fake cloud for one test, with its Gmail accounts: started before the test's own
 * {@code @BeforeEach} methods, closed after its {@code @AfterEach} ones (so a daemon the test
 * stops there still has its cloud).
 *
 * <pre>{@code
 * @RegisterExtension
 * final FakeGmailCloud fake = FakeGmailCloud.withAccount(USER, "client", "secret");
 * }</pre>
 */
public final class FakeGmailCloud implements BeforeEachCallback, AfterEachCallback {
    private record Account(String email, String clientId, String clientSecret) { }

    private final List<Account> accounts = new ArrayList<>();
    private FakeCloud cloud;

    private FakeGmailCloud() {
    }

    /** A fake cloud with one Gmail account whose OAuth client is {@code clientId}/{@code clientSecret}. */
    public static FakeGmailCloud withAccount(String email, String clientId, String clientSecret) {
        return new FakeGmailCloud().andAccount(email, clientId, clientSecret);
    }

    /** One more account. */
    public FakeGmailCloud andAccount(String email, String clientId, String clientSecret) {
        accounts.add(new Account(email, clientId, clientSecret));
        return this;
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        cloud = FakeCloud.start(0);
        for (Account a : accounts) {
            cloud.gmail().addAccount(a.email(), a.clientId(), a.clientSecret());
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (cloud != null) {
            cloud.close();
            cloud = null;
        }
    }

    /** The running cloud. */
    public FakeCloud cloud() {
        if (cloud == null) {
            throw new IllegalStateException("the fake cloud runs only during a test");
        }
        return cloud;
    }

    public FakeGmail gmail() {
        return cloud().gmail();
    }

    public RequestLog requests() {
        return cloud().requests();
    }
}
