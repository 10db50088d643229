package dev.cms.cli;

import dev.cms.config.ConfigLoader;
import dev.cms.config.SyncConfig;
import dev.cms.send.Outbox;
import dev.cms.send.OutboxClient;
import dev.cms.send.SendmailException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code outbox}: lists the mail waiting to be sent and the mail refused; sends now; drops a message. */
@Command(name = "outbox", mixinStandardHelpOptions = true, versionProvider = Version.class, sortOptions = false,
        description = {
            "List the messages waiting in the outbox (<state>/outbox/) and those the service refused",
            "(<state>/outbox/failed/, with the reason). --flush has the running daemon send now;",
            "--drop removes a message (waiting or refused) by its id or the id's first characters."})
final class OutboxCommand implements Callable<Integer> {
    @Mixin
    ConfigReading options = new ConfigReading();

    @Option(names = "--flush", description = "Have the running daemon send the waiting messages now, backoffs ignored.")
    boolean flush;

    @Option(names = "--drop", paramLabel = "ID", description = "Remove the message ID from the outbox, unsent.")
    String drop;

    @Override
    public Integer call() throws Exception {
        SyncConfig cfg = ConfigLoader.load(options.configFile());
        PrintWriter out = options.out();
        PrintWriter err = options.err();
        if (cfg.outbox() == null) {
            err.println("cloud-mdir-sync: " + cfg.file() + " declares no Outbox(...): nothing is sent (see"
                    + " docs/sending.md)");
            err.flush();
            return ExitCodes.CONFIG;
        }
        Path stateDir = cfg.settings().messageDbDir();
        Path socket = cfg.outbox().path();
        boolean running = OutboxClient.running(socket);
        String id = drop;
        if (id != null) {
            return drop(id, stateDir, running, out, err);
        }
        if (flush) {
            return flush(socket, running, out, err);
        }
        out.println("Outbox " + stateDir.resolve("outbox") + " (" + (running ? "daemon running" : "daemon not running")
                + ")");
        listing(stateDir, out);
        out.flush();
        return ExitCodes.OK;
    }

    /** {@code --drop ID}: removes one message, unless the running daemon may be sending it. */
    private static int drop(String id, Path stateDir, boolean running, PrintWriter out, PrintWriter err)
            throws IOException {
        if (!Files.isDirectory(stateDir.resolve("outbox"))) {
            return fail(err, "the outbox " + stateDir.resolve("outbox") + " does not exist yet");
        }
        Outbox outbox = Outbox.open(stateDir);
        Path file;
        try {
            file = outbox.find(id);
        } catch (IllegalArgumentException e) {
            return fail(err, e.getMessage());
        }
        Path folder = file.getParent();
        if (running && folder != null && String.valueOf(folder.getFileName()).equals("cur")) {
            return fail(err, file.getFileName() + " is being sent, or its last send's outcome is not known yet;"
                    + " stop the daemon to drop it");
        }
        String[] sm = Outbox.subjectAndMessageId(file);
        outbox.drop(file);
        out.println("Dropped " + file.getFileName() + " " + sm[1] + " \"" + sm[0] + "\"");
        out.flush();
        return ExitCodes.OK;
    }

    /** {@code --flush}: asks the running daemon to send what waits now. */
    private static int flush(Path socket, boolean running, PrintWriter out, PrintWriter err) {
        if (!running) {
            return fail(err, "no daemon is running on " + socket + "; the outbox is sent when it starts");
        }
        try {
            OutboxClient.flush(socket);
        } catch (IOException | SendmailException e) {
            return fail(err, e.getMessage());
        }
        out.println("The daemon is sending the outbox now (its log says how it goes).");
        out.flush();
        return ExitCodes.OK;
    }

    private static int fail(PrintWriter err, @Nullable String message) {
        err.println("cloud-mdir-sync: " + message);
        err.flush();
        return ExitCodes.FAILURE;
    }

    /** Every waiting and refused message, one line each (and the reason of the refused ones). */
    static void listing(Path stateDir, PrintWriter out) throws IOException {
        if (!Files.isDirectory(stateDir.resolve("outbox"))) {
            out.println("  empty");
            return;
        }
        Outbox outbox = Outbox.open(stateDir);
        List<Outbox.Entry> pending = outbox.pending();
        List<Outbox.Failed> failed = outbox.failed();
        if (pending.isEmpty() && failed.isEmpty()) {
            out.println("  empty");
        }
        for (Outbox.Entry e : pending) {
            String[] sm = Outbox.subjectAndMessageId(e.file());
            out.printf("  %-31s %-12s %s \"%s\" (%s)%n", e.id(), e.attempted() ? "perhaps-sent" : "waiting", sm[1],
                    sm[0], account(e.file()));
        }
        for (Outbox.Failed f : failed) {
            String[] sm = Outbox.subjectAndMessageId(f.file());
            out.printf("  %-31s %-12s %s \"%s\" (%s)%n", f.id(), "refused", sm[1], sm[0], account(f.file()));
            out.println("      " + f.reason());
        }
    }

    /** For {@code status}: counts, and each refused message with its subject, Message-ID and reason. */
    static void summary(Path stateDir, PrintWriter out) throws IOException {
        if (!Files.isDirectory(stateDir.resolve("outbox"))) {
            out.println("Outbox: empty");
            return;
        }
        Outbox outbox = Outbox.open(stateDir);
        List<Outbox.Entry> pending = outbox.pending();
        List<Outbox.Failed> failed = outbox.failed();
        long unsure = pending.stream().filter(Outbox.Entry::attempted).count();
        out.println("Outbox: " + pending.size() + " waiting" + (unsure > 0 ? " (" + unsure + " perhaps sent: searched"
                + " for in Sent before sending again)" : "") + ", " + failed.size() + " refused"
                + (failed.isEmpty() ? "" : " (in " + stateDir.resolve("outbox").resolve("failed")
                + "; `cloud-mdir-sync outbox --drop ID` removes one)") + (failed.isEmpty() ? "" : ":"));
        for (Outbox.Failed f : failed) {
            String[] sm = Outbox.subjectAndMessageId(f.file());
            out.println("  " + f.id() + " " + sm[1] + " \"" + sm[0] + "\": " + f.reason());
        }
    }

    private static String account(Path file) {
        try {
            return Outbox.read(file).accountKey();
        } catch (IOException e) {
            return "unreadable";
        }
    }
}
