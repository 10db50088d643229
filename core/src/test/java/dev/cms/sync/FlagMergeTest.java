package dev.cms.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cms.model.Flag;
import dev.cms.model.Flags;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The per-flag three-way merge (DESIGN §5): the cloud's value if it changed since the base, else the local one. */
class FlagMergeTest {
    private static final Set<Flag> GMAIL = EnumSet.of(Flag.READ, Flag.FLAGGED);

    private static Flags f(String letters) {
        return Flags.fromLetters(letters);
    }

    @Test
    void eachFlagTakesTheCloudsValueOnlyWhereTheCloudChangedIt() {
        // S: only the local side changed it (on); F: only the cloud changed it (on)
        assertEquals(f("FS"), FlagMerge.merge(f(""), f("S"), f("F"), GMAIL));
        // S: the cloud cleared it, the file kept it: the cloud wins
        assertEquals(f(""), FlagMerge.merge(f("S"), f("S"), f(""), GMAIL));
        // S: local cleared, cloud kept: local wins
        assertEquals(f(""), FlagMerge.merge(f("S"), f(""), f("S"), GMAIL));
        // nothing changed anywhere
        assertEquals(f("F"), FlagMerge.merge(f("F"), f("F"), f("F"), GMAIL));
    }

    @Test
    void aFlagTheCloudCannotStoreIsLeftAsTheCloudReportsIt() {
        // R is not Gmail's: the local R is not merged in
        assertEquals(f("S"), FlagMerge.merge(f("S"), f("RS"), f("S"), GMAIL));
        // with no flag supported the cloud's flags come back unchanged
        assertEquals(f("F"), FlagMerge.merge(f(""), f("S"), f("F"), Set.of()));
    }
}
