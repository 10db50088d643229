package dev.cms.config;

/** {@code GMail_Account(user, client_id=None, client_secret=None, ...)}. */
public record GmailAccountSpec(
        String user,
        String clientId,
        String clientSecret,
        String authEndpoint,
        String tokenEndpoint,
        String apiEndpoint,
        SourcePos pos) implements AccountSpec {
    public static final String DEFAULT_AUTH_ENDPOINT = "https://accounts.google.com/o/oauth2/v2/auth";
    public static final String DEFAULT_TOKEN_ENDPOINT = "https://oauth2.googleapis.com/token";
    public static final String DEFAULT_API_ENDPOINT = "https://gmail.googleapis.com/";

    @Override
    public String key() {
        return "gmail:" + user;
    }
}
