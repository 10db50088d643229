package dev.cms.cli;

import static dev.cms.testing.MaildirAssert.assertThatMaildir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cms.fakecloud.FakeCloud;
import dev.cms.fakecloud.FakeGmail;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 16, item 3, with a real mail reader: Debian's neomutt, driven through tmux with the
 * README's settings, saves a message from the INBOX Maildir into the Work label's Maildir
 * ({@code s =Work}: a new file with neomutt's own header lines) and syncs the INBOX (removing
 * the original); the next poll moves the message between labels in the fake Gmail: one
 * {@code messages.modify}, nothing archived, nothing in lost+found, nothing downloaded again,
 * and the file in Work is the message as Gmail has it. Skipped when neomutt or tmux is missing.
 */
class NeomuttSaveTest extends FolderLifecycleFixture {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String GUSER = "nm@gmail.example";

    private FakeCloud google;
    private Path socket;
    private Map<String, String> env = Map.of();

    @AfterEach
    void stop() throws Exception {
        try {
            if (socket != null && Files.exists(socket)) {
                // Ends neomutt if a failed test left it running; "no server" when it has quit.
                run("tmux", "-S", socket.toString(), "kill-server");
            }
        } finally {
            if (google != null) {
                google.close();
            }
        }
    }

    private FakeGmail gmail;
    private String work;
    private String id;
    private Path root;
    private final byte[] raw = ("From: Ann <ann@example.org>\r\nTo: " + GUSER + "\r\nSubject: saved-by-neomutt\r\n"
            + "Message-ID: <saved-by-neomutt@example.org>\r\nDate: Sun, 01 Feb 2026 00:00:00 +0000\r\n\r\n"
            + "Filed away.\r\nWith a second line.\r\n").getBytes(StandardCharsets.US_ASCII);

    /** The fake Gmail with one unread message in the INBOX and a label Work; the engine's configuration. */
    private String account() throws Exception {
        assumeTrue(installed("neomutt"), "neomutt is not installed");
        assumeTrue(installed("tmux"), "tmux is not installed");
        google = FakeCloud.start(0);
        gmail = google.gmail();
        gmail.addAccount(GUSER, "gclient", "gsecret");
        work = gmail.addLabel(GUSER, "Work");
        id = gmail.addMessage(GUSER, raw, Instant.parse("2026-02-01T00:00:00Z"), Set.of("INBOX", "UNREAD"));
        root = tmp.resolve("gmail");
        return "me = GMail_Account(user=\"" + GUSER + "\", client_id=\"gclient\", client_secret=\"gsecret\","
                + " auth_endpoint=\"" + google.baseUri() + "oauth2/auth\", token_endpoint=\"" + google.baseUri()
                + "oauth2/token\", api_endpoint=\"" + google.baseUri() + "\")\n"
                + "GMail_Labels(me, root=\"" + root + "\")\n";
    }

    /**
     * The message in Work alone with {@code labels}, its file the message as Gmail has it with
     * {@code letters}; nothing lost or fetched again.
     */
    private void assertMovedToWork(SyncSetup s, Set<String> labels, String letters) throws Exception {
        assertEquals(labels, gmail.labelsOf(GUSER, id), "moved: in Work, no longer in INBOX");
        assertThatMaildir(root.resolve("Work")).hasMessages(1).hasMessage(raw).withFlags(letters);
        poll(s);
        assertThatMaildir(root.resolve("Work")).hasMessages(1).hasMessage(raw).withFlags(letters);
        assertThatMaildir(root.resolve("INBOX")).hasMessages(0);
        assertEquals(0, google.requests().entries().stream()
                .filter(e -> e.method().equals("GET") && e.path().matches(".*/messages/[^/]+")).count(),
                "nothing downloaded again");
        assertNoLostAndFound();
    }

    /** neomutt's save and its sync reach the daemon in one cycle: one move. */
    @Test
    void neomuttsSaveAndSyncInOneCycleMoveTheMessageInGmail() throws Exception {
        try (SyncSetup s = open(account(), google, null)) {
            poll(s);
            assertThatMaildir(root.resolve("INBOX")).hasMessages(1).hasMessage(raw);
            google.requests().clear();

            saveWithNeomutt(() -> {
                Path saved = onlyFile(root.resolve("Work"));
                assertTrue(Files.readString(saved).contains("\nContent-Length: "),
                        "neomutt wrote the message again, with a header line of its own: " + Files.readString(saved));
            });
            poll(s);

            assertEquals(1, google.requests().entries().stream()
                    .filter(e -> e.method().equals("POST") && e.path().endsWith("/messages/" + id + "/modify"))
                    .count(), "one messages.modify: " + google.requests());
            assertMovedToWork(s, Set.of(work), "S"); // read, as the saved file says
        }
    }

