package dev.cms.cli;

import static dev.cms.testing.TextAssert.assertThatText;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cms.config.CloudMailboxSpec;
import dev.cms.model.Flag;
import dev.cms.provider.BodySink;
import dev.cms.provider.Change;
import dev.cms.provider.CloudMailbox;
import dev.cms.provider.Listing;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Issue 18 item 2: an {@link OutOfMemoryError} in the daemon's cycle ended the process with
 * status 0 (its shutdown hook saw a finished daemon and reported success), so systemd never
 * restarted it. The daemon runs as a child JVM ({@link #main}) whose only mailbox throws
 * OutOfMemoryError when listed.
 */
class FatalErrorExitTest {
    @TempDir
    Path tmp;

    /** The child: the real command line through {@link Main#exitWith}, with a mailbox out of memory. */
    public static void main(String[] args) {
        Main.exitWith(() -> {
            CommandLine cl = CmsCommand.commandLine();
            ((CmsCommand) cl.getCommand()).providers = (config, db) -> new Providers() {
                @Override
                public CloudMailbox create(CloudMailboxSpec spec) {
                    return new OutOfMemoryMailbox();
                }

                @Override
                public void close() {}
            };
            return cl.execute("-c", args[0]);
        });
    }

    static final class OutOfMemoryMailbox implements CloudMailbox {
        @Override
        public String key() {
            return "gmail:oom@gmail.example:INBOX";
        }

        @Override
        public Set<Flag> supportedFlags() {
            return Set.of(Flag.READ);
        }

        @Override
        public Listing list(String syncToken) {
            throw new OutOfMemoryError("Java heap space");
        }

        @Override
        public void fetchBodies(Collection<String> ids, BodySink sink) {}

        @Override
        public java.util.Map<Change, String> apply(List<Change> changes) {
            return java.util.Map.of();
        }
    }

    @Test
    void outOfMemoryInTheDaemonExitsOneWithAClearLine() throws Exception {
        Path cfg = tmp.resolve("cms.cfg");
        Files.writeString(cfg, "inbox = MailDir(\"" + tmp.resolve("mail") + "\")\n"
                + "GMail(\"INBOX\", GMail_Account(user=\"oom@gmail.example\", client_id=\"id\", client_secret=\"s\"))\n"
                + "cfg.message_db_dir = \"" + tmp.resolve("state") + "\"\n");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), FatalErrorExitTest.class.getName(), cfg.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.redirectOutput(tmp.resolve("out.log").toFile());
        Process p = pb.start();
        try {
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the daemon ends");
        } finally {
            p.destroyForcibly();
        }
        String log = Files.readString(tmp.resolve("out.log"));
        assertEquals(1, p.exitValue(), log);
        assertThatText(log).contains("fatal error: out of memory (Java heap space)");
    }
}
