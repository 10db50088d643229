package dev.cms.sync;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The heap's free ratios, which the JVM lets a running program change. The launcher starts
 * the daemon with loose ones ({@link #START}), so a start that loads a large state grows the
 * heap in a few large steps; with the tight ones from the start, a 1,000,000-message restart
 * spent 8.6 s in 30 full collections, each growing the heap by a tenth (bench/README, "The
 * launcher's heap ratios at a start"). After the daemon's first cycle they become
 * {@link #IDLE}, so its full collection when it goes idle gives the excess back and the heap
 * stays near what is live from then on.
 */
final class HeapRatios {
    private static final Logger log = LoggerFactory.getLogger(HeapRatios.class);

    /** MinHeapFreeRatio and MaxHeapFreeRatio, in percent. */
    record Ratios(int min, int max) { }

    /** As the launcher's options file sets them. */
    static final Ratios START = new Ratios(70, 90);
    /** After the first cycle: a full collection leaves at most a fifth of the heap free. */
    static final Ratios IDLE = new Ratios(10, 20);

    private HeapRatios() {}

    /**
     * Sets {@link #IDLE} when the ratios are still the launcher's {@link #START} (a user who chose
     * others in {@code JAVA_OPTS} keeps them); true when it did.
     */
    static boolean tighten() {
        try {
            HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            if (vm == null || !now(vm).equals(START)) {
                return false;
            }
            set(vm, IDLE);
            return true;
        } catch (RuntimeException | LinkageError e) { // another JVM, a runtime without jdk.management, or
            // the flags not writeable: the heap keeps its ratios
            log.debug("cannot set the heap's free ratios: {}", e.toString());
            return false;
        }
    }

    /** The ratios now. */
    static Ratios now(HotSpotDiagnosticMXBean vm) {
        return new Ratios(Integer.parseInt(vm.getVMOption("MinHeapFreeRatio").getValue()),
                Integer.parseInt(vm.getVMOption("MaxHeapFreeRatio").getValue()));
    }

    /** Sets both, in the order that keeps min at most max at every step. */
    static void set(HotSpotDiagnosticMXBean vm, Ratios r) {
        if (r.min() > now(vm).max()) {
            vm.setVMOption("MaxHeapFreeRatio", Integer.toString(r.max()));
            vm.setVMOption("MinHeapFreeRatio", Integer.toString(r.min()));
        } else {
            vm.setVMOption("MinHeapFreeRatio", Integer.toString(r.min()));
            vm.setVMOption("MaxHeapFreeRatio", Integer.toString(r.max()));
        }
    }
}
