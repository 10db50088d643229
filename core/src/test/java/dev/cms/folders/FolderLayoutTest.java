package dev.cms.folders;

import static dev.cms.folders.FolderLayout.MAILDIR_PLUS_PLUS;
import static dev.cms.folders.FolderLayout.VERBATIM;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class FolderLayoutTest {
    @Test
    void wordsOfTheConfiguration() {
        assertEquals(VERBATIM, FolderLayout.forWord("verbatim"));
        assertEquals(MAILDIR_PLUS_PLUS, FolderLayout.forWord("maildir++"));
        assertNull(FolderLayout.forWord("Maildir++"));
        assertNull(FolderLayout.forWord("maildirpp"));
    }

    @Test
    void verbatimNestsDirectories() {
        assertEquals("Inbox", VERBATIM.relativeDir(List.of("Inbox"), true));
        assertEquals("Inbox/Lists/kernel", VERBATIM.relativeDir(List.of("Inbox", "Lists", "kernel"), false));
        assertEquals("Sent Items", VERBATIM.relativeDir(List.of("Sent Items"), false));
        assertEquals("a.b/c.d.", VERBATIM.relativeDir(List.of("a.b", "c.d."), false), "inner dots stay");
    }

    @Test
    void verbatimEscapes() {
        assertEquals("a%2Fb", VERBATIM.relativeDir(List.of("a/b"), false));
        assertEquals("100%25/x", VERBATIM.relativeDir(List.of("100%", "x"), false));
        assertEquals("%2Ehidden", VERBATIM.relativeDir(List.of(".hidden"), false));
        assertEquals("Inbox/%2E", VERBATIM.relativeDir(List.of("Inbox", "."), false));
        assertEquals("%2E.", VERBATIM.relativeDir(List.of(".."), false));
        assertEquals("%252F", VERBATIM.relativeDir(List.of("%2F"), false), "an escape in a name is not taken for one");
        assertEquals("tab%09x%0A%7F", VERBATIM.relativeDir(List.of("tab\tx\n\u007f"), false));
    }

    @Test
    void maildirPlusPlusPutsTheInboxAtTheRoot() {
        assertEquals("", MAILDIR_PLUS_PLUS.relativeDir(List.of("Inbox"), true));
        assertEquals("", MAILDIR_PLUS_PLUS.relativeDir(List.of("INBOX"), true));
        assertEquals(".Inbox.Lists.kernel", MAILDIR_PLUS_PLUS.relativeDir(List.of("Inbox", "Lists", "kernel"), false));
        assertEquals(".Inbox", MAILDIR_PLUS_PLUS.relativeDir(List.of("Inbox"), false), "a folder only named Inbox");
        assertEquals(".Sent Items", MAILDIR_PLUS_PLUS.relativeDir(List.of("Sent Items"), false));
    }

    @Test
    void maildirPlusPlusEscapesEveryDot() {
        assertEquals(".a%2Eb.c%2Ed%2E", MAILDIR_PLUS_PLUS.relativeDir(List.of("a.b", "c.d."), false));
        assertEquals(".%2Ehidden", MAILDIR_PLUS_PLUS.relativeDir(List.of(".hidden"), false));
        assertEquals(".a%2Fb.100%25", MAILDIR_PLUS_PLUS.relativeDir(List.of("a/b", "100%"), false));
    }

    @Test
    void emptyNamesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> VERBATIM.relativeDir(List.of(), false));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MAILDIR_PLUS_PLUS.relativeDir(List.of("Lists", ""), false));
        assertEquals("the folder Lists/ has an empty name", e.getMessage());
    }

    /** A Maildir made locally names its folder by the layout read backwards; only names the layout writes count. */
    @Test
    void namesOfReadsAMaildirsPlaceBack() {
        assertEquals(List.of("Inbox", "a/b", ".hidden", "100%"), VERBATIM.namesOf("Inbox/a%2Fb/%2Ehidden/100%25"));
        assertEquals(List.of("Inbox", "v1.2"), MAILDIR_PLUS_PLUS.namesOf(".Inbox.v1%2E2"));
        assertEquals(List.of("Sent Items"), MAILDIR_PLUS_PLUS.namesOf(".Sent Items"));
        assertNull(VERBATIM.namesOf(".hidden"), "verbatim writes a leading dot as %2E");
        assertNull(VERBATIM.namesOf("a%zz"), "not an escape");
        assertNull(VERBATIM.namesOf("a%2"), "cut short");
        assertNull(VERBATIM.namesOf("a%41"), "A is written as itself");
        assertNull(MAILDIR_PLUS_PLUS.namesOf("Inbox"), "Maildir++ folders start with a dot");
        assertNull(MAILDIR_PLUS_PLUS.namesOf(".a..b"), "no empty name");
        assertNull(MAILDIR_PLUS_PLUS.namesOf(""));
    }
}
