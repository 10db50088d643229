package dev.cms.send;

import dev.cms.config.AccountSpec;
import dev.cms.config.GmailAccountSpec;
import java.util.Locale;

/**
 * An account the outbox sends for: its key in the state ({@code gmail:alice@example.com}), its
 * address, and the largest message its service takes.
 */
public record SendAccount(String key, String user, boolean gmail) {
    /** Gmail's limit for {@code messages.send} through the upload form. */
    public static final int GMAIL_MAX_BYTES = 35 * 1024 * 1024;
    /**
     * Graph's {@code sendMail} takes the MIME message base64-encoded in one request of at most
     * 4 MB, so about 3 MB of message.
     */
    public static final int GRAPH_MAX_BYTES = 3 * 1024 * 1024;

    public static SendAccount of(AccountSpec a) {
        return new SendAccount(a.key(), a.user(), a instanceof GmailAccountSpec);
    }

    /** From a key as {@link AccountSpec#key()} makes it ({@code gmail:<user>}, {@code o365:<user>}). */
    public static SendAccount ofKey(String key) {
        int colon = key.indexOf(':');
        return new SendAccount(key, key.substring(colon + 1), key.startsWith("gmail:"));
    }

    public int maxBytes() {
        return gmail ? GMAIL_MAX_BYTES : GRAPH_MAX_BYTES;
    }

    String service() {
        return gmail ? "Gmail" : "Office365";
    }

    boolean isAddress(String address) {
        return user.toLowerCase(Locale.ROOT).equals(address.toLowerCase(Locale.ROOT));
    }
}
