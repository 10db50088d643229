package dev.cms.auth;

import dev.cms.provider.AuthenticationRequiredException;
import java.io.IOException;

/**
 * Hands out OAuth2 access tokens for one account. Providers call it for every request; it
 * answers from memory while the token is fresh.
 */
public interface AccessTokenSource {
    /**
     * A current access token. With {@code forceRefresh} the cached token is discarded first
     * (the service answered 401 to it).
     *
     * @throws AuthenticationRequiredException when only an interactive login can help
     */
    String accessToken(boolean forceRefresh) throws IOException, InterruptedException;
}
