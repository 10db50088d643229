package dev.cms.e2e;

import static dev.cms.testing.MaildirAssert.assertThatDirectory;
import static dev.cms.testing.MaildirAssert.assertThatMaildir;
import static dev.cms.testing.TextAssert.assertThatText;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.fakecloud.MessageGenerator;
import dev.cms.testing.FakeGmailCloud;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The real daemon as a separate process against the embedded fake Gmail: the login goes
 * through the login page with a scripted browser (curl), mail lands, a local change
 * reaches the fake, a cloud change lands after a poll, SIGTERM stops it cleanly, and a
 * restart neither logs in again nor downloads a body again.
 */
class DaemonProcessTest extends ChildDaemonTestBase {
    static final String USER = "bob@gmail.example";

    @RegisterExtension
    final FakeGmailCloud fake = FakeGmailCloud.withAccount(USER, "demo-client", "demo-secret");

    private Path writeConfig() throws IOException {
        return daemons.gmailConfig(fake.cloud(), USER);
    }

    private Process daemon(boolean withBrowser, String... args) throws IOException {
        return daemons.start(withBrowser, args);
    }

    private String log(int i) throws IOException {
        return daemons.log(i);
    }

    private long messageFiles() throws IOException {
        long n = 0;
        for (String sub : List.of("cur", "new")) {
            Path d = tmp.resolve("mail").resolve(sub);
            if (Files.isDirectory(d)) {
                try (Stream<Path> s = Files.list(d)) {
                    n += s.count();
                }
            }
        }
        return n;
    }

    private static void await(BooleanSupplier condition, String what, Process p) throws Exception {
        ChildDaemon.await(condition, what, p);
    }

    private static boolean unchecked(ChildDaemon.IoCondition c) {
        return ChildDaemon.unchecked(c);
    }

    @Test
    void daemonLogsInSyncsBothWaysStopsCleanlyAndResumes() throws Exception {
        MessageGenerator gen = new MessageGenerator(11, USER);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            MessageGenerator.Generated g = gen.text(1500);
            ids.add(fake.gmail().addMessage(USER, g.raw(), g.date(), Set.of("INBOX", "UNREAD")));
        }
        Path cfg = writeConfig();
        Process p = daemon(true, "-c", cfg.toString());
        await(() -> unchecked(() -> messageFiles() == 40), "40 messages after the login", p);

        // A local change reaches the fake.
        Path one;
        try (Stream<Path> s = Files.list(tmp.resolve("mail").resolve("new"))) {
            one = s.findFirst().orElseThrow();
        }
        Files.move(one, tmp.resolve("mail").resolve("cur").resolve(one.getFileName() + ":2,S"));
        await(() -> ids.stream().filter(id -> !fake.gmail().labelsOf(USER, id).contains("UNREAD")).count() == 1,
                "the S flag to reach the fake", p);

        // Another client's change lands after a poll.
        // A message that is still unread, so its file becomes exactly ":2,F".
        String unread = ids.stream().filter(id -> fake.gmail().labelsOf(USER, id).contains("UNREAD")).findFirst().orElseThrow();
        fake.gmail().relabel(USER, unread, Set.of("STARRED"), Set.of());
        await(() -> unchecked(() -> {
            try (Stream<Path> s = Files.list(tmp.resolve("mail").resolve("cur"))) {
                return s.anyMatch(f -> f.getFileName().toString().endsWith(":2,F"));
            }
        }), "the cloud's star to land", p);

        p.destroy(); // SIGTERM
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the daemon stops on SIGTERM");
        assertEquals(0, p.exitValue(), log(0));
        assertThatMaildir(tmp.resolve("mail")).hasMessages(40).hasNothingIn("tmp");
        assertThatDirectory(tmp.resolve("state")).hasNothingIn("tmp");
        assertThatText(log(0), "no secret in the log").doesNotContain("demo-secret");

        // Restart: the saved (encrypted) login is used, no browser, no body downloaded again.
        long gets = fake.requests().count("GET", ".*/messages/[0-9a-f]+");
        Process again = daemon(false, "-c", cfg.toString(), "--once");
        assertTrue(again.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, again.exitValue(), log(1));
        assertEquals(gets, fake.requests().count("GET", ".*/messages/[0-9a-f]+"));
        assertEquals(40, messageFiles());
        Set<String> files = new HashSet<>();
        try (Stream<Path> s = Files.list(tmp.resolve("mail").resolve("cur"))) {
            s.forEach(f -> files.add(f.getFileName().toString()));
        }
        assertTrue(files.stream().anyMatch(f -> f.endsWith(":2,S")), files.toString());
    }
}
