package dev.cms.cli;

import static dev.cms.testing.TextAssert.assertThatText;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.store.StateLock;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {
    @TempDir
    Path tmp;

    record Result(int code, String out, String err) {}

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Result(code, out.toString(), err.toString());
    }

    /** Like {@link #run(String...)}, with the program's clock replaced by {@code ticker}. */
    static Result run(dev.cms.time.Ticker ticker, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        picocli.CommandLine cl = CmsCommand.commandLine();
        ((CmsCommand) cl.getCommand()).ticker = ticker;
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    private Path config(String text) throws Exception {
        Path f = tmp.resolve("cms.cfg");
        Files.writeString(f, text);
        return f;
    }

    @Test
    void checkPrintsWhatWouldBeSyncedAndExitsZero() throws Exception {
        Path cfg = config("inbox = MailDir(\"" + tmp.resolve("mail") + "\")\n"
                + "GMail(\"INBOX\", GMail_Account(user=\"a@gmail.com\", client_id=\"id\", client_secret=\"s\"))\n");
        Result r = run("check", "-c", cfg.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith(cfg + ": OK"), r.out());
        assertThatText(r.out()).contains("a@gmail.com", "INBOX");
        assertFalse(Files.exists(tmp.resolve("mail")), "check touches nothing");
    }

    @Test
    void checkReportsTheErrorWithItsPositionAndExitsTwo() throws Exception {
        Path cfg = config("MailDir(\"~/mail\")\n\ndef direct_message(msg):\n    return 1\n");
        Result r = run("check", "-c", cfg.toString());
        assertEquals(2, r.code());
        assertThatText(r.err()).contains(cfg + ":3:1:", "Route");
        assertThatText(r.err(), "no stack trace without -v").doesNotContain("at dev.cms");
    }

    @Test
    void aMissingConfigFileIsOneClearSentence() throws Exception {
        Result r = run("check", "-c", tmp.resolve("nope.cfg").toString());
        assertEquals(2, r.code());
        assertThatText(r.err()).contains("nope.cfg");
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void noConfigAnywhereSaysWhereItLooked() throws Exception {
        ConfigOption o = new ConfigOption();
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(dev.cms.config.ConfigException.class,
                () -> ConfigOption.resolve(null, tmp, java.util.Map.of("XDG_CONFIG_HOME", tmp.resolve("xdg").toString())));
        assertThatText(e.getMessage()).contains("cms.cfg.example");
        assertThatText(e.getMessage()).contains(tmp.resolve("xdg").resolve("cloud-mdir-sync").toString());
        assertEquals(null, o.file);
    }

    @Test
    void anUnknownOptionExitsTwoWithAHint() {
        Result r = run("--frobnicate");
        assertEquals(2, r.code());
        assertThatText(r.err()).contains("--frobnicate", "--help");
    }

    @Test
    void helpAndVersionWork() {
        Result help = run("--help");
        assertEquals(0, help.code());
        assertThatText(help.out()).contains("--offline", "check", "status");
        Result v = run("--version");
        assertEquals(0, v.code());
        assertTrue(v.out().startsWith("cloud-mdir-sync "), v.out());
        assertEquals(0, run("status", "--help").code());
        assertEquals(0, run("check", "--help").code());
    }

    @Test
    void everySubcommandExplainsItselfWithHelp() {
        java.util.Map<String, String[]> expected = new java.util.LinkedHashMap<>();
        expected.put("demo", new String[] {"Try it: the real daemon against an embedded fake cloud", "[DIR]",
            "--messages=N", "--cloud-changes", "default: 300"});
        expected.put("check", new String[] {"Validate a configuration without network access", "--config=FILE"});
        expected.put("status", new String[] {"Show what state.db knows", "--config=FILE", "read-only"});
        expected.put("oauth", new String[] {"Get an OAuth2 token", "--user=USER@DOMAIN", "--cms_sock=PATH", "--proto",
            "--output"});
        for (var e : expected.entrySet()) {
            Result r = run(e.getKey(), "--help");
            assertEquals(0, r.code(), e.getKey() + ": " + r.err());
            assertTrue(r.out().startsWith("Usage: cloud-mdir-sync " + e.getKey()), r.out());
            for (String fragment : e.getValue()) {
                assertThatText(r.out(), e.getKey() + " --help").contains(fragment);
            }
            assertEquals("", r.err(), e.getKey());
        }
        for (String sub : new String[] {"demo", "check", "status"}) {
            Result v = run(sub, "--version");
            assertEquals(0, v.code());
            assertTrue(v.out().startsWith("cloud-mdir-sync "), v.out());
        }
    }

    @Test
    void topLevelHelpListsExitCodes() {
        Result help = run("--help");
        assertThatText(help.out()).contains("Exit codes:");
        assertTrue(help.out().matches("(?s).*3\\s+authentication failure.*"), help.out());
        assertThatText(help.out()).contains("--device-code");
    }

    @Test
    void aSecondDaemonOnTheSameStateIsRefused() throws Exception {
        Path state = tmp.resolve("state");
        Path cfg = config("MailDir(\"" + tmp.resolve("mail") + "\")\n"
                + "GMail(\"INBOX\", GMail_Account(user=\"a@gmail.com\", client_id=\"id\", client_secret=\"s\"))\n"
                + "cfg.message_db_dir = \"" + state + "\"\n");
        Files.createDirectories(state);
        try (StateLock held = StateLock.acquire(state)) {
            Result r = run("-c", cfg.toString(), "--once");
            assertEquals(1, r.code(), r.err());
            assertThatText(r.err()).contains("already using " + state, "pid " + ProcessHandle.current().pid());
        }
    }

    @Test
    void statusBeforeAnyCycleSaysSo() throws Exception {
        Path state = tmp.resolve("state");
        Path cfg = config("MailDir(\"" + tmp.resolve("mail") + "\")\n"
                + "GMail(\"INBOX\", GMail_Account(user=\"a@gmail.com\", client_id=\"id\", client_secret=\"s\"))\n"
                + "cfg.message_db_dir = \"" + state + "\"\n");
        Result r = run("status", "-c", cfg.toString());
        assertEquals(0, r.code(), r.err());
        assertThatText(r.out()).contains("No state yet");
    }

    @Test
    void statusShowsCountsLastCycleAndTokenWhileTheStateIsInUse() throws Exception {
        Path state = tmp.resolve("state");
        Path mail = tmp.resolve("mail");
        Path cfg = config("MailDir(\"" + mail + "\")\n"
                + "GMail(\"INBOX\", GMail_Account(user=\"a@gmail.com\", client_id=\"id\", client_secret=\"s\"))\n"
                + "cfg.message_db_dir = \"" + state + "\"\n");
        dev.cms.provider.memory.InMemoryMailbox cloud =
                dev.cms.provider.memory.InMemoryMailbox.likeGmail("gmail:a@gmail.com:INBOX");
        for (int i = 0; i < 3; i++) {
            cloud.add(("Subject: " + i + "\r\n\r\nbody " + i + "\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    dev.cms.model.Flags.NONE, null);
        }
        dev.cms.time.FakeTicker clock = new dev.cms.time.FakeTicker();
        try (StateLock lock = StateLock.acquire(state);
                dev.cms.store.StateDb db = dev.cms.store.StateDb.open(state.resolve("state.db"), clock)) {
            dev.cms.store.MessageStore store = dev.cms.store.MessageStore.open(state);
            dev.cms.sync.SyncEngine engine = new dev.cms.sync.SyncEngine(
                    java.util.List.of(dev.cms.maildir.MaildirFolder.open(mail)), java.util.List.of(cloud),
                    dev.cms.sync.Router.defaultOnly(), store, db, false, clock,
                    dev.cms.sync.Progress.NONE);
            assertTrue(engine.runCycle().ok());

            clock.advance(java.time.Duration.ofSeconds(150));
            Result r = run(clock, "status", "-c", cfg.toString());
            assertEquals(0, r.code(), r.err());
            String row = r.out().lines().filter(l -> l.startsWith("gmail:a@gmail.com:INBOX")).findFirst().orElseThrow();
            // The cycle's time and status's now both come from the program's clock.
            assertTrue(row.matches("gmail:a@gmail.com:INBOX\\s+3\\s+\\d{4}-.*\\(2 min ago\\)\\s+yes.*"), row);
            assertThatText(r.out()).contains("daemon running, pid " + ProcessHandle.current().pid());
            assertThatText(r.out()).contains("none saved: a login will be needed");
        }
    }

    /** Issue 12, item 7: {@code -c FILE} before the sub-command's name is the sub-command's. */
    @Test
    void aConfigGivenBeforeTheSubcommandIsUsedByIt() throws Exception {
        Path state = tmp.resolve("state");
        Path cfg = tmp.resolve("elsewhere.cfg");
        Files.writeString(cfg, "MailDir(\"" + tmp.resolve("mail") + "\")\n"
                + "GMail(\"INBOX\", GMail_Account(user=\"a@gmail.com\", client_id=\"id\", client_secret=\"s\"))\n"
                + "cfg.message_db_dir = \"" + state + "\"\n");
        Result status = run("-c", cfg.toString(), "status");
        assertEquals(0, status.code(), status.err());
        assertTrue(status.out().startsWith("State directory: " + state), status.out());
        Result check = run("-v", "--config", cfg.toString(), "check");
        assertEquals(0, check.code(), check.err());
        assertTrue(check.out().startsWith(cfg + ": OK"), check.out());
        // The sub-command's own -c wins over one given before it.
        Result own = run("-c", tmp.resolve("nope.cfg").toString(), "check", "-c", cfg.toString());
        assertEquals(0, own.code(), own.err());
    }

    /** Issue 12, item 7: {@code help} and {@code help COMMAND} print usage, exit 0. */
    @Test
    void helpCommandShowsTheUsageOfACommand() {
        Result top = run("help");
        assertEquals(0, top.code(), top.err());
        assertTrue(top.out().startsWith("Usage: cloud-mdir-sync"), top.out());
        assertThatText(top.out()).contains("help");
        Result status = run("help", "status");
        assertEquals(0, status.code(), status.err());
        assertTrue(status.out().startsWith("Usage: cloud-mdir-sync status"), status.out());
        assertEquals(run("status", "--help").out(), status.out());
        Result unknown = run("help", "frobnicate");
        assertTrue(unknown.code() != 0, unknown.out());
    }

    /**
     * Issue 12, item 15: at 80 columns no help text is broken inside a word or a path
     * ({@code ~/.} / {@code config/...}): wherever a line ends and the next continues, the
     * description has a space or a new line there.
     */
    @Test
    void helpTextsWrapOnlyBetweenWords() {
        picocli.CommandLine top = CmsCommand.commandLine();
        java.util.List<picocli.CommandLine> commands = new java.util.ArrayList<>(java.util.List.of(top));
        commands.addAll(top.getSubcommands().values());
        for (picocli.CommandLine cl : commands) {
            picocli.CommandLine.Model.CommandSpec spec = cl.getCommandSpec();
            StringBuilder source = new StringBuilder(String.join("\n", spec.usageMessage().description()));
            for (picocli.CommandLine.Model.ArgSpec a : spec.args()) {
                source.append('\n').append(String.join("\n", a.description()));
            }
            String text = source.toString().replace("${DEFAULT-VALUE}", "");
            StringWriter help = new StringWriter();
            cl.usage(new PrintWriter(help), picocli.CommandLine.Help.Ansi.OFF);
            java.util.List<String> lines = help.toString().lines().toList();
            for (int i = 0; i + 1 < lines.size(); i++) {
                String[] left = lines.get(i).strip().split(" ");
                String[] right = lines.get(i + 1).strip().split(" ");
                String last = left[left.length - 1];
                String first = right[0];
                if (last.isEmpty() || first.isEmpty()) {
                    continue;
                }
                boolean joined = text.contains(last + first);
                boolean atSpace = text.contains(last + " " + first) || text.contains(last + "\n" + first);
                assertFalse(joined && !atSpace, spec.qualifiedName() + " --help breaks \"" + last + first
                        + "\" between lines:\n" + help);
            }
        }
    }

    /** Issue 12, item 6: check rejects what the daemon rejects: a missing client_id. */
    @Test
    void checkRejectsAnAccountWithoutClientIdAndCreatesNothing() throws Exception {
        Path cfg = config("MailDir(\"" + tmp.resolve("mail") + "\")\n"
                + "work = Office365_Account(user=\"me@example.com\")\n"
                + "Office365(\"inbox\", work)\n"
                + "cfg.message_db_dir = \"" + tmp.resolve("state") + "\"\n");
        Result r = run("check", "-c", cfg.toString());
        assertEquals(2, r.code(), r.out());
        assertTrue(r.err().startsWith("cloud-mdir-sync: " + cfg + ":2:8: Office365_Account(user=\"me@example.com\")"
                + " has no client_id."), r.err());
        assertThatText(r.out()).doesNotContain("OK");
        assertFalse(Files.exists(tmp.resolve("mail")), "check creates no Maildir");
        assertFalse(Files.exists(tmp.resolve("state")), "check creates no state directory");
    }

    /** Issue 12, item 6: check rejects a state directory on another filesystem than a Maildir. */
    @Test
    void checkRejectsAStateDirectoryOnAnotherFilesystem() throws Exception {
        Path other = dev.cms.store.SecondFilesystem.directoryOnOtherFilesystemThan(tmp);
        try {
            Path state = other.resolve("state");
            Path maildir = tmp.resolve("mail");
            Path cfg = config("MailDir(\"" + maildir + "\")\n"
                    + "GMail(\"INBOX\", GMail_Account(user=\"a@gmail.com\", client_id=\"id\", client_secret=\"s\"))\n"
                    + "cfg.message_db_dir = \"" + state + "\"\n");
            Result r = run("check", "-c", cfg.toString());
            assertEquals(2, r.code(), r.out() + r.err());
            assertThatText(r.err()).contains(maildir + " and the state directory " + state + " are on different filesystems",
                    "cfg.message_db_dir");
            assertFalse(Files.exists(maildir), "check creates no Maildir");
            assertFalse(Files.exists(state), "check creates no state directory");
        } finally {
            dev.cms.store.SecondFilesystem.deleteTree(other);
        }
    }
}
