package dev.cms.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The provider benchmarks: the real Gmail and Office365 providers with the real sync engine
 * against the embedded fakes, each case in a JVM of its own ({@link ProviderRun}) with the fake
 * in a third ({@link FakeCloudServer}). Prints one table of figures next to their targets and
 * asserts nothing; optionally writes the figures as JSON. See {@code bench/README.md}.
 *
 * <p>Options: {@code --n LIST} (comma-separated message counts, default 10000,100000),
 * {@code --quick} (only 10000), {@code --size BYTES} (20480), {@code --seed S} (42),
 * {@code --providers LIST} (gmail,office365), {@code --quota-n N} (2000; 0 skips the Gmail run at
 * the default quota), {@code --limit-n N} (1400; 0 skips the Office365 run under mailbox limits),
 * {@code --limit REQUESTS/SECONDS} (500/30), {@code --budget-minutes M} (13: a case whose
 * estimated time would not fit in what is left is not run, and the table says so),
 * {@code --dir DIR} (work directory, default a temp dir; deleted), {@code --json FILE}.
 */
public final class ProviderBenchmark {
    static final String TITLE = "cloud-mdir-sync provider benchmark";
    static final String HEADING_SYNC = "initial sync";
    static final String HEADING_CALLS = "API calls per new message";
    static final String HEADING_CEILING = "fake's ceiling (plain client)";
    static final String HEADING_RESTART = "restart to idle";
    static final String HEADING_POLL = "unchanged poll";
    static final String HEADING_FLAG = "flag change -> cloud (daemon)";
    static final String HEADING_RSS = "peak RSS of the syncing JVM";
    static final String HEADING_IDLE_RSS = "RSS at idle, launcher's flags";
    static final String HEADING_CPU = "CPU s of the syncing JVM";
    static final String HEADING_QUOTA = "Gmail at the default quota";
    static final String HEADING_LIMIT = "Office365 under mailbox limits";

    static final double GMAIL_TARGET_RATE = 500;
    static final double GMAIL_TARGET_POLL_CALLS = 2;
    static final double GMAIL_TARGET_CALLS_PER_MESSAGE = 1.1;
    static final double GRAPH_TARGET_RATE = 300;
    static final double GRAPH_TARGET_POLL_CALLS = 1;

    private ProviderBenchmark() {}

    /** One case: what was asked, and what came back (null fields when not run). */
    static final class Case {
        final String mode;
        final String provider;
        final int messages;
        Map<String, String> result;
        String skipped;
        double wallSeconds;

        Case(String mode, String provider, int messages) {
            this.mode = mode;
            this.provider = provider;
            this.messages = messages;
        }

        double d(String key) {
            String v = result == null ? null : result.get(key);
            return v == null || v.equals("-") ? Double.NaN : Double.parseDouble(v);
        }

        String label() {
            return provider.equals("gmail") ? "Gmail" : "Office365";
        }
    }

    public static void main(String[] args) {
        int code;
        try {
            code = run(args, System.out, System.err);
        } catch (IllegalArgumentException e) {
            System.err.println("ProviderBenchmark: " + e.getMessage());
            code = 2;
        } catch (Exception e) {
            System.err.println("ProviderBenchmark failed: " + e);
            e.printStackTrace();
            code = 1;
        }
        System.exit(code);
    }

