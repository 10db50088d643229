package dev.cms.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.OperatingSystemMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** What the process has used: CPU time, peak heap, peak resident set. */
final class ProcessStats {
    private ProcessStats() {}

    /** CPU time of the whole process (all threads, JIT and GC included) in nanoseconds; -1 when unknown. */
    static long cpuNanos() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            long t = sun.getProcessCpuTime();
            if (t >= 0) {
                return t;
            }
        }
        return ProcessHandle.current().info().totalCpuDuration().map(Duration::toNanos).orElse(-1L);
    }

    /**
     * Every thread's CPU time so far, to the nanosecond ({@code /proc/self/task/<tid>/schedstat}:
     * time on a CPU; GC and JIT threads included), by thread id; empty where there is no such file.
     */
    static java.util.Map<String, Long> threadCpuNanos() {
        java.util.Map<String, Long> out = new java.util.HashMap<>();
        try (var tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path t : tasks) {
                try {
                    String s = Files.readString(t.resolve("schedstat"));
                    out.put(t.getFileName().toString(), Long.parseLong(s.substring(0, s.indexOf(' '))));
                } catch (IOException | RuntimeException e) {
                    // the thread ended between the listing and the read
                }
            }
        } catch (IOException | RuntimeException e) {
            return java.util.Map.of();
        }
        return out;
    }

    /**
     * The process's CPU time since {@code before} (a {@link #threadCpuNanos()} reading), in
     * nanoseconds: the sum of each live thread's growth, a thread started since counted whole.
     * A thread that ended meanwhile is missed (with its CPU of the interval only). Without
     * {@code /proc}, falls back to {@link #cpuNanos()}'s clock ticks (10 ms) since {@code fallback}.
     */
    static long cpuNanosSince(java.util.Map<String, Long> before, long fallback) {
        java.util.Map<String, Long> now = threadCpuNanos();
        if (now.isEmpty()) {
            return cpuNanos() - fallback;
        }
        long sum = 0;
        for (var e : now.entrySet()) {
            sum += e.getValue() - before.getOrDefault(e.getKey(), 0L);
        }
        return sum;
    }

    /** A reading to measure process CPU from, to the nanosecond: see {@link #cpuNanosSince}. */
    record CpuMark(java.util.Map<String, Long> threads, long ticks) {
        static CpuMark now() {
            return new CpuMark(threadCpuNanos(), cpuNanos());
        }

        long elapsedNanos() {
            return cpuNanosSince(threads, ticks);
        }
    }

    static void resetHeapPeaks() {
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.isValid()) {
                pool.resetPeakUsage();
            }
        }
    }

    /** The sum of the heap pools' peak usage since {@link #resetHeapPeaks}: an upper bound of the peak heap. */
    static long heapPeakBytes() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.isValid() && pool.getPeakUsage() != null) {
                sum += pool.getPeakUsage().getUsed();
            }
        }
        return sum;
    }

    /** The peak of the old generation pool(s) since {@link #resetHeapPeaks}: what survived collections. */
    static long oldGenPeakBytes() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.isValid() && pool.getName().contains("Old")
                    && pool.getPeakUsage() != null) {
                sum += pool.getPeakUsage().getUsed();
            }
        }
        return sum;
    }

    /** Heap in use right after a requested full collection: roughly the live data. */
    static long usedAfterGc() {
        System.gc();
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.isValid()) {
                sum += pool.getUsage().getUsed();
            }
        }
        return sum;
    }

    /**
     * Tracks the largest heap in use right after any garbage collection while open: the peak of
     * what survived, which unlike a pool's peak does not count garbage not yet collected.
     */
    static final class LiveHeapTracker implements AutoCloseable {
        private final java.util.concurrent.atomic.AtomicLong max = new java.util.concurrent.atomic.AtomicLong();
        private final java.util.Set<String> heapPools = new java.util.HashSet<>();
        private final java.util.List<javax.management.NotificationEmitter> emitters = new java.util.ArrayList<>();
        private final javax.management.NotificationListener listener = (n, handback) -> {
            if (!com.sun.management.GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
                return;
            }
            var info = com.sun.management.GarbageCollectionNotificationInfo.from(
                    (javax.management.openmbean.CompositeData) n.getUserData());
            long used = 0;
            for (var e : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
                if (heapPools.contains(e.getKey())) {
                    used += e.getValue().getUsed();
                }
            }
            max.accumulateAndGet(used, Math::max);
        };

        LiveHeapTracker() {
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                if (pool.getType() == MemoryType.HEAP) {
                    heapPools.add(pool.getName());
                }
            }
            for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                if (gc instanceof javax.management.NotificationEmitter emitter) {
                    emitter.addNotificationListener(listener, null, null);
                    emitters.add(emitter);
                }
            }
        }

        /** The largest heap in use after a collection so far; 0 when none ran. */
        long maxBytes() {
            return max.get();
        }

        @Override
        public void close() {
            for (var emitter : emitters) {
                try {
                    emitter.removeNotificationListener(listener);
                } catch (javax.management.ListenerNotFoundException e) {
                    // already gone
                }
            }
        }
    }

    static long maxHeapBytes() {
        return Runtime.getRuntime().maxMemory();
    }

    /** The peak resident set size ({@code VmHWM}) in bytes; -1 where /proc is not available. */
    static long peakRssBytes() {
        long kib = procStatusKiB("VmHWM:");
        return kib < 0 ? -1 : kib * 1024;
    }

    /** Bytes this process read through read(2)-like calls ({@code rchar} of /proc/self/io); -1 when unknown. */
    static long bytesRead() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/io"))) {
                if (line.startsWith("rchar:")) {
                    return Long.parseLong(line.substring(6).trim());
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    private static long procStatusKiB(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key)) {
                    String v = line.substring(key.length()).trim();
                    return Long.parseLong(v.substring(0, v.indexOf(' ')));
                }
            }
        } catch (IOException | NumberFormatException | StringIndexOutOfBoundsException e) {
            return -1;
        }
        return -1;
    }
}
