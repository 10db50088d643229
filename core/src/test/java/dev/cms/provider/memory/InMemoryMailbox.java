package dev.cms.provider.memory;

import dev.cms.model.CloudMessage;
import dev.cms.model.Flag;
import dev.cms.model.Flags;
import dev.cms.provider.BodySink;
import dev.cms.provider.Change;
import dev.cms.provider.CloudMailbox;
import dev.cms.provider.Listing;
import dev.cms.provider.MailboxCounts;
import dev.cms.provider.UploadOutcomeUnknownException;
import dev.cms.provider.UploadRefusedException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A cloud mailbox held in memory, for tests and benchmarks: it lists incrementally with a
 * change counter as token, counts every call, and fails on demand; mailboxes may share an
 * account ({@link #shareAccount}), between which it moves and copies. Other code may act as
 * "another client" through {@link #add}, {@link #setFlags} and {@link #remove}.
 * Thread-safe.
 */
public final class InMemoryMailbox implements CloudMailbox {
    /** The operations that can be made to fail. */
    public enum Op { LIST, FETCH, APPLY, UPLOAD }

    private record Msg(byte[] body, Flags flags, Instant received, long version) {}

    private final String key;
    private final Set<Flag> supported;
    private final Map<String, Msg> messages = new LinkedHashMap<>();
    /** id → version at which it was removed; ordered by version for incremental listings. */
    private final Map<String, Long> removedAt = new LinkedHashMap<>();
    private final TreeMap<Long, String> changeLog = new TreeMap<>();
    private final Map<String, String> deletedBy = new LinkedHashMap<>();
    private final Map<String, byte[]> everyBody = new java.util.HashMap<>();
    private long version;
    private long oldestToken;
    private final Map<Op, Integer> failures = new EnumMap<>(Op.class);
    private final Map<Op, AtomicLong> calls = new EnumMap<>(Op.class);
    private final AtomicLong bodiesServed = new AtomicLong();
    private final Set<String> servedIds = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final AtomicLong changesApplied = new AtomicLong();
    private final AtomicLong fullListings = new AtomicLong();
    private final AtomicLong countCalls = new AtomicLong();
    private int countFailures;
    private int countsUnknown;
    private final String deleteAction;
    private Duration pollInterval = Duration.ofSeconds(60);
    /** The account (see {@link #shareAccount}); the key when none is shared. */
    private String account;
    /** Ids drawn by every mailbox of the account, so that an id names one message account-wide. */
    private AtomicLong ids = new AtomicLong(1);
    /** A copy keeps the message's id (a Gmail label added), or gets a new one (an Office365 copy). */
    private boolean copyKeepsId = true;
    /** "move id -> key" and "copy id -> key (new id)" for every move and copy applied, in order. */
    private final List<String> transfers = new ArrayList<>();
    /** Why this mailbox takes no uploads; null: it takes them (see {@link #takeUploads}). */
    private String uploadsRefused = "this mailbox takes no new messages from files";
    /** Whether an upload is stored with a header added (as Office365 rewrites MIME). */
    private boolean rewritesUploads;
    /** The next upload is refused for good with this reason; null: none. */
    private String refuseNext;
    /** The id of every message created by {@link #upload}, in order. */
    private final List<String> uploads = new ArrayList<>();
    /** Run after each upload the mailbox took, before it answers (a test's crash point). */
    private Runnable afterUpload = () -> { };

    public InMemoryMailbox(String key, Set<Flag> supported, String deleteAction) {
        this.key = key;
        EnumSet<Flag> s = EnumSet.noneOf(Flag.class);
        s.addAll(supported);
        this.supported = Set.copyOf(s);
        this.deleteAction = deleteAction;
        this.account = key;
        for (Op op : Op.values()) {
            calls.put(op, new AtomicLong());
        }
    }

    /** A mailbox storing read, flagged and replied (like Office365), deleting by archive. */
    public static InMemoryMailbox likeOffice365(String key) {
        return new InMemoryMailbox(key, EnumSet.of(Flag.READ, Flag.FLAGGED, Flag.REPLIED), "archive");
    }

    /** A mailbox storing read and flagged only (like Gmail), deleting by archive. */
    public static InMemoryMailbox likeGmail(String key) {
        return new InMemoryMailbox(key, EnumSet.of(Flag.READ, Flag.FLAGGED), "archive");
    }

    /**
     * Makes {@code boxes} the mailboxes of one account: ids are unique among them, and {@link
     * #apply} moves and copies between them, a move keeping the id; a copy keeps it too when
     * {@code copyKeepsId} (like a Gmail label), else it is a new message (like an Office365 copy).
     */
    public static void shareAccount(String account, boolean copyKeepsId, InMemoryMailbox... boxes) {
        AtomicLong shared = new AtomicLong(1);
        for (InMemoryMailbox b : boxes) {
            synchronized (b) {
                b.account = account;
                b.ids = shared;
                b.copyKeepsId = copyKeepsId;
            }
        }
    }

    @Override
    public String key() {
        return key;
    }

    @Override
    public synchronized boolean copyIsOwnMessage() {
        return !copyKeepsId;
    }

    @Override
    public synchronized String accountKey() {
        return account;
    }

    @Override
    public Set<Flag> supportedFlags() {
        return supported;
    }

    @Override
    public Duration pollInterval() {
        return pollInterval;
    }

    public synchronized void setPollInterval(Duration d) {
        pollInterval = d;
    }

    // ---- acting as another client

    /** Adds a message (as new mail arriving) and returns its id. */
    public synchronized String add(byte[] body, Flags flags, Instant received) {
        String id = "m" + ids.getAndIncrement();
        everyBody.put(id, body.clone());
        put(id, new Msg(body.clone(), flags.retain(supported), received, 0));
        return id;
    }

    public synchronized void setFlags(String id, Flags flags) {
        Msg m = messages.get(id);
        if (m == null) {
            throw new IllegalArgumentException("no message " + id + " in " + key);
        }
        put(id, new Msg(m.body(), flags.retain(supported), m.received(), 0));
    }

    public synchronized void remove(String id) {
        if (messages.remove(id) == null) {
            throw new IllegalArgumentException("no message " + id + " in " + key);
        }
        version++;
        removedAt.remove(id);
        removedAt.put(id, version);
        changeLog.put(version, id);
    }

    /**
     * Changes a message's flags without a change-log entry: a change the service's history
     * (Gmail history, Graph delta) lost, so only a full listing shows it.
     */
    public synchronized void setFlagsUnrecorded(String id, Flags flags) {
        Msg m = messages.get(id);
        if (m == null) {
            throw new IllegalArgumentException("no message " + id + " in " + key);
        }
        messages.put(id, new Msg(m.body(), flags.retain(supported), m.received(), m.version()));
    }

    /** Removes a message without a change-log entry (see {@link #setFlagsUnrecorded}). */
    public synchronized void removeUnrecorded(String id) {
        if (messages.remove(id) == null) {
            throw new IllegalArgumentException("no message " + id + " in " + key);
        }
    }

    private void put(String id, Msg m) {
        version++;
        messages.put(id, new Msg(m.body(), m.flags(), m.received(), version));
        removedAt.remove(id);
        changeLog.put(version, id);
    }

    /** Makes every token handed out so far invalid, as an expired history id or delta link is. */
    public synchronized void expireTokens() {
        oldestToken = version + 1;
    }

    // ---- inspection

    public synchronized Set<String> ids() {
        return new HashSet<>(messages.keySet());
    }

    public synchronized Flags flags(String id) {
        Msg m = messages.get(id);
        return m == null ? null : m.flags();
    }

    public synchronized byte[] body(String id) {
        Msg m = messages.get(id);
        return m == null ? null : m.body().clone();
    }

    /** The body a message had, even after it was removed. */
    public synchronized byte[] bodyEver(String id) {
        byte[] b = everyBody.get(id);
        return b == null ? null : b.clone();
    }

    public synchronized int size() {
        return messages.size();
    }

    /** "move id -> key" and "copy id -> key (new id)" for every move and copy applied, in order. */
    public synchronized List<String> transfers() {
        return new ArrayList<>(transfers);
    }

    /** id → "archive"/"trash" for every message deleted through {@link #apply}. */
    public synchronized Map<String, String> deletions() {
        return new LinkedHashMap<>(deletedBy);
    }

    public long calls(Op op) {
        return calls.get(op).get();
    }

    public long bodiesServed() {
        return bodiesServed.get();
    }

    /** Every id whose body was served at least once. */
    public Set<String> servedIds() {
        return new HashSet<>(servedIds);
    }

    public long changesApplied() {
        return changesApplied.get();
    }

    public long fullListings() {
        return fullListings.get();
    }

    /** How many times {@link #counts()} was called. */
    public long countCalls() {
        return countCalls.get();
    }

    /** The ids of the messages created from uploads, in order. */
    public synchronized List<String> uploads() {
        return new ArrayList<>(uploads);
    }

    // ---- uploads

    /** Makes this mailbox refuse every upload, saying {@code why} (as it does until {@link #takeUploads}). */
    public synchronized void refuseUploads(String why) {
        uploadsRefused = why;
    }

    /** Makes this mailbox create messages from a user's files, as Gmail does; returns it. */
    public synchronized InMemoryMailbox takeUploads() {
        uploadsRefused = null;
        return this;
    }

    /** Stores each upload with a header added in front, as a service that rewrites MIME does. */
    public synchronized void rewriteUploads() {
        rewritesUploads = true;
    }

    /** Whether the next upload's answer is lost: null no; true after taking it; false before. */
    private Boolean loseNextAnswer;

    /** Loses the next upload's answer ({@link UploadOutcomeUnknownException}), after taking it or not. */
    public synchronized void loseNextUploadAnswer(boolean taken) {
        loseNextAnswer = taken;
    }

    /** Runs {@code r} after each upload this mailbox takes, before the answer. */
    public synchronized void afterUpload(Runnable r) {
        afterUpload = r;
    }

    /** Refuses the next upload for good (an invalid message), saying {@code why}. */
    public synchronized void refuseNextUpload(String why) {
        refuseNext = why;
    }

    // ---- failure injection

    /** The next {@code n} calls of {@link #counts()} throw an IOException. */
    public synchronized void failNextCounts(int n) {
        countFailures = n;
    }

    /** The next {@code n} calls of {@link #counts()} answer that the counts are not known now (empty). */
    public synchronized void noCountsNext(int n) {
        countsUnknown = n;
    }

    /** The next {@code n} questions whether this mailbox takes uploads ({@link #uploadsRefused}) throw an IOException. */
    public synchronized void failNextUploadsQuestion(int n) {
        uploadsQuestionFailures = n;
    }

    private int uploadsQuestionFailures;

    /** The next {@code n} calls of {@code op} throw an IOException. */
    public synchronized void failNext(Op op, int n) {
        failures.put(op, n);
    }

    /** Forgets failures that were asked for but have not happened. */
    public synchronized void clearFailures() {
        failures.clear();
    }

    private synchronized void maybeFail(Op op) throws IOException {
        calls.get(op).incrementAndGet();
        int n = failures.getOrDefault(op, 0);
        if (n > 0) {
            failures.put(op, n - 1);
            throw new IOException("injected " + op + " failure in " + key);
        }
    }

    // ---- CloudMailbox

    @Override
    public synchronized Listing list(String syncToken) throws IOException {
        maybeFail(Op.LIST);
        long since = parseToken(syncToken);
        if (since < 0) {
            fullListings.incrementAndGet();
            List<CloudMessage> all = new ArrayList<>(messages.size());
            for (Map.Entry<String, Msg> e : messages.entrySet()) {
                all.add(new CloudMessage(e.getKey(), e.getValue().flags(), e.getValue().received()));
            }
            return Listing.full(all, Long.toString(version));
        }
        List<CloudMessage> changed = new ArrayList<>();
        Set<String> removed = new HashSet<>();
        for (String id : new java.util.LinkedHashSet<>(changeLog.tailMap(since, false).values())) {
            Msg m = messages.get(id);
            if (m != null) {
                changed.add(new CloudMessage(id, m.flags(), m.received()));
            } else {
                removed.add(id);
            }
        }
        return Listing.delta(changed, removed, Long.toString(version));
    }

    /** Every message, and those without the read flag. */
    @Override
    public synchronized Optional<MailboxCounts> counts() throws IOException {
        countCalls.incrementAndGet();
        if (countFailures > 0) {
            countFailures--;
            throw new IOException("injected count failure in " + key);
        }
        if (countsUnknown > 0) {
            countsUnknown--;
            return Optional.empty();
        }
        int unread = 0;
        for (Msg m : messages.values()) {
            if (!m.flags().has(Flag.READ)) {
                unread++;
            }
        }
        return Optional.of(new MailboxCounts(messages.size(), unread));
    }

    private long parseToken(String token) {
        if (token == null) {
            return -1;
        }
        try {
            long v = Long.parseLong(token);
            return v < oldestToken || v > version ? -1 : v;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    @Override
    public void fetchBodies(Collection<String> ids, BodySink sink) throws IOException {
        IOException first = null;
        for (String id : ids) {
            Msg m;
            try {
                maybeFail(Op.FETCH);
                synchronized (this) {
                    m = messages.get(id);
                }
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                }
                continue;
            }
            if (m == null) {
                continue; // deleted meanwhile
            }
            bodiesServed.incrementAndGet();
            servedIds.add(id);
            sink.accept(id, new ByteArrayInputStream(m.body()), m.received());
        }
        if (first != null) {
            throw first;
        }
    }

    @Override
    public synchronized String uploadsRefused() throws IOException {
        if (uploadsQuestionFailures > 0) {
            uploadsQuestionFailures--;
            throw new IOException("injected failure asking whether " + key + " takes uploads");
        }
        return uploadsRefused;
    }

    @Override
    public synchronized String upload(Path mime, Flags flags) throws IOException {
        maybeFail(Op.UPLOAD);
        if (uploadsRefused != null) {
            throw new UploadRefusedException(uploadsRefused);
        }
        if (refuseNext != null) {
            String why = refuseNext;
            refuseNext = null;
            throw new UploadRefusedException(why);
        }
        Boolean lose = loseNextAnswer;
        loseNextAnswer = null;
        if (Boolean.FALSE.equals(lose)) {
            throw new UploadOutcomeUnknownException("connection lost before " + key + " took it", new IOException());
        }
        byte[] body = Files.readAllBytes(mime);
        if (rewritesUploads) {
            byte[] header = "X-Rewritten: by the service\r\n".getBytes(StandardCharsets.US_ASCII);
            byte[] both = Arrays.copyOf(header, header.length + body.length);
            System.arraycopy(body, 0, both, header.length, body.length);
            body = both;
        }
        String id = add(body, flags, Instant.parse("2026-11-21T10:00:00Z"));
        uploads.add(id);
        afterUpload.run();
        if (Boolean.TRUE.equals(lose)) {
            throw new UploadOutcomeUnknownException("connection lost after " + key + " took it", new IOException());
        }
        return id;
    }

    @Override
    public synchronized Map<Change, String> apply(List<Change> changes) throws IOException {
        maybeFail(Op.APPLY);
        Map<Change, String> placed = new LinkedHashMap<>();
        for (Change c : changes) {
            Msg m = messages.get(c.id());
            if (m == null) {
                continue;
            }
            changesApplied.incrementAndGet();
            if (c.delete()) {
                remove(c.id());
                deletedBy.put(c.id(), deleteAction);
                continue;
            }
            Flags f = m.flags();
            for (Flag flag : supported) {
                if (c.from().has(flag) != c.to().has(flag)) {
                    f = f.with(flag, c.to().has(flag));
                }
            }
            if (c.copy() && !copyKeepsId) {
                // An Office365 copy is a new message: only it takes the change's flags.
                placed.put(c, transfer(c, new Msg(m.body(), f, m.received(), 0)));
                continue;
            }
            if (!f.equals(m.flags())) {
                put(c.id(), new Msg(m.body(), f, m.received(), 0));
            }
            if (c.into() != null) {
                placed.put(c, transfer(c, messages.get(c.id())));
            }
        }
        return placed;
    }

    /** Moves or copies message {@code m} into the change's destination; its id there. */
    private String transfer(Change c, Msg m) {
        if (!(c.into() instanceof InMemoryMailbox into) || into == this || !into.accountKey().equals(account)) {
            throw new IllegalArgumentException(key + ": no mailbox of its account: " + c.into());
        }
        String id = c.moves() || copyKeepsId ? c.id() : "m" + ids.getAndIncrement();
        if (c.moves()) {
            remove(c.id());
        }
        into.receive(id, m);
        transfers.add((c.moves() ? "move " : "copy ") + c.id() + " -> " + into.key()
                + (id.equals(c.id()) ? "" : " (" + id + ")"));
        return id;
    }

    private synchronized void receive(String id, Msg m) {
        everyBody.put(id, m.body().clone());
        put(id, new Msg(m.body(), m.flags().retain(supported), m.received(), 0));
    }
}
