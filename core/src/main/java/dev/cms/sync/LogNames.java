package dev.cms.sync;

import dev.cms.model.Flags;
import java.io.IOException;
import java.io.UnsupportedEncodingException;
import java.nio.file.Path;

/** How log lines name messages and flags, so a user can match a line to what they did. */
final class LogNames {
    static final int SUBJECT_CHARS = 60;

    private LogNames() {}

    /** Flag letters, or "none" (never an empty word between two spaces). */
    static String letters(Flags f) {
        return f.letters().isEmpty() ? "none" : f.letters();
    }

    /**
     * The subject of the message stored at {@code body}, decoded, quoted and cut to
     * {@value #SUBJECT_CHARS} characters, control characters replaced so that a subject cannot
     * forge a log line; the cloud id {@code id} when there is none or it cannot be read.
     */
    static String subject(Path body, String id) {
        try {
            String subject = HeaderReader.read(body, "Subject");
            if (subject == null) {
                return "(no subject, cloud id " + id + ")";
            }
            try {
                subject = jakarta.mail.internet.MimeUtility.decodeText(subject);
            } catch (UnsupportedEncodingException e) {
                // an unknown charset: keep the encoded form
            }
            StringBuilder sb = new StringBuilder("\"");
            subject.codePoints().limit(SUBJECT_CHARS)
                    .forEach(cp -> sb.appendCodePoint(Character.isISOControl(cp) ? '?' : cp));
            boolean cut = subject.codePointCount(0, subject.length()) > SUBJECT_CHARS;
            return sb.append(cut ? "...\"" : "\"").toString();
        } catch (IOException e) {
            return "(cloud id " + id + ")";
        }
    }
}
