package dev.cms.cli;

import static dev.cms.testing.TextAssert.assertThatText;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cms.fakecloud.FakeCloud;
import dev.cms.store.StateLock;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every error a newcomer meets in the first minutes ends in one sentence on stderr (the
 * registration instructions for a missing client_id may take several lines) and a non-zero
 * exit code, without a stack trace or a Java class name. Each case runs the real command.
 */
class FirstRunErrorsTest {
    /** A timestamped log line of slf4j-simple as {@link Logging} configures it. */
    private static final Pattern LOG_LINE = Pattern.compile("^\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d (TRACE|DEBUG|INFO|WARN|ERROR) .*");
    private static final Pattern JAVA_CLASS = Pattern.compile("\\b(java|javax|dev|picocli|org|com)\\.[a-z]+(\\.[A-Za-z]+)+");

    @TempDir
    Path tmp;

    record Result(int code, String out, String err) {}

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Result(code, out.toString(), err.toString());
    }

    /** The real program in its own JVM, in {@code dir}, with its configuration looked up under {@code dir}. */
    private Result subprocess(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.cms.cli.Main"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        pb.environment().put("XDG_CONFIG_HOME", dir.resolve("xdg").toString());
        pb.environment().remove("BROWSER");
        pb.environment().remove("CMS_STORAGE_KEY");
        pb.environment().put("PATH", "/nonexistent");
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        try {
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the program exits by itself");
        } finally {
            p.destroyForcibly();
        }
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** What the program itself said, after any log lines. */
    private static List<String> said(String err) {
        return err.lines().filter(l -> !LOG_LINE.matcher(l).matches()).filter(l -> !l.isBlank()).toList();
    }

    /** One line "cloud-mdir-sync: ..." containing every fragment; no stack trace, no class name. */
    private static void assertOneSentence(Result r, String... fragments) {
        List<String> said = said(r.err());
        assertEquals(1, said.size(), "one line, got:\n" + r.err());
        String line = said.get(0);
        assertTrue(line.startsWith("cloud-mdir-sync: "), line);
        for (String f : fragments) {
            assertThatText(line).contains(f);
        }
        assertNoJavaInternals(r.err());
    }

    private static void assertNoJavaInternals(String err) {
        assertThatText(err, "the error (no stack trace)").doesNotContain("\tat ");
        assertThatText(err, "the error (no exception class)").doesNotContain("Exception");
        assertFalse(JAVA_CLASS.matcher(err).find(), "no Java class name:\n" + err);
    }

    private Path config(String text) throws IOException {
        Path f = tmp.resolve("cms.cfg");
        Files.writeString(f, text);
        return f;
    }

    private String gmailAccount() {
        return "GMail(\"INBOX\", GMail_Account(user=\"a@gmail.com\", client_id=\"id\", client_secret=\"s\"))\n";
    }

    @Test
    void noConfigurationFileAnywhereExitsTwoNamingWhereItLooked() throws Exception {
        Result r = subprocess(tmp, "--once");
        assertEquals(2, r.code(), r.err());
        assertOneSentence(r, "no configuration file", tmp.resolve("cms.cfg").toString(),
                tmp.resolve("xdg").resolve("cloud-mdir-sync").resolve("cms.cfg").toString(), "cms.cfg.example", "-c FILE");
    }

    @Test
    void anUnknownOptionExitsTwoAndPointsToHelp() {
        Result r = run("--onse");
        assertEquals(2, r.code());
        List<String> lines = said(r.err());
        assertEquals(2, lines.size(), r.err());
        assertTrue(lines.get(0).startsWith("cloud-mdir-sync: ") && lines.get(0).contains("--onse"), r.err());
        assertEquals("Try 'cloud-mdir-sync --help' for the options.", lines.get(1));
        assertNoJavaInternals(r.err());

        Result sub = run("status", "--frob");
        assertEquals(2, sub.code());
        assertThatText(sub.err()).contains("Try 'cloud-mdir-sync status --help'");
    }

    @Test
    void aConfigSyntaxErrorExitsTwoWithFileLineAndColumn() throws Exception {
        Path cfg = config("MailDir(\"" + tmp.resolve("mail") + "\")\ncfg.poll_interval = = 3\n");
        Result r = run("-c", cfg.toString(), "--once");
        assertEquals(2, r.code(), r.err());
        assertOneSentence(r, cfg + ":2:");
        assertFalse(Files.exists(tmp.resolve("mail")), "nothing created for a broken configuration");
    }

    @Test
    void aTakenLoginPortExitsThreeNamingThePortAndTheSetting() throws Exception {
        try (FakeCloud cloud = FakeCloud.start(0);
                ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            cloud.gmail().addAccount("bob@gmail.example", "demo-client", "demo-secret");
            String base = cloud.baseUri().toString();
            int port = taken.getLocalPort();
            Path cfg = config("MailDir(\"" + tmp.resolve("mail") + "\")\n"
                    + "GMail(\"INBOX\", GMail_Account(user=\"bob@gmail.example\", client_id=\"demo-client\",\n"
                    + "      client_secret=\"demo-secret\", auth_endpoint=\"" + base + "oauth2/auth\",\n"
                    + "      token_endpoint=\"" + base + "oauth2/token\", api_endpoint=\"" + base + "\"))\n"
                    + "cfg.message_db_dir = \"" + tmp.resolve("state") + "\"\n"
                    + "cfg.storage_key_file = \"" + tmp.resolve("storage.key") + "\"\n"
                    + "cfg.web_port = " + port + "\n");
            // Without --once nobody is at a terminal here, but the daemon would offer a login: it
            // must notice at once that the login page cannot start instead of retrying forever.
            Result r = subprocess(tmp, "-c", cfg.toString());
            assertEquals(3, r.code(), r.err());
            assertOneSentence(r, "port " + port, "cfg.web_port", "gmail:bob@gmail.example");
            assertEquals(0, cloud.requests().count("GET", ".*/messages.*"), "no mail touched");
        }
    }

    @Test
    void aLoginThatNobodyCanGiveExitsThree() throws Exception {
        Path cfg = config("MailDir(\"" + tmp.resolve("mail") + "\")\n" + gmailAccount()
                + "cfg.message_db_dir = \"" + tmp.resolve("state") + "\"\n");
        // In-process there is no console: --once cannot log in.
        Result r = run("-c", cfg.toString(), "--once");
        assertEquals(3, r.code(), r.err());
        assertOneSentence(r, "gmail:a@gmail.com", "no saved login", "in a terminal");
    }

    @Test
    void aMaildirUnderARegularFileExitsOneNamingThePath() throws Exception {
        Path file = tmp.resolve("file");
        Files.writeString(file, "not a directory");
        Path maildir = file.resolve("inbox");
        Path cfg = config("MailDir(\"" + maildir + "\")\n" + gmailAccount()
                + "cfg.message_db_dir = \"" + tmp.resolve("state") + "\"\n");
        Result r = run("-c", cfg.toString(), "--once");
        assertEquals(1, r.code(), r.err());
        assertOneSentence(r, maildir.toString());
    }

    @Test
    void aMaildirWithoutWritePermissionExitsOneNamingThePath() throws Exception {
        assumeFalse("root".equals(System.getProperty("user.name")), "permissions are not enforced for root");
        Path maildir = tmp.resolve("mail");
        Files.createDirectories(maildir.resolve("cur"));
        Files.createDirectories(maildir.resolve("new"));
        Files.createDirectories(maildir.resolve("tmp"));
        Files.setPosixFilePermissions(maildir.resolve("cur"), PosixFilePermissions.fromString("r-x------"));
        try {
            Path cfg = config("MailDir(\"" + maildir + "\")\n" + gmailAccount()
                    + "cfg.message_db_dir = \"" + tmp.resolve("state") + "\"\n");
            Result r = run("-c", cfg.toString(), "--once");
            assertEquals(1, r.code(), r.err());
            assertOneSentence(r, maildir.resolve("cur").toString(), "not writable");
        } finally {
            Files.setPosixFilePermissions(maildir.resolve("cur"), PosixFilePermissions.fromString("rwx------"));
        }
    }

    @Test
    void aStateDirectoryOnAnotherFilesystemExitsTwoNamingBothAndTheSetting() throws Exception {
        Path shm = Path.of("/dev/shm");
        assumeTrue(Files.isDirectory(shm) && Files.isWritable(shm), "/dev/shm is available");
        assumeFalse(Files.getFileStore(shm).equals(Files.getFileStore(tmp)), "/dev/shm is another filesystem");
        Path state = Files.createTempDirectory(shm, "cms-state-");
        try {
            Path maildir = tmp.resolve("mail");
            Path cfg = config("MailDir(\"" + maildir + "\")\n" + gmailAccount()
                    + "cfg.message_db_dir = \"" + state + "\"\n");
            Result r = run("-c", cfg.toString(), "--once");
            assertEquals(2, r.code(), r.err());
            assertOneSentence(r, maildir.toString(), state.toString(), "different filesystems", "cfg.message_db_dir");
            assertFalse(Files.exists(maildir), "no Maildir created");
            try (Stream<Path> s = Files.list(state)) {
                assertEquals(List.of(), s.toList(), "nothing created in the state directory");
            }
        } finally {
            try (Stream<Path> s = Files.walk(state)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    @Test
    void aGmailAccountWithoutClientIdExitsTwoWithItsPositionAndHowToRegister() throws Exception {
        Path cfg = config("MailDir(\"" + tmp.resolve("mail") + "\")\n"
                + "GMail(\"INBOX\", GMail_Account(user=\"a@gmail.com\"))\n"
                + "cfg.message_db_dir = \"" + tmp.resolve("state") + "\"\n");
        Result r = run("-c", cfg.toString(), "--once");
        assertEquals(2, r.code(), r.err());
        List<String> said = said(r.err());
        assertEquals("cloud-mdir-sync: " + cfg + ":2:16: GMail_Account(user=\"a@gmail.com\") has no client_id and"
                + " client_secret.", said.get(0));
        assertThatText(r.err()).contains("Google Cloud console", "Desktop app");
        assertNoJavaInternals(r.err());
        // Issue 12, item 6: a configuration error leaves no trace.
        assertFalse(Files.exists(tmp.resolve("mail")), "no Maildir created");
        assertFalse(Files.exists(tmp.resolve("state")), "no state directory created");
    }

    @Test
    void anOffice365AccountWithoutClientIdExitsTwoWithItsPositionAndHowToRegister() throws Exception {
        Path cfg = config("MailDir(\"" + tmp.resolve("mail") + "\")\n"
                + "work = Office365_Account(user=\"me@example.com\")\n"
                + "Office365(\"inbox\", work)\n"
                + "cfg.message_db_dir = \"" + tmp.resolve("state") + "\"\n");
        Result r = run("-c", cfg.toString(), "--once");
        assertEquals(2, r.code(), r.err());
        List<String> said = said(r.err());
        assertEquals("cloud-mdir-sync: " + cfg + ":2:8: Office365_Account(user=\"me@example.com\") has no client_id.",
                said.get(0));
        assertThatText(r.err()).contains("App registrations", "Allow public client flows");
        assertNoJavaInternals(r.err());
        assertFalse(Files.exists(tmp.resolve("mail")), "no Maildir created");
        assertFalse(Files.exists(tmp.resolve("state")), "no state directory created");
    }

    @Test
    void aSecondDaemonOnTheSameStateExitsOneNamingTheOtherProcess() throws Exception {
        Path state = tmp.resolve("state");
        Files.createDirectories(state);
        Path cfg = config("MailDir(\"" + tmp.resolve("mail") + "\")\n" + gmailAccount()
                + "cfg.message_db_dir = \"" + state + "\"\n");
        try (StateLock held = StateLock.acquire(state)) {
            Result r = run("-c", cfg.toString(), "--once");
            assertEquals(1, r.code(), r.err());
            assertOneSentence(r, "pid " + ProcessHandle.current().pid(), state.toString());
        }
    }

    @Test
    void withVerboseTheStackTraceIsShown() throws Exception {
        Path file = tmp.resolve("file");
        Files.writeString(file, "x");
        Path cfg = config("MailDir(\"" + file.resolve("inbox") + "\")\n" + gmailAccount()
                + "cfg.message_db_dir = \"" + tmp.resolve("state") + "\"\n");
        Result r = run("-c", cfg.toString(), "--once", "-v");
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().startsWith("cloud-mdir-sync: " + file.resolve("inbox")), r.err());
        assertThatText(r.err()).contains("\tat ");
    }
}
