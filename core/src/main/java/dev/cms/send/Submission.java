package dev.cms.send;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A message made ready to send, as sendmail would: its recipients (the command line's, and with
 * {@code -t} those of {@code To:}, {@code Cc:}, {@code Bcc:}), {@code Date:} and
 * {@code Message-ID:} added when missing, and the account that sends it.
 *
 * <p>The Graph and Gmail APIs have no envelope: they deliver to the addresses in {@code To:},
 * {@code Cc:} and {@code Bcc:} and keep {@code Bcc:} from the recipients. So the message sent
 * carries one {@code Bcc:} field listing every recipient not in {@code To:} or {@code Cc:} (the
 * original {@code Bcc:} addresses and those named only on the command line), and a {@code To:} or
 * {@code Cc:} address that is not a recipient is refused: it would be delivered anyway.
 *
 * @param message the message to hand to the service, CRLF line ends
 */
public record Submission(SendAccount account, String messageId, String subject, List<String> recipients,
        byte[] message) {

    /** What the command line asked for. */
    public record Options(boolean readRecipients, List<String> recipients, @Nullable String envelopeFrom,
            @Nullable String fullName, @Nullable String account, boolean dotEnds) {
        public Options {
            recipients = List.copyOf(recipients);
        }
    }

    /** How far past the largest service limit input is read before it is refused. */
    static final int READ_LIMIT = SendAccount.GMAIL_MAX_BYTES + 1;
    private static final DateTimeFormatter RFC5322_DATE =
            DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT);
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * Reads a message from {@code in} as sendmail does: LF or CRLF line ends; unless
     * {@code -i}/{@code -oi}, a line holding a single dot ends it. Returns LF line ends.
     *
     * @throws SendmailException {@link SysExits#DATAERR} when it is empty or longer than any service takes
     */
    static byte[] read(InputStream in, boolean dotEnds) throws SendmailException, IOException {
        InputDecoder decoder = new InputDecoder(dotEnds);
        byte[] buf = new byte[65536];
        long total = 0;
        int n;
        outer:
        while ((n = in.read(buf)) > 0) {
            total += n;
            if (total > READ_LIMIT) {
                throw new SendmailException(SysExits.DATAERR, "the message is larger than "
                        + SendAccount.GMAIL_MAX_BYTES / (1024 * 1024) + " MB, the most Gmail (and more than Office365)"
                        + " sends; nothing was queued");
            }
            for (int i = 0; i < n; i++) {
                if (decoder.accept(buf[i])) {
                    break outer;
                }
            }
        }
        byte[] msg = decoder.finish();
        if (isBlank(msg)) {
            throw new SendmailException(SysExits.DATAERR, "empty message on standard input: nothing to send");
        }
        return msg;
    }

    private static boolean isBlank(byte[] msg) {
        for (byte b : msg) {
            if (b != '\n' && b != ' ' && b != '\t' && b != '\r') {
                return false;
            }
        }
        return true;
    }

    /**
     * Turns sendmail input into LF line ends, byte by byte: a CR before LF is dropped, a lone CR
     * kept; with {@code dotEnds}, a line holding a single dot ends the input.
     */
    private static final class InputDecoder {
        private final boolean dotEnds;
        private final ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        private boolean lineStart = true;
        private boolean dotLine = false; // the current line so far is "."
        private boolean pendingCr = false;

        InputDecoder(boolean dotEnds) {
            this.dotEnds = dotEnds;
        }

        /** Takes one input byte; true when it ended the input (the newline of a dot line). */
        boolean accept(byte b) {
            if (pendingCr) {
                pendingCr = false;
                if (b != '\n') {
                    out.write('\r');
                    lineStart = false;
                    dotLine = false;
                }
            }
            if (b == '\r') {
                pendingCr = true;
                return false;
            }
            if (b == '\n') {
                if (dotEnds && dotLine) {
                    byte[] all = out.toByteArray();
                    out.reset();
                    out.write(all, 0, all.length - 1); // without the "."
                    dotLine = false;
                    return true;
                }
                out.write('\n');
                lineStart = true;
                dotLine = false;
                return false;
            }
            dotLine = lineStart && b == '.';
            lineStart = false;
            out.write(b);
            return false;
        }

        /** The message read so far, once the input has ended. */
        byte[] finish() {
            if (pendingCr) {
                out.write('\r');
            }
            byte[] msg = out.toByteArray();
            if (dotEnds && dotLine && msg.length > 0 && msg[msg.length - 1] == '.') {
                // A final "." without a newline also ends the input.
                msg = java.util.Arrays.copyOf(msg, msg.length - 1);
            }
            return msg;
        }
    }

    /**
     * Prepares {@code input} (LF line ends, as {@link #read} gives) for one of {@code accounts}.
     *
     * @param now the time for a missing {@code Date:}
     * @throws SendmailException with sendmail's exit code and a one-line reason
     */
    public static Submission prepare(byte[] input, Options opts, List<SendAccount> accounts, Instant now, ZoneId zone)
            throws SendmailException {
        byte[] msg = withoutMboxSeparator(input);
        HeaderSection h = HeaderSection.parse(msg);
        if (h.fields.isEmpty()) {
            throw new SendmailException(SysExits.DATAERR, "not an RFC 5322 message: it has no header fields");
        }
        String fromHeader = h.first("From");
        List<String> fromAddresses = fromHeader == null ? List.of() : Addresses.parse(fromHeader);
        if (fromHeader != null && fromAddresses.isEmpty()) {
            throw new SendmailException(SysExits.DATAERR, "the From: field holds no address: "
                    + Addresses.quote(fromHeader));
        }
        SendAccount account = chooseAccount(opts, fromAddresses, accounts);
        Recipients recipients = recipients(opts, h, account);

        // The fields added to the header: the ones sendmail adds when missing, and the Bcc: that
        // replaces the original ones.
        List<String> added = new ArrayList<>();
        if (fromHeader == null) {
            added.add("From: " + defaultFrom(opts, account));
        }
        if (!recipients.hidden().isEmpty()) {
            added.add("Bcc: " + String.join(",\n ", recipients.hidden()));
        }
        if (h.first("Date") == null) {
            added.add("Date: " + RFC5322_DATE.format(now.atZone(zone)));
        }
        String messageId = h.first("Message-ID");
        if (messageId == null || messageId.isBlank()) {
            messageId = newMessageId(account.user(), now);
            added.add("Message-ID: " + messageId);
        }
        byte[] prepared = rewrite(msg, h, added);
        if (prepared.length > account.maxBytes()) {
            throw new SendmailException(SysExits.DATAERR, "the message is " + mb(prepared.length) + ", more than the "
                    + mb(account.maxBytes()) + " " + account.service() + " sends for " + account.user()
                    + "; nothing was queued");
        }
        String subject = h.first("Subject");
        return new Submission(account, messageId.strip(), subject == null ? "" : subject,
                recipients.all(), prepared);
    }

    /** Drops an mbox separator ("From " line) some programs write first. */
    private static byte[] withoutMboxSeparator(byte[] input) {
        if (!startsWith(input, "From ")) {
            return input;
        }
        int start = 0;
        while (start < input.length && input[start] != '\n') {
            start++;
        }
        start = Math.min(input.length, start + 1);
        return java.util.Arrays.copyOfRange(input, start, input.length);
    }

    /**
     * Who receives the message ({@code all}, each once, in order), and which of them are not in
     * {@code To:} or {@code Cc:} ({@code hidden}: the message's one {@code Bcc:} field).
     */
    private record Recipients(List<String> all, List<String> hidden) {
    }

    private static Recipients recipients(Options opts, HeaderSection h, SendAccount account)
            throws SendmailException {
        // The command line's, plus with -t the header's; each once, in order.
        Map<String, String> recipients = new LinkedHashMap<>();
        for (String arg : opts.recipients()) {
            addChecked(recipients, Addresses.parse(arg), "recipient");
        }
        Map<String, String> visible = new LinkedHashMap<>();
        for (String name : List.of("To", "Cc")) {
            for (HeaderSection.Field f : h.all(name)) {
                addChecked(visible, Addresses.parse(f.value()), name + ":");
            }
        }
        List<String> bcc = new ArrayList<>();
        for (HeaderSection.Field f : h.all("Bcc")) {
            for (String a : Addresses.parse(f.value())) {
                Addresses.check(a, "Bcc:");
                bcc.add(a);
            }
        }
        if (opts.readRecipients()) {
            visible.forEach(recipients::putIfAbsent);
            for (String a : bcc) {
                recipients.putIfAbsent(key(a), a);
            }
        }
        if (recipients.isEmpty()) {
            throw new SendmailException(SysExits.USAGE, "no recipients: name them on the command line, or use -t to"
                    + " take them from To:, Cc: and Bcc:");
        }
        for (Map.Entry<String, String> e : visible.entrySet()) {
            if (!recipients.containsKey(e.getKey())) {
                throw new SendmailException(SysExits.DATAERR, Addresses.quote(e.getValue()) + " is in To:/Cc: but"
                        + " not among the recipients; " + account.service() + " delivers to every To: and Cc: address"
                        + " (use -t, or name it on the command line)");
            }
        }
        List<String> hidden = new ArrayList<>();
        recipients.forEach((k, a) -> {
            if (!visible.containsKey(k)) {
                hidden.add(a);
            }
        });
        return new Recipients(List.copyOf(recipients.values()), hidden);
    }

    private static void addChecked(Map<String, String> into, List<String> addresses, String where)
            throws SendmailException {
        for (String a : addresses) {
            Addresses.check(a, where);
            into.putIfAbsent(key(a), a);
        }
    }

    private static String defaultFrom(Options opts, SendAccount account) {
        String from = opts.envelopeFrom() != null && account.isAddress(opts.envelopeFrom())
                ? opts.envelopeFrom() : account.user();
        String name = opts.fullName();
        return name == null || name.isBlank() ? from : phrase(name) + " <" + from + ">";
    }

    /**
     * The message as sent: its header fields but {@code Bcc:}, then {@code added}, then the body,
     * all with CRLF line ends.
     */
    private static byte[] rewrite(byte[] msg, HeaderSection h, List<String> added) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(msg.length + msg.length / 32 + 512);
        for (HeaderSection.Field f : h.fields) {
            if (!f.is("Bcc")) {
                crlf(out, f.name() + ":" + f.raw());
            }
        }
        for (String field : added) {
            crlf(out, field);
        }
        out.write('\r');
        out.write('\n');
        for (int i = h.bodyStart; i < msg.length; i++) {
            if (msg[i] == '\n') {
                out.write('\r');
            }
            out.write(msg[i]);
        }
        return out.toByteArray();
    }

    private static SendAccount chooseAccount(Options opts, List<String> fromAddresses, List<SendAccount> accounts)
            throws SendmailException {
        if (opts.account() != null) {
            for (SendAccount a : accounts) {
                if (a.isAddress(opts.account()) || a.key().equalsIgnoreCase(opts.account())) {
                    return a;
                }
            }
            throw new SendmailException(SysExits.NOUSER, "unknown account " + Addresses.quote(opts.account())
                    + " (--account): the Outbox sends for " + users(accounts));
        }
        List<String> candidates = new ArrayList<>(fromAddresses);
        if (opts.envelopeFrom() != null) {
            candidates.add(opts.envelopeFrom());
        }
        for (String c : candidates) {
            for (SendAccount a : accounts) {
                if (a.isAddress(c)) {
                    return a;
                }
            }
        }
        if (accounts.size() == 1) {
            return accounts.get(0);
        }
        if (candidates.isEmpty()) {
            throw new SendmailException(SysExits.NOUSER, "no From: field and no --account: which of "
                    + users(accounts) + " sends it?");
        }
        throw new SendmailException(SysExits.NOUSER, "no account sends as " + Addresses.quote(candidates.get(0))
                + ": the Outbox sends for " + users(accounts) + "; choose one with --account");
    }

    private static String users(List<SendAccount> accounts) {
        List<String> u = new ArrayList<>();
        for (SendAccount a : accounts) {
            u.add(a.user());
        }
        return String.join(", ", u);
    }

    static String newMessageId(String user, Instant now) {
        byte[] r = new byte[9];
        RANDOM.nextBytes(r);
        String domain = user.substring(user.lastIndexOf('@') + 1);
        return "<" + Long.toString(now.toEpochMilli(), 36) + "." + HexFormat.of().formatHex(r) + ".cms@" + domain + ">";
    }

    private static String phrase(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c >= 0x80) {
                // RFC 2047: the header stays 7-bit.
                return "=?UTF-8?B?" + java.util.Base64.getEncoder()
                        .encodeToString(name.getBytes(StandardCharsets.UTF_8)) + "?=";
            }
        }
        return "\"" + name.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static void crlf(ByteArrayOutputStream out, String field) {
        byte[] b = field.replace("\r\n", "\n").replace("\n", "\r\n").getBytes(StandardCharsets.US_ASCII);
        out.write(b, 0, b.length);
        out.write('\r');
        out.write('\n');
    }

    private static String key(String address) {
        return address.toLowerCase(Locale.ROOT);
    }

    private static boolean startsWith(byte[] b, String prefix) {
        if (b.length < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (b[i] != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    static String mb(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / (1024.0 * 1024.0));
    }
}
