package dev.cms.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The figures of one benchmark run, printed as a table next to their targets, or as JSON. */
final class Results {
    static final String HEADING_INITIAL = "initial sync";
    static final String HEADING_RESTART = "restart to idle";
    static final String HEADING_FLAG = "flag change -> provider";
    static final String HEADING_HEAP = "peak heap";

    static final double TARGET_MESSAGES_PER_SECOND = 2000;
    static final double TARGET_RESTART_SECONDS = 3;
    static final double TARGET_FLAG_SECONDS = 1;
    static final long TARGET_HEAP_BYTES = 512L << 20;

    private static final double MIB = 1 << 20;

    // Run description.
    int messages;
    int size;
    long seed;
    int fetchThreads = 1;
    String machine = "";

    // 1. initial sync
    double initialSeconds;
    double initialCpuSeconds;
    long initialBytes;
    int initialDelivered;
    boolean initialOk;

    // 2. restart to idle
    double restartOpenSeconds;
    double restartCycleSeconds;
    long restartRehashed;
    long restartBytesRead;
    boolean restartIdle;

    // 3. flag change latency, milliseconds
    final List<Double> flagMillis = new ArrayList<>();

    // 4. memory
    long heapPeakBytes;
    long heapMaxBytes;
    long oldGenPeakBytes;
    long liveHeapPeakBytes;
    /** Heap in use after a full GC with the restarted engine loaded: the daemon's steady footprint. */
    long liveAfterRestartBytes;
    long rssPeakBytes;

    double messagesPerSecond() {
        return initialSeconds > 0 ? initialDelivered / initialSeconds : 0;
    }

    double mibPerSecond() {
        return initialSeconds > 0 ? initialBytes / MIB / initialSeconds : 0;
    }

    double restartSeconds() {
        return restartOpenSeconds + restartCycleSeconds;
    }

