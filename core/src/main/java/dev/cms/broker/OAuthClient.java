package dev.cms.broker;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;

/** Fetches a token from the daemon and prints it; shared by the picocli command and the fast path. */
final class OAuthClient {
    static final int OK = 0;
    static final int FAILURE = 1;

    private OAuthClient() {}

    static int printToken(Path socket, String protocol, String user, Output output, boolean newline,
            Duration timeout, PrintWriter out, PrintWriter err) {
        String xoauth2;
        try {
            xoauth2 = BrokerClient.fetch(socket, protocol, user, timeout);
        } catch (BrokerClientException e) {
            err.println("cms-oauth: " + e.getMessage());
            err.flush();
            return FAILURE;
        }
        out.print(output.render(xoauth2));
        if (newline) {
            out.print('\n');
        }
        out.flush();
        return out.checkError() ? FAILURE : OK;
    }
}
