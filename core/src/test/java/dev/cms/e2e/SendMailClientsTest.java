package dev.cms.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cms.fakecloud.FakeGmail;
import dev.cms.fakecloud.FakeOutgoing;
import dev.cms.testing.FakeGmailCloud;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Debian's mail programs sending through cms-sendmail to the real daemon (a child JVM) and the
 * fake Gmail: mutt and neomutt with {@code set sendmail="cms-sendmail -t"} (Cc and Bcc), and
 * git send-email with {@code sendemail.sendmailCmd} (a series of 5). Each is skipped when the
 * program is not installed.
 */
class SendMailClientsTest extends ChildDaemonTestBase {
    static final Duration TIMEOUT = Duration.ofSeconds(60);

    @RegisterExtension
    final FakeGmailCloud fake = FakeGmailCloud.withAccount(SendEndToEndTest.USER, "demo-client", "demo-secret");
    FakeGmail gmail;
    Path cfg;
    Path sendmail;
    Process daemon;

    @BeforeEach
    void start() throws Exception {
        gmail = fake.gmail();
        cfg = SendEndToEndTest.config(tmp, fake.cloud());
        // What ./cms-sendmail runs, on the test's class path (the launcher itself builds a jar).
        sendmail = tmp.resolve("cms-sendmail");
        Files.writeString(sendmail, "#!/bin/sh\nexec '" + Path.of(System.getProperty("java.home"), "bin", "java")
                + "' -cp '" + System.getProperty("java.class.path") + "' dev.cms.send.SendmailMain -c '" + cfg
                + "' \"$@\"\n");
        Files.setPosixFilePermissions(sendmail, PosixFilePermissions.fromString("rwx------"));
    }

    private void startDaemon() throws Exception {
        daemon = daemons.start(true, "-c", cfg.toString());
        ChildDaemon.await(() -> ChildDaemon.unchecked(() -> daemons.log(0).contains("is logged in")), "the login",
                daemon);
    }

    private List<FakeOutgoing.Delivery> withSubject(String prefix) {
        List<FakeOutgoing.Delivery> out = new ArrayList<>();
        for (FakeOutgoing.Delivery d : gmail.outgoing().deliveries()) {
            if (d.subject().startsWith(prefix)) {
                out.add(d);
            }
        }
        return out;
    }

    private static boolean installed(String program) {
        return new File("/usr/bin/" + program).canExecute();
    }

    private void muttSends(String program) throws Exception {
        assumeTrue(installed(program), program + " is installed");
        startDaemon();
        Path rc = tmp.resolve(program + "rc");
        Files.writeString(rc, "set sendmail=\"" + sendmail + " -t\"\n"
                + "set from=\"Alice <" + SendEndToEndTest.USER + ">\"\nset use_from=yes\n"
                + "set record=\"\"\nset copy=no\nset charset=\"utf-8\"\n");
        Path body = tmp.resolve("body.txt");
        Files.writeString(body, "Sent by " + program + " through cms-sendmail.\n");
        String subject = program + " with Cc and Bcc";
        BrokerPrograms.Result r = BrokerPrograms.run(tmp, Map.of("HOME", tmp.toString(), "TERM", "dumb"),
                Files.readString(body), TIMEOUT, "/usr/bin/" + program, "-n", "-F", rc.toString(), "-s", subject,
                "-c", "dave@example.org", "-b", "erin@example.net", "carol@example.org");
        assertEquals(0, r.exit(), r.output());
        ChildDaemon.await(() -> withSubject(subject).size() == 1, "the delivery", daemon);
        FakeOutgoing.Delivery d = withSubject(subject).get(0);
        assertEquals(List.of("carol@example.org", "dave@example.org", "erin@example.net"), d.recipients());
        assertFalse(d.deliveredText().contains("erin@example.net"), "Bcc kept from the recipients");
        assertTrue(d.deliveredText().contains("Sent by " + program), d.deliveredText());
        assertTrue(d.messageId() != null && d.messageId().startsWith("<"), "mutt's own Message-ID: " + d.messageId());
        Thread.sleep(1500);
        assertEquals(1, withSubject(subject).size(), "sent once");
    }

