package dev.cms.sync;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The wipe guard on its own (README "Safety rules"): an emptied Maildir that held two
 * messages or more is refused unless confirmed, the confirmation is used once, and a
 * confirmation left in a Maildir that still has files never confirms a later wipe.
 */
class WipeGuardTest {
    @TempDir
    Path root;

    private Path confirm() {
        return root.resolve(WipeGuard.CONFIRM_EMPTY);
    }

    @Test
    void anEmptyMaildirThatHeldTwoIsRefusedWithTheWayOut() {
        IOException e = assertThrows(IOException.class, () -> WipeGuard.check(root, "work", 0, true, () -> 2, () -> false));
        assertTrue(e.getMessage().contains("held 2 messages"), e.getMessage());
        assertTrue(e.getMessage().contains("touch " + confirm()), e.getMessage());
    }

    @Test
    void theLastMessageDeletedOnItsOwnIsAnOrdinaryDeletion() {
        assertDoesNotThrow(() -> WipeGuard.check(root, "work", 0, true, () -> 1, () -> false));
        assertDoesNotThrow(() -> WipeGuard.check(root, "work", 0, true, () -> 0, () -> false));
    }

    @Test
    void aConfirmationAllowsOneWipeAndIsUsedUp() throws IOException {
        Files.createFile(confirm());
        WipeGuard.check(root, "work", 0, true, () -> 30, () -> false);
        assertFalse(Files.exists(confirm()), "used up");
        assertThrows(IOException.class, () -> WipeGuard.check(root, "work", 0, true, () -> 30, () -> false));
    }

    @Test
    void aConfirmationInAMaildirWithFilesIsRemovedUnused() throws IOException {
        Files.createFile(confirm());
        WipeGuard.check(root, "work", 3, true, () -> 30, () -> false);
        assertFalse(Files.exists(confirm()), "never left to confirm a later wipe");
        assertThrows(IOException.class, () -> WipeGuard.check(root, "work", 0, true, () -> 30, () -> false));
    }

    @Test
    void withoutTheGuardNothingIsCountedOrRefused() throws IOException {
        AtomicInteger asked = new AtomicInteger();
        Files.createFile(confirm());
        WipeGuard.check(root, "work", 0, false, () -> {
            asked.incrementAndGet();
            return 30;
        }, () -> false);
        assertEquals(0, asked.get(), "the snapshot is not counted when the guard is off");
        assertTrue(Files.exists(confirm()), "an unguarded look does not use up the confirmation");

        WipeGuard.check(root, "work", 0, true, () -> 1, () -> false);
        assertTrue(Files.exists(confirm()), "nor does an empty Maildir that held one message");
    }

    /** Emptied by moving every message into other Maildirs (issue 16): not a wipe, and no confirmation is used up. */
    @Test
    void aMaildirWhoseMessagesWereAllMovedAwayIsNotRefused() throws IOException {
        assertDoesNotThrow(() -> WipeGuard.check(root, "work", 0, true, () -> 30, () -> true));
        Files.createFile(confirm());
        WipeGuard.check(root, "work", 0, true, () -> 30, () -> true);
        assertTrue(Files.exists(confirm()), "kept for a Maildir emptied otherwise");
    }
}
