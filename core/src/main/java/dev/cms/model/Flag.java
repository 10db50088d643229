package dev.cms.model;

import org.jspecify.annotations.Nullable;

/**
 * A message flag that cloud-mdir-sync manages. Each has its Maildir info letter; other
 * letters found in a file name are preserved but never interpreted.
 */
public enum Flag {
    /** Seen by the user; Maildir {@code S}, Gmail "no UNREAD label", Graph {@code isRead}. */
    READ('S'),
    /** Starred or flagged for follow-up; Maildir {@code F}. */
    FLAGGED('F'),
    /** Answered; Maildir {@code R}. */
    REPLIED('R'),
    /** Marked for deletion by the mail reader (mutt's maildir_trash); Maildir {@code T}. */
    TRASHED('T');

    private final char letter;

    Flag(char letter) {
        this.letter = letter;
    }

    public char letter() {
        return letter;
    }

    int bit() {
        return 1 << ordinal();
    }

    /** The flag for a Maildir info letter, or null when the letter is not one we manage. */
    public static @Nullable Flag forLetter(char c) {
        for (Flag f : values()) {
            if (f.letter == c) {
                return f;
            }
        }
        return null;
    }
}
