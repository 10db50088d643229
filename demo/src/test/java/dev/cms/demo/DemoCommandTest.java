package dev.cms.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.fakecloud.DemoWorld;
import dev.cms.fakecloud.FakeCloud;
import dev.cms.fakecloud.FakeGraph;
import dev.cms.fakecloud.FakeMicrosoft;
import dev.cms.fakecloud.SavedFakeCloud;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cloud-mdir-sync demo DIR} as a newcomer runs it, in its own JVM: the Maildirs fill,
 * a flag set locally reaches the embedded fake (seen in the demo's log), SIGTERM stops it
 * with exit 0 and nothing left in any {@code tmp/}, and a second run downloads nothing again.
 */
class DemoCommandTest {
    private static final int MESSAGES = 60;
    private static final String READY = "The demo Maildirs are ready.";
    private static final List<String> MAILDIRS = List.of("gmail", "office365", "lists");

    @TempDir
    Path tmp;

    final List<Process> processes = new ArrayList<>();

    @AfterEach
    void killLeftovers() {
        for (Process p : processes) {
            p.destroyForcibly();
        }
    }

    private Path demoDir() {
        return tmp.resolve("demo");
    }

    private Path logFile(int run) {
        return tmp.resolve("demo-" + run + ".log");
    }

    private String log(int run) {
        try {
            return Files.readString(logFile(run));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Process demo() throws IOException {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.cms.cli.Main",
                "demo", demoDir().toString(), "--messages", String.valueOf(MESSAGES));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(tmp.toFile());
        pb.environment().remove("BROWSER");
        pb.redirectErrorStream(true);
        pb.redirectOutput(logFile(processes.size()).toFile());
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    private static void await(BooleanSupplier condition, String what, Process p, Path log) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + "; log:\n" + Files.readString(log));
            }
            if (!p.isAlive()) {
                throw new AssertionError("the demo exited (" + p.exitValue() + ") while waiting for " + what
                        + "; log:\n" + Files.readString(log));
            }
            Thread.sleep(100);
        }
    }

    private List<Path> messages(String maildir) {
        List<Path> out = new ArrayList<>();
        for (String sub : List.of("cur", "new")) {
            Path d = demoDir().resolve(maildir).resolve(sub);
            if (Files.isDirectory(d)) {
                try (Stream<Path> s = Files.list(d)) {
                    s.forEach(out::add);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return out;
    }

    private int allMessages() {
        return MAILDIRS.stream().mapToInt(m -> messages(m).size()).sum();
    }

    private void assertNothingInAnyTmp() throws IOException {
        List<Path> tmps = new ArrayList<>();
        for (String m : MAILDIRS) {
            tmps.add(demoDir().resolve(m).resolve("tmp"));
        }
        tmps.add(demoDir().resolve(".cms").resolve("tmp"));
        for (Path t : tmps) {
            assertTrue(Files.isDirectory(t), t + " exists");
            try (Stream<Path> s = Files.list(t)) {
                assertEquals(List.of(), s.toList(), "nothing left in " + t);
            }
        }
    }

    /** Adds F to a Gmail message that has no F: the rename a mail reader makes. Returns the new name. */
    private Path flagOneGmailMessage() throws IOException {
        Path victim = messages("gmail").stream()
                .filter(f -> !flagsOf(f.getFileName().toString()).contains("F"))
                .findFirst().orElseThrow(() -> new AssertionError("a Gmail message without F"));
        String name = victim.getFileName().toString();
        int colon = name.indexOf(":2,");
        String base = colon < 0 ? name : name.substring(0, colon);
        String flags = (flagsOf(name) + "F").chars().sorted()
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        Path target = demoDir().resolve("gmail").resolve("cur").resolve(base + ":2," + flags);
        Files.move(victim, target);
        return target;
    }

    /** The Message-ID header of a message (CRLF or LF), or null. */
    private static String messageIdOf(byte[] raw) {
        for (String line : new String(raw, java.nio.charset.StandardCharsets.UTF_8).split("\r?\n")) {
            if (line.isEmpty()) {
                return null;
            }
            if (line.regionMatches(true, 0, "Message-ID:", 0, 11)) {
                return line.substring(11).strip();
            }
        }
        return null;
    }

    /** S and F of each message in the Maildirs, by Message-ID. */
    private Map<String, String> maildirFlags() throws IOException {
        Map<String, String> out = new HashMap<>();
        for (String m : MAILDIRS) {
            for (Path f : messages(m)) {
                out.put(messageIdOf(Files.readAllBytes(f)), managed(flagsOf(f.getFileName().toString())));
            }
        }
        return out;
    }

    private static String managed(String flags) {
        return (flags.contains("F") ? "F" : "") + (flags.contains("S") ? "S" : "");
    }

    /**
     * S and F of the messages in Gmail's INBOX and Office365's inbox as the demo saved its fake
     * cloud, by Message-ID: read back into fresh fakes in this process.
     */
    private Map<String, String> savedCloudFlags() throws IOException {
        Map<String, String> out = new HashMap<>();
        try (FakeCloud cloud = FakeCloud.start(0); FakeMicrosoft microsoft = FakeMicrosoft.start(0)) {
            DemoWorld.resume(cloud, microsoft, new SavedFakeCloud(demoDir().resolve(".fakecloud"), cloud, microsoft),
                    2026);
            for (String id : cloud.gmail().messageIds(DemoWorld.GMAIL_USER, "INBOX")) {
                Set<String> labels = cloud.gmail().labelsOf(DemoWorld.GMAIL_USER, id);
                out.put(messageIdOf(cloud.gmail().raw(DemoWorld.GMAIL_USER, id)),
                        (labels.contains("STARRED") ? "F" : "") + (labels.contains("UNREAD") ? "" : "S"));
            }
            for (String id : microsoft.graph().messageIds(DemoWorld.O365_USER, "inbox")) {
                FakeGraph.MessageState m = microsoft.graph().message(DemoWorld.O365_USER, id);
                out.put(messageIdOf(m.mime()), ("flagged".equals(m.flagStatus()) ? "F" : "") + (m.isRead() ? "S" : ""));
            }
        }
        return out;
    }

    /** Every message of the saved cloud's inboxes is in a Maildir with the same S and F. */
    private void assertTheSavedCloudAndTheMaildirsAgree() throws IOException {
        Map<String, String> cloud = savedCloudFlags();
        Map<String, String> local = maildirFlags();
        assertTrue(cloud.size() >= MESSAGES, "the saved cloud has the inboxes' messages: " + cloud.size());
        for (Map.Entry<String, String> e : cloud.entrySet()) {
            assertEquals(e.getValue(), local.get(e.getKey()), "flags of " + e.getKey() + " in the cloud and locally");
        }
    }

    private static String flagsOf(String name) {
        int colon = name.indexOf(":2,");
        return colon < 0 ? "" : name.substring(colon + 3);
    }

    @Test
    void demoFillsTheMaildirsPushesALocalFlagStopsCleanlyAndResumesWithoutDownloading() throws Exception {
        Process first = demo();
        await(() -> log(0).contains(READY), "the first cycle", first, logFile(0));
        assertEquals(2 * MESSAGES, allMessages(), "60 Gmail and 60 Office365 messages across the Maildirs");
        for (String m : MAILDIRS) {
            assertFalse(messages(m).isEmpty(), m + " has mail");
        }
        // Each account's mail arrives right after its login, so the cycles together fetched everything.
        Matcher fetched = Pattern.compile("cycle done: fetched (\\d+),").matcher(log(0));
        int total = 0;
        while (fetched.find()) {
            total += Integer.parseInt(fetched.group(1));
        }
        assertEquals(2 * MESSAGES, total, log(0));

        // A local change reaches the fake: the engine logs the push.
        flagOneGmailMessage();
        Pattern push = Pattern.compile("gmail:[^ ]+:INBOX: flags ([A-Z]+|none) -> ([A-Z]+|none) in the cloud: ");
        await(() -> {
            Matcher m = push.matcher(log(0));
            while (m.find()) {
                if (!m.group(1).contains("F") && m.group(2).contains("F")) {
                    return true;
                }
            }
            return false;
        }, "the F flag to reach the fake Gmail", first, logFile(0));

        first.destroy(); // SIGTERM
        assertTrue(first.waitFor(60, TimeUnit.SECONDS), "the demo stops on SIGTERM");
        assertEquals(0, first.exitValue(), log(0));
        assertTrue(log(0).contains("stopped cleanly"), log(0));
        assertNothingInAnyTmp();
        assertFalse(log(0).contains("Exception"), "no stack trace in a normal run:\n" + log(0));

        assertTheSavedCloudAndTheMaildirsAgree();
        Map<String, String> before = maildirFlags();

        // Again (issue 12, item 4): the demo resumes its own fake cloud, so the saved logins,
        // history ids and delta links are accepted, nothing is downloaded or changed, and
        // nothing is worth a warning.
        Process second = demo();
        await(() -> log(1).contains(READY), "the second run's first cycle", second, logFile(1));
        second.destroy();
        assertTrue(second.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, second.exitValue(), log(1));
        String again = log(1);
        assertFalse(again.contains("downloading"), again);
        assertTrue(again.contains("cycle done: fetched 0, pushed 0 flag changes and 0 deletions,"
                + " delivered 0, renamed 0, removed 0"), again);
        assertFalse(again.contains(" WARN "), "no warning when the demo resumes:\n" + again);
        assertFalse(again.contains("login needed"), again);
        assertEquals(2 * MESSAGES, allMessages());
        assertEquals(before, maildirFlags(), "the Maildirs are as the first run left them");
        assertTheSavedCloudAndTheMaildirsAgree();
        assertNothingInAnyTmp();
    }

    /** Issue 12, item 4: a second demo beside a running one refuses before it writes anything. */
    @Test
    void aSecondDemoInTheSameDirectoryRefusesBeforeTouchingAnyFile() throws Exception {
        Process first = demo();
        await(() -> log(0).contains(READY), "the first cycle", first, logFile(0));
        Path cfg = demoDir().resolve("cms.cfg");
        Path ports = demoDir().resolve(".fakecloud").resolve("ports");
        byte[] cfgBefore = Files.readAllBytes(cfg);
        byte[] portsBefore = Files.readAllBytes(ports);
        java.nio.file.attribute.FileTime cfgTime = Files.getLastModifiedTime(cfg);
        Process second = demo();
        assertTrue(second.waitFor(60, TimeUnit.SECONDS), "the second demo exits by itself");
        assertEquals(1, second.exitValue(), log(1));
        assertTrue(log(1).contains("another demo (pid " + first.pid() + ") is already running in " + demoDir()),
                log(1));
        assertEquals(new String(cfgBefore, java.nio.charset.StandardCharsets.UTF_8),
                Files.readString(cfg), "cms.cfg untouched");
        assertEquals(cfgTime, Files.getLastModifiedTime(cfg));
        assertEquals(new String(portsBefore, java.nio.charset.StandardCharsets.UTF_8), Files.readString(ports));
        assertTrue(first.isAlive(), "the first demo runs on");
        first.destroy();
        assertTrue(first.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, first.exitValue(), log(0));
    }

    @Test
    void aSecondDemoRunFetchesNothing() throws Exception {
        Process first = demo();
        await(() -> log(0).contains(READY), "the first cycle", first, logFile(0));
        first.destroy();
        assertTrue(first.waitFor(60, TimeUnit.SECONDS));
        Process second = demo();
        await(() -> log(1).contains(READY), "the second run's first cycle", second, logFile(1));
        assertTrue(log(1).contains("cycle done: fetched 0,"), log(1));
        second.destroy();
        assertTrue(second.waitFor(60, TimeUnit.SECONDS));
    }
}
