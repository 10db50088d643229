package dev.cms.maildir;

import dev.cms.model.Flag;
import dev.cms.model.Flags;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A Maildir file name's parts: the unique base name and the info after {@code ":2,"} (null when
 * the name has no {@code ":2,"}). Info letters other than the managed {@code S F R T} (for
 * example {@code D}, {@code P} or lower-case keywords) are kept untouched by {@link #withFlags}.
 *
 * <p>Any file name parses: names written by other programs (spaces, unicode, several colons,
 * no info at all) are taken as they are.
 */
public record MaildirName(String base, @Nullable String info) {
    static final String INFO_SEPARATOR = ":2,";

    public MaildirName {
        Objects.requireNonNull(base, "base");
    }

    /** Splits {@code fileName} at its last {@code ":2,"}; never throws for a non-null name. */
    public static MaildirName parse(String fileName) {
        int at = fileName.lastIndexOf(INFO_SEPARATOR);
        if (at < 0) {
            return new MaildirName(fileName, null);
        }
        return new MaildirName(fileName.substring(0, at), fileName.substring(at + INFO_SEPARATOR.length()));
    }

    /** The managed flags among the info letters; none when there is no info. */
    public Flags flags() {
        return info == null ? Flags.NONE : Flags.fromLetters(info);
    }

    /** The info characters that are not managed flags, in their original order, each once. */
    public String unmanagedLetters() {
        if (info == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(info.length());
        info.codePoints()
                .filter(cp -> !isManaged(cp))
                .distinct()
                .forEach(sb::appendCodePoint);
        return sb.toString();
    }

    /**
     * The same base with managed flags {@code managed} and the unmanaged letters kept; the info
     * is the union of both, sorted in ASCII (code point) order, e.g. {@code "DFRS"} or
     * {@code "FSa"} (the spec's "ASCII order": lower-case keywords after upper-case flags).
     * The result always has an info, possibly empty.
     */
    public MaildirName withFlags(Flags managed) {
        StringBuilder sb = new StringBuilder();
        (unmanagedLetters() + managed.letters()).codePoints().sorted().forEach(sb::appendCodePoint);
        return new MaildirName(base, sb.toString());
    }

    /** The file name: {@code base}, plus {@code ":2," + info} when there is an info. */
    public String fileName() {
        return info == null ? base : base + INFO_SEPARATOR + info;
    }

    private static boolean isManaged(int codePoint) {
        return codePoint < Character.MIN_SUPPLEMENTARY_CODE_POINT && Flag.forLetter((char) codePoint) != null;
    }

    @Override
    public String toString() {
        return fileName();
    }
}
