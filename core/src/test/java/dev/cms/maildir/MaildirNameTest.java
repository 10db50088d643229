package dev.cms.maildir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.cms.model.Flag;
import dev.cms.model.Flags;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MaildirNameTest {
    @ParameterizedTest
    @ValueSource(strings = {
        "1700000000.M123P45Q6.host:2,FS",
        "1700000000.M123P45Q6.host",
        "x:2,",
        "x:2,DFPaS",
        "a:b:c:2,S",
        "a:2,S:2,F",
        "with space:2,R",
        "ünïcødé 📧:2,S",
        "back\\slash\\072:2,",
        "::::",
        "",
        ":2,",
    })
    void parseThenFormatGivesTheSameName(String name) {
        assertEquals(name, MaildirName.parse(name).fileName());
    }

    @Test
    void keepsUnmanagedLettersInTheirOrder() {
        MaildirName n = MaildirName.parse("x:2,DFPaS");
        assertEquals("x", n.base());
        assertEquals("DFPaS", n.info());
        assertEquals(Flags.of(Flag.FLAGGED, Flag.READ), n.flags());
        assertEquals("DPa", n.unmanagedLetters());
    }

    @Test
    void unmanagedLettersAreDeduplicated() {
        assertEquals("aDb", MaildirName.parse("x:2,aDSaDbS").unmanagedLetters());
    }

    @Test
    void withFlagsSortsUnmanagedAndManagedLettersInAsciiOrder() {
        MaildirName n = MaildirName.parse("x:2,DFPaS").withFlags(Flags.of(Flag.REPLIED, Flag.READ));
        assertEquals("DPRSa", n.info());
        assertEquals("x:2,DPRSa", n.fileName());
        // ASCII order puts lower-case keywords after the upper-case flags.
        assertEquals("FSa", MaildirName.parse("y:2,a").withFlags(Flags.of(Flag.READ, Flag.FLAGGED)).info());
        assertEquals("DFRS", MaildirName.parse("y:2,D")
                .withFlags(Flags.of(Flag.READ, Flag.FLAGGED, Flag.REPLIED)).info());
    }

    @Test
    void withNoFlagsKeepsAnEmptyInfo() {
        MaildirName n = MaildirName.parse("x:2,ST").withFlags(Flags.NONE);
        assertEquals("", n.info());
        assertEquals("x:2,", n.fileName());
    }

    @Test
    void nameWithoutInfoHasNoFlags() {
        MaildirName n = MaildirName.parse("1700000000.M1P2Q3.host");
        assertEquals("1700000000.M1P2Q3.host", n.base());
        assertNull(n.info());
        assertEquals(Flags.NONE, n.flags());
        assertEquals("", n.unmanagedLetters());
        assertEquals("1700000000.M1P2Q3.host:2,S", n.withFlags(Flags.of(Flag.READ)).fileName());
    }

    @Test
    void emptyInfoIsKeptApartFromNoInfo() {
        MaildirName n = MaildirName.parse("x:2,");
        assertEquals("x", n.base());
        assertEquals("", n.info());
        assertEquals(Flags.NONE, n.flags());
    }

    @Test
    void splitsAtTheLastInfoSeparator() {
        MaildirName n = MaildirName.parse("a:2,S:2,F");
        assertEquals("a:2,S", n.base());
        assertEquals("F", n.info());
        assertEquals(Flags.of(Flag.FLAGGED), n.flags());
    }

    @Test
    void severalColonsWithoutInfoAreAllBase() {
        MaildirName n = MaildirName.parse("a:b:1,S");
        assertEquals("a:b:1,S", n.base());
        assertNull(n.info());
        assertEquals(Flags.NONE, n.flags());
    }

    @Test
    void oddCharactersSurvive() {
        MaildirName n = MaildirName.parse("my mail ü\\x:2,S😀a😀");
        assertEquals("my mail ü\\x", n.base());
        assertEquals(Flags.of(Flag.READ), n.flags());
        assertEquals("😀a", n.unmanagedLetters());
        assertEquals("FSa😀", n.withFlags(Flags.of(Flag.READ, Flag.FLAGGED)).info());
    }

    @Test
    void escapesSlashAndColonInHostNames() {
        assertEquals("a\\057b\\072c", UniqueNames.escapeHost("a/b:c"));
    }
}