    double flagMedianMillis() {
        if (flagMillis.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = new ArrayList<>(flagMillis);
        sorted.sort(null);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    double flagMaxMillis() {
        return flagMillis.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }

    void print(PrintStream out) {
        out.printf(Locale.ROOT, "cloud-mdir-sync core benchmark: %,d messages of ~%,d bytes, seed %d, %d fetch thread%s%n",
                messages, size, seed, fetchThreads, fetchThreads == 1 ? "" : "s");
        out.println(machine);
        out.println();
        String fmt = "%-34s %-22s %-18s %s%n";
        out.printf(Locale.ROOT, fmt, "figure", "value", "target", "");
        out.printf(Locale.ROOT, fmt, "-".repeat(34), "-".repeat(22), "-".repeat(18), "------");
        row(out, fmt, HEADING_INITIAL, String.format(Locale.ROOT, "%,.0f msg/s", messagesPerSecond()),
                String.format(Locale.ROOT, ">= %,.0f msg/s", TARGET_MESSAGES_PER_SECOND),
                initialOk && messagesPerSecond() >= TARGET_MESSAGES_PER_SECOND);
        detail(out, fmt, "  wall time", seconds(initialSeconds));
        detail(out, fmt, "  throughput (raw CRLF bytes)", String.format(Locale.ROOT, "%.1f MiB/s", mibPerSecond()));
        detail(out, fmt, "  process CPU time", seconds(initialCpuSeconds));
        detail(out, fmt, "  delivered / cycle ok", initialDelivered + " / " + initialOk);
        row(out, fmt, HEADING_RESTART, seconds(restartSeconds()),
                String.format(Locale.ROOT, "<= %.0f s", TARGET_RESTART_SECONDS),
                restartIdle && restartSeconds() <= TARGET_RESTART_SECONDS);
        detail(out, fmt, "  open store, db, engine", seconds(restartOpenSeconds));
        detail(out, fmt, "  first cycle", seconds(restartCycleSeconds));
        detail(out, fmt, "  files re-hashed", Long.toString(restartRehashed));
        detail(out, fmt, "  bytes read (rchar)", restartBytesRead < 0 ? "n/a"
                : String.format(Locale.ROOT, "%.1f MiB", restartBytesRead / MIB));
        detail(out, fmt, "  cycle was idle", Boolean.toString(restartIdle));
        row(out, fmt, HEADING_FLAG + " (median)", millis(flagMedianMillis()),
                String.format(Locale.ROOT, "<= %.0f s", TARGET_FLAG_SECONDS),
                flagMaxMillis() <= TARGET_FLAG_SECONDS * 1000);
        detail(out, fmt, "  max of " + flagMillis.size(), millis(flagMaxMillis()));
        detail(out, fmt, "  each", flagList());
        // The run itself is capped at -Xmx512m; the live peak is what the heap must hold.
        row(out, fmt, HEADING_HEAP + " (live, after a GC)", mib(liveHeapPeakBytes),
                String.format(Locale.ROOT, "<= %d MiB", TARGET_HEAP_BYTES >> 20), liveHeapPeakBytes <= TARGET_HEAP_BYTES);
        detail(out, fmt, "  old generation peak", mib(oldGenPeakBytes));
        detail(out, fmt, "  sum of pool peaks", mib(heapPeakBytes));
        detail(out, fmt, "  live after restart (after GC)", mib(liveAfterRestartBytes));
        detail(out, fmt, "  max heap (-Xmx)", mib(heapMaxBytes));
        detail(out, fmt, "  peak RSS (VmHWM)", rssPeakBytes < 0 ? "n/a" : mib(rssPeakBytes));
    }

    private static void row(PrintStream out, String fmt, String label, String value, String target, boolean met) {
        out.printf(Locale.ROOT, fmt, label, value, target, met ? "met" : "MISSED");
    }

    private static void detail(PrintStream out, String fmt, String label, String value) {
        out.printf(Locale.ROOT, fmt, label, value, "", "");
    }

    private static String seconds(double s) {
        return String.format(Locale.ROOT, "%.2f s", s);
    }

    private static String millis(double ms) {
        return Double.isNaN(ms) ? "n/a" : String.format(Locale.ROOT, "%.0f ms", ms);
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.0f MiB", bytes / MIB);
    }

    private String flagList() {
        StringBuilder sb = new StringBuilder();
        for (double d : flagMillis) {
            sb.append(sb.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.0f", d));
        }
        return sb.append(" ms").toString();
    }

    String toJson() {
        StringBuilder sb = new StringBuilder("{\n");
        field(sb, "messages", messages);
        field(sb, "size", size);
        field(sb, "seed", seed);
        field(sb, "fetch_threads", fetchThreads);
        sb.append("  \"machine\": \"").append(machine.replace("\\", "\\\\").replace("\"", "\\\"")).append("\",\n");
        field(sb, "initial_sync_seconds", initialSeconds);
        field(sb, "initial_sync_messages_per_second", messagesPerSecond());
        field(sb, "initial_sync_mib_per_second", mibPerSecond());
        field(sb, "initial_sync_cpu_seconds", initialCpuSeconds);
        field(sb, "initial_sync_delivered", initialDelivered);
        sb.append("  \"initial_sync_ok\": ").append(initialOk).append(",\n");
        field(sb, "restart_seconds", restartSeconds());
        field(sb, "restart_open_seconds", restartOpenSeconds);
        field(sb, "restart_cycle_seconds", restartCycleSeconds);
        field(sb, "restart_files_rehashed", restartRehashed);
        field(sb, "restart_bytes_read", restartBytesRead);
        sb.append("  \"restart_idle\": ").append(restartIdle).append(",\n");
        sb.append("  \"flag_change_millis\": [");
        for (int i = 0; i < flagMillis.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(number(flagMillis.get(i)));
        }
        sb.append("],\n");
        field(sb, "flag_change_median_millis", flagMedianMillis());
        field(sb, "flag_change_max_millis", flagMaxMillis());
        field(sb, "heap_peak_bytes", heapPeakBytes);
        field(sb, "heap_old_gen_peak_bytes", oldGenPeakBytes);
        field(sb, "heap_peak_after_gc_bytes", liveHeapPeakBytes);
        field(sb, "heap_live_after_restart_bytes", liveAfterRestartBytes);
        field(sb, "heap_max_bytes", heapMaxBytes);
        sb.append("  \"rss_peak_bytes\": ").append(rssPeakBytes).append("\n}\n");
        return sb.toString();
    }

    private static void field(StringBuilder sb, String name, long v) {
        sb.append("  \"").append(name).append("\": ").append(v).append(",\n");
    }

    private static void field(StringBuilder sb, String name, double v) {
        sb.append("  \"").append(name).append("\": ").append(number(v)).append(",\n");
    }

    private static String number(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? "null" : String.format(Locale.ROOT, "%.3f", v);
    }
}
