package dev.cms.fakecloud;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Realistic RFC 5322 messages with CRLF line endings, deterministic for a seed: From, To,
 * Subject, Date, Message-ID, MIME-Version, Content-Type, sometimes List-ID, and a text body of
 * a target size; optionally multipart/mixed with a base64 attachment. Dates start at a fixed
 * instant and advance by a few minutes per message. Not thread-safe.
 */
public final class MessageGenerator {

    /** One generated message. */
    public record Generated(byte[] raw, Instant date, String messageId, String subject) { }

    private static final Instant START = Instant.parse("2024-01-01T08:00:00Z");
    private static final DateTimeFormatter DATE =
            DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.US).withZone(ZoneOffset.UTC);
    private static final List<String> WORDS = List.of("the", "build", "fails", "again", "after", "merge",
            "patch", "review", "kernel", "driver", "memory", "please", "test", "this", "series", "thanks",
            "queue", "release", "candidate", "meeting", "tomorrow", "agenda", "budget", "report", "draft",
            "invoice", "update", "config", "server", "latency", "regression", "fix", "commit", "branch",
            "and", "of", "to", "in", "for", "with", "on", "is", "it", "we", "should", "could", "maybe");
    private static final List<String> NAMES = List.of("Alice Martin", "Bob Chen", "Carol Diaz", "Dan Okafor",
            "Eve Novak", "Frank Weber", "Grace Ito", "Heidi Larsen", "Ivan Petrov", "Judy Moreau");
    private static final List<String> DOMAINS = List.of("example.com", "example.org", "lists.example.net");
    private static final List<String> LISTS = List.of("linux-rdma.vger.example.net", "dev.lists.example.org",
            "announce.example.com");

    private final Random random;
    private final String to;
    private double listRatio = 0.3;
    private Instant clock = START;
    private long sequence;

    /**
     * @param seed the seed: the same seed yields the same messages
     * @param to the recipient address put in the To header
     */
    public MessageGenerator(long seed, String to) {
        this.random = new Random(seed);
        this.to = to;
    }

    /** The share of messages given a List-ID header (default 0.3). */
    public MessageGenerator listIdRatio(double ratio) {
        if (ratio < 0 || ratio > 1) {
            throw new IllegalArgumentException("List-ID ratio must be within [0, 1], got " + ratio);
        }
        this.listRatio = ratio;
        return this;
    }

    /** A text/plain message whose body is about {@code bodyBytes} long. */
    public Generated text(int bodyBytes) {
        Header h = header();
        StringBuilder sb = h.lines();
        sb.append("Content-Type: text/plain; charset=UTF-8\r\n");
        sb.append("Content-Transfer-Encoding: 7bit\r\n\r\n");
        sb.append(body(bodyBytes));
        return new Generated(sb.toString().getBytes(StandardCharsets.UTF_8), h.date, h.messageId, h.subject);
    }

    /** A multipart/mixed message: a text part of about {@code bodyBytes} and a base64 attachment. */
    public Generated withAttachment(int bodyBytes, int attachmentBytes) {
        Header h = header();
        String boundary = "=_part_" + Long.toHexString(random.nextLong());
        StringBuilder sb = h.lines();
        sb.append("Content-Type: multipart/mixed; boundary=\"").append(boundary).append("\"\r\n\r\n");
        sb.append("This is a multi-part message in MIME format.\r\n");
        sb.append("--").append(boundary).append("\r\n");
        sb.append("Content-Type: text/plain; charset=UTF-8\r\n\r\n");
        sb.append(body(bodyBytes));
        sb.append("--").append(boundary).append("\r\n");
        String name = "file" + sequence + ".bin";
        sb.append("Content-Type: application/octet-stream; name=\"").append(name).append("\"\r\n");
        sb.append("Content-Disposition: attachment; filename=\"").append(name).append("\"\r\n");
        sb.append("Content-Transfer-Encoding: base64\r\n\r\n");
        byte[] data = new byte[attachmentBytes];
        random.nextBytes(data);
        String encoded = Base64.getMimeEncoder(76, new byte[] {'\r', '\n'}).encodeToString(data);
        sb.append(encoded).append("\r\n");
        sb.append("--").append(boundary).append("--\r\n");
        return new Generated(sb.toString().getBytes(StandardCharsets.UTF_8), h.date, h.messageId, h.subject);
    }

    private final class Header {
        final Instant date;
        final String messageId;
        final String subject;
        final String from;
        final String listId;

        Header() {
            sequence++;
            clock = clock.plus(Duration.ofSeconds(30 + random.nextInt(600)));
            date = clock;
            String fromName = pick(NAMES);
            String domain = pick(DOMAINS);
            from = fromName + " <" + fromName.toLowerCase(Locale.ROOT).replace(' ', '.') + "@" + domain + ">";
            subject = capitalize(words(3 + random.nextInt(6)));
            messageId = "<" + Long.toHexString(random.nextLong() & Long.MAX_VALUE) + "." + sequence + "@" + domain + ">";
            listId = random.nextDouble() < listRatio ? pick(LISTS) : null;
        }

        StringBuilder lines() {
            StringBuilder sb = new StringBuilder();
            sb.append("From: ").append(from).append("\r\n");
            sb.append("To: ").append(to).append("\r\n");
            sb.append("Subject: ").append(subject).append("\r\n");
            sb.append("Date: ").append(DATE.format(date)).append("\r\n");
            sb.append("Message-ID: ").append(messageId).append("\r\n");
            if (listId != null) {
                sb.append("List-ID: <").append(listId).append(">\r\n");
            }
            sb.append("MIME-Version: 1.0\r\n");
            return sb;
        }
    }

    private Header header() {
        return new Header();
    }

    /** Lines of at most 76 characters, CRLF-terminated, totalling about {@code size} bytes. */
    private String body(int size) {
        StringBuilder out = new StringBuilder(size + 80);
        StringBuilder line = new StringBuilder();
        while (out.length() + line.length() < size) {
            String w = pick(WORDS);
            if (line.length() + w.length() + 1 > 72) {
                out.append(line).append("\r\n");
                line.setLength(0);
                if (random.nextInt(8) == 0) {
                    out.append("\r\n");
                }
            }
            if (line.length() > 0) {
                line.append(' ');
            }
            line.append(w);
        }
        if (line.length() > 0) {
            out.append(line).append("\r\n");
        }
        return out.toString();
    }

    private String words(int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(pick(WORDS));
        }
        return sb.toString();
    }

    private String pick(List<String> list) {
        return list.get(random.nextInt(list.size()));
    }

    private static String capitalize(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
