package dev.cms.config;

import org.jspecify.annotations.Nullable;

/** What deleting a message locally does in the cloud. */
public enum DeleteAction {
    /** Gmail: remove the mailbox's label; Office365: move to the Archive folder. */
    ARCHIVE("archive"),
    /** Gmail: add the TRASH label; Office365: move to Deleted Items. */
    TRASH("trash");

    private final String word;

    DeleteAction(String word) {
        this.word = word;
    }

    public String word() {
        return word;
    }

    /** The action for a word of cms.cfg, or null when it names none. */
    public static @Nullable DeleteAction forWord(String w) {
        for (DeleteAction a : values()) {
            if (a.word.equals(w)) {
                return a;
            }
        }
        return null;
    }
}
