package dev.cms.fakecloud;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What one half of the fake cloud "delivered" when a client sent mail: per message, the sending
 * account, its {@code Message-ID}, the envelope recipients (from {@code To:}, {@code Cc:} and
 * {@code Bcc:}, as the Graph and Gmail APIs take them) and the bytes the recipients get (without
 * {@code Bcc:}). Tests assert on it. Also the sending faults: a recipient the service refuses, and
 * sends that succeed but whose answer is lost (the connection closes unanswered).
 */
public final class FakeOutgoing {
    /** One message handed to the service and accepted. */
    public record Delivery(String account, String messageId, String subject, List<String> recipients,
            byte[] delivered) {
        public String deliveredText() {
            return new String(delivered, StandardCharsets.UTF_8);
        }
    }

    /** A message's parts as the fake needs them. */
    record Parsed(String messageId, String subject, List<String> recipients, byte[] withoutBcc) {}

    /**
     * A send held at the service while a test does something (kills the client): it arrives, waits
     * for {@link #release()}, and is then carried out or not as {@code deliver} said.
     */
    public static final class Hold {
        private final boolean deliver;
        private final java.util.concurrent.CountDownLatch arrived = new java.util.concurrent.CountDownLatch(1);
        private final java.util.concurrent.CountDownLatch released = new java.util.concurrent.CountDownLatch(1);

        Hold(boolean deliver) {
            this.deliver = deliver;
        }

        /** Waits until the held send reached the service; false on timeout. */
        public boolean awaitArrival(java.time.Duration timeout) throws InterruptedException {
            return arrived.await(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        }

        public void release() {
            released.countDown();
        }

        boolean deliver() {
            return deliver;
        }

        void block() {
            arrived.countDown();
            try {
                released.await(120, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private final List<Delivery> deliveries = new ArrayList<>();
    private Hold hold;
    private final Set<String> refused = new HashSet<>();
    private int dropAnswers;
    private int sendAttempts;

    /** Every accepted message, in order. */
    public synchronized List<Delivery> deliveries() {
        return List.copyOf(deliveries);
    }

    /** How many accepted messages carry this {@code Message-ID}. */
    public synchronized int count(String messageId) {
        int n = 0;
        for (Delivery d : deliveries) {
            if (d.messageId().equals(messageId)) {
                n++;
            }
        }
        return n;
    }

    /** Requests to send seen so far, accepted or not (throttled ones included only when they reach the service). */
    public synchronized int sendAttempts() {
        return sendAttempts;
    }

    /** Sends to {@code address} are refused (400) from now on. */
    public synchronized void refuseRecipient(String address) {
        refused.add(address.toLowerCase(Locale.ROOT));
    }

    /** The next {@code n} sends are carried out, then their connection closes without an answer. */
    public synchronized void dropAnswersAfterSending(int n) {
        dropAnswers = n;
    }

    /**
     * Holds the next send at the service: with {@code deliver} it is carried out (delivered, in
     * Sent) before it waits, else it waits and is then answered 503 without being carried out.
     */
    public synchronized Hold holdNextSend(boolean deliver) {
        hold = new Hold(deliver);
        return hold;
    }

    synchronized Hold takeHold() {
        Hold h = hold;
        hold = null;
        return h;
    }

    synchronized void attempt() {
        sendAttempts++;
    }

    /** The refused recipient among {@code recipients}, or null. */
    synchronized String refusedAmong(List<String> recipients) {
        for (String r : recipients) {
            if (refused.contains(r.toLowerCase(Locale.ROOT))) {
                return r;
            }
        }
        return null;
    }

    /** Records the delivery; throws {@link LoopbackServer.ConnectionReset} when its answer is to be lost. */
    synchronized void delivered(String account, Parsed p, String path) {
        deliveries.add(new Delivery(account, p.messageId(), p.subject(), p.recipients(), p.withoutBcc()));
        if (dropAnswers > 0) {
            dropAnswers--;
            throw new LoopbackServer.ConnectionReset(path);
        }
    }

    /** Reads the header fields of a MIME message (CRLF or LF). */
    static Parsed parse(byte[] mime) {
        String text = new String(mime, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        int sep = 4;
        int lfEnd = text.indexOf("\n\n");
        if (end < 0 || (lfEnd >= 0 && lfEnd < end)) {
            end = lfEnd;
            sep = 2;
        }
        String head = end < 0 ? text : text.substring(0, end);
        List<String[]> fields = new ArrayList<>();
        for (String line : head.split("\r?\n")) {
            if ((line.startsWith(" ") || line.startsWith("\t")) && !fields.isEmpty()) {
                String[] last = fields.get(fields.size() - 1);
                last[1] = last[1] + " " + line.strip();
            } else if (line.indexOf(':') > 0) {
                fields.add(new String[] {line.substring(0, line.indexOf(':')).strip(),
                    line.substring(line.indexOf(':') + 1).strip()});
            }
        }
        String messageId = null;
        String subject = "";
        List<String> recipients = new ArrayList<>();
        for (String[] f : fields) {
            String name = f[0].toLowerCase(Locale.ROOT);
            switch (name) {
                case "message-id" -> messageId = messageId == null ? f[1] : messageId;
                case "subject" -> subject = f[1];
                case "to", "cc", "bcc" -> {
                    for (String a : addresses(f[1])) {
                        if (!recipients.contains(a)) {
                            recipients.add(a);
                        }
                    }
                }
                default -> { }
            }
        }
        int headLen = end < 0 ? text.length() : end + sep / 2; // the header with its last line end
        StringBuilder out = new StringBuilder();
        boolean skipping = false;
        for (String line : text.substring(0, headLen).split("(?<=\n)")) {
            boolean continuation = line.startsWith(" ") || line.startsWith("\t");
            if (!continuation) {
                skipping = line.regionMatches(true, 0, "Bcc:", 0, 4);
            }
            if (!skipping) {
                out.append(line);
            }
        }
        out.append(text, headLen, text.length());
        byte[] withoutBcc = out.toString().getBytes(StandardCharsets.ISO_8859_1);
        return new Parsed(messageId, subject, List.copyOf(recipients), withoutBcc);
    }

    /** The addr-specs of an address list (display names, quotes and groups understood well enough for tests). */
    static List<String> addresses(String list) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < list.length(); i++) {
            char c = list.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (!quoted && (c == ',' || c == ';')) {
                add(out, cur.toString());
                cur.setLength(0);
                continue;
            } else if (!quoted && c == ':' && cur.indexOf("@") < 0) {
                cur.setLength(0);
                continue;
            }
            cur.append(c);
        }
        add(out, cur.toString());
        return out;
    }

    private static void add(List<String> out, String part) {
        String p = part.strip();
        int lt = p.lastIndexOf('<');
        int gt = p.lastIndexOf('>');
        if (lt >= 0 && gt > lt) {
            p = p.substring(lt + 1, gt).strip();
        } else if (p.contains("\"")) {
            p = p.substring(p.lastIndexOf('"') + 1).strip();
        }
        if (p.contains("@")) {
            out.add(p);
        }
    }
}
