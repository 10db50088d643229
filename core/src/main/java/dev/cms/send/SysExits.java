package dev.cms.send;

/** The exit codes of sendmail ({@code <sysexits.h>}) that {@code cms-sendmail} uses. */
public final class SysExits {
    public static final int OK = 0;
    /** Bad options, no recipients. */
    public static final int USAGE = 64;
    /** Empty input, not an RFC 5322 message, too large. */
    public static final int DATAERR = 65;
    /** An unknown account, sender or recipient address. */
    public static final int NOUSER = 67;
    /** A failure of this program. */
    public static final int SOFTWARE = 70;
    /** The outbox cannot be written. */
    public static final int CANTCREAT = 73;
    /** Not sent and not queued: try again later (only with {@code --no-queue}). */
    public static final int TEMPFAIL = 75;
    /** The configuration cannot be read or declares no {@code Outbox(...)}. */
    public static final int CONFIG = 78;

    private SysExits() {}
}
