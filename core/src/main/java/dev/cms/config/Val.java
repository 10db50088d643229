package dev.cms.config;

import java.math.BigInteger;
import java.util.List;

/**
 * A cms.cfg value and the place it was written. {@code v} is a String, BigInteger, Boolean,
 * {@link #NONE}, {@code List<Val>} or one of the config records.
 */
record Val(Object v, SourcePos pos) {
    /** Python's {@code None}. */
    enum None { NONE }

    static final None NONE = None.NONE;

    boolean isNone() {
        return v == NONE;
    }

    /** "a string", "an integer", "a MailDir", ... for error messages. */
    static String typeName(Object v) {
        if (v instanceof String) {
            return "a string";
        } else if (v instanceof BigInteger) {
            return "an integer";
        } else if (v instanceof Boolean) {
            return "a boolean (" + ((Boolean) v ? "True" : "False") + ")";
        } else if (v == NONE) {
            return "None";
        } else if (v instanceof List) {
            return "a list";
        } else if (v instanceof MaildirSpec) {
            return "a MailDir";
        } else if (v instanceof CloudMailboxSpec m) {
            return m.service() == CloudMailboxSpec.Service.GMAIL ? "a GMail mailbox" : "an Office365 mailbox";
        } else if (v instanceof Office365AccountSpec) {
            return "an Office365_Account";
        } else if (v instanceof GmailAccountSpec) {
            return "a GMail_Account";
        } else if (v instanceof WholeAccountSpec w) {
            return w.service() == CloudMailboxSpec.Service.GMAIL ? "a GMail_Labels(...)" : "an Office365_Folders(...)";
        } else if (v instanceof RouteSpec) {
            return "a Route";
        } else if (v instanceof CredentialServerSpec) {
            return "a CredentialServer";
        }
        return "a " + v.getClass().getSimpleName();
    }

    String typeName() {
        return typeName(v);
    }
}
