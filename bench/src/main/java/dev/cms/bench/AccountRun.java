package dev.cms.bench;

import dev.cms.cli.BenchDaemon;
import dev.cms.fakecloud.RequestLog;
import dev.cms.sync.CycleReport;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One cloud of {@link AccountBenchmark}: the daemon started on a {@code cms.cfg}, its first cycle
 * (the initial sync) and then a poll a minute for the idle period, with the requests the fake
 * received and the CPU used.
 */
final class AccountRun {
    /** Opens the daemon for a configuration file on the benchmark's clock. */
    @FunctionalInterface
    interface Opener {
        BenchDaemon open(Path cfg, TimerTicker ticker) throws Exception;
    }

    /** Measures the fake's ceiling. */
    @FunctionalInterface
    interface CeilingStep {
        Ceiling measure() throws Exception;
    }

    /** The fake's serving rate measured with a plain client. */
    record Ceiling(int messages, int parallel, double seconds) {
        double rate() {
            return messages / seconds;
        }
    }

    private final String cloud;
    private final AccountFill.Made made;
    private final RequestLog log;
    private final Path dir;
    private final AccountBenchmark.Options options;
    private final PrintStream progress;

    AccountRun(String cloud, AccountFill.Made made, RequestLog log, Path dir, AccountBenchmark.Options options,
            PrintStream progress) {
        this.cloud = cloud;
        this.made = made;
        this.log = log;
        this.dir = dir;
        this.options = options;
        this.progress = progress;
    }

    /** Calls as the services count them (every request but a batch envelope) and HTTP requests. */
    static long[] count(RequestLog log) {
        long calls = 0;
        long http = 0;
        for (RequestLog.Entry e : log.entries()) {
            boolean envelope = e.path().startsWith("/batch/") || e.path().endsWith("$batch");
            if (!envelope) {
                calls++;
            }
            if (!e.batchPart()) {
                http++;
            }
        }
        return new long[] {calls, http};
    }

