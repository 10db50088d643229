package dev.cms.bench;

import dev.cms.fakecloud.FakeCloud;
import dev.cms.fakecloud.FakeGmail;
import dev.cms.fakecloud.FakeGraph;
import dev.cms.fakecloud.FakeMicrosoft;
import dev.cms.fakecloud.MessageGenerator;
import dev.cms.fakecloud.RequestLog;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The embedded fake Gmail or Office365 in a process of its own, so that a benchmark's CPU and
 * memory figures are the daemon's and not the fake's. It starts the fake, fills one account
 * deterministically from the seed, prints one {@code READY} line and then answers one command
 * per stdin line with one stdout line, until stdin closes:
 *
 * <ul>
 *   <li>{@code token} — {@code TOKEN <access token>} for the account (valid for a day);
 *   <li>{@code stats} — {@code STATS calls=.. http=.. parts=.. s429=.. ok=.. maxRepeat=..} over the request log
 *       (calls: every request but a batch envelope, so each batch part counts once; http: requests on
 *       the wire; maxRepeat: the most times one method+path+query was asked for, minus one;
 *       units: Gmail quota units of the calls; repeated: the call asked for most often, METHOD_path);
 *   <li>{@code clear} — empties the request log, {@code OK};
 *   <li>{@code read <Message-ID>} — {@code READ true|false}: whether the cloud has that message as read;
 *   <li>{@code limit <requests> <seconds> <concurrent>} — Office365 only: Outlook-like mailbox limits, {@code OK};
 *   <li>{@code ids <file>} — writes the message ids one a line, {@code IDS <count>}.
 * </ul>
 *
 * <p>The READY line: {@code READY provider=.. base=.. user=.. messages=.. bytes=.. truststore=..}, where
 * bytes is the sum of the raw CRLF sizes and truststore (Office365 only) a PKCS#12 file, password
 * {@value #TRUSTSTORE_PASSWORD}, trusting the fake's TLS certificate. Usage: {@code FakeCloudServer
 * gmail|office365 MESSAGES SIZE SEED WORKDIR}.
 */
public final class FakeCloudServer {
    static final String GMAIL_USER = "bench@gmail.example";
    static final String GMAIL_CLIENT = "bench-client";
    static final String GRAPH_USER = "bench@example.com";
    static final String GRAPH_CLIENT = "11111111-2222-3333-4444-555555555555";
    static final String TRUSTSTORE_PASSWORD = "bench";

    private final String provider;
    private FakeCloud cloud;
    private FakeMicrosoft ms;
    private final Map<String, String> idByMessageId = new HashMap<>();
    private final List<String> ids = new ArrayList<>();
    private long bytes;

    private FakeCloudServer(String provider) {
        this.provider = provider;
    }

