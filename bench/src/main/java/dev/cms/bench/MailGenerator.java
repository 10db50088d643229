package dev.cms.bench;

import dev.cms.model.Flag;
import dev.cms.model.Flags;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.SplittableRandom;

/**
 * Generates message {@code i} of a benchmark mailbox, the same for the same seed: CRLF line
 * endings, the headers a delivered message carries, a unique Message-ID and a plain-text body
 * padded to between 3/4 and 5/4 of the requested size. About a third are read, one in twenty
 * flagged, one in five read messages replied to.
 */
final class MailGenerator {
    /** Smaller sizes cannot hold the headers. */
    static final int MIN_SIZE = 800;
    private static final Instant NEWEST = Instant.parse("2026-01-01T00:00:00Z");
    private static final DateTimeFormatter RFC_5322 = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);
    private static final String STUB_PREFIX = "bench-message ";
    private static final String[] WORDS = {
        "the", "meeting", "report", "quarterly", "budget", "please", "review", "attached", "draft", "thanks",
        "schedule", "release", "build", "server", "update", "change", "request", "customer", "team", "project",
        "deadline", "agenda", "notes", "follow", "up", "on", "with", "for", "and", "to", "of", "in", "a", "we",
        "should", "could", "will", "next", "week", "Monday", "Friday", "results", "numbers", "plan", "issue",
        "fixed", "merged", "branch", "deploy", "invoice", "travel", "office", "lunch", "question", "answer",
    };
    private static final String[] NAMES = {
        "Alice", "Bob", "Carol", "Dave", "Erin", "Frank", "Grace", "Heidi", "Ivan", "Judy", "Mallory", "Oscar",
    };
    private static final String[] DOMAINS = {"example.com", "example.org", "corp.example.net", "lists.example.io"};

    private final long seed;
    private final int size;

    MailGenerator(long seed, int size) {
        if (size < MIN_SIZE) {
            throw new IllegalArgumentException("message size must be at least " + MIN_SIZE + " bytes, not " + size);
        }
        this.seed = seed;
        this.size = size;
    }

    private SplittableRandom random(int index, long stream) {
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index * 0xBF58476D1CE4E5B9L + stream);
    }

    Flags flags(int index) {
        SplittableRandom r = random(index, 1);
        Flags f = Flags.NONE;
        boolean read = r.nextInt(3) == 0;
        if (read) {
            f = f.with(Flag.READ);
        }
        if (r.nextInt(20) == 0) {
            f = f.with(Flag.FLAGGED);
        }
        if (read && r.nextInt(5) == 0) {
            f = f.with(Flag.REPLIED);
        }
        return f;
    }

    Instant received(int index) {
        return NEWEST.minusSeconds(index * 397L);
    }

    /** The full message, CRLF line endings. */
    byte[] body(int index) {
        SplittableRandom r = random(index, 2);
        int target = size * 3 / 4 + r.nextInt(size / 2 + 1);
        String date = RFC_5322.format(received(index));
        String fromName = NAMES[r.nextInt(NAMES.length)];
        String fromDomain = DOMAINS[r.nextInt(DOMAINS.length)];
        String from = fromName.toLowerCase(java.util.Locale.ROOT) + "@" + fromDomain;
        StringBuilder sb = new StringBuilder(target + 80);
        header(sb, "Return-Path: <" + from + ">");
        header(sb, "Received: from mail-" + r.nextInt(100) + "." + fromDomain + " (mail." + fromDomain + " [10."
                + r.nextInt(256) + "." + r.nextInt(256) + "." + r.nextInt(256) + "])\r\n\tby mx.bench.example with ESMTPS id "
                + Long.toHexString(r.nextLong()) + "\r\n\tfor <user@bench.example>; " + date);
        header(sb, "Date: " + date);
        header(sb, "From: " + fromName + " <" + from + ">");
        header(sb, "To: Bench User <user@bench.example>");
        header(sb, "Subject: " + words(r, 3 + r.nextInt(6)));
        header(sb, "Message-ID: <" + Long.toHexString(seed) + "." + index + "." + Long.toHexString(r.nextLong())
                + "@" + fromDomain + ">");
        if (r.nextInt(5) == 0) {
            header(sb, "List-Id: Bench list <bench.lists.example.io>");
        }
        header(sb, "MIME-Version: 1.0");
        header(sb, "Content-Type: text/plain; charset=utf-8");
        header(sb, "Content-Transfer-Encoding: 7bit");
        sb.append("\r\n");
        while (sb.length() < target) {
            StringBuilder line = new StringBuilder(80);
            while (line.length() < 60) {
                line.append(WORDS[r.nextInt(WORDS.length)]).append(' ');
            }
            line.setLength(line.length() - 1);
            sb.append(line).append("\r\n");
        }
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static void header(StringBuilder sb, String line) {
        sb.append(line).append("\r\n");
    }

    private static String words(SplittableRandom r, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(WORDS[r.nextInt(WORDS.length)]);
        }
        return sb.toString();
    }

    /** A few bytes standing for message {@code index} where the full body need not be held. */
    static byte[] stub(int index) {
        return (STUB_PREFIX + index).getBytes(StandardCharsets.US_ASCII);
    }

    /** The index a {@link #stub} names; reads the stream to its end. */
    static int indexOfStub(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(32);
        in.transferTo(buf);
        String s = buf.toString(StandardCharsets.US_ASCII);
        if (!s.startsWith(STUB_PREFIX)) {
            throw new IOException("not a benchmark message stub: '" + s + "'");
        }
        try {
            return Integer.parseInt(s.substring(STUB_PREFIX.length()));
        } catch (NumberFormatException e) {
            throw new IOException("not a benchmark message stub: '" + s + "'", e);
        }
    }
}
