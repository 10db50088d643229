package dev.cms.broker;

import dev.cms.config.AccountSpec;
import java.io.IOException;
import java.time.Duration;

/** What the broker asks the daemon for: a fresh access token for an account and protocol. */
public interface TokenProvider {
    /**
     * The e-mail address {@code account} is known by, or null while it is unknown. The default is
     * the configured {@link AccountSpec#user()}; an Office365 account declared without a user
     * learns its address at login, and the daemon overrides this to report it.
     */
    default String user(AccountSpec account) {
        return account.user();
    }

    /**
     * An access token with at least {@code minValidity} left, for the account whose
     * {@link #user(AccountSpec)} is {@code user} and the protocol {@code "SMTP"} or {@code "IMAP"}
     * (which selects the OAuth scope). May block while refreshing.
     *
     * @throws IOException when no token can be had now, e.g. an
     *     {@link dev.cms.provider.AuthenticationRequiredException} when a login is needed; the
     *     message must not contain a secret
     */
    String token(String user, String protocol, Duration minValidity) throws IOException, InterruptedException;
}