    public static void main(String[] args) throws Exception {
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        if (args.length != 5 || !(args[0].equals("gmail") || args[0].equals("office365"))) {
            System.err.println("usage: FakeCloudServer gmail|office365 MESSAGES SIZE SEED WORKDIR");
            System.exit(2);
        }
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true,
                StandardCharsets.UTF_8);
        FakeCloudServer s = new FakeCloudServer(args[0]);
        try {
            String ready = s.start(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Long.parseLong(args[3]),
                    Path.of(args[4]));
            out.println(ready);
            s.serve(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)), out);
        } finally {
            s.close();
        }
        System.exit(0);
    }

    private String start(int messages, int size, long seed, Path workdir) throws IOException, GeneralSecurityException {
        String user = provider.equals("gmail") ? GMAIL_USER : GRAPH_USER;
        MessageGenerator gen = new MessageGenerator(seed, user);
        // A third read, a twentieth flagged: the same mix for both providers.
        java.util.Random mix = new java.util.Random(seed ^ 0x5eed);
        String extra;
        String base;
        if (provider.equals("gmail")) {
            cloud = FakeCloud.start(0);
            FakeGmail gmail = cloud.gmail();
            gmail.addAccount(GMAIL_USER, GMAIL_CLIENT, "secret");
            for (int i = 0; i < messages; i++) {
                MessageGenerator.Generated g = gen.text(bodySize(mix, size));
                Set<String> labels = new HashSet<>(Set.of("INBOX"));
                if (mix.nextInt(3) != 0) {
                    labels.add("UNREAD");
                }
                if (mix.nextInt(20) == 0) {
                    labels.add("STARRED");
                }
                String id = gmail.addMessage(GMAIL_USER, g.raw(), g.date(), labels);
                record(id, g);
            }
            base = cloud.baseUri().toString();
            extra = "";
        } else {
            ms = FakeMicrosoft.start(0);
            ms.identity().setAccessTokenLifetime(Duration.ofDays(1));
            FakeGraph graph = ms.graph();
            graph.addUser(GRAPH_USER, GRAPH_CLIENT);
            for (int i = 0; i < messages; i++) {
                MessageGenerator.Generated g = gen.text(bodySize(mix, size));
                boolean read = mix.nextInt(3) == 0;
                boolean flagged = mix.nextInt(20) == 0;
                String id = graph.addMessage(GRAPH_USER, "inbox", g.raw(), g.date(), read,
                        flagged ? "flagged" : "notFlagged", false);
                record(id, g);
            }
            base = ms.graphEndpoint().toString();
            Path store = workdir.resolve("fake-truststore.p12");
            writeTrustStore(store);
            extra = " truststore=" + store;
        }
        if (cloud != null) {
            cloud.gmail().setAccessTokenLifetime(Duration.ofDays(1));
        }
        return "READY provider=" + provider + " base=" + base + " user=" + user + " messages=" + messages
                + " bytes=" + bytes + extra;
    }

    /** 3/4 to 5/4 of the nominal size, so sizes vary but their mean is fixed by the seed. */
    private static int bodySize(java.util.Random mix, int size) {
        return size * 3 / 4 + mix.nextInt(size / 2 + 1);
    }

    private void record(String id, MessageGenerator.Generated g) {
        idByMessageId.put(g.messageId(), id);
        ids.add(id);
        bytes += g.raw().length;
    }

    private void writeTrustStore(Path file) throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        int n = 0;
        for (X509Certificate c : ms.trustManager().getAcceptedIssuers()) {
            ks.setCertificateEntry("c" + n++, c);
        }
        try (OutputStream o = Files.newOutputStream(file)) {
            ks.store(o, TRUSTSTORE_PASSWORD.toCharArray());
        }
    }

    private void serve(BufferedReader in, PrintStream out) throws IOException {
        String line;
        while ((line = in.readLine()) != null) {
            String[] w = line.trim().split(" ");
            try {
                out.println(answer(w));
            } catch (RuntimeException e) {
                out.println("ERROR " + e.toString().replace('\n', ' '));
            }
        }
    }

    private String answer(String[] w) throws IOException {
        switch (w[0]) {
            case "token":
                return "TOKEN " + (cloud != null
                        ? cloud.gmail().issueAccessToken(GMAIL_USER, Set.of("https://www.googleapis.com/auth/gmail.modify"))
                        : ms.identity().issueAccessToken(GRAPH_USER, GRAPH_CLIENT,
                                List.of("https://graph.microsoft.com/Mail.ReadWrite")));
            case "stats":
                return stats(cloud != null ? cloud.requests() : ms.requests());
            case "clear":
                (cloud != null ? cloud.requests() : ms.requests()).clear();
                return "OK";
            case "read": {
                String id = idByMessageId.get(w[1]);
                if (id == null) {
                    throw new IllegalArgumentException("no message with Message-ID " + w[1]);
                }
                boolean read = cloud != null ? !cloud.gmail().labelsOf(GMAIL_USER, id).contains("UNREAD")
                        : ms.graph().message(GRAPH_USER, id).isRead();
                return "READ " + read;
            }
            case "limit":
                ms.graph().limitMailboxes(Integer.parseInt(w[1]), Duration.ofSeconds(Long.parseLong(w[2])),
                        Integer.parseInt(w[3]));
                return "OK";
            case "ids":
                Files.write(Path.of(w[1]), ids, StandardCharsets.UTF_8);
                return "IDS " + ids.size();
            default:
                throw new IllegalArgumentException("unknown command " + w[0]);
        }
    }

    private static String stats(RequestLog log) {
        long calls = 0;
        long http = 0;
        long parts = 0;
        long s429 = 0;
        long ok = 0;
        Map<String, Integer> seen = new HashMap<>();
        int maxRepeat = 0;
        long units = 0;
        String repeated = "-";
        for (RequestLog.Entry e : log.entries()) {
            boolean envelope = e.path().startsWith("/batch/") || e.path().endsWith("$batch");
            if (!e.batchPart()) {
                http++;
            }
            if (envelope) {
                continue;
            }
            calls++;
            if (e.batchPart()) {
                parts++;
            }
            if (e.status() == 429) {
                s429++;
            } else if (e.status() >= 200 && e.status() < 300) {
                ok++;
            }
            units += gmailUnits(e);
            int n = seen.merge(e.method() + " " + e.path() + "?" + e.query(), 1, Integer::sum);
            if (n - 1 > maxRepeat) {
                maxRepeat = n - 1;
                repeated = e.method() + "_" + e.path();
            }
        }
        return String.format(Locale.ROOT, "STATS calls=%d http=%d parts=%d s429=%d ok=%d maxRepeat=%d units=%d repeated=%s",
                calls, http, parts, s429, ok, maxRepeat, units, repeated.replace(' ', '+'));
    }

    /** Gmail's quota cost of a call (0 for anything that is not a Gmail API call). */
    private static int gmailUnits(RequestLog.Entry e) {
        String p = e.path();
        if (!p.startsWith("/gmail/v1/users/")) {
            return 0;
        }
        if (p.endsWith("/profile") || p.endsWith("/labels")) {
            return 1;
        }
        if (p.endsWith("/history")) {
            return 2;
        }
        if (p.endsWith("/batchModify")) {
            return 50;
        }
        return 5; // messages.list, messages.get, messages.modify
    }

    private void close() {
        if (cloud != null) {
            cloud.close();
        }
        if (ms != null) {
            ms.close();
        }
    }
}
