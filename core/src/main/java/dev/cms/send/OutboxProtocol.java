package dev.cms.send;

import java.nio.charset.StandardCharsets;

/**
 * The outbox socket's protocol. The client writes one request line and, for {@code SEND}, the
 * queued file's bytes ({@code X-CMS-Account: <key>} CRLF, then the message), and shuts down its
 * write side; the server answers one line, {@code OK [id]} or {@code ERR <exit code> <reason>},
 * and closes. {@code ACCOUNTS} is answered with the account keys the daemon sends for. {@code SEND} is answered once the message is durably queued; {@code FLUSH} sends
 * the waiting messages now, backoffs ignored.
 */
final class OutboxProtocol {
    static final String SEND = "CMS-OUTBOX 1 SEND";
    static final String FLUSH = "CMS-OUTBOX 1 FLUSH";
    /** Answered {@code OK <account key>...}: the accounts the daemon sends for. */
    static final String ACCOUNTS = "CMS-OUTBOX 1 ACCOUNTS";
    /** The largest request: a message at Gmail's limit with its account line and request line. */
    static final int MAX_REQUEST = SendAccount.GMAIL_MAX_BYTES + 4096;
    static final int MAX_ANSWER = 4096;

    private OutboxProtocol() {}

    static byte[] line(String s) {
        return (s + "\n").getBytes(StandardCharsets.UTF_8);
    }
}
