package dev.cms.e2e;

import dev.cms.broker.TokenProvider;
import dev.cms.fakecloud.FakeCloud;
import dev.cms.fakecloud.FakeGmail;
import java.time.Duration;
import java.util.Set;
import java.util.function.Supplier;

/**
 * A broker's token source that has the fake Gmail issue full-mail tokens, with their expiry, to
 * whichever user is asked for.
 */
final class FakeGmailIssuer implements TokenProvider {
    private final Supplier<FakeCloud> fake;

    /** @param fake the running fake cloud, looked up at each fetch */
    FakeGmailIssuer(Supplier<FakeCloud> fake) {
        this.fake = fake;
    }

    @Override
    public String token(String user, String protocol, Duration minValidity) {
        return fetch(user, protocol, minValidity).value();
    }

    @Override
    public Token fetch(String user, String protocol, Duration minValidity) {
        FakeGmail gmail = fake.get().gmail();
        String token = gmail.issueAccessToken(user, Set.of(FakeGmail.FULL_SCOPE));
        return new Token(token, gmail.tokenInfo(token).orElseThrow().expiresAt());
    }
}