    /** mailx (s-nail, Debian's {@code s-nail}) with {@code mta} set to cms-sendmail. */
    @Test
    void mailxSendsThroughCmsSendmail() throws Exception {
        assumeTrue(installed("s-nail"), "s-nail is installed");
        startDaemon();
        String subject = "mailx through cms-sendmail";
        BrokerPrograms.Result r = BrokerPrograms.run(tmp, Map.of("HOME", tmp.toString(), "MAILRC", "/dev/null"),
                "Sent by mailx.\n", TIMEOUT, "/usr/bin/s-nail", "-n", "-#", "-S", "mta=" + sendmail,
                "-S", "from=Alice <" + SendEndToEndTest.USER + ">", "-s", subject,
                "-c", "dave@example.org", "carol@example.org");
        assertEquals(0, r.exit(), r.output());
        ChildDaemon.await(() -> withSubject(subject).size() == 1, "the delivery", daemon);
        FakeOutgoing.Delivery d = withSubject(subject).get(0);
        assertEquals(List.of("carol@example.org", "dave@example.org"), d.recipients());
        assertTrue(d.deliveredText().contains("Sent by mailx."), d.deliveredText());
    }

    @Test
    void muttSendsWithCcAndBccThroughCmsSendmail() throws Exception {
        muttSends("mutt");
    }

    @Test
    void neomuttSendsWithCcAndBccThroughCmsSendmail() throws Exception {
        muttSends("neomutt");
    }

    @Test
    void gitSendEmailSendsASeriesOfFiveInOrder() throws Exception {
        BrokerPrograms.Result probe = BrokerPrograms.run(tmp, Map.of(), null, TIMEOUT, "git", "send-email", "-h");
        assumeTrue(!probe.output().contains("is not a git command"), "git send-email is installed");
        startDaemon();
        Path repo = tmp.resolve("repo");
        Files.createDirectories(repo);
        Map<String, String> env = Map.of("HOME", tmp.toString(), "GIT_AUTHOR_NAME", "Alice",
                "GIT_AUTHOR_EMAIL", SendEndToEndTest.USER, "GIT_COMMITTER_NAME", "Alice",
                "GIT_COMMITTER_EMAIL", SendEndToEndTest.USER);
        git(repo, env, "init", "-q");
        for (int i = 1; i <= 5; i++) {
            Files.writeString(repo.resolve("file" + i), "change " + i + "\n");
            git(repo, env, "add", "file" + i);
            git(repo, env, "commit", "-q", "-m", "series part " + i);
        }
        git(repo, env, "format-patch", "-q", "--cover-letter", "-o", "out", "--root");
        List<String> cmd = new ArrayList<>(List.of("git", "-c", "sendemail.sendmailCmd=" + sendmail,
                "send-email", "--confirm=never", "--no-chain-reply-to", "--suppress-cc=all",
                "--from=Alice <" + SendEndToEndTest.USER + ">", "--to=carol@example.org", "--cc=dave@example.org"));
        try (var files = Files.list(repo.resolve("out"))) {
            files.sorted().filter(p -> !p.getFileName().toString().startsWith("0000")).forEach(p -> cmd.add(p.toString()));
        }
        BrokerPrograms.Result r = BrokerPrograms.run(repo, env, null, TIMEOUT, cmd.toArray(new String[0]));
        assertEquals(0, r.exit(), r.output());
        ChildDaemon.await(() -> withSubject("[PATCH").size() == 5, "five deliveries", daemon);
        List<FakeOutgoing.Delivery> d = withSubject("[PATCH");
        for (int i = 0; i < 5; i++) {
            assertTrue(d.get(i).subject().contains("series part " + (i + 1)), d.get(i).subject());
            assertEquals(List.of("carol@example.org", "dave@example.org"), d.get(i).recipients());
        }
        Thread.sleep(1500);
        assertEquals(5, withSubject("[PATCH").size(), "each sent once");
    }

    private static void git(Path repo, Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("git"));
        cmd.addAll(List.of(args));
        BrokerPrograms.Result r = BrokerPrograms.run(repo, env, null, TIMEOUT, cmd.toArray(new String[0]));
        if (r.exit() != 0) {
            throw new IOException("git " + String.join(" ", args) + ": " + r.output());
        }
    }
}
