package dev.cms.fakecloud;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The state of one fake Gmail account: messages, labels, the history counter and the history
 * log. Every change happens under one lock and publishes the new history id only after the log
 * holds the record, so a reader that read {@link #historyId()} first never misses a change
 * below it. Reads of messages and listings use concurrent structures and take no lock.
 */
final class FakeGmailMailbox {

    /** The system labels {@code labels.list} answers with, as a real account has them. */
    static final List<String> SYSTEM_LABELS =
            List.of("INBOX", "UNREAD", "STARRED", "TRASH", "SPAM", "SENT", "DRAFT", "IMPORTANT", "CHAT",
                    "CATEGORY_PERSONAL", "CATEGORY_SOCIAL", "CATEGORY_PROMOTIONS", "CATEGORY_UPDATES", "CATEGORY_FORUMS");

    /** Position of a message in a listing: newest first, ties broken by id. */
    record Key(long internalDate, String id) {
        static final Comparator<Key> ORDER = Comparator.comparingLong(Key::internalDate).reversed()
                .thenComparing(Key::id);

        String token() {
            return internalDate + ":" + id;
        }

        static Key parse(String token) {
            int colon = token.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("invalid pageToken " + token);
            }
            try {
                return new Key(Long.parseLong(token.substring(0, colon)), token.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("invalid pageToken " + token, e);
            }
        }
    }

    /** Labels and history id of a message; replaced as a whole on each change. */
    record State(Set<String> labels, long historyId) { }

    /**
     * One stored message; the bytes never change. They are kept only in the padded base64url
     * form (RFC 4648 §5) that {@code format=raw} serves, so serving never re-encodes and a large
     * mailbox costs 4/3 of its size, not 7/3; the admin and metadata paths decode on demand.
     */
    static final class Message {
        final String id;
        final String threadId;
        final int size;
        final long internalDate;
        final String snippet;
        private final byte[] base64Url;
        volatile State state;

        Message(String id, byte[] raw, long internalDate, State state) {
            this.id = id;
            this.threadId = id;
            this.size = raw.length;
            this.base64Url = Base64.getUrlEncoder().encode(raw);
            this.internalDate = internalDate;
            this.snippet = snippet(raw);
            this.state = state;
        }

        Key key() {
            return new Key(internalDate, id);
        }

        /** The raw bytes in padded base64url; callers must not modify the array. */
        byte[] base64Url() {
            return base64Url;
        }

        /** A fresh copy of the raw bytes. */
        byte[] raw() {
            return Base64.getUrlDecoder().decode(base64Url);
        }
    }

    /** Message keys in listing order with an O(1) size (a skip list's own size() walks it). */
    static final class Index {
        final NavigableSet<Key> keys = new ConcurrentSkipListSet<>(Key.ORDER);
        private final AtomicInteger size = new AtomicInteger();

        void add(Key key) {
            if (keys.add(key)) {
                size.incrementAndGet();
            }
        }

        void remove(Key key) {
            if (keys.remove(key)) {
                size.decrementAndGet();
            }
        }

        int size() {
            return size.get();
        }
    }

    enum Change { ADDED, DELETED, LABELS }

    /** One history record: a change to one message, with its labels before and after. */
    record HistoryRecord(long id, Change change, String messageId, String threadId,
                         Set<String> before, Set<String> after, long atMillis) {
        Set<String> added() {
            Set<String> s = new TreeSet<>(after);
            s.removeAll(before);
            return s;
        }

        Set<String> removed() {
            Set<String> s = new TreeSet<>(before);
            s.removeAll(after);
            return s;
        }
    }

    record Page(List<Message> messages, String nextPageToken, int resultSizeEstimate) { }

    record HistoryPage(List<HistoryRecord> records, String nextPageToken, long historyId) { }

    /** The start history id is older than the history kept. */
    static final class HistoryExpiredException extends Exception {
        HistoryExpiredException(long start, long oldest) {
            super("startHistoryId " + start + " is older than the oldest kept history " + oldest, null, false, false);
        }
    }

    final String email;
    private final Object lock = new Object();
    private final Random random;
    private final Map<String, Message> messages = new ConcurrentHashMap<>();
    private final Map<String, Index> byLabel = new ConcurrentHashMap<>();
    private final Index all = new Index();
    private final ConcurrentSkipListMap<Long, HistoryRecord> log = new ConcurrentSkipListMap<>();
    private final Map<String, String> userLabels = new LinkedHashMap<>(); // guarded by lock
    private volatile Map<String, String> labelSnapshot = Map.of();
    private volatile long historyId;
    private volatile long oldestHistoryId;
    private final Clock clock;
    private Duration horizon; // guarded by lock
    private long idSequence;
    private int labelCounter;

    FakeGmailMailbox(String email, Clock clock, Duration horizon) {
        this.email = email;
        this.clock = clock;
        this.horizon = horizon;
        this.random = new Random(email.hashCode());
        this.historyId = 1000 + random.nextInt(1000);
        this.oldestHistoryId = historyId;
        for (String label : SYSTEM_LABELS) {
            byLabel.put(label, new Index());
        }
    }

    long historyId() {
        return historyId;
    }

    int messageCount() {
        return messages.size();
    }

    /**
     * labels.get's messagesTotal and messagesUnread: every message carrying the label, TRASH
     * and SPAM ones included (unlike a listing), and of those the ones carrying UNREAD.
     */
    int[] labelCounts(String labelId) {
        synchronized (lock) {
            Index index = byLabel.get(labelId);
            int total = 0;
            int unread = 0;
            if (index != null) {
                for (Key key : index.keys) {
                    Message m = messages.get(key.id());
                    if (m != null && m.state.labels().contains(labelId)) {
                        total++;
                        if (m.state.labels().contains("UNREAD")) {
                            unread++;
                        }
                    }
                }
            }
            return new int[] {total, unread};
        }
    }

    Message message(String id) {
        return messages.get(id);
    }

    /** User labels by id, in the order they were created (as labels.list answers). */
    Map<String, String> userLabels() {
        return labelSnapshot;
    }

    boolean labelExists(String id) {
        return byLabel.containsKey(id);
    }

    /** Null when every id is a label of this account, else the first unknown one. */
    String firstUnknownLabel(Collection<String> ids) {
        for (String id : ids) {
            if (!labelExists(id)) {
                return id;
            }
        }
        return null;
    }

    String addLabel(String name) {
        synchronized (lock) {
            boolean taken = SYSTEM_LABELS.contains(name.toUpperCase(Locale.ROOT))
                    || userLabels.values().stream().anyMatch(n -> n.equalsIgnoreCase(name));
            if (taken) {
                throw new IllegalArgumentException("label name already exists in " + email + ": " + name);
            }
            String id = "Label_" + (++labelCounter);
            userLabels.put(id, name);
            labelSnapshot = Collections.unmodifiableMap(new LinkedHashMap<>(userLabels));
            byLabel.put(id, new Index());
            return id;
        }
    }

    /**
     * Renames user label {@code id} (labels.patch with a name); false when there is no such user
     * label. Its messages keep it: a rename changes no message and leaves no history record.
     */
    boolean renameLabel(String id, String name) {
        synchronized (lock) {
            if (!userLabels.containsKey(id)) {
                return false;
            }
            boolean taken = SYSTEM_LABELS.contains(name.toUpperCase(Locale.ROOT)) || userLabels.entrySet().stream()
                    .anyMatch(e -> !e.getKey().equals(id) && e.getValue().equalsIgnoreCase(name));
            if (taken) {
                throw new IllegalArgumentException("label name already exists in " + email + ": " + name);
            }
            userLabels.put(id, name);
            labelSnapshot = Collections.unmodifiableMap(new LinkedHashMap<>(userLabels));
            return true;
        }
    }

    /**
     * Deletes user label {@code id} (labels.delete): it is taken off every message that has it
     * (a labelsRemoved history record each), then forgotten. False when there is no such user label.
     */
    boolean deleteLabel(String id) {
        synchronized (lock) {
            if (!userLabels.containsKey(id)) {
                return false;
            }
            List<String> carrying = new ArrayList<>();
            for (Message m : messages.values()) {
                if (m.state.labels().contains(id)) {
                    carrying.add(m.id);
                }
            }
            carrying.sort(null);
            modify(carrying, Set.of(), Set.of(id));
            userLabels.remove(id);
            labelSnapshot = Collections.unmodifiableMap(new LinkedHashMap<>(userLabels));
            byLabel.remove(id);
            return true;
        }
    }

    String addMessage(byte[] raw, long internalDate, Set<String> labels) {
        String unknown = firstUnknownLabel(labels);
        if (unknown != null) {
            throw new IllegalArgumentException("unknown label " + unknown + " for " + email);
        }
        synchronized (lock) {
            String id;
            do {
                id = String.format("%016x", ((internalDate & 0x7FFFFFFFFFFL) << 20) | (idSequence++ & 0xFFFFF));
            } while (messages.containsKey(id));
            long h = nextHistoryId();
            Message m = new Message(id, raw, internalDate, new State(Set.copyOf(labels), h));
            messages.put(id, m);
            all.add(m.key());
            for (String label : labels) {
                byLabel.get(label).add(m.key());
            }
            publish(h, Change.ADDED, m, Set.of(), m.state.labels());
            return id;
        }
    }

    /**
     * Adds and removes labels on each known message; unknown ids are skipped. A message whose
     * labels do not change gets no history record and keeps its history id.
     *
     * @return the messages found, in the order of {@code ids}
     */
    List<Message> modify(Collection<String> ids, Collection<String> add, Collection<String> remove) {
        return modify(ids, add, remove, true);
    }

    /** {@link #modify}, with {@code record} false: no history record (a change the history API lost). */
    List<Message> modify(Collection<String> ids, Collection<String> add, Collection<String> remove,
            boolean record) {
        String unknown = firstUnknownLabel(add);
        if (unknown == null) {
            unknown = firstUnknownLabel(remove);
        }
        if (unknown != null) {
            throw new IllegalArgumentException("Invalid label: " + unknown);
        }
        List<Message> found = new ArrayList<>();
        synchronized (lock) {
            for (String id : ids) {
                Message m = messages.get(id);
                if (m == null) {
                    continue;
                }
                found.add(m);
                Set<String> before = m.state.labels();
                Set<String> after = new HashSet<>(before);
                after.addAll(add);
                after.removeAll(remove);
                if (after.equals(before)) {
                    continue;
                }
                long h = record ? nextHistoryId() : m.state.historyId();
                m.state = new State(Set.copyOf(after), h);
                for (String label : add) {
                    byLabel.get(label).add(m.key());
                }
                for (String label : remove) {
                    byLabel.get(label).remove(m.key());
                }
                if (record) {
                    publish(h, Change.LABELS, m, before, m.state.labels());
                }
            }
        }
        return found;
    }

    /** Deletes permanently; false when no such message. */
    boolean delete(String id) {
        synchronized (lock) {
            Message m = messages.remove(id);
            if (m == null) {
                return false;
            }
            all.remove(m.key());
            for (String label : m.state.labels()) {
                byLabel.get(label).remove(m.key());
            }
            publish(nextHistoryId(), Change.DELETED, m, m.state.labels(), Set.of());
            return true;
        }
    }

    /** Forgets all history: any older start id now answers 404. */
    void expireHistory() {
        synchronized (lock) {
            log.clear();
            oldestHistoryId = historyId;
        }
    }

    /**
     * Messages carrying every label in {@code labelIds}, newest first. TRASH and SPAM messages
     * only appear when one of those labels is asked for, or with {@code includeSpamTrash}.
     */
    Page list(List<String> labelIds, String pageToken, int max, boolean includeSpamTrash) {
        Index driver = all;
        for (String label : labelIds) {
            Index index = byLabel.get(label);
            if (index == null) {
                return new Page(List.of(), null, 0);
            }
            if (driver == all || index.size() < driver.size()) {
                driver = index;
            }
        }
        boolean includeHidden = includeSpamTrash || labelIds.contains("TRASH") || labelIds.contains("SPAM");
        NavigableSet<Key> from = pageToken == null ? driver.keys : driver.keys.tailSet(Key.parse(pageToken), false);
        List<Message> out = new ArrayList<>();
        String next = null;
        for (Key key : from) {
            Message m = messages.get(key.id());
            if (m == null) {
                continue;
            }
            Set<String> labels = m.state.labels();
            if (!labels.containsAll(labelIds)
                    || (!includeHidden && (labels.contains("TRASH") || labels.contains("SPAM")))) {
                continue;
            }
            if (out.size() == max) {
                next = out.get(out.size() - 1).key().token();
                break;
            }
            out.add(m);
        }
        return new Page(out, next, driver.size());
    }

    /**
     * History records after {@code start} (or after the page token), oldest first.
     *
     * @param labelId when not null, only records about a message that had the label before or after
     * @param types when not empty, only records of these changes
     */
    HistoryPage history(long start, String labelId, Set<Change> types, String pageToken, int max)
            throws HistoryExpiredException {
        synchronized (lock) {
            pruneHistory(clock.millis());
        }
        long current = historyId; // read before the log: every record up to it is already there
        if (start < oldestHistoryId) {
            throw new HistoryExpiredException(start, oldestHistoryId);
        }
        long after = start;
        if (pageToken != null) {
            try {
                after = Math.max(after, Long.parseLong(pageToken));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("invalid pageToken " + pageToken, e);
            }
        }
        List<HistoryRecord> out = new ArrayList<>();
        String next = null;
        if (after < current) {
            for (HistoryRecord r : log.subMap(after, false, current, true).values()) {
                if (labelId != null && !r.before().contains(labelId) && !r.after().contains(labelId)) {
                    continue;
                }
                if (!types.isEmpty() && !types.contains(r.change())) {
                    continue;
                }
                if (out.size() == max) {
                    next = Long.toString(out.get(out.size() - 1).id());
                    break;
                }
                out.add(r);
            }
        }
        return new HistoryPage(out, next, current);
    }

    /** Not under lock by itself: callers hold {@link #lock}. */
    private long nextHistoryId() {
        return historyId + 1 + random.nextInt(3);
    }

    private void publish(long id, Change change, Message m, Set<String> before, Set<String> after) {
        long now = clock.millis();
        log.put(id, new HistoryRecord(id, change, m.id, m.threadId, before, after, now));
        historyId = id;
        pruneHistory(now);
    }

    /** Drops records older than the horizon; a start id below the newest dropped one is then too old. */
    private void pruneHistory(long now) {
        long limit = now - horizon.toMillis();
        Map.Entry<Long, HistoryRecord> first;
        while ((first = log.firstEntry()) != null && first.getValue().atMillis() < limit) {
            log.remove(first.getKey());
            oldestHistoryId = Math.max(oldestHistoryId, first.getKey());
        }
    }

    /** Records older than {@code horizon} are forgotten (default a week, as Gmail typically keeps). */
    void setHistoryHorizon(Duration horizon) {
        if (horizon.isNegative()) {
            throw new IllegalArgumentException("history horizon must not be negative: " + horizon);
        }
        synchronized (lock) {
            this.horizon = horizon;
            pruneHistory(clock.millis());
        }
    }

    // ---- saved state (the demo resumes its fake cloud) --------------------------------------

    /** Everything a later run needs to continue this mailbox; bodies go to {@code bodies}. */
    com.google.gson.JsonObject save(SavedBodies bodies) {
        com.google.gson.JsonObject o = new com.google.gson.JsonObject();
        synchronized (lock) {
            o.addProperty("historyId", historyId);
            o.addProperty("oldestHistoryId", oldestHistoryId);
            o.addProperty("idSequence", idSequence);
            o.addProperty("labelCounter", labelCounter);
            com.google.gson.JsonObject labels = new com.google.gson.JsonObject();
            userLabels.forEach(labels::addProperty);
            o.add("userLabels", labels);
            com.google.gson.JsonArray ms = new com.google.gson.JsonArray();
            for (Key key : all.keys) {
                Message m = messages.get(key.id());
                if (m == null) {
                    continue;
                }
                com.google.gson.JsonObject j = new com.google.gson.JsonObject();
                j.addProperty("id", m.id);
                j.addProperty("body", bodies.put(m.raw()));
                j.addProperty("internalDate", m.internalDate);
                j.add("labels", SavedJson.strings(m.state.labels()));
                j.addProperty("historyId", m.state.historyId());
                ms.add(j);
            }
            o.add("messages", ms);
            com.google.gson.JsonArray hs = new com.google.gson.JsonArray();
            for (HistoryRecord r : log.values()) {
                com.google.gson.JsonObject j = new com.google.gson.JsonObject();
                j.addProperty("id", r.id());
                j.addProperty("change", r.change().name());
                j.addProperty("messageId", r.messageId());
                j.addProperty("threadId", r.threadId());
                j.add("before", SavedJson.strings(r.before()));
                j.add("after", SavedJson.strings(r.after()));
                j.addProperty("at", r.atMillis());
                hs.add(j);
            }
            o.add("history", hs);
        }
        return o;
    }

    /** Replaces this mailbox's contents by a saved state. */
    void restore(com.google.gson.JsonObject o, SavedBodies bodies) {
        synchronized (lock) {
            messages.clear();
            byLabel.clear();
            for (Key k : List.copyOf(all.keys)) {
                all.remove(k);
            }
            log.clear();
            userLabels.clear();
            for (String label : SYSTEM_LABELS) {
                byLabel.put(label, new Index());
            }
            for (Map.Entry<String, com.google.gson.JsonElement> e : o.getAsJsonObject("userLabels").entrySet()) {
                userLabels.put(e.getKey(), e.getValue().getAsString());
                byLabel.put(e.getKey(), new Index());
            }
            labelSnapshot = Collections.unmodifiableMap(new LinkedHashMap<>(userLabels));
            labelCounter = o.get("labelCounter").getAsInt();
            idSequence = o.get("idSequence").getAsLong();
            for (com.google.gson.JsonElement e : o.getAsJsonArray("messages")) {
                com.google.gson.JsonObject j = e.getAsJsonObject();
                Set<String> labels = SavedJson.stringSet(j.getAsJsonArray("labels"));
                Message m = new Message(j.get("id").getAsString(), bodies.get(j.get("body").getAsString()),
                        j.get("internalDate").getAsLong(), new State(labels, j.get("historyId").getAsLong()));
                messages.put(m.id, m);
                all.add(m.key());
                for (String label : labels) {
                    byLabel.computeIfAbsent(label, k -> new Index()).add(m.key());
                }
            }
            for (com.google.gson.JsonElement e : o.getAsJsonArray("history")) {
                com.google.gson.JsonObject j = e.getAsJsonObject();
                long id = j.get("id").getAsLong();
                log.put(id, new HistoryRecord(id, Change.valueOf(j.get("change").getAsString()),
                        j.get("messageId").getAsString(), j.get("threadId").getAsString(),
                        SavedJson.stringSet(j.getAsJsonArray("before")), SavedJson.stringSet(j.getAsJsonArray("after")),
                        j.get("at").getAsLong()));
            }
            oldestHistoryId = o.get("oldestHistoryId").getAsLong();
            historyId = o.get("historyId").getAsLong();
        }
    }

    private static String snippet(byte[] raw) {
        int start = 0;
        for (int i = 0; i + 3 < raw.length; i++) {
            if (raw[i] == '\r' && raw[i + 1] == '\n' && raw[i + 2] == '\r' && raw[i + 3] == '\n') {
                start = i + 4;
                break;
            }
        }
        int end = Math.min(raw.length, start + 400);
        String text = new String(raw, start, end - start, StandardCharsets.UTF_8).replaceAll("\\s+", " ").trim();
        return text.length() > 100 ? text.substring(0, 100) : text;
    }
}
