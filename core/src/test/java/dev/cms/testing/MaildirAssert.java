package dev.cms.testing;

import dev.cms.maildir.MaildirName;
import dev.cms.model.ContentHash;
import dev.cms.model.Flags;
import dev.cms.store.MessageStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Assertions on a Maildir as the user sees it: the message files in {@code new/} and
 * {@code cur/} (dot files left out), named by the hash of their content, and what is left in
 * {@code tmp/}. Every failure says what the Maildir holds. The same checks read a
 * {@code lost+found/} directory: its files are messages too.
 *
 * <pre>{@code
 * assertThatMaildir(dir).hasMessages(2).hasMessage(hash).withFlags("RS");
 * assertThatMaildir(dir).hasNoMessage(gone).hasNothingIn("tmp");
 * assertThatMaildir(sent).hasMessageWithId("<e2e-1@gmail.example>").in("cur");
 * assertThatMaildir(dir).hasMessageContaining("body a").withFlags("F");
 * }</pre>
 */
public final class MaildirAssert {

    /**
     * One message file: where it is, the hash of its content, its name's parts, and the
     * {@code Message-ID} (without its angle brackets) and {@code Subject} of its header, null
     * when it has none.
     */
    public record MessageFile(Path path, String subdir, ContentHash hash, MaildirName name, String messageId,
                              String subject) {
        @Override
        public String toString() {
            return subdir + "/" + path.getFileName() + " (" + hash.shortHex() + ")"
                    + (subject == null ? "" : " \"" + subject + "\"");
        }

        /** The whole file as ISO-8859-1 text (every byte one char). */
        public String text() {
            try {
                return Files.readString(path, StandardCharsets.ISO_8859_1);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private final Path dir;
    private final List<String> subdirs;

    private MaildirAssert(Path dir, List<String> subdirs) {
        this.dir = dir;
        this.subdirs = subdirs;
    }

    /** Checks on the Maildir at {@code dir} (its {@code new/} and {@code cur/}). */
    public static MaildirAssert assertThatMaildir(Path dir) {
        return new MaildirAssert(dir, List.of("new", "cur"));
    }

    /** Checks on the files of a flat directory such as the store's {@code lost+found/}. */
    public static MaildirAssert assertThatDirectory(Path dir) {
        return new MaildirAssert(dir, List.of("."));
    }

    /** The hash a message's raw bytes (CRLF or LF) are stored under. */
    public static ContentHash hashOf(byte[] raw) {
        try {
            return MessageStore.hashOf(new ByteArrayInputStream(raw));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The message files, sorted by path. */
    public List<MessageFile> messages() {
        List<MessageFile> out = new ArrayList<>();
        for (String sub : subdirs) {
            Path d = dir.resolve(sub).normalize();
            for (Path f : list(d)) {
                String name = f.getFileName().toString();
                if (name.startsWith(".") || !Files.isRegularFile(f)) {
                    continue;
                }
                try {
                    String text = Files.readString(f, StandardCharsets.ISO_8859_1);
                    String id = header(text, "Message-ID");
                    out.add(new MessageFile(f, sub, MessageStore.hashOf(f), MaildirName.parse(name),
                            id == null ? null : id.replaceAll("^<|>$", ""), header(text, "Subject")));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        out.sort((a, b) -> a.path().compareTo(b.path()));
        return out;
    }

    /** Exactly {@code n} message files. */
    public MaildirAssert hasMessages(int n) {
        List<MessageFile> all = messages();
        if (all.size() != n) {
            throw fail("expected " + n + (n == 1 ? " message" : " messages"), all);
        }
        return this;
    }

    /** No message file. */
    public MaildirAssert isEmpty() {
        return hasMessages(0);
    }

    /** Exactly one file holds the message with this hash; further checks on it follow. */
    public MessageAssert hasMessage(ContentHash hash) {
        List<MessageFile> all = messages();
        List<MessageFile> found = all.stream().filter(m -> m.hash().equals(hash)).toList();
        if (found.size() != 1) {
            throw fail("expected one file of message " + hash.shortHex() + ", found " + found.size(), all);
        }
        return new MessageAssert(this, found.get(0));
    }

    /** As {@link #hasMessage(ContentHash)}, for a message's raw bytes. */
    public MessageAssert hasMessage(byte[] raw) {
        return hasMessage(hashOf(raw));
    }

    /** No file holds the message with this hash. */
    public MaildirAssert hasNoMessage(ContentHash hash) {
        List<MessageFile> all = messages();
        if (all.stream().anyMatch(m -> m.hash().equals(hash))) {
            throw fail("expected no file of message " + hash.shortHex(), all);
        }
        return this;
    }

    /** As {@link #hasNoMessage(ContentHash)}, for a message's raw bytes. */
    public MaildirAssert hasNoMessage(byte[] raw) {
        return hasNoMessage(hashOf(raw));
    }

    /** Exactly one file holds a message with this {@code Message-ID} (angle brackets optional). */
    public MessageAssert hasMessageWithId(String messageId) {
        String id = messageId.replaceAll("^<|>$", "");
        return one("with Message-ID <" + id + ">", m -> id.equals(m.messageId()));
    }

    /** No file holds a message with this {@code Message-ID} (angle brackets optional). */
    public MaildirAssert hasNoMessageWithId(String messageId) {
        String id = messageId.replaceAll("^<|>$", "");
        return none("with Message-ID <" + id + ">", m -> id.equals(m.messageId()));
    }

    /** Exactly one file's content (header or body) contains {@code text}. */
    public MessageAssert hasMessageContaining(String text) {
        return one("containing '" + text + "'", m -> m.text().contains(text));
    }

    /** No file's content contains {@code text}. */
    public MaildirAssert hasNoMessageContaining(String text) {
        return none("containing '" + text + "'", m -> m.text().contains(text));
    }

    private MessageAssert one(String what, java.util.function.Predicate<MessageFile> test) {
        List<MessageFile> all = messages();
        List<MessageFile> found = all.stream().filter(test).toList();
        if (found.size() != 1) {
            throw fail("expected one message " + what + ", found " + found.size(), all);
        }
        return new MessageAssert(this, found.get(0));
    }

    private MaildirAssert none(String what, java.util.function.Predicate<MessageFile> test) {
        List<MessageFile> all = messages();
        List<MessageFile> found = all.stream().filter(test).toList();
        if (!found.isEmpty()) {
            throw fail("expected no message " + what + " but found " + found, all);
        }
        return this;
    }

    /** The unfolded value of the first header field {@code name} (any case), or null. */
    static String header(String message, String name) {
        int end = message.indexOf("\n\n");
        int crlfEnd = message.indexOf("\r\n\r\n");
        if (crlfEnd >= 0 && (end < 0 || crlfEnd < end)) {
            end = crlfEnd;
        }
        String head = (end < 0 ? message : message.substring(0, end)).replaceAll("\r?\n[ \t]+", " ");
        for (String line : head.split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                return line.substring(colon + 1).trim();
            }
        }
        return null;
    }

    /** The subdirectory {@code sub} (e.g. {@code tmp}) holds no file at all, dot files included. */
    public MaildirAssert hasNothingIn(String sub) {
        List<Path> left = list(dir.resolve(sub));
        if (!left.isEmpty()) {
            throw new AssertionError("expected nothing in " + dir.resolve(sub) + " but it holds " + left.size()
                    + ": " + left.stream().map(p -> p.getFileName().toString()).sorted().toList());
        }
        return this;
    }

    private AssertionError fail(String what, List<MessageFile> all) {
        return new AssertionError(what + " in " + dir + ", which holds " + describe(all));
    }

    static String describe(List<MessageFile> all) {
        if (all.isEmpty()) {
            return "no message";
        }
        StringBuilder sb = new StringBuilder(all.size() + (all.size() == 1 ? " message:" : " messages:"));
        all.forEach(m -> sb.append("\n  ").append(m));
        return sb.toString();
    }

    private static List<Path> list(Path d) {
        if (!Files.isDirectory(d)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(d)) {
            return s.sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Checks on the one file of a message. */
    public static final class MessageAssert {
        private final MaildirAssert maildir;
        private final MessageFile file;

        MessageAssert(MaildirAssert maildir, MessageFile file) {
            this.maildir = maildir;
            this.file = file;
        }

        /** The file's managed flags are exactly these letters ({@code "FS"}, {@code ""} for none), in any order. */
        public MessageAssert withFlags(String letters) {
            return withFlags(Flags.fromLetters(letters));
        }

        /** The file's managed flags are exactly {@code flags}. */
        public MessageAssert withFlags(Flags flags) {
            if (!file.name().flags().equals(flags)) {
                throw new AssertionError("expected message " + file.hash().shortHex() + " with flags '"
                        + flags.letters() + "' but its file is " + file + "; the Maildir " + maildir.dir
                        + " holds " + describe(maildir.messages()));
            }
            return this;
        }

        /** The file is in {@code new/} or {@code cur/}. */
        public MessageAssert in(String subdir) {
            if (!file.subdir().equals(subdir)) {
                throw new AssertionError("expected message " + file.hash().shortHex() + " in " + subdir
                        + "/ but its file is " + file);
            }
            return this;
        }

        /** The file, for a change the test makes. */
        public MessageFile file() {
            return file;
        }

        /** Back to the Maildir, for more checks. */
        public MaildirAssert and() {
            return maildir;
        }
    }
}
