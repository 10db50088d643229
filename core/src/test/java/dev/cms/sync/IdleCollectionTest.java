package dev.cms.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The heap's free ratios: loose while a start loads its state, tight from the daemon's first
 * idle on, so that its full collections give memory back (issue 15, item 5).
 */
class IdleCollectionTest {
    private final AtomicInteger collections = new AtomicInteger();
    private final AtomicInteger tightenings = new AtomicInteger();
    private final IdleCollection idle = new IdleCollection();

    IdleCollectionTest() {
        idle.configure(collections::incrementAndGet, 100);
        idle.tightenWith(tightenings::incrementAndGet);
    }

    @Test
    void theRatiosAreTightenedAfterTheFirstCycleOnceAndBeforeTheCollection() {
        idle.tightenWith(() -> {
            assertEquals(0, collections.get(), "tightened before the collection, which then gives memory back");
            tightenings.incrementAndGet();
        });
        idle.afterCycle(new CycleReport(), true, false, () -> 1_000);
        assertEquals(1, tightenings.get(), "after the first cycle, though a rerun follows");
        assertEquals(0, collections.get(), "not idle yet");
        idle.afterCycle(new CycleReport(), false, true, () -> 1_000);
        assertEquals(1, collections.get());
        CycleReport large = new CycleReport();
        large.fetched = 500;
        idle.afterCycle(large, false, true, () -> 1_000);
        assertEquals(1, tightenings.get(), "once");
        assertEquals(2, collections.get());
    }

    /** A daemon that never goes idle (a mailbox that keeps failing backs off for less than the poll interval). */
    @Test
    void aDaemonThatIsNeverIdleIsTightenedAllTheSame() {
        for (int i = 0; i < 3; i++) {
            idle.afterCycle(new CycleReport(), i == 0, false, () -> 1_000);
        }
        assertEquals(1, tightenings.get());
        assertEquals(0, collections.get());
    }

    @Test
    void aSmallMailboxIsTightenedToo() {
        idle.afterCycle(new CycleReport(), true, true, () -> 5);
        assertEquals(1, tightenings.get());
        assertEquals(0, collections.get(), "no collection below the size");
    }

    @Test
    void theLaunchersRatiosBecomeTheIdleOnesAndAUsersAreKept() {
        HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        HeapRatios.Ratios before = HeapRatios.now(vm);
        try {
            HeapRatios.set(vm, HeapRatios.START);
            new IdleCollection().afterCycle(new CycleReport(), true, false, () -> 5); // as the daemon has it
            assertEquals(HeapRatios.IDLE, HeapRatios.now(vm));

            HeapRatios.Ratios users = new HeapRatios.Ratios(30, 50);
            HeapRatios.set(vm, users);
            assertFalse(HeapRatios.tighten());
            assertEquals(users, HeapRatios.now(vm));
            HeapRatios.set(vm, HeapRatios.START);
            assertTrue(HeapRatios.tighten());
        } finally {
            HeapRatios.set(vm, before);
        }
    }

    /** {@link HeapRatios#START} is what the launcher's options file sets, or the daemon would never tighten. */
    @Test
    void theStartRatiosAreThoseOfTheLaunchersOptionsFile() throws Exception {
        List<String> options = Files.readAllLines(Path.of("cloud-mdir-sync.jvm-options")).stream()
                .map(l -> l.replaceAll("#.*", "").strip()).filter(l -> l.contains("HeapFreeRatio")).toList();
        assertEquals(List.of("-XX:MinHeapFreeRatio=" + HeapRatios.START.min(),
                "-XX:MaxHeapFreeRatio=" + HeapRatios.START.max()), options);
    }
}
