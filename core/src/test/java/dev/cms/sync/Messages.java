package dev.cms.sync;

import java.nio.charset.StandardCharsets;

/** Small RFC 5322 test messages with CRLF line endings, as the services serve them. */
final class Messages {
    private Messages() {}

    static byte[] message(String id, String extraHeaders, int bodyBytes) {
        StringBuilder sb = new StringBuilder();
        sb.append("From: Alice <alice@example.com>\r\n");
        sb.append("To: Bob <bob@example.com>\r\n");
        sb.append("Subject: test message ").append(id).append("\r\n");
        sb.append("Message-ID: <").append(id).append("@example.com>\r\n");
        sb.append("Date: Sat, 21 Nov 2026 10:00:00 +0000\r\n");
        if (extraHeaders != null) {
            sb.append(extraHeaders);
        }
        sb.append("\r\n");
        int line = 0;
        while (sb.length() < bodyBytes) {
            sb.append("Line ").append(line++).append(" of message ").append(id).append(" with some text.\r\n");
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    static byte[] message(String id) {
        return message(id, null, 300);
    }
}
