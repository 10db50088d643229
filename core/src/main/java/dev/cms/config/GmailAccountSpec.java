package dev.cms.config;

import org.jspecify.annotations.Nullable;

/** {@code GMail_Account(user, client_id=None, client_secret=None, ...)}. */
public record GmailAccountSpec(
        String user,
        @Nullable String clientId,
        @Nullable String clientSecret,
        String authEndpoint,
        String tokenEndpoint,
        String apiEndpoint,
        int quotaUnitsPerSecond,
        SourcePos pos) implements AccountSpec {
    /**
     * Gmail allows 250 quota units per user per second; staying at 200 leaves room for other
     * clients of the same account.
     */
    public static final int DEFAULT_QUOTA_UNITS_PER_SECOND = 200;
    public static final String DEFAULT_AUTH_ENDPOINT = "https://accounts.google.com/o/oauth2/v2/auth";
    public static final String DEFAULT_TOKEN_ENDPOINT = "https://oauth2.googleapis.com/token";
    public static final String DEFAULT_API_ENDPOINT = "https://gmail.googleapis.com/";

    /** With the default quota. */
    public GmailAccountSpec(String user, @Nullable String clientId, @Nullable String clientSecret, String authEndpoint, String tokenEndpoint,
            String apiEndpoint, SourcePos pos) {
        this(user, clientId, clientSecret, authEndpoint, tokenEndpoint, apiEndpoint, DEFAULT_QUOTA_UNITS_PER_SECOND, pos);
    }

    @Override
    public String key() {
        return "gmail:" + user;
    }
}
