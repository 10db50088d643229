package dev.cms.bench;

import dev.cms.config.ConfigLoader;
import dev.cms.config.OutboxSpec;
import dev.cms.fakecloud.FakeMicrosoft;
import dev.cms.send.GraphSender;
import dev.cms.send.MailSender;
import dev.cms.send.Outbox;
import dev.cms.send.OutboxServer;
import dev.cms.send.OutboxWorker;
import dev.cms.send.SendAccount;
import dev.cms.send.Submission;
import dev.cms.time.Ticker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Sending: the time {@code cms-sendmail} (the launcher, a new JVM each time, as a mail program
 * runs it) takes to hand a message to the daemon's outbox socket, median of 20 after a first run
 * that makes the class-data archive; and the time to flush 100 queued messages through the fake
 * Graph under Outlook's mailbox limits (10,000 requests per 10 minutes, 4 at once), optionally
 * with a sending rate limit as well. The daemon's outbox parts run in this JVM. Prints figures;
 * asserts nothing.
 *
 * <p>Usage: {@code bench/run-send [--handovers N] [--messages N] [--send-limit PER_MINUTE]}.
 */
public final class SendBenchmark {
    static final String USER = "bench@work.example";
    static final String CLIENT = "11111111-2222-3333-4444-555555555555";

    private SendBenchmark() {}

    public static void main(String[] args) throws Exception {
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "error");
        }
        int handovers = 20;
        int messages = 100;
        int sendLimit = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--handovers" -> handovers = Integer.parseInt(args[++i]);
                case "--messages" -> messages = Integer.parseInt(args[++i]);
                case "--send-limit" -> sendLimit = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        Path root = Path.of(System.getProperty("cms.root", ".")).toAbsolutePath().normalize();
        Path dir = Files.createTempDirectory("cms-send-bench");
        try (FakeMicrosoft ms = FakeMicrosoft.start(0)) {
            ms.graph().addUser(USER, CLIENT);
            ms.graph().limitMailboxesLikeOutlook();
            if (sendLimit > 0) {
                ms.faults().throttle(".*/sendMail", sendLimit, Duration.ofMinutes(1));
            }
            Files.writeString(dir.resolve("cms.cfg"), "o = Office365_Account(user='" + USER + "', client_id='"
                    + CLIENT + "')\nOutbox()\ncfg.message_db_dir = '" + dir.resolve("state") + "'\n");
            OutboxSpec spec = ConfigLoader.load(dir.resolve("cms.cfg")).outbox();
            Files.createDirectories(dir.resolve("state"));
            Outbox outbox = Outbox.open(dir.resolve("state"));
            String key = "o365:" + USER;
            MailSender sender = new GraphSender(key, ms.graphEndpoint().toString(),
                    force -> ms.identity().issueAccessToken(USER, CLIENT,
                            List.of("https://graph.microsoft.com/Mail.ReadWrite", "https://graph.microsoft.com/Mail.Send")),
                    ms.clientSslContext());
            // Hand-over: the socket's server with a worker that does not send (only the queueing is timed).
            OutboxWorker idle = new OutboxWorker(outbox, Map.of(), Ticker.SYSTEM, new Random(1), a -> { });
            List<Long> ms20 = new ArrayList<>();
            long first;
            try (OutboxServer server = OutboxServer.start(spec, outbox, Set.of(key), idle, Ticker.SYSTEM)) {
                first = handOver(root, dir, server.path(), 0);
                for (int i = 1; i <= handovers; i++) {
                    ms20.add(handOver(root, dir, server.path(), i));
                }
            }
            Collections.sort(ms20);
            int handed = outbox.pending().size();
            for (Outbox.Entry e : outbox.pending()) {
                outbox.drop(e.file());
            }
            System.out.printf(Locale.ROOT, "cms-sendmail hand-over (new JVM, AppCDS): first run %d ms (makes the"
                    + " archive), median of %d %d ms (min %d, max %d); %d queued%n", first, handovers,
                    ms20.get(ms20.size() / 2), ms20.get(0), ms20.get(ms20.size() - 1), handed);

            // Flush: queue N, then let the worker send them all.
            SendAccount account = new SendAccount(key, USER, false);
            for (int i = 0; i < messages; i++) {
                String m = "From: " + USER + "\nTo: someone" + i + "@example.org\nSubject: bench " + i + "\n\n"
                        + "body ".repeat(400) + "\n";
                Submission s = Submission.prepare(m.getBytes(StandardCharsets.US_ASCII),
                        new Submission.Options(true, List.of(), null, null, null, false), List.of(account),
                        java.time.Instant.now(), ZoneOffset.UTC);
                outbox.queue(s, java.time.Instant.now());
            }
            long start = System.nanoTime();
            try (OutboxWorker worker = new OutboxWorker(outbox, Map.of(key, sender), Ticker.SYSTEM, new Random(2),
                    a -> { }).start()) {
                while (!outbox.pending().isEmpty()) {
                    Thread.sleep(5);
                    if (System.nanoTime() - start > TimeUnit.MINUTES.toNanos(30)) {
                        throw new IllegalStateException("not flushed in 30 minutes");
                    }
                }
            }
            long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            int delivered = ms.graph().outgoing().deliveries().size();
            long throttled = ms.requests().entries().stream().filter(e -> e.status() == 429).count();
            System.out.printf(Locale.ROOT, "%d queued messages flushed through the fake Graph in %d ms (%.1f"
                    + " messages/s) under Outlook's limits%s: %d delivered, %d sendMail requests, %d answered 429,"
                    + " %d in failed/%n", messages, elapsed, messages * 1000.0 / Math.max(1, elapsed),
                    sendLimit > 0 ? " and " + sendLimit + " sends/minute" : "", delivered,
                    ms.requests().count("POST", ".*/sendMail"), throttled, outbox.failed().size());
        } finally {
            deleteTree(dir);
        }
    }

    /** One run of the launcher; its wall time in ms. */
    private static long handOver(Path root, Path dir, Path socket, int i) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(root.resolve("cms-sendmail").toString(), "--cms_sock",
                socket.toString(), "-t", "-oi");
        pb.environment().put("XDG_CACHE_HOME", dir.resolve("cache").toString());
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("sendmail.log").toFile()));
        long start = System.nanoTime();
        Process p = pb.start();
        try (var in = p.getOutputStream()) {
            in.write(("From: " + USER + "\nTo: carol@example.org\nSubject: hand-over " + i + "\n\nHello.\n")
                    .getBytes(StandardCharsets.US_ASCII));
        }
        int code = p.waitFor();
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        if (code != 0) {
            throw new IllegalStateException("cms-sendmail exited " + code + ": "
                    + Files.readString(dir.resolve("sendmail.log")));
        }
        return ms;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
