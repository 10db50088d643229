package dev.cms.auth;

import java.io.IOException;

/**
 * A {@code GMail_Account} has no {@code client_id} or {@code client_secret}, or an
 * {@code Office365_Account} has no {@code client_id}. cloud-mdir-sync
 * borrows no OAuth client from another project: each user registers their own, and the message
 * says how.
 */
public final class MissingClientIdException extends IOException {
    private static final long serialVersionUID = 1L;

    MissingClientIdException(GoogleAuthOptions account, String missing) {
        super(message(account, missing));
    }

    /** With a message already written for the account at fault (the Office365 one). */
    MissingClientIdException(String message) {
        super(message);
    }

    private static String message(GoogleAuthOptions account, String missing) {
        String where = account.pos() == null ? "" : account.pos() + ": ";
        return where + "GMail_Account(user=\"" + account.user() + "\") has no " + missing + ".\n"
                + "Gmail needs an OAuth client of your own (a \"Desktop app\" client). To create one:\n"
                + "  1. Open the Google Cloud console (https://console.cloud.google.com/), create or pick a project.\n"
                + "  2. APIs & Services -> Library: enable the Gmail API.\n"
                + "  3. APIs & Services -> OAuth consent screen: user type External; add yourself ("
                + account.user() + ") as a test user; add the scope https://www.googleapis.com/auth/gmail.modify.\n"
                + "  4. APIs & Services -> Credentials -> Create credentials -> OAuth client ID,"
                + " application type \"Desktop app\".\n"
                + "  5. Copy the client ID and the client secret into the configuration:\n"
                + "       GMail_Account(user=\"" + account.user()
                + "\", client_id=\"....apps.googleusercontent.com\", client_secret=\"...\")";
    }
}
