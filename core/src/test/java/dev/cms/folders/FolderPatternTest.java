package dev.cms.folders;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class FolderPatternTest {
    private static boolean m(String pattern, String path) {
        return FolderPattern.compile(pattern).matches(path);
    }

    @Test
    void starMatchesEveryFolderAtEveryDepth() {
        assertTrue(m("*", "Inbox"));
        assertTrue(m("*", "Inbox/Lists/kernel"));
        assertTrue(m("*", "a.b c%"));
    }

    @Test
    void starCrossesSlashes() {
        assertTrue(m("Inbox/*", "Inbox/Lists"));
        assertTrue(m("Inbox/*", "Inbox/Lists/kernel"));
        assertFalse(m("Inbox/*", "Inbox"), "the folder itself has no / after it");
        assertTrue(m("Sync Issues*", "Sync Issues"));
        assertTrue(m("Sync Issues*", "Sync Issues/Conflicts"));
        assertTrue(m("*kernel", "Inbox/Lists/kernel"));
        assertFalse(m("*kernel", "Inbox/Lists/kernel-janitors"));
    }

    @Test
    void theWholePathMustMatch() {
        assertFalse(m("Inbox", "Inbox/Lists"));
        assertFalse(m("Lists", "Inbox/Lists"));
        assertTrue(m("Inbox", "Inbox"));
    }

    @Test
    void matchingIsCaseSensitive() {
        assertFalse(m("inbox", "Inbox"));
        assertTrue(m("[Ii]nbox", "inbox"));
    }

    @Test
    void questionMarkIsExactlyOneCharacterSlashIncluded() {
        assertTrue(m("?", "a"));
        assertFalse(m("?", ""));
        assertFalse(m("?", "ab"));
        assertTrue(m("a?b", "a/b"));
        assertTrue(m("Lists/??", "Lists/de"));
        assertFalse(m("Lists/??", "Lists/d"));
    }

    @Test
    void classesRangesAndNegation() {
        assertTrue(m("[abc]x", "bx"));
        assertFalse(m("[abc]x", "dx"));
        assertTrue(m("Q[1-4]", "Q3"));
        assertFalse(m("Q[1-4]", "Q5"));
        assertTrue(m("[!a]", "b"));
        assertFalse(m("[!a]", "a"));
        assertTrue(m("[^a]", "b"));
        assertFalse(m("[^a]", "a"));
        assertTrue(m("[]]", "]"), "a ] first in the class belongs to it");
        assertTrue(m("[!]]", "x"));
        assertFalse(m("[!]]", "]"));
        assertTrue(m("[a-]", "-"), "a - last is literal");
    }

    @Test
    void classesMakeTheMetaCharactersLiteral() {
        assertTrue(m("[*]", "*"));
        assertFalse(m("[*]", "x"));
        assertTrue(m("[?]", "?"));
        assertTrue(m("[[]Gmail]*", "[Gmail]/Sent Mail"));
        assertFalse(m("[[]Gmail]*", "Gmail"));
    }

    @Test
    void regexCharactersAreLiteral() {
        assertTrue(m("a.b", "a.b"));
        assertFalse(m("a.b", "axb"));
        assertTrue(m("(x)+$^{1}|\\", "(x)+$^{1}|\\"));
        assertTrue(m("[.&^\\]", "&"), "class members that mean something to a regex are literal");
        assertTrue(m("[.&^\\]", "\\"));
        assertFalse(m("[.&^\\]", "x"));
        assertTrue(m("100%", "100%"));
        assertTrue(m("Ünïcödé/*", "Ünïcödé/日本"));
        assertTrue(m("😀?", "😀x"));
    }

    @Test
    void badPatternsSayWhatIsWrong() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FolderPattern.compile("Inbox/[abc"));
        assertEquals("the [ at character 7 has no closing ] (write [[] for a literal [)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> FolderPattern.compile("["));
        assertThrows(IllegalArgumentException.class, () -> FolderPattern.compile("[]"));
        assertThrows(IllegalArgumentException.class, () -> FolderPattern.compile(""));
        IllegalArgumentException range = assertThrows(IllegalArgumentException.class,
                () -> FolderPattern.compile("[z-a]"));
        assertTrue(range.getMessage().startsWith("the class starting at character 1 is not valid"),
                range.getMessage());
    }

    @Test
    void filterIncludesWhatMatchesAndExcludeWins() {
        FolderFilter f = FolderFilter.of(List.of("*"), List.of("Junk Email", "Sync Issues*"));
        assertTrue(f.selects(List.of("Inbox")));
        assertTrue(f.selects(List.of("Inbox", "Lists", "kernel")));
        assertFalse(f.selects(List.of("Junk Email")));
        assertFalse(f.selects(List.of("Sync Issues")));
        assertFalse(f.selects(List.of("Sync Issues", "Conflicts")));
        assertTrue(f.selects(List.of("Junk Email Reports")), "a pattern matches the whole path");
    }

    @Test
    void excludingAFolderExcludesItsSubfolders() {
        FolderFilter f = FolderFilter.of(List.of("*"), List.of("Inbox/Lists"));
        assertTrue(f.selects(List.of("Inbox")));
        assertFalse(f.selects(List.of("Inbox", "Lists")));
        assertFalse(f.selects(List.of("Inbox", "Lists", "kernel")));
        assertFalse(f.selects(List.of("Inbox", "Lists", "kernel", "old")));
        assertTrue(f.selects(List.of("Inbox", "Listsx")));
        FolderFilter explicit = FolderFilter.of(List.of("Inbox/Lists/kernel"), List.of("Inbox"));
        assertFalse(explicit.selects(List.of("Inbox", "Lists", "kernel")), "exclude wins over an explicit include");
    }

    @Test
    void aFolderNeedsAnIncludeAndItsParentNeedNotBeSynced() {
        FolderFilter f = FolderFilter.of(List.of("Inbox/Lists/*"), List.of());
        assertFalse(f.selects(List.of("Inbox")));
        assertFalse(f.selects(List.of("Inbox", "Lists")));
        assertTrue(f.selects(List.of("Inbox", "Lists", "kernel")));
        assertFalse(FolderFilter.of(List.of(), List.of()).selects(List.of("Inbox")), "no include, no folder");
    }

    @Test
    void aNameWithASlashIsMatchedAsWrittenAndAncestorsByName() {
        // An Office365 folder "a/b" under Inbox: its path reads Inbox/a/b; its only ancestor is Inbox.
        FolderFilter f = FolderFilter.of(List.of("*"), List.of("Inbox/a"));
        assertTrue(f.selects(List.of("Inbox", "a/b")), "Inbox/a is no folder above it");
        assertFalse(FolderFilter.of(List.of("*"), List.of("Inbox/a/b")).selects(List.of("Inbox", "a/b", "c")));
    }
}
