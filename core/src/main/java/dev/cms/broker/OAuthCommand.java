package dev.cms.broker;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code cloud-mdir-sync oauth} / {@code cms-oauth}: gets a token from a running daemon's CredentialServer. */
@Command(name = "oauth", sortOptions = false,
        description = {
            "Get an OAuth2 token for msmtp, exim, mutt or mbsync from the running daemon.",
            "The daemon serves it through CredentialServer(...) in cms.cfg (see docs/smtp.md,",
            "docs/imap.md); also installed as the cms-oauth script.",
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:token printed / test login succeeded", "1:no token or the test login failed",
            "2:bad command line"})
public final class OAuthCommand implements Callable<Integer> {
    enum Proto { SMTP, IMAP }

    @Option(names = "--user", required = true, paramLabel = "USER@DOMAIN",
            description = "The account to get a token for, as declared in the configuration.")
    String user;

    @Option(names = "--cms_sock", required = true, paramLabel = "PATH",
            description = "The daemon's CredentialServer socket.")
    Path socket;

    @Option(names = "--proto", defaultValue = "SMTP", paramLabel = "SMTP|IMAP",
            description = "The protocol the token is for (it selects the OAuth scope). Default: ${DEFAULT-VALUE}.")
    Proto proto;

    @Option(names = "--output", defaultValue = "xoauth2", converter = OutputConverter.class,
            paramLabel = "xoauth2|xoauth2-b64|token",
            description = {
                "xoauth2 (default): the XOAUTH2 string,",
                "user=..^Aauth=Bearer ..^A^A;",
                "xoauth2-b64: its base64, as sent after AUTH XOAUTH2;",
                "token: the bare access token."})
    Output output;

    @Option(names = "--no_newline", description = "Print no newline after the output.")
    boolean noNewline;

    @Option(names = "--test-smtp", paramLabel = "HOST[:PORT]",
            description = {"Instead of printing, log in to this SMTP server (port " + MailCheck.SMTP_PORT
                    + ", STARTTLS required) with XOAUTH2, e.g.", "smtp.office365.com or smtp.gmail.com."})
    String testSmtp;

    @Option(names = "--test-imap", paramLabel = "HOST[:PORT]",
            description = {"Instead of printing, log in to this IMAP server (IMAPS, port " + MailCheck.IMAPS_PORT
                    + ") with XOAUTH2, e.g.", "outlook.office365.com or imap.gmail.com."})
    String testImap;

    @Option(names = "--test-plain",
            description = "With --test-smtp/--test-imap: speak clear text without TLS (IMAP port "
                    + MailCheck.IMAP_PORT + "). Only for a local test server: the host must be loopback.")
    boolean testPlain;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Spec
    CommandSpec spec;

    Duration timeout = BrokerClient.DEFAULT_TIMEOUT;

    /** Runs {@code args} as the whole command line ({@code cms-oauth}), printing to {@code out} and {@code err}. */
    static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new OAuthCommand());
        cl.setOut(out);
        cl.setErr(err);
        try {
            return cl.execute(args);
        } finally {
            out.flush();
            err.flush();
        }
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (testSmtp != null && testImap != null) {
            throw new ParameterException(spec.commandLine(), "--test-smtp and --test-imap are mutually exclusive");
        }
        String target = testSmtp != null ? testSmtp : testImap;
        if (target == null) {
            if (testPlain) {
                throw new ParameterException(spec.commandLine(), "--test-plain needs --test-smtp or --test-imap");
            }
            return OAuthClient.printToken(socket, proto.name(), user, output, !noNewline, timeout, out, err);
        }
        boolean smtp = testSmtp != null;
        MailCheck.HostPort hp;
        try {
            hp = MailCheck.HostPort.parse(target, smtp ? MailCheck.SMTP_PORT
                    : testPlain ? MailCheck.IMAP_PORT : MailCheck.IMAPS_PORT);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), (smtp ? "--test-smtp: " : "--test-imap: ") + e.getMessage());
        }
        if (testPlain && !MailCheck.isLoopback(hp.host())) {
            throw new ParameterException(spec.commandLine(), "--test-plain is only allowed for a loopback host"
                    + " (localhost, 127.0.0.1, ::1), not " + hp.host() + ": a token must not cross a network in clear text");
        }
        String protocol = smtp ? "SMTP" : "IMAP";
        String xoauth2;
        try {
            xoauth2 = BrokerClient.fetch(socket, protocol, user, timeout);
        } catch (BrokerClientException e) {
            err.println("cms-oauth: " + e.getMessage());
            err.flush();
            return OAuthClient.FAILURE;
        }
        String token = Xoauth2.requireToken(xoauth2); // BrokerClient.fetch checked the answer
        return smtp ? MailCheck.smtp(hp, testPlain, user, token, out, err)
                : MailCheck.imap(hp, testPlain, user, token, out, err);
    }

    static final class OutputConverter implements CommandLine.ITypeConverter<Output> {
        @Override
        public Output convert(String value) {
            Output o = Output.of(value);
            if (o == null) {
                throw new CommandLine.TypeConversionException(
                        "expected one of xoauth2, xoauth2-b64, token but was '" + value + "'");
            }
            return o;
        }
    }
}
