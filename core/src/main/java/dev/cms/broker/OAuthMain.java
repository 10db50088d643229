package dev.cms.broker;

import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * {@code cms-oauth}'s entry point. msmtp runs it for every mail it sends, so the everyday command
 * line ({@code --user}, {@code --cms_sock}, {@code --proto}, {@code --output},
 * {@code --no_newline}) is handled with JDK classes only; anything else (help, the
 * {@code --test-*} modes, mistakes) goes to the picocli {@link OAuthCommand}, which gives the
 * same results and proper messages.
 */
public final class OAuthMain {
    private OAuthMain() {}

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8));
        PrintWriter err = new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8));
        System.exit(run(args, out, err));
    }

    static int run(String[] args, PrintWriter out, PrintWriter err) {
        Map<String, String> opts = fastOptions(args);
        String socket = opts == null ? null : opts.get("--cms_sock");
        String user = opts == null ? null : opts.get("--user");
        Output output = opts == null ? null : Output.of(opts.getOrDefault("--output", "xoauth2"));
        if (opts == null || socket == null || user == null || output == null) {
            return OAuthCommand.execute(args, out, err);
        }
        return OAuthClient.printToken(Path.of(socket), opts.getOrDefault("--proto", "SMTP"), user, output,
                !opts.containsKey("--no_newline"), BrokerClient.DEFAULT_TIMEOUT, out, err);
    }

    /**
     * The options of a plain token request, or null when the command line is anything else
     * (then picocli handles it). Accepts {@code --name=value} and {@code --name value}.
     */
    static @Nullable Map<String, String> fastOptions(String[] args) {
        Map<String, String> opts = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String name = a;
            @Nullable String value = null;
            int eq = a.indexOf('=');
            if (eq > 0) {
                name = a.substring(0, eq);
                value = a.substring(eq + 1);
            }
            switch (name) {
                case "--no_newline" -> {
                    if (value != null) {
                        return null;
                    }
                    value = "";
                }
                case "--user", "--cms_sock", "--proto", "--output" -> {
                    if (value == null) {
                        if (i + 1 >= args.length || args[i + 1].startsWith("-")) {
                            return null;
                        }
                        value = args[++i];
                    }
                }
                default -> {
                    return null;
                }
            }
            if (opts.put(name, value) != null) {
                return null;
            }
        }
        boolean valid = opts.containsKey("--user") && !opts.get("--user").isEmpty()
                && opts.containsKey("--cms_sock") && !opts.get("--cms_sock").isEmpty()
                && (!opts.containsKey("--proto") || opts.get("--proto").equals("SMTP") || opts.get("--proto").equals("IMAP"))
                && (!opts.containsKey("--output") || Output.of(opts.get("--output")) != null);
        return valid ? opts : null;
    }
}
