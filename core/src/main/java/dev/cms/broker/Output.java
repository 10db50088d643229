package dev.cms.broker;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.jspecify.annotations.Nullable;

/** {@code --output}: how {@code cms-oauth} prints what the daemon answered. */
enum Output {
    /** The XOAUTH2 string itself, for callers that base64-encode it themselves. */
    XOAUTH2("xoauth2"),
    /** Base64 of the XOAUTH2 string: what goes on the wire after {@code AUTH XOAUTH2}. */
    XOAUTH2_B64("xoauth2-b64"),
    /** The bare access token (msmtp {@code passwordeval}, mutt, mbsync {@code PassCmd}). */
    TOKEN("token");

    final String option;

    Output(String option) {
        this.option = option;
    }

    /** The value for an {@code --output} argument, or null if it names none. */
    static @Nullable Output of(String option) {
        for (Output o : values()) {
            if (o.option.equals(option)) {
                return o;
            }
        }
        return null;
    }

    String render(String xoauth2) {
        return switch (this) {
            case XOAUTH2 -> xoauth2;
            case XOAUTH2_B64 -> Base64.getEncoder().encodeToString(xoauth2.getBytes(StandardCharsets.UTF_8));
            case TOKEN -> Xoauth2.requireToken(xoauth2);
        };
    }

    @Override
    public String toString() {
        return option;
    }
}
