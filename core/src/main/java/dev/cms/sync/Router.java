package dev.cms.sync;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Decides which Maildir a cloud message goes to: the first matching rule, else the first
 * Maildir. Mailboxes and Maildirs are named by their index in the engine's lists.
 */
public final class Router {
    /** Messages from {@code mailbox} (-1: any) whose header matches go to Maildir {@code target}. */
    public record Rule(int target, int mailbox, @Nullable String header, @Nullable String equals,
                       @Nullable Pattern matches) {
        public Rule {
            if (header == null && (equals != null || matches != null)) {
                throw new IllegalArgumentException("equals/matches need a header");
            }
            if (header != null && (equals == null) == (matches == null)) {
                throw new IllegalArgumentException("a header rule needs exactly one of equals and matches");
            }
        }

        boolean appliesTo(int fromMailbox) {
            return mailbox < 0 || mailbox == fromMailbox;
        }
    }

    /** Looks a header up in the message being routed; null when absent. */
    @FunctionalInterface
    public interface Headers {
        @Nullable String get(String name) throws java.io.IOException;
    }

    private final List<Rule> rules;

    public Router(List<Rule> rules) {
        this.rules = List.copyOf(rules);
    }

    public static Router defaultOnly() {
        return new Router(List.of());
    }

    public int route(int fromMailbox, Headers headers) throws java.io.IOException {
        for (Rule r : rules) {
            if (!r.appliesTo(fromMailbox)) {
                continue;
            }
            if (r.header() == null) {
                return r.target();
            }
            String v = headers.get(r.header());
            if (v == null) {
                continue;
            }
            String equals = r.equals();
            boolean hit = equals != null ? equals.equals(v)
                    : Objects.requireNonNull(r.matches(), "a header rule has equals or matches").matcher(v).find();
            if (hit) {
                return r.target();
            }
        }
        return 0;
    }

    /**
     * Identifies the rules, so a routing decision stored in {@code state.db} is reused only
     * while the rules that made it are unchanged.
     */
    public String fingerprint(List<String> maildirKeys, List<String> mailboxKeys) {
        StringBuilder sb = new StringBuilder("v1");
        sb.append('|').append(maildirKeys.get(0));
        for (Rule r : rules) {
            sb.append('|').append(maildirKeys.get(r.target()))
                    .append(',').append(r.mailbox() < 0 ? "*" : mailboxKeys.get(r.mailbox()))
                    .append(',').append(r.header() == null ? "" : r.header().toLowerCase(Locale.ROOT))
                    .append(',').append(Objects.toString(r.equals(), ""))
                    .append(',').append(r.matches() == null ? "" : r.matches().pattern());
        }
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(sb.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(d, 0, 16);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
