package dev.cms.cli;

import picocli.CommandLine;

/** Entry point: sets up logging from the verbosity flags, then runs the picocli command. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("sendmail")) {
            // sendmail's own command line, untouched by picocli (-oi, -f FROM, --, ...).
            exitWith(() -> SendmailCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length)));
            return;
        }
        exitWith(() -> run(args));
    }

    /**
     * Runs {@code command} and exits with its code; a fatal {@link Error} (out of memory, a
     * stack overflow), in any thread, ends the process with status 1 at once. {@link
     * Runtime#halt} because the daemon's shutdown hook would otherwise report success.
     */
    static void exitWith(java.util.function.IntSupplier command) {
        Thread.setDefaultUncaughtExceptionHandler((thread, e) -> {
            if (e instanceof Error) {
                fatal(e);
            }
            System.err.print("Exception in thread \"" + thread.getName() + "\" ");
            e.printStackTrace();
        });
        int code;
        try {
            code = command.getAsInt();
        } catch (Error e) {
            fatal(e);
            return;
        }
        System.exit(code);
    }

    private static void fatal(Throwable e) {
        try {
            String what = e instanceof OutOfMemoryError ? "out of memory (" + e.getMessage()
                    + "); JAVA_OPTS=-Xmx... gives the JVM more" : e.toString();
            org.slf4j.LoggerFactory.getLogger(Main.class).error("fatal error: {}; exiting with status 1", what);
        } finally {
            Runtime.getRuntime().halt(ExitCodes.FAILURE);
        }
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
