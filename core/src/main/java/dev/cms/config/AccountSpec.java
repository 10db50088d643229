package dev.cms.config;

/** A cloud account's credentials as the configuration declares them. */
public sealed interface AccountSpec permits Office365AccountSpec, GmailAccountSpec {
    /** The account's e-mail address; may be null for Office365 (the login page asks). */
    String user();

    /** A stable key for this account in {@code state.db}, e.g. {@code gmail:alice@example.com}. */
    String key();

    SourcePos pos();
}
