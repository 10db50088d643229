package dev.cms.cli;

import picocli.CommandLine;

/** Entry point: sets up logging from the verbosity flags, then runs the picocli command. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit code (tests call this). */
    public static int run(String... args) {
        Logging.configure(args);
        CommandLine cl = CmsCommand.commandLine();
        return cl.execute(args);
    }

    /** Runs a command line with its output captured (tests). */
    public static int run(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
        Logging.configure(args);
        CommandLine cl = CmsCommand.commandLine();
        cl.setOut(out);
        cl.setErr(err);
        try {
            return cl.execute(args);
        } finally {
            out.flush();
            err.flush();
        }
    }
}
