package dev.cms.broker;

import dev.cms.config.AccountSpec;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

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

    /**
     * What the broker's {@link TokenRefresher} calls: a token with at least {@code minValidity}
     * left and the instant it expires by the clock the broker was given. When even a fresh token
     * lives shorter than {@code minValidity} (an issuer granting 60-second tokens), that fresh
     * token is returned rather than refused: the broker then asks for a fraction of the lifetime
     * it sees. The default calls {@link #token} and reports the expiry as unknown (null), which
     * the broker takes as "{@code minValidity} from when it asked".
     */
    default Token fetch(String user, String protocol, Duration minValidity) throws IOException, InterruptedException {
        return new Token(token(user, protocol, minValidity), null);
    }

    /**
     * A request for {@code user} and {@code protocol} was refused because only an interactive
     * login can give a token: start that login in the background (the login page, the notify
     * command), without waiting for it, so that a later request is served. The request itself is
     * answered at once. The default does nothing.
     */
    default void loginNeeded(String user, String protocol) {}

    /**
     * An access token and when it expires (null: unknown).
     */
    record Token(String value, @Nullable Instant expiresAt) {
        @Override
        public String toString() {
            return "Token[expires " + expiresAt + "]"; // never the token
        }
    }
}