    /**
     * The daemon's cycle runs between neomutt's save and its sync, as its watcher makes it: the
     * save is a copy (the label added), the original's removal takes the INBOX label away. The
     * daemon leaves the original's file alone meanwhile, so that neomutt's sync removes it.
     */
    @Test
    void aCycleBetweenNeomuttsSaveAndItsSyncStillEndsWithTheMessageInWork() throws Exception {
        try (SyncSetup s = open(account(), google, null)) {
            poll(s);
            google.requests().clear();

            saveWithNeomutt(() -> {
                poll(s);
                assertEquals(Set.of("INBOX", "UNREAD", work), gmail.labelsOf(GUSER, id), "copied: the label added");
            });
            poll(s);

            // A copy keeps the message's flags: read in neomutt, it stays unread in Gmail.
            assertMovedToWork(s, Set.of(work, "UNREAD"), "");
        }
    }

    /**
     * In neomutt with the README's settings on {@code ~/mail}: {@code s =Work} on the one
     * message of the INBOX (marked read first), then {@code between} once the saved
     * file is there, then {@code $}, which removes the original; waits for each.
     */
    private void saveWithNeomutt(Step between) throws Exception {
        Path home = Files.createDirectories(tmp.resolve("home"));
        Files.createSymbolicLink(home.resolve("mail"), root); // the README's ~/mail
        Path muttrc = home.resolve("muttrc");
        // The README's settings; the test answers neomutt's questions in advance.
        Files.writeString(muttrc, readmeSnippet("neomutt") + "set delete = yes\nset confirmappend = no\n");
        socket = tmp.resolve("tmux.sock");
        env = Map.of("HOME", home.toString(), "TERM", "xterm", "LANG", "C.UTF-8");
        tmux("new-session", "-d", "-x", "160", "-y", "30", "neomutt -n -F '" + muttrc + "'");
        awaitScreen("the index", sc -> sc.contains("saved-by-neomutt"));
        awaitScreen("the message shown new", sc -> indexLine(sc).matches("\\s*\\d+\\s+N.*"));
        tmux("send-keys", "W"); // clear a flag: N, as reading it does
        awaitScreen("the flag prompt", sc -> sc.contains("Clear flag"));
        tmux("send-keys", "N");
        awaitScreen("the message shown read", sc -> !indexLine(sc).isEmpty()
                && !indexLine(sc).matches("\\s*\\d+\\s+N.*"));
        tmux("send-keys", "s");
        awaitScreen("the save prompt", sc -> sc.contains("Save to mailbox"));
        tmux("send-keys", "C-u"); // clear neomutt's suggestion
        tmux("send-keys", "-l", "=Work");
        tmux("send-keys", "Enter");
        await("the saved file", () -> files(root.resolve("Work")).size() == 1);
        between.run();
        awaitScreen("the saved message marked deleted", sc -> indexLine(sc).matches("\\s*\\d+\\s+D.*"));
        tmux("send-keys", "$");
        await("the original removed by neomutt's sync", () -> files(root.resolve("INBOX")).isEmpty());
        tmux("send-keys", "q");
    }

    /** The fenced block after {@code <!-- tested: NAME -->} in the README. */
    private static String readmeSnippet(String name) throws IOException {
        List<String> lines = Files.readAllLines(Path.of("README.md"));
        int i = lines.indexOf("<!-- tested: " + name + " -->");
        assertTrue(i >= 0, "the README has the " + name + " settings");
        while (!lines.get(++i).startsWith("```")) {
            assertTrue(lines.get(i).isBlank(), "the fenced block follows the marker");
        }
        StringBuilder b = new StringBuilder();
        while (!lines.get(++i).startsWith("```")) {
            b.append(lines.get(i)).append('\n');
        }
        return b.toString();
    }

    private static boolean installed(String program) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(d.isEmpty() ? "." : d, program))) {
                return true;
            }
        }
        return false;
    }

    private String tmux(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("tmux", "-S", socket.toString()));
        cmd.addAll(List.of(args));
        return run(cmd.toArray(new String[0]));
    }

    /** Runs {@code command} with the test's environment, bounded; its output, or an exception saying why not. */
    private String run(String... command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(tmp.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Path out = Files.createTempFile(tmp, "out", ".txt");
        pb.redirectOutput(out.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p = pb.start();
        if (!p.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + " did not finish within " + TIMEOUT);
        }
        String output = Files.readString(out);
        Files.delete(out);
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " exited with " + p.exitValue() + ": " + output);
        }
        return output;
    }

    /** Waits (bounded) until neomutt's screen satisfies {@code condition}. */
    private void awaitScreen(String what, Predicate<String> condition) throws Exception {
        String[] sc = {tmux("capture-pane", "-p")};
        await(what, () -> condition.test(sc[0] = tmux("capture-pane", "-p")));
    }

    private interface Check {
        boolean holds() throws Exception;
    }

    private interface Step {
        void run() throws Exception;
    }

    /** Waits (bounded) for another process: neomutt's screen or files; nothing checked depends on the pause. */
    private void await(String what, Check check) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!check.holds()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + "; the screen:\n"
                        + tmux("capture-pane", "-p"));
            }
            Thread.sleep(50);
        }
    }

    private static String indexLine(String screen) {
        return screen.lines().filter(l -> l.endsWith(" saved-by-neomutt")).findFirst().orElse("");
    }
}
