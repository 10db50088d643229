package dev.cms.provider;

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

    /**
     * A token to use instead of {@code rejected}, which the service just refused (HTTP 401): the
     * token another caller already got in its place, else a new one. A source shared by
     * concurrent requests refreshes once for all the requests refused the same token, however
     * late their 401 came back. The default forces a refresh.
     *
     * @throws AuthenticationRequiredException when only an interactive login can help
     */
    default String replaceRejected(String rejected) throws IOException, InterruptedException {
        return accessToken(true);
    }
}
