package dev.cms.cli;

import dev.cms.send.SendmailMain;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * {@code sendmail}: {@code cms-sendmail}'s command line and exit codes (sendmail's). {@link Main}
 * hands its arguments over untouched; this class shows it in the help and runs it when options
 * come before the sub-command's name.
 */
@Command(name = "sendmail",
        description = {
            "Send the message on standard input through the daemon's Outbox (sendmail's options:",
            "[-t] [-i|-oi] [-f FROM] [-F NAME] [--account USER] [-c CFG] [--cms_sock PATH] [--no-queue]",
            "[--] [RECIPIENT...]); exit codes are sendmail's: 0 sent or queued, 64 usage, 65 data,",
            "67 unknown account or address, 75 temporary failure (--no-queue), 78 configuration.",
            "Also installed as ./cms-sendmail."})
final class SendmailCommand implements Callable<Integer> {
    @Unmatched
    List<String> args = new ArrayList<>();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        return SendmailMain.run(args.toArray(new String[0]), System.in, spec.commandLine().getOut(),
                spec.commandLine().getErr(), System.getenv(), Clock.systemDefaultZone());
    }

    /** Runs {@code args} (after the sub-command's name) with the process's streams. */
    static int run(String[] args) {
        java.io.PrintWriter out = new java.io.PrintWriter(new java.io.OutputStreamWriter(System.out,
                StandardCharsets.UTF_8));
        java.io.PrintWriter err = new java.io.PrintWriter(new java.io.OutputStreamWriter(System.err,
                StandardCharsets.UTF_8));
        return SendmailMain.run(args, System.in, out, err, System.getenv(), Clock.systemDefaultZone());
    }
}
