package dev.cms.fakecloud;

import java.time.Instant;
import java.util.Set;

/**
 * What the fake identity service knows about one access token it issued.
 *
 * @param email the account the token is for
 * @param clientId the OAuth client it was issued to
 * @param scopes the granted scopes
 * @param expiresAt when it stops being accepted
 */
public record TokenInfo(String email, String clientId, Set<String> scopes, Instant expiresAt) {
    public TokenInfo {
        scopes = Set.copyOf(scopes);
    }

    @Override
    public String toString() {
        return "TokenInfo[" + email + ", client " + clientId + ", " + scopes + ", expires " + expiresAt + "]";
    }
}
