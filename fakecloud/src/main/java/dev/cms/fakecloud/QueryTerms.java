package dev.cms.fakecloud;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The small part of Gmail's search syntax the fake understands, as label constraints:
 * {@code is:unread}, {@code is:starred}, {@code is:important}, {@code in:<system label>} and
 * {@code label:<name or id>}. Anything else is refused rather than silently ignored.
 */
final class QueryTerms {

    private QueryTerms() {
    }

    static List<String> labels(String q, FakeGmailMailbox box) {
        List<String> out = new ArrayList<>();
        for (String term : q.trim().split("\\s+")) {
            if (term.isEmpty()) {
                continue;
            }
            int colon = term.indexOf(':');
            String op = colon < 0 ? "" : term.substring(0, colon).toLowerCase(Locale.ROOT);
            String arg = colon < 0 ? term : term.substring(colon + 1);
            String upper = arg.toUpperCase(Locale.ROOT);
            switch (op) {
                case "is":
                    if (!upper.equals("UNREAD") && !upper.equals("STARRED") && !upper.equals("IMPORTANT")) {
                        throw unsupported(term);
                    }
                    out.add(upper);
                    break;
                case "in":
                    String label = upper.equals("DRAFTS") ? "DRAFT" : upper;
                    if (!FakeGmailMailbox.SYSTEM_LABELS.contains(label)) {
                        throw unsupported(term);
                    }
                    out.add(label);
                    break;
                case "label":
                    out.add(labelId(arg, box, term));
                    break;
                default:
                    throw unsupported(term);
            }
        }
        return out;
    }

    private static String labelId(String arg, FakeGmailMailbox box, String term) {
        if (box.labelExists(arg)) {
            return arg;
        }
        String upper = arg.toUpperCase(Locale.ROOT);
        if (FakeGmailMailbox.SYSTEM_LABELS.contains(upper)) {
            return upper;
        }
        for (Map.Entry<String, String> e : box.userLabels().entrySet()) {
            if (e.getValue().equalsIgnoreCase(arg) || e.getValue().replace(' ', '-').equalsIgnoreCase(arg)) {
                return e.getKey();
            }
        }
        throw new IllegalArgumentException("no label matches search term " + term);
    }

    private static IllegalArgumentException unsupported(String term) {
        return new IllegalArgumentException("search term not supported by the fake Gmail: " + term);
    }
}
