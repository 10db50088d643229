package dev.cms.cli;

import static dev.cms.testing.MaildirAssert.assertThatMaildir;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cms.config.CloudMailboxSpec;
import dev.cms.model.Flag;
import dev.cms.model.Flags;
import dev.cms.provider.CloudMailbox;
import dev.cms.provider.memory.InMemoryMailbox;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code --resync} (issue 18, item 5): the first cycle ignores the saved sync tokens and lists
 * every cloud mailbox fully, once, reusing the bodies already kept.
 */
class ResyncOptionTest {
    @TempDir
    Path tmp;

    final InMemoryMailbox inbox = InMemoryMailbox.likeGmail("gmail:erin@gmail.example:INBOX");
    final InMemoryMailbox work = InMemoryMailbox.likeOffice365("o365:frank@example.com:inbox");

    private int run(String... args) throws Exception {
        Path cfg = tmp.resolve("cms.cfg");
        Files.writeString(cfg, "MailDir(\"" + tmp.resolve("mail") + "\")\n"
                + "GMail(\"INBOX\", GMail_Account(user=\"erin@gmail.example\", client_id=\"c\", client_secret=\"s\"))\n"
                + "Office365(\"inbox\", Office365_Account(user=\"frank@example.com\", client_id=\"c\"))\n"
                + "cfg.message_db_dir = \"" + tmp.resolve("state") + "\"\n");
        CommandLine cl = CmsCommand.commandLine();
        ((CmsCommand) cl.getCommand()).providers = (config, db) -> new Providers() {
            @Override
            public CloudMailbox create(CloudMailboxSpec spec) {
                return spec.mailbox().equals("INBOX") ? inbox : work;
            }

            @Override
            public void close() {}
        };
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        String[] all = new String[args.length + 2];
        all[0] = "-c";
        all[1] = cfg.toString();
        System.arraycopy(args, 0, all, 2, args.length);
        int code = cl.execute(all);
        assertEquals(ExitCodes.OK, code, err.toString());
        return code;
    }

    @Test
    void resyncListsEveryMailboxFullyOnceAndDownloadsNoBodyAgain() throws Exception {
        Instant t = Instant.parse("2026-12-01T08:00:00Z");
        String lost = inbox.add("Subject: a\n\nbody a\n".getBytes(StandardCharsets.UTF_8), Flags.NONE, t);
        inbox.add("Subject: b\n\nbody b\n".getBytes(StandardCharsets.UTF_8), Flags.of(Flag.READ), t);
        work.add("Subject: c\n\nbody c\n".getBytes(StandardCharsets.UTF_8), Flags.NONE, t);
        run("--once");
        run("--once");
        assertEquals(1, inbox.fullListings());
        assertEquals(1, work.fullListings(), "without --resync the saved tokens are used");

        inbox.setFlagsUnrecorded(lost, Flags.of(Flag.FLAGGED));
        inbox.failNextCounts(1); // the start-up check cannot see it: only --resync finds it
        run("--once", "--resync");
        assertEquals(2, inbox.fullListings());
        assertEquals(2, work.fullListings());
        assertEquals(2, inbox.bodiesServed(), "no body downloaded again");
        assertEquals(1, work.bodiesServed());
        assertThatMaildir(tmp.resolve("mail")).hasMessageContaining("body a").withFlags("F");

        run("--once");
        assertEquals(2, inbox.fullListings(), "only the cycle started with --resync");
    }
}
