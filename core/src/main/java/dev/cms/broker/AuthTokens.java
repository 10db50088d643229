package dev.cms.broker;

import dev.cms.provider.AccessTokenSource;
import dev.cms.auth.GoogleAuth;
import dev.cms.auth.Office365Auth;
import java.io.IOException;
import java.time.Duration;

/**
 * {@link TokenProvider#fetch} for the daemon's token sources: the token with its expiry, and a
 * fresh token rather than a refusal when the issuer's tokens live shorter than asked.
 */
public final class AuthTokens {
    private AuthTokens() {}

    /**
     * A token from {@code source} for {@code protocol} ({@code "SMTP"} or {@code "IMAP"}, which
     * selects the Office365 scope; Gmail's one token serves both).
     *
     * @throws IOException when {@code source} is of a kind the broker cannot serve, or no token can be had
     */
    public static TokenProvider.Token fetch(AccessTokenSource source, String protocol, Duration minValidity)
            throws IOException, InterruptedException {
        if (source instanceof GoogleAuth g) {
            String token = g.freshestToken(minValidity);
            return new TokenProvider.Token(token, g.expiresAt(token));
        }
        if (source instanceof Office365Auth o) {
            var scopes = "IMAP".equals(protocol) ? Office365Auth.IMAP_SCOPES : Office365Auth.SMTP_SCOPES;
            String token = o.freshestToken(scopes, minValidity);
            return new TokenProvider.Token(token, o.expiresAt(scopes, token));
        }
        throw new IOException("the token broker cannot serve tokens from " + source.getClass().getSimpleName());
    }

    /**
     * Runs the interactive login {@code source} needs for {@code protocol}, waiting for it (the
     * caller runs this in the background, never in a broker request).
     *
     * @throws IOException when the login failed or cannot happen
     */
    public static void logIn(AccessTokenSource source, String protocol) throws IOException, InterruptedException {
        if (source instanceof GoogleAuth g) {
            g.accessToken(Duration.ZERO);
        } else if (source instanceof Office365Auth o) {
            o.accessToken("IMAP".equals(protocol) ? Office365Auth.IMAP_SCOPES : Office365Auth.SMTP_SCOPES,
                    Duration.ZERO);
        } else {
            throw new IOException("the token broker cannot log in " + source.getClass().getSimpleName());
        }
    }
}
