package dev.cms.testing;

import dev.cms.fakecloud.FakeGmail;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Assertions on a message's state in the embedded fake Gmail: its labels, or that it is gone.
 * Failures name the message and the labels it has.
 *
 * <pre>{@code
 * assertThatGmail(gmail, USER).message(id).hasLabels("STARRED").lacksLabels("UNREAD", "INBOX");
 * }</pre>
 */
public final class FakeGmailAssert {
    private final FakeGmail gmail;
    private final String user;

    private FakeGmailAssert(FakeGmail gmail, String user) {
        this.gmail = gmail;
        this.user = user;
    }

    public static FakeGmailAssert assertThatGmail(FakeGmail gmail, String user) {
        return new FakeGmailAssert(gmail, user);
    }

    /** Checks on message {@code id}. */
    public Message message(String id) {
        return new Message(id);
    }

    /** Checks on one message's labels. */
    public final class Message {
        private final String id;

        Message(String id) {
            this.id = id;
        }

        private Set<String> labels() {
            Set<String> labels = gmail.labelsOf(user, id);
            if (labels == null) {
                throw new AssertionError("message " + id + " of " + user + " is deleted in the fake Gmail");
            }
            return labels;
        }

        /** It carries each of these labels (and maybe others). */
        public Message hasLabels(String... wanted) {
            return check(wanted, true, "to carry");
        }

        /** It carries none of these labels. */
        public Message lacksLabels(String... unwanted) {
            return check(unwanted, false, "without");
        }

        private Message check(String[] names, boolean present, String words) {
            Set<String> labels = labels();
            List<String> wrong = Arrays.stream(names).filter(l -> labels.contains(l) != present).toList();
            if (!wrong.isEmpty()) {
                throw new AssertionError("expected message " + id + " of " + user + " " + words + " " + wrong
                        + " but its labels are " + new TreeSet<>(labels));
            }
            return this;
        }

        /** Its labels are exactly these. */
        public Message hasExactly(String... wanted) {
            Set<String> labels = labels();
            if (!labels.equals(Set.of(wanted))) {
                throw new AssertionError("expected message " + id + " of " + user + " with the labels "
                        + new TreeSet<>(Set.of(wanted)) + " but they are " + new TreeSet<>(labels));
            }
            return this;
        }

        /** It no longer exists (deleted for good, not only trashed). */
        public void isDeleted() {
            Set<String> labels = gmail.labelsOf(user, id);
            if (labels != null) {
                throw new AssertionError("expected message " + id + " of " + user + " to be deleted but it has the labels "
                        + new TreeSet<>(labels));
            }
        }
    }
}
