package dev.cms.auth;

import dev.cms.provider.AccessTokenSource;
import java.io.IOException;

/**
 * An account's access tokens for its sync, served from its one {@link CachingTokenSource} (the
 * same for Office365 and Gmail: a refresh is shared by every caller, single flight).
 */
interface CachedAccessTokens extends AccessTokenSource {
    /** The account's token cache. */
    CachingTokenSource tokens();

    /** A token, with {@code forceRefresh} replacing the held one (the service answered 401 to it). */
    @Override
    default String accessToken(boolean forceRefresh) throws IOException, InterruptedException {
        return tokens().accessToken(forceRefresh);
    }

    /** Refreshes once for all callers the service refused {@code rejected} to (single flight). */
    @Override
    default String replaceRejected(String rejected) throws IOException, InterruptedException {
        return tokens().replaceRejected(rejected);
    }
}