    static int run(String[] args, PrintStream out, PrintStream log) throws IOException, InterruptedException {
        List<Integer> ns = new ArrayList<>(List.of(10_000, 100_000));
        List<String> providers = List.of("gmail", "office365");
        int size = 20_480;
        long seed = 42;
        int quotaN = 2_000;
        int limitN = 1_400;
        int limitRequests = 500;
        int limitSeconds = 30;
        double budgetMinutes = 13;
        Path dir = null;
        Path json = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--quick")) {
                ns = new ArrayList<>(List.of(10_000));
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("unknown option or missing value: " + a);
            }
            String v = args[++i];
            switch (a) {
                case "--n" -> {
                    ns = new ArrayList<>();
                    for (String s : v.split(",")) {
                        ns.add(Integer.parseInt(s.trim().replace("_", "")));
                    }
                }
                case "--size" -> size = Integer.parseInt(v);
                case "--seed" -> seed = Long.parseLong(v);
                case "--providers" -> providers = List.of(v.split(","));
                case "--quota-n" -> quotaN = Integer.parseInt(v);
                case "--limit-n" -> limitN = Integer.parseInt(v);
                case "--limit" -> {
                    String[] p = v.split("/");
                    limitRequests = Integer.parseInt(p[0]);
                    limitSeconds = Integer.parseInt(p[1]);
                }
                case "--budget-minutes" -> budgetMinutes = Double.parseDouble(v);
                case "--dir" -> dir = Path.of(v);
                case "--json" -> json = Path.of(v);
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        for (String p : providers) {
            if (!p.equals("gmail") && !p.equals("office365")) {
                throw new IllegalArgumentException("--providers takes gmail and/or office365, not " + p);
            }
        }
        ns.sort(null);
        long start = System.nanoTime();
        String machineBefore = machine();
        String loadBefore = loadAverage();
        boolean temporary = dir == null;
        Path work = temporary ? Files.createTempDirectory("cms-pbench-") : dir;
        List<Case> cases = new ArrayList<>();
        try {
            // The smallest N first for every provider, then the two limited runs, then larger N.
            for (int k = 0; k < ns.size(); k++) {
                for (String p : providers) {
                    cases.add(new Case("full", p, ns.get(k)));
                }
                if (k == 0) {
                    if (quotaN > 0 && providers.contains("gmail")) {
                        cases.add(new Case("quota", "gmail", quotaN));
                    }
                    if (limitN > 0 && providers.contains("office365")) {
                        cases.add(new Case("limit", "office365", limitN));
                    }
                }
            }
            int index = 0;
            for (Case c : cases) {
                double left = budgetMinutes * 60 - (System.nanoTime() - start) / 1e9;
                double estimate = estimate(c, cases);
                if (estimate > left) {
                    c.skipped = String.format(Locale.ROOT, "not run: estimated %.0f s, %.0f s of the %.0f min budget left",
                            estimate, Math.max(0, left), budgetMinutes);
                    log.println("[bench] " + c.label() + " " + c.mode + " N=" + c.messages + ": " + c.skipped);
                    continue;
                }
                Path caseDir = work.resolve("case" + index++);
                List<String> cmd = new ArrayList<>(List.of(JavaProcess.java(), "-Xmx" + childHeapMiB(c.messages) + "m",
                        "-Dcms.root=" + LauncherFlags.root(), "-cp", JavaProcess.classPath(),
                        ProviderRun.class.getName(), c.mode, c.provider, Integer.toString(c.messages),
                        Integer.toString(size), Long.toString(seed), caseDir.toString()));
                if (c.mode.equals("limit")) {
                    cmd.add(Integer.toString(limitRequests));
                    cmd.add(Integer.toString(limitSeconds));
                }
                log.printf(Locale.ROOT, "[bench] %s %s N=%,d ...%n", c.label(), c.mode, c.messages);
                long t0 = System.nanoTime();
                c.result = runChild(cmd);
                c.wallSeconds = (System.nanoTime() - t0) / 1e9;
                BenchFiles.deleteTree(caseDir);
                if (c.result == null) {
                    c.skipped = "failed (see the messages above)";
                }
            }
        } finally {
            if (temporary) {
                BenchFiles.deleteTree(work);
            }
        }
        String header = String.format(Locale.ROOT, "%s: messages of ~%,d bytes (3/4 to 5/4 of it), seed %d%n%s%n"
                        + "load average at start %s, at end %s; whole run %.0f s",
                TITLE, size, seed, machineBefore, loadBefore, loadAverage(), (System.nanoTime() - start) / 1e9);
        ProviderTable table = new ProviderTable(cases, limitRequests, limitSeconds);
        out.println(header);
        out.println();
        table.print(out);
        if (json != null) {
            Files.writeString(json, table.toJson(header), StandardCharsets.UTF_8);
        }
        for (Case c : cases) {
            if (c.result == null && c.skipped != null && c.skipped.startsWith("failed")) {
                return 1;
            }
        }
        return 0;
    }

    /**
     * The heap of a case's JVM: 1 GiB up to about 300,000 messages, then 3.5 KiB a message (the
     * first sync holds the whole listing and the engine's state; 1,000,000 needs about 3 GiB).
     */
    static long childHeapMiB(int messages) {
        return Math.max(1024, (long) messages * 7 / 2048);
    }

    /**
     * Seconds a case is expected to take: for N above the smallest, the same provider's smallest
     * full case scaled by N (plus a fifth), else 0 (always run).
     */
    private static double estimate(Case c, List<Case> cases) {
        for (Case done : cases) {
            if (done.result != null && done.mode.equals("full") && done.provider.equals(c.provider)
                    && done.messages < c.messages) {
                return done.wallSeconds * c.messages / done.messages * 1.2;
            }
        }
        return 0;
    }

    /** Runs a {@link ProviderRun}; its stderr goes to ours; returns its RESULT fields, or null when it failed. */
    private static Map<String, String> runChild(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Map<String, String> result = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("RESULT ")) {
                    result = new TreeMap<>(FakeCloudClient.fields(line));
                }
            }
        }
        int code = p.waitFor();
        return code == 0 ? result : null;
    }

    static String machine() {
        String model = procField("/proc/cpuinfo", "model name");
        String mem = procField("/proc/meminfo", "MemTotal");
        return String.format(Locale.ROOT, "%s, %d CPUs (%s), memory %s, Java %s",
                Instant.now().truncatedTo(ChronoUnit.SECONDS), Runtime.getRuntime().availableProcessors(),
                model == null ? "unknown CPU" : model, mem == null ? "unknown" : mem, System.getProperty("java.version"));
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "n/a";
        }
    }

    private static String procField(String file, String key) {
        try {
            for (String line : Files.readAllLines(Path.of(file))) {
                if (line.startsWith(key)) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }
}