    /** CPU of the fake's serving threads (its executors and the HTTP server's dispatcher), in ns. */
    static long fakeCpuNanos() {
        long sum = 0;
        try (var tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path t : tasks) {
                try {
                    String name = Files.readString(t.resolve("comm")).trim();
                    if (name.startsWith("fake") || name.startsWith("HTTP-Dispatcher")) {
                        String s = Files.readString(t.resolve("schedstat"));
                        sum += Long.parseLong(s.substring(0, s.indexOf(' ')));
                    }
                } catch (IOException | RuntimeException e) {
                    // the thread ended between the listing and the read
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return sum;
    }

    Figures measure(String cfgText, Opener opener, CeilingStep ceilingStep) throws Exception {
        Files.createDirectories(dir);
        Path cfg = dir.resolve("cms.cfg");
        Files.writeString(cfg, cfgText + "cfg.message_db_dir = \"" + dir.resolve("state") + "\"\n",
                StandardCharsets.UTF_8);
        Figures f = new Figures(cloud, made, options.idleMinutes());
        TimerTicker ticker = new TimerTicker(true);
        log.clear();
        long cpu0 = ProcessStats.cpuNanos();
        long fake0 = fakeCpuNanos();
        long t0 = System.nanoTime();
        progress.printf(Locale.ROOT, "[account] %s: starting the daemon and its initial sync ...%n", cloud);
        try (BenchDaemon daemon = opener.open(cfg, ticker)) {
            f.openSeconds = (System.nanoTime() - t0) / 1e9;
            f.openRequests = count(log);
            f.mailboxes = daemon.mailboxes();
            CycleReport first = daemon.cycle();
            f.syncSeconds = (System.nanoTime() - t0) / 1e9;
            f.syncCpu = (ProcessStats.cpuNanos() - cpu0) / 1e9;
            f.syncFakeCpu = (fakeCpuNanos() - fake0) / 1e9;
            f.syncRequests = count(log);
            f.fetched = first.fetched();
            f.delivered = first.delivered();
            f.syncOk = first.ok();
            if (!first.ok()) {
                progress.println("[account] " + cloud + ": the initial sync failed: " + first.errors());
            }
            progress.printf(Locale.ROOT, "[account] %s: initial sync in %.1f s; %d minutes of idle polls ...%n", cloud,
                    f.syncSeconds, options.idleMinutes());
            for (int minute = 0; minute < options.idleMinutes(); minute++) {
                ticker.advance(AccountBenchmark.POLL);
                log.clear();
                ProcessStats.CpuMark mark = ProcessStats.CpuMark.now();
                CycleReport r = daemon.cycle();
                f.pollCpuMillis.add(mark.elapsedNanos() / 1e6);
                f.pollRequests.add(count(log)[0]);
                f.pollsOk &= r.ok();
                f.pollsIdle &= r.ok() && r.idle();
            }
            f.rebuilds = daemon.rebuilds();
        }
        progress.printf(Locale.ROOT, "[account] %s: the fake's ceiling ...%n", cloud);
        f.ceiling = ceilingStep.measure();
        return f;
    }

    /** What one cloud's run measured, and its report. */
    static final class Figures {
        final String cloud;
        final AccountFill.Made made;
        final int idleMinutes;
        int mailboxes;
        double openSeconds;
        long[] openRequests;
        double syncSeconds;
        double syncCpu;
        double syncFakeCpu;
        long[] syncRequests;
        int fetched;
        int delivered;
        boolean syncOk;
        final List<Long> pollRequests = new ArrayList<>();
        final List<Double> pollCpuMillis = new ArrayList<>();
        boolean pollsOk = true;
        boolean pollsIdle = true;
        int rebuilds;
        Ceiling ceiling;

        Figures(String cloud, AccountFill.Made made, int idleMinutes) {
            this.cloud = cloud;
            this.made = made;
            this.idleMinutes = idleMinutes;
        }

        boolean ok() {
            return syncOk && pollsOk && fetched == made.messages();
        }

        void print(PrintStream out, int limitPer10Minutes) {
            double rate = made.messages() / syncSeconds;
            out.printf(Locale.ROOT, "%n%s: %d %s, %,d messages (%,d Maildir entries), %.1f MB raw; messages per"
                            + " %s, largest first: %s%n", cloud, made.folders(), cloud.equals("Gmail") ? "labels" : "folders",
                    made.messages(), made.placements(), made.bytes() / 1e6, cloud.equals("Gmail") ? "label" : "folder",
                    String.join(", ", made.sizes()));
            row(out, "daemon start (folder listing)", String.format(Locale.ROOT, "%.2f s, %d request(s); %d mailboxes",
                    openSeconds, openRequests[0], mailboxes));
            row(out, "initial sync (start + 1st cycle)", String.format(Locale.ROOT,
                    "%.1f s wall, %,.0f msg/s, %.1f MB/s", syncSeconds, rate, made.bytes() / 1e6 / syncSeconds));
            row(out, "  CPU", String.format(Locale.ROOT, "%.1f s (process); of it the fake's serving threads %.1f s,"
                    + " the daemon and the JVM %.1f s", syncCpu, syncFakeCpu, syncCpu - syncFakeCpu));
            row(out, "  requests", String.format(Locale.ROOT, "%,d calls (%,d HTTP); %.3f calls per message",
                    syncRequests[0], syncRequests[1], (double) syncRequests[0] / made.messages()));
            row(out, "  bodies fetched / delivered", String.format(Locale.ROOT, "%,d / %,d; cycle ok %s", fetched,
                    delivered, syncOk));
            row(out, "  fake's ceiling (plain client)", String.format(Locale.ROOT,
                    "%,.0f msg/s (%,d bodies, %d parallel GETs); sync / ceiling %.2f", ceiling.rate(), ceiling.messages(),
                    ceiling.parallel(), rate / ceiling.rate()));
            out.printf(Locale.ROOT, "  then a poll every %d s (the default poll_interval) for %d min, the engine's"
                    + " clock moved on between polls:%n", AccountBenchmark.POLL.toSeconds(), idleMinutes);
            List<Long> rest = pollRequests.subList(1, pollRequests.size());
            row(out, "first poll after the sync", pollRequests.get(0) + (pollRequests.get(0) == 1 ? " request" : " requests"));
            row(out, "unchanged polls, requests", String.format(Locale.ROOT, "median %.0f, %d-%d; each: %s",
                    Results.median(rest.stream().map(Long::doubleValue).toList()),
                    rest.stream().mapToLong(Long::longValue).min().orElse(0),
                    rest.stream().mapToLong(Long::longValue).max().orElse(0), runs(pollRequests)));
            row(out, "unchanged polls, CPU", String.format(Locale.ROOT, "median %.0f ms (process, all threads)",
                    Results.median(pollCpuMillis.subList(1, pollCpuMillis.size()))));
            long total = pollRequests.stream().mapToLong(Long::longValue).sum();
            long most = 0;
            for (int i = 0; i + 10 <= pollRequests.size(); i++) {
                most = Math.max(most, pollRequests.subList(i, i + 10).stream().mapToLong(Long::longValue).sum());
            }
            double mean = total * 10.0 / idleMinutes;
            row(out, "requests per 10 min at idle", String.format(Locale.ROOT,
                    "mean %.1f (%d in %d min); most in any 10 polls in a row %d", mean, total, idleMinutes, most));
            if (limitPer10Minutes > 0) {
                row(out, "of Outlook's 10,000 / 10 min", String.format(Locale.ROOT,
                        "%.2f %% mean, %.2f %% most (target < 5 %%)", 100 * mean / limitPer10Minutes,
                        100.0 * most / limitPer10Minutes));
            }
            row(out, "every poll ok / idle", pollsOk + " / " + pollsIdle + (rebuilds > 0 ? "; engine rebuilt "
                    + rebuilds + " times (folders changed)" : ""));
        }

        private static void row(PrintStream out, String name, String value) {
            out.printf(Locale.ROOT, "  %-34s %s%n", name, value);
        }

        /** The values with runs of equal ones shortened: {@code 2x29, 302, 2x30}. */
        static String runs(List<Long> values) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < values.size(); ) {
                int j = i;
                while (j < values.size() && values.get(j).equals(values.get(i))) {
                    j++;
                }
                sb.append(sb.length() == 0 ? "" : ", ").append(values.get(i));
                if (j - i > 1) {
                    sb.append("x").append(j - i);
                }
                i = j;
            }
            return sb.toString();
        }
    }
}
