package dev.cms.auth;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What {@link GoogleAuth} needs to know of a Gmail account, made by the CLI from the
 * configuration.
 *
 * @param key the account's key in the token store ({@code gmail:<user>})
 * @param user the account's address, also the login hint
 * @param clientId the account's own OAuth client (blank: not configured)
 * @param clientSecret its secret (blank: not configured)
 * @param authEndpoint Google's authorization page
 * @param tokenEndpoint Google's token endpoint
 * @param pos where the account is configured ({@code file:line:col}), for errors; null when unknown
 */
public record GoogleAuthOptions(String key, String user, @Nullable String clientId, @Nullable String clientSecret,
                                String authEndpoint, String tokenEndpoint, @Nullable String pos) {
    public GoogleAuthOptions {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(user, "user");
    }
}
