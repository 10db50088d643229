package dev.cms.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cms.maildir.MaildirFile;
import dev.cms.maildir.MaildirName;
import dev.cms.model.FileStat;
import dev.cms.model.Flag;
import dev.cms.model.Flags;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CopyFlagsTest {
    private static final Set<Flag> GMAIL = EnumSet.of(Flag.READ, Flag.FLAGGED);

    private static Flags random(Random r) {
        Flags f = Flags.NONE;
        for (Flag x : List.of(Flag.READ, Flag.FLAGGED, Flag.REPLIED)) {
            if (r.nextBoolean()) {
                f = f.with(x);
            }
        }
        return f;
    }

    private static MaildirFile file(String letters) {
        return new MaildirFile(Path.of("cur", "x:2," + letters), MaildirName.parse("x:2," + letters), false,
                new FileStat(1, 1, 1, 1));
    }

    /** Property: a file nobody changed changes no copy, whatever the copies hold. */
    @Test
    void noLocalChangeLeavesEveryCopyAsItIs() {
        Random r = new Random(3);
        for (int i = 0; i < 2000; i++) {
            Flags copy = random(r);
            Flags shown = random(r);
            assertEquals(copy, CopyFlags.localChanges(copy, shown, shown));
            assertEquals(shown, CopyFlags.local(List.of(file(shown.letters())), shown));
        }
    }

    /** Property: a changed flag reaches every copy; the untouched ones stay per copy. */
    @Test
    void aChangedFlagReachesEveryCopyAndOnlyIt() {
        Random r = new Random(4);
        for (int i = 0; i < 2000; i++) {
            Flags copy = random(r);
            Flags shown = random(r);
            Flag touched = List.of(Flag.READ, Flag.FLAGGED, Flag.REPLIED).get(r.nextInt(3));
            Flags local = shown.with(touched, !shown.has(touched));
            Flags out = CopyFlags.localChanges(copy, shown, local);
            assertEquals(local.has(touched), out.has(touched));
            assertEquals(copy.without(touched), out.without(touched));
        }
    }

    @Test
    void aFileShowsAFlagWhenAnyCopyThatCanStoreItHasIt() {
        Flags shown = CopyFlags.combine(Flags.NONE, Flags.of(Flag.READ), GMAIL);
        shown = CopyFlags.combine(shown, Flags.of(Flag.FLAGGED, Flag.REPLIED), GMAIL);
        assertEquals(Flags.of(Flag.READ, Flag.FLAGGED), shown, "R is not Gmail's to show");
    }

    @Test
    void aChangeOnAnyLocalFileCountsAndATOnAnyFileToo() {
        Flags shown = Flags.of(Flag.READ);
        assertEquals(Flags.of(Flag.READ, Flag.FLAGGED), CopyFlags.local(List.of(file("S"), file("FS")), shown));
        assertEquals(Flags.NONE, CopyFlags.local(List.of(file(""), file("S")), shown));
        assertEquals(Flags.of(Flag.READ, Flag.TRASHED), CopyFlags.local(List.of(file("S"), file("ST")), shown));
    }
}
