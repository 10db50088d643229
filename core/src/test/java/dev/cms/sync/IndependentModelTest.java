package dev.cms.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.cms.model.Flag;
import dev.cms.model.CloudMessage;
import dev.cms.model.Flags;
import dev.cms.provider.BodySink;
import dev.cms.provider.Change;
import dev.cms.provider.CloudMailbox;
import dev.cms.provider.Listing;
import dev.cms.provider.memory.InMemoryMailbox;
import dev.cms.provider.memory.InMemoryMailbox.Op;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A randomised test of the sync engine against a reference model written from the rules in
 * DESIGN §5 and the README's "Safety rules", sharing no code with the engine: its own flag
 * rule, its own Maildir reader and content hash, its own idea of start-up. Besides cloud and
 * local changes it injects cloud failures, Maildir faults (deliveries, removals, renames), a
 * failing commit of state.db, crashes at any step of a cycle, restarts (also {@code
 * --offline}), token expiry, users' own files, identical bodies, local copies, cloud moves and
 * local moves between Maildirs, routing rules changed between runs (by mailbox and by
 * header), two mailboxes of one account sharing ids (a move keeps the id; one message in both
 * mailboxes), and changes the running daemon journaled before it died.
 *
 * <p>A cycle without a fault is predicted exactly: the cloud's flags and deletions (and
 * {@code deletions()} against each mailbox's delete action), every Maildir file's name and
 * flags, what goes to lost+found, and whether the cycle reports success. A cycle stopped
 * half-way is checked for invariants only (nothing but predicted changes, nothing lost), and
 * the engine is restarted. Each seed ends with quiet cycles after which everything must have
 * converged.
 *
 * <p>{@code -Dmodel.seeds=N} runs N seeds (default 60) from {@code -Dmodel.firstSeed} (default 1);
 * {@code -Dmodel.seed=N} replays one and prints its trace.
 */
class IndependentModelTest {
    private static final int STEPS = 30;

    // The model's own flag bits, by Maildir info letter.
    private static final int S = 1;
    private static final int F = 2;
    private static final int R = 4;
    private static final int T = 8;
    private static final String LETTERS = "SFRT";

    /**
     * Mailbox 0 stores S, F, R and archives (like Office365); mailbox 1 stores S, F and trashes
     * (like Gmail). When the two share an account, both store S and F (two labels of one Gmail
     * account), mailbox 0 archiving and mailbox 1 trashing.
     */
    private static final int[] SUP_SEPARATE = {S | F | R, S | F};
    private static final int[] SUP_SHARED = {S | F, S | F};
    private static final String[] ACTION = {"archive", "trash"};

    /**
     * Watched runs only, on unless {@code -Dmodel.halfSeenRenames=false}: the second event of some
     * renames reaches the engine a cycle late, as under load: only a rename from new/
     * to cur/ (two directories, two watch keys) of a content's only file, where taking the
     * rename for a deletion would change the cloud.
     */
    static final boolean HALF_SEEN_RENAMES = !"false".equals(System.getProperty("model.halfSeenRenames"));

    /** How often each interesting situation arose, to show what the seeds exercised. */
    static final Map<String, Integer> EVENTS = new TreeMap<>();

    static void count(String event) {
        EVENTS.merge(event, 1, Integer::sum);
    }

    @TempDir
    Path tmp;

    @Test
    void engineAgreesWithAnIndependentModel() throws Exception {
        String one = System.getProperty("model.seed");
        if (one != null) {
            runSeed(Long.parseLong(one), true);
            return;
        }
        int seeds = Integer.getInteger("model.seeds", 60);
        long first = Long.getLong("model.firstSeed", 1);
        long t0 = System.nanoTime();
        for (long seed = first; seed < first + seeds; seed++) {
            runSeed(seed, false);
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        System.out.printf("IndependentModelTest: %d seeds in %.1f s (%.1f seeds/s); events: %s%n", seeds, secs,
                seeds / secs, EVENTS);
    }

    /**
     * A defect this model found (seed 14), now fixed: an {@code --offline} start trusted the
     * local file's flags, and a file standing for identical copies with different flags shows
     * their combination, so the first cycle pushed that combination to every copy: a star or a
     * read mark appeared in the cloud on copies nobody touched. Disagreement alone pushes nothing.
     */
    @Test
    void offlineStartPushesTheCombinationOfDisagreeingCopies() throws Exception {
        InMemoryMailbox cloud = InMemoryMailbox.likeOffice365("o365:a@b.c:inbox");
        byte[] body = Messages.message("twice");
        String read = cloud.add(body, Flags.of(Flag.READ), null);
        String starred = cloud.add(body, Flags.of(Flag.FLAGGED), null);
        try (SyncFixture fx = new SyncFixture(tmp, 1, List.of(cloud), Router.defaultOnly())) {
            fx.start(false);
            fx.cycleOk();
            fx.start(true);
            fx.cycleOk();
            assertEquals(0, cloud.changesApplied(), "nobody changed anything");
            assertEquals(Flags.of(Flag.READ), cloud.flags(read));
            assertEquals(Flags.of(Flag.FLAGGED), cloud.flags(starred));
        }
    }

    /** The seed that found the defect above (with the operations of that time: no later ones). */
    @Test
    void seedFourteenFindsTheOfflineCopiesDefect() throws Exception {
        Run run = new Run(14, tmp.resolve("seed-14"), false);
        run.run();
    }

    /**
     * The same seeds with the engine fed by file events, as under the daemon (issue 15): each
     * cycle looks only at the files named since the last one, which the test names the way the
     * watcher would (every file created, removed, renamed or rewritten by anyone but the engine
     * since the last cycle ended). {@code -Dmodel.watchedSeeds=N} sets how many.
     */
    @Test
    void engineFedByFileEventsAgreesWithTheModel() throws Exception {
        int seeds = Integer.getInteger("model.watchedSeeds", 40);
        long first = Long.getLong("model.firstSeed", 1);
        long t0 = System.nanoTime();
        for (long seed = first; seed < first + seeds; seed++) {
            runSeed(seed, false, true);
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        System.out.printf("IndependentModelTest (fed by file events): %d seeds in %.1f s (%.1f seeds/s); events: %s%n",
                seeds, secs, seeds / secs, EVENTS);
    }

    void runSeed(long seed, boolean printTrace) throws Exception {
        runSeed(seed, printTrace, Boolean.getBoolean("model.watched"));
    }

    void runSeed(long seed, boolean printTrace, boolean watched) throws Exception {
        Path dir = tmp.resolve((watched ? "watched-seed-" : "seed-") + seed);
        Run run = new Run(seed, dir, true);
        run.watched = watched;
        try {
            run.run();
            if (printTrace) {
                System.out.println(run.trace);
            }
        } catch (AssertionError | Exception e) {
            throw new AssertionError("independent model failed for seed " + seed + "; replay with: mvn test"
                    + " -Dtest=IndependentModelTest -Dmodel.seed=" + seed + (watched ? " -Dmodel.watched=true" : "")
                    + "\n" + e.getMessage() + "\ntrace:\n"
                    + run.trace, e);
        } finally {
            deleteTree(dir);
        }
    }

    // ---- the model's own Maildir reader and content hash

    /** One file in a Maildir as the model reads it. */
    record LFile(Path path, String base, int flags, String hash, byte[] bytes) {}

    static List<LFile> readMaildir(Path root) throws IOException {
        List<LFile> out = new ArrayList<>();
        for (String sub : new String[] {"cur", "new"}) {
            Path d = root.resolve(sub);
            if (!Files.isDirectory(d)) {
                continue;
            }
            try (Stream<Path> s = Files.list(d)) {
                for (Path p : s.sorted().toList()) {
                    if (!Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                        continue;
                    }
                    String name = p.getFileName().toString();
                    int i = name.indexOf(":2,");
                    String base = i < 0 ? name : name.substring(0, i);
                    int flags = 0;
                    if (i >= 0) {
                        for (char c : name.substring(i + 3).toCharArray()) {
                            int k = LETTERS.indexOf(c);
                            if (k >= 0) {
                                flags |= 1 << k;
                            }
                        }
                    }
                    byte[] bytes = Files.readAllBytes(p);
                    out.add(new LFile(p, base, flags, hash(bytes), bytes));
                }
            }
        }
        out.sort(Comparator.comparing(LFile::hash).thenComparing(LFile::base));
        return out;
    }

    /** SHA-256 (hex) of the bytes after every run of CRs followed by LF became LF. */
    static String hash(byte[] raw) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length);
        int i = 0;
        while (i < raw.length) {
            if (raw[i] == '\r') {
                int j = i;
                while (j < raw.length && raw[j] == '\r') {
                    j++;
                }
                if (j < raw.length && raw[j] == '\n') {
                    i = j; // the LF is written next
                    continue;
                }
                out.write(raw, i, j - i);
                i = j;
                continue;
            }
            out.write(raw[i]);
            i++;
        }
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(out.toByteArray()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String letters(int bits) {
        StringBuilder sb = new StringBuilder();
        for (char c : new char[] {'F', 'R', 'S', 'T'}) {
            if ((bits & (1 << LETTERS.indexOf(c))) != 0) {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    static int bits(Flags f) {
        int b = 0;
        for (char c : f.letters().toCharArray()) {
            b |= 1 << LETTERS.indexOf(c);
        }
        return b;
    }

    static Flags flags(int bits) {
        return Flags.fromLetters(letters(bits));
    }

    // ---- a cloud mailbox seen through a recording wrapper (the crash points of the cloud side)

    /**
     * Delegates to an {@link InMemoryMailbox}, records fetches, and runs a hook after each call.
     * With an {@code account} the mailboxes share one account: the engine sees ids of its own
     * (the mailbox's internal id prefixed with the mailbox, or an id given by {@link #alias}),
     * so that one message can keep its id while it moves to another mailbox, or have the same
     * id in two mailboxes at once (a Gmail message with two labels); a flag change pushed to a
     * message with the same id in the other mailbox shows there too, as the account's message
     * it is. The model itself speaks of internal ids only.
     */
    static final class Recording implements CloudMailbox {
        final InMemoryMailbox box;
        final int index;
        final String account;
        /** Ids (the engine's) delivered by any mailbox of this account. */
        final Set<String> everDelivered;
        final Set<String> requested = new HashSet<>();
        final Set<String> delivered = new HashSet<>();
        final Map<String, String> toEngine = new HashMap<>();
        final Map<String, String> toInternal = new HashMap<>();
        /** The other mailbox of a shared account (flags of shared ids are mirrored to it). */
        Recording sibling;
        boolean fetchFailed;
        /** The moves and copies the engine made out of this mailbox, in order. */
        final List<Moved> transfers = new ArrayList<>();
        /** Called after LIST, FETCH or APPLY (also after a failure); may request a stop. */
        java.util.function.Consumer<Op> after = op -> { };

        Recording(InMemoryMailbox box, int index, String account, Set<String> everDelivered) {
            this.box = box;
            this.index = index;
            this.account = account;
            this.everDelivered = everDelivered;
        }

        void newCycle() {
            transfers.clear();
            requested.clear();
            delivered.clear();
            fetchFailed = false;
            after = op -> { };
        }

        /** The id the engine sees for an internal id. */
        String ext(String internal) {
            if (account == null) {
                return internal;
            }
            return toEngine.computeIfAbsent(internal, k -> {
                String e = index + "." + k;
                toInternal.put(e, k);
                return e;
            });
        }

        String internal(String ext) {
            return account == null ? ext : toInternal.getOrDefault(ext, ext);
        }

        /** Gives {@code internal} the engine's id {@code ext} (of a message of the other mailbox). */
        void alias(String internal, String ext) {
            toEngine.put(internal, ext);
            toInternal.put(ext, internal);
        }

        /** The internal id under which this mailbox holds the engine's id {@code ext}, if it does. */
        String holding(String ext) {
            String i = toInternal.get(ext);
            return i != null && box.ids().contains(i) ? i : null;
        }

        @Override
        public String key() {
            return box.key();
        }

        @Override
        public String accountKey() {
            return account == null ? box.key() : account;
        }

        @Override
        public boolean copyIsOwnMessage() {
            return false; // a copy keeps the id, like a Gmail label
        }

        @Override
        public Set<Flag> supportedFlags() {
            return box.supportedFlags();
        }

        @Override
        public Duration pollInterval() {
            return box.pollInterval();
        }

        @Override
        public Listing list(String syncToken) throws IOException {
            try {
                Listing l = box.list(syncToken);
                if (account == null) {
                    return l;
                }
                List<CloudMessage> msgs = new ArrayList<>();
                for (CloudMessage m : l.messages()) {
                    msgs.add(new CloudMessage(ext(m.id()), m.flags(), m.received()));
                }
                Set<String> removed = new HashSet<>();
                for (String id : l.removed()) {
                    removed.add(ext(id));
                }
                return new Listing(l.full(), msgs, removed, l.syncToken());
            } finally {
                after.accept(Op.LIST);
            }
        }

        @Override
        public void fetchBodies(Collection<String> ids, BodySink sink) throws IOException, InterruptedException {
            List<String> in = new ArrayList<>();
            for (String id : ids) {
                in.add(internal(id));
            }
            synchronized (this) {
                requested.addAll(in);
            }
            try {
                box.fetchBodies(in, (id, body, received) -> {
                    sink.accept(ext(id), body, received);
                    synchronized (this) {
                        delivered.add(id);
                        everDelivered.add(ext(id));
                    }
                });
            } catch (IOException e) {
                fetchFailed = true;
                throw e;
            } finally {
                after.accept(Op.FETCH);
            }
        }

        @Override
        public Map<Change, String> apply(List<Change> changes) throws IOException {
            try {
                if (account == null) {
                    return box.apply(changes);
                }
                List<Change> in = new ArrayList<>();
                for (Change ch : changes) {
                    in.add(new Change(internal(ch.id()), ch.from(), ch.to(), ch.delete()));
                }
                box.apply(in);
                Map<Change, String> placed = new HashMap<>();
                for (Change ch : changes) {
                    String other = sibling.holding(ch.id());
                    String placedId = ch.into() == null ? null : transfer(ch, other);
                    if (placedId != null) {
                        placed.put(ch, placedId);
                    } else if (!ch.delete() && other != null) {
                        sibling.mirror(other, bits(ch.to()));
                    }
                }
                return placed;
            } finally {
                after.accept(Op.APPLY);
            }
        }

        /**
         * A move or copy into the other mailbox (a Gmail label change: the id stays): the message
         * with its flags there under a new internal id (or the one it has there already); a move
         * takes it out of this one, as another client would (not a deletion).
         */
        private String transfer(Change ch, String heldThere) {
            if (ch.into() != sibling) {
                throw new AssertionError("a move or copy out of the account: " + ch);
            }
            String mine = internal(ch.id());
            byte[] body = box.body(mine);
            Flags f = box.flags(mine);
            if (body == null) {
                return null; // gone: not moved
            }
            String there = heldThere;
            if (there == null) {
                there = sibling.box.add(body, f, null);
                sibling.alias(there, ch.id());
            } else {
                sibling.mirror(there, bits(f));
            }
            if (ch.moves()) {
                box.remove(mine);
            }
            transfers.add(new Moved(index, mine, there, ch.moves()));
            return ch.id();
        }

        /** The message's flags changed through the other mailbox (both store the same flags). */
        void mirror(String internal, int flags) {
            box.setFlags(internal, flags(flags));
        }

        /** True when the engine holds the body of {@code id} (internal) after this cycle. */
        boolean available(String id) {
            return delivered.contains(id) || everDelivered.contains(ext(id)) && !requested.contains(id);
        }
    }

    /** A move ({@code move}) or copy the engine made of message {@code from} (internal) of mailbox {@code box}: {@code to} in the other. */
    record Moved(int box, String from, String to, boolean move) {}

    /** Thrown from a hook to end a cycle as a crash of the process would, at that very point. */
    static final class SimulatedCrash extends RuntimeException {
        private static final long serialVersionUID = 1L;

        SimulatedCrash() {
            super("simulated crash", null, false, false);
        }
    }

    // ---- the reference model

    /** A message in the model's snapshot: its content, flags as last synced, and its Maildir. */
    record Base(String hash, int flags, int target) {}

    record Copy(int box, String id) {}

    /** A message the model expects moved or copied into mailbox {@code into}, whose Maildir {@code maildir} got its file. */
    record Xfer(String id, int into, int maildir, String hash) {}

    /** What one Maildir should hold of one content: the combination of its copies. */
    static final class Want {
        int flags;
        int sup;
        final List<Copy> sources = new ArrayList<>();
    }

    /**
     * What goes wrong in a cycle: a cloud call, a Maildir delivery, removal or rename (for that
     * cycle), a stop or crash at a local step or after a cloud call, or the commit of state.db.
     */
    enum Fault { NONE, CLOUD, DELIVERY, REMOVAL, RENAME, CRASH_LOCAL, CRASH_CLOUD, COMMIT }

    private static final class Run {
        final long seed;
        final Random rnd;
        final List<InMemoryMailbox> clouds = new ArrayList<>();
        final List<Recording> wrapped = new ArrayList<>();
        /** The flags each mailbox stores (bits). */
        final int[] sup;
        /** The operations added later (see {@link #runSeed}); off only to replay a seed of the older mix. */
        final boolean gaps;
        /** Draws for those operations, apart from {@link #rnd} so that the older mix stays as it was. */
        final Random extra;
        /** Both mailboxes in one account: shared ids (moves keep them, a message may be in both). */
        final boolean shared;
        /** 0: every message to Maildir 0; 1: mailbox 1 to Maildir 1; 2: messages with an X-Odd header to Maildir 1. */
        int routing;
        /** Contents with an X-Odd header. */
        final Set<String> oddHashes = new HashSet<>();
        /**
         * The local journal per Maildir, by content: as written to state.db, and as the running
         * engine loaded it at its start.
         */
        final List<Set<String>> journalDb = List.of(new HashSet<>(), new HashSet<>());
        final List<Set<String>> journalLoaded = List.of(new HashSet<>(), new HashSet<>());
        /** Unique name parts → content of the files in the Maildirs when the engine last committed. */
        final List<Map<String, String>> committedNames = List.of(new HashMap<>(), new HashMap<>());
        final SyncFixture fx;
        final StringBuilder trace = new StringBuilder();
        final List<Map<String, Base>> base = List.of(new HashMap<>(), new HashMap<>());
        final boolean[] startup = {true, true};
        final List<Set<String>> unsettled = List.of(new HashSet<>(), new HashSet<>());
        boolean offline;
        int counter;
        /** id → content hash, for every id the clouds ever had. */
        final Map<String, String> hashOfId = new HashMap<>();
        /** Content a user wrote (never in the cloud) → its bytes, while some copy of it is expected in lost+found. */
        final Map<String, byte[]> userFiles = new HashMap<>();
        /** Every content a user ever wrote into a Maildir. */
        final Set<String> userHashes = new HashSet<>();
        /** Contents the user copied locally: more than one file may hold them. */
        final Set<String> copied = new HashSet<>();
        /** The hook the engine's own-changes listener forwards to (this cycle only). */
        java.util.function.Consumer<Path> ownHook = p -> { };
        int cycles;
        /** The engine is fed file events (as by the daemon's watcher) instead of listing the Maildirs. */
        boolean watched;
        /** Per Maildir, each file's identity when the last cycle ended (watched runs). */
        final List<Map<Path, String>> filesAtLastCycle = List.of(new HashMap<>(), new HashMap<>());
        /**
         * Per Maildir, events held back to the next cycle: the second half of a rename between
         * {@code new/} and {@code cur/}, which the watcher gets from another directory and may
         * hand over after a cycle has begun. Drawn apart from the other draws, so a seed's
         * operations stay the same.
         */
        final List<Set<Path>> heldBack = List.of(new HashSet<>(), new HashSet<>());
        final Random eventDraws;

        Run(long seed, Path dir, boolean gaps) throws IOException {
            this.seed = seed;
            this.rnd = new Random(seed);
            this.gaps = gaps;
            this.extra = new Random(seed * 7919 + 17);
            this.eventDraws = new Random(seed * 104_729 + 3);
            this.shared = gaps && extra.nextInt(3) == 0;
            this.sup = shared ? SUP_SHARED : SUP_SEPARATE;
            Set<String> everDelivered = new HashSet<>();
            if (shared) {
                clouds.add(new InMemoryMailbox("gmail:a@gmail.com:INBOX", EnumSet.of(Flag.READ, Flag.FLAGGED), "archive"));
                clouds.add(new InMemoryMailbox("gmail:a@gmail.com:Work", EnumSet.of(Flag.READ, Flag.FLAGGED), "trash"));
            } else {
                clouds.add(InMemoryMailbox.likeOffice365("o365:a@b.c:inbox"));
                clouds.add(new InMemoryMailbox("gmail:a@gmail.com:INBOX", EnumSet.of(Flag.READ, Flag.FLAGGED), "trash"));
            }
            for (int c = 0; c < 2; c++) {
                wrapped.add(new Recording(clouds.get(c), c, shared ? "gmail:a@gmail.com" : null,
                        shared ? everDelivered : new HashSet<>()));
            }
            if (shared) {
                wrapped.get(0).sibling = wrapped.get(1);
                wrapped.get(1).sibling = wrapped.get(0);
            }
            boolean two = rnd.nextBoolean();
            routing = two ? 1 : 0;
            fx = new SyncFixture(dir, two ? 2 : 1, new ArrayList<>(wrapped), router(routing));
            trace.append(two ? "two Maildirs (mailbox 1 -> Maildir 1)" : "one Maildir")
                    .append(shared ? ", one account (shared ids)\n" : "\n");
        }

        static Router router(int routing) {
            return switch (routing) {
                case 1 -> new Router(List.of(new Router.Rule(1, 1, null, null, null)));
                case 2 -> new Router(List.of(new Router.Rule(1, -1, "X-Odd", null, java.util.regex.Pattern.compile("CR"))));
                default -> Router.defaultOnly();
            };
        }

        /** The Maildir the current rules send content {@code h} of mailbox {@code c} to. */
        int targetFor(int c, String h) {
            return switch (routing) {
                case 1 -> c;
                case 2 -> oddHashes.contains(h) ? 1 : 0;
                default -> 0;
            };
        }

        int maildirs() {
            return fx.maildirPaths.size();
        }

        void run() throws Exception {
            try {
                start(false);
                int initial = rnd.nextInt(4) == 0 ? 20 + rnd.nextInt(12) : 2 + rnd.nextInt(5);
                for (int i = 0; i < initial; i++) {
                    cloudAdd();
                }
                cycle(Fault.NONE);
                for (int step = 0; step < STEPS; step++) {
                    if (gaps && extra.nextInt(100) < 25) {
                        gapOp();
                    }
                    int op = rnd.nextInt(100);
                    if (op < 10) {
                        cloudAdd();
                    } else if (op < 18) {
                        cloudFlags();
                    } else if (op < 22) {
                        cloudRemove();
                    } else if (op < 26) {
                        cloudMove();
                    } else if (op < 34) {
                        localFlag();
                    } else if (op < 38) {
                        bothSides();
                    } else if (op < 43) {
                        localDelete();
                    } else if (op < 46) {
                        userFile();
                    } else if (op < 50) {
                        localCopy();
                    } else if (op < 52) {
                        wipe();
                    } else if (op < 54) {
                        int c = rnd.nextInt(2);
                        clouds.get(c).expireTokens();
                        trace.append("expire tokens ").append(c).append('\n');
                    } else if (op < 58) {
                        restart();
                    } else if (op < 64) {
                        cycle(Fault.CLOUD);
                    } else if (op < 68) {
                        if (rnd.nextInt(3) == 0) {
                            restart();
                        }
                        cycle(Fault.DELIVERY);
                    } else if (op < 72) {
                        cycle(Fault.REMOVAL);
                    } else if (op < 76) {
                        // Give the engine local work to be interrupted in.
                        for (int i = rnd.nextInt(4); i > 0; i--) {
                            switch (rnd.nextInt(3)) {
                                case 0 -> cloudAdd();
                                case 1 -> cloudFlags();
                                default -> cloudRemove();
                            }
                        }
                        cycle(Fault.CRASH_LOCAL);
                    } else if (op < 80) {
                        cycle(Fault.CRASH_CLOUD);
                    } else {
                        cycle(Fault.NONE);
                    }
                }
                converge();
            } finally {
                fx.close();
            }
        }

        // ---- engine life

        void start(boolean off) throws IOException {
            offline = off;
            fx.start(off);
            fx.engine.onOwnChanges(p -> ownHook.accept(p));
            if (watched) {
                fx.engine.useFileEvents(Duration.ofDays(3650)); // never a safety scan: events only
            }
            Arrays.fill(startup, true);
            unsettled.forEach(Set::clear);
            for (int m = 0; m < 2; m++) {
                journalLoaded.get(m).clear();
                journalLoaded.get(m).addAll(journalDb.get(m));
            }
        }

        // ---- file events (watched runs)

        /** Each file of {@code cur/} and {@code new/} with its inode, size and times; directories too. */
        Map<Path, String> filesNow(int m) throws IOException {
            Map<Path, String> out = new HashMap<>();
            for (String sub : List.of("cur", "new")) {
                Path dir = fx.maildirPaths.get(m).resolve(sub);
                if (!Files.isDirectory(dir)) {
                    continue;
                }
                try (Stream<Path> s = Files.list(dir)) {
                    for (Path p : s.toList()) {
                        try {
                            Map<String, Object> a = Files.readAttributes(p, "unix:ino,size,lastModifiedTime,ctime",
                                    java.nio.file.LinkOption.NOFOLLOW_LINKS);
                            out.put(p, a.get("ino") + ":" + a.get("size") + ":" + a.get("lastModifiedTime") + ":"
                                    + a.get("ctime") + (Files.isDirectory(p) ? ":dir" : ""));
                        } catch (java.nio.file.NoSuchFileException gone) {
                            // gone meanwhile
                        }
                    }
                }
            }
            return out;
        }

        /** Names to the engine what changed since the last cycle ended, as the watcher would. */
        void reportFileEvents() throws IOException {
            if (!watched) {
                return;
            }
            for (int m = 0; m < maildirs(); m++) {
                Map<Path, String> was = filesAtLastCycle.get(m);
                Map<Path, String> now = filesNow(m);
                List<Path> changed = new ArrayList<>();
                now.forEach((p, id) -> {
                    if (!id.equals(was.get(p))) {
                        changed.add(p);
                    }
                });
                Set<String> removedFromNew = new HashSet<>();
                for (Path p : was.keySet()) {
                    if (!now.containsKey(p)) {
                        changed.add(p);
                        if (p.getParent().getFileName().toString().equals("new")) {
                            removedFromNew.add(baseOf(p));
                        }
                    }
                }
                List<Path> late = new ArrayList<>(heldBack.get(m));
                heldBack.get(m).clear();
                if (HALF_SEEN_RENAMES && eventDraws.nextInt(3) == 0) {
                    // A rename from new/ to cur/ is two events of two watched directories, so its
                    // new name can come a cycle late: only the old name's removal now. (A rename
                    // inside one directory reaches the watcher as one batch of the same key.)
                    // Held back only where the renamed file was its content's only file: then
                    // the engine must not take the rename for a deletion. Where another file
                    // holds the content, the engine acts on the new name a cycle late, which
                    // this model does not predict.
                    Map<String, Integer> filesOf = new HashMap<>();
                    Map<Path, String> hashAt = new HashMap<>();
                    for (LFile f : readMaildir(fx.maildirPaths.get(m))) {
                        filesOf.merge(f.hash(), 1, Integer::sum);
                        hashAt.put(f.path(), f.hash());
                    }
                    for (java.util.Iterator<Path> it = changed.iterator(); it.hasNext(); ) {
                        Path p = it.next();
                        if (now.containsKey(p) && !was.containsKey(p) && removedFromNew.contains(baseOf(p))
                                && p.getParent().getFileName().toString().equals("cur")
                                && filesOf.getOrDefault(hashAt.get(p), 0) == 1) {
                            it.remove();
                            heldBack.get(m).add(p);
                            count("rename seen half-way");
                        }
                    }
                }
                changed.addAll(late);
                if (!changed.isEmpty()) {
                    fx.engine.filesChanged(fx.maildirPaths.get(m), changed);
                }
            }
        }

        private static String baseOf(Path p) {
            String name = p.getFileName().toString();
            int info = name.indexOf(":2,");
            return info < 0 ? name : name.substring(0, info);
        }

        void rememberFiles() throws IOException {
            if (watched) {
                for (int m = 0; m < maildirs(); m++) {
                    filesAtLastCycle.get(m).clear();
                    filesAtLastCycle.get(m).putAll(filesNow(m));
                }
            }
        }

        // ---- the operations added for issue 14 (drawn from {@link #extra})

        void gapOp() throws Exception {
            int op = extra.nextInt(100);
            if (op < 14) {
                routingChange();
            } else if (op < 26) {
                localMove();
            } else if (op < 38) {
                cloudLabel();
            } else if (op < 56) {
                journaledThenDie();
            } else if (op < 70) {
                cycle(Fault.RENAME);
            } else if (op < 78) {
                wipeAtTheThreshold();
            } else {
                if (extra.nextInt(3) == 0) {
                    restart();
                }
                cycle(Fault.COMMIT);
            }
        }

        /** A Route rule added, changed or removed between runs: the next start routes every message again. */
        void routingChange() throws IOException {
            if (maildirs() < 2) {
                return;
            }
            int next = (routing + 1 + extra.nextInt(2)) % 3;
            routing = next;
            fx.router = router(next);
            trace.append("routing -> ").append(next == 0 ? "all to Maildir 0" : next == 1 ? "mailbox 1 to Maildir 1"
                    : "X-Odd to Maildir 1").append('\n');
            count("routing changed");
            restart();
        }

        /**
         * A user moves a message file to the other Maildir ({@code mv}), or copies it there: in a
         * shared account whose other mailbox fills that Maildir, a move (a copy) in the cloud;
         * otherwise a deletion there (nothing) and a foreign file here.
         */
        void localMove() throws IOException {
            if (maildirs() < 2) {
                return;
            }
            int m = extra.nextInt(2);
            List<LFile> files = readMaildir(fx.maildirPaths.get(m));
            if (files.isEmpty()) {
                return;
            }
            LFile f = files.get(extra.nextInt(files.size()));
            Path dest = fx.maildirPaths.get(1 - m).resolve("cur").resolve(f.path().getFileName().toString()
                    + (f.path().getFileName().toString().contains(":2,") ? "" : ":2,"));
            boolean copy = extra.nextInt(3) == 0;
            if (readMaildir(fx.maildirPaths.get(1 - m)).stream().anyMatch(o -> o.base().equals(f.base()))) {
                return; // copied there before: a Maildir name is unique, and mv would make it twice
            }
            if (copy && extra.nextBoolean()) {
                Files.createLink(dest, f.path()); // ln: one inode under two names
            } else if (copy) {
                Files.copy(f.path(), dest);
            } else {
                Files.move(f.path(), dest);
            }
            copied.add(f.hash()); // the other Maildir may hold this content already: then two files
            count(copy ? "local copy between Maildirs" : "local move between Maildirs");
            trace.append(copy ? "local cp " : "local mv ").append(m).append(" -> ").append(1 - m).append(' ')
                    .append(shortName(f)).append('\n');
        }

        /**
         * The wipe guard's boundary: other clients remove messages until exactly two are routed
         * to a Maildir, a cycle syncs that, then the user deletes both files at once. README: a
         * Maildir found empty while it held two or more messages is not taken as a deletion.
         */
        void wipeAtTheThreshold() throws Exception {
            int m = extra.nextInt(maildirs());
            for (int c = 0; c < 2; c++) {
                for (String id : new java.util.TreeSet<>(clouds.get(c).ids())) {
                    if (targetFor(c, hashOfId.get(key(c, id))) == m && routedTo(m) > 2) {
                        clouds.get(c).remove(id);
                        trace.append("cloud remove ").append(c).append(' ').append(id).append('\n');
                    }
                }
            }
            cycle(Fault.NONE);
            if (expectedIn(m) != 2 || readMaildir(fx.maildirPaths.get(m)).size() != 2) {
                return;
            }
            for (LFile f : readMaildir(fx.maildirPaths.get(m))) {
                Files.delete(f.path());
                forgetIfGone(f.hash());
            }
            count("wipe of exactly two messages");
            trace.append("wipe Maildir ").append(m).append(" (two messages)\n");
            cycle(Fault.NONE);
        }

        /** How many cloud messages the current rules send to Maildir {@code m}. */
        int routedTo(int m) {
            int n = 0;
            for (int c = 0; c < 2; c++) {
                for (String id : clouds.get(c).ids()) {
                    if (targetFor(c, hashOfId.get(key(c, id))) == m) {
                        n++;
                    }
                }
            }
            return n;
        }

        /** One account: a message of one mailbox also gets the other's label (the same id in both). */
        void cloudLabel() {
            if (!shared) {
                return;
            }
            int c = extra.nextInt(2);
            List<String> ids = new ArrayList<>(new java.util.TreeSet<>(clouds.get(c).ids()));
            if (ids.isEmpty()) {
                return;
            }
            String id = ids.get(extra.nextInt(ids.size()));
            int d = 1 - c;
            if (sharedCopy(c, id) != null || wrapped.get(d).toInternal.containsKey(wrapped.get(c).ext(id))) {
                // In both already; or it was in d before under another internal id, which the
                // model (keyed by internal ids) would take for another message: not modelled.
                return;
            }
            byte[] body = clouds.get(c).body(id);
            String nid = clouds.get(d).add(body, clouds.get(c).flags(id), null);
            hashOfId.put(key(d, nid), hash(body));
            wrapped.get(d).alias(nid, wrapped.get(c).ext(id));
            count("one message in two mailboxes");
            trace.append("cloud label ").append(c).append(' ').append(id).append(" also in ").append(d).append(" as ")
                    .append(nid).append('\n');
        }

        /**
         * While the daemon runs, the user changes a file's flags or deletes it and the watcher
         * journals it; the daemon dies before a cycle pushes it. The next start pushes the change
         * instead of undoing it (README: the local journal).
         */
        void journaledThenDie() throws Exception {
            int m = extra.nextInt(maildirs());
            List<LFile> all = new ArrayList<>();
            for (int i = 0; i < maildirs(); i++) {
                all.addAll(readMaildir(fx.maildirPaths.get(i)));
            }
            Map<String, Integer> n = new HashMap<>();
            for (LFile f : all) {
                n.merge(f.hash(), 1, Integer::sum);
            }
            // The journal names files; the engine finds their content by the name its stat index
            // recorded at the last commit, so only a file with its own content and a recorded name.
            List<LFile> files = readMaildir(fx.maildirPaths.get(m)).stream()
                    .filter(f -> n.get(f.hash()) == 1 && f.hash().equals(committedNames.get(m).get(f.base())))
                    .toList();
            for (int i = 0; i < maildirs(); i++) {
                if (readMaildir(fx.maildirPaths.get(i)).isEmpty() && expectedIn(i) >= 2) {
                    return; // the wipe guard would hold the journal back
                }
            }
            if (files.isEmpty()) {
                return;
            }
            LFile f = files.get(extra.nextInt(files.size()));
            Path now;
            if (extra.nextBoolean() && readMaildir(fx.maildirPaths.get(m)).size() > 1) {
                Files.delete(f.path());
                now = f.path();
                trace.append("journaled local delete ").append(m).append(' ').append(shortName(f)).append('\n');
            } else {
                int next = f.flags() ^ (1 << extra.nextInt(4));
                now = fx.maildirPaths.get(m).resolve("cur").resolve(f.base() + ":2," + letters(next));
                Files.move(f.path(), now);
                trace.append("journaled local ").append(m).append(' ').append(shortName(f)).append(" -> ")
                        .append(letters(next)).append('\n');
            }
            fx.engine.journal(fx.maildirPaths.get(m), List.of(now));
            journalDb.get(m).add(f.hash());
            count("journaled, then died");
            restart();
            for (int i = 0; i < 3 && (!journalDb.get(0).isEmpty() || !journalDb.get(1).isEmpty()); i++) {
                cycle(Fault.NONE);
            }
            assertTrue(journalDb.get(0).isEmpty() && journalDb.get(1).isEmpty(), "the model expected the journal pushed");
        }

        void restart() throws IOException {
            boolean off = rnd.nextInt(3) == 0;
            start(off);
            count(off ? "restart --offline" : "restart");
            trace.append("restart").append(off ? " --offline" : "").append('\n');
        }

        // ---- operations of other clients and of the user

        void cloudAdd() {
            int c = rnd.nextInt(2);
            byte[] body = null;
            if (rnd.nextInt(4) == 0 && !hashOfId.isEmpty()) {
                // identical bytes as an existing message, in this or the other mailbox
                List<String> ids = new ArrayList<>(new java.util.TreeSet<>(hashOfId.keySet()));
                String[] other = ids.get(rnd.nextInt(ids.size())).split("/", 2);
                body = clouds.get(Integer.parseInt(other[0])).bodyEver(other[1]);
            }
            if (body == null) {
                String name = "s" + seed + "-" + (counter++);
                boolean odd = rnd.nextInt(8) == 0;
                body = odd
                        ? Messages.message(name, "X-Odd: a line ending in CR CR LF\r\r\n", 300)
                        : Messages.message(name);
                if (odd) {
                    oddHashes.add(hash(body));
                }
            }
            int f = randomFlags() & sup[c];
            String id = clouds.get(c).add(body, flags(f), null);
            hashOfId.put(key(c, id), hash(body));
            trace.append("cloud add ").append(c).append(' ').append(id).append(' ').append(letters(f))
                    .append(" content ").append(hash(body), 0, 6).append('\n');
        }

        void cloudFlags() {
            int c = rnd.nextInt(2);
            String id = pick(clouds.get(c).ids());
            if (id != null) {
                int f = randomFlags() & sup[c];
                setCloudFlags(c, id, f);
                trace.append("cloud flags ").append(c).append(' ').append(id).append(' ').append(letters(f)).append('\n');
            }
        }

        void cloudRemove() {
            int c = rnd.nextInt(2);
            String id = pick(clouds.get(c).ids());
            if (id != null) {
                clouds.get(c).remove(id);
                trace.append("cloud remove ").append(c).append(' ').append(id).append('\n');
            }
        }

        /** The same content removed from one mailbox and added to the other, as a move by another client. */
        void cloudMove() {
            int c = rnd.nextInt(2);
            String id = pick(clouds.get(c).ids());
            if (id == null) {
                return;
            }
            byte[] body = clouds.get(c).body(id);
            int f = bits(clouds.get(c).flags(id));
            clouds.get(c).remove(id);
            int d = 1 - c;
            String held = sharedCopy(c, id);
            if (held != null) {
                trace.append("cloud remove ").append(c).append(' ').append(id).append(" (also in ").append(d)
                        .append(" as ").append(held).append(")\n");
                return;
            }
            String nid = clouds.get(d).add(body, flags(f & sup[d]), null);
            hashOfId.put(key(d, nid), hash(body));
            if (shared && !wrapped.get(d).toInternal.containsKey(wrapped.get(c).ext(id))) {
                // One account: the message keeps its id (an Office365 immutable id, a Gmail label change).
                wrapped.get(d).alias(nid, wrapped.get(c).ext(id));
                count("cloud move keeping its id");
            }
            trace.append("cloud move ").append(c).append(' ').append(id).append(" -> ").append(d).append(' ')
                    .append(nid).append('\n');
        }

        void localFlag() throws IOException {
            int m = rnd.nextInt(maildirs());
            List<LFile> files = readMaildir(fx.maildirPaths.get(m));
            if (files.isEmpty()) {
                return;
            }
            toggle(m, files.get(rnd.nextInt(files.size())));
        }

        void toggle(int m, LFile f) throws IOException {
            int bit = 1 << rnd.nextInt(4);
            int next = f.flags() ^ bit;
            Path dest = fx.maildirPaths.get(m).resolve("cur").resolve(f.base() + ":2," + letters(next));
            Files.move(f.path(), dest);
            trace.append("local ").append(m).append(' ').append(shortName(f)).append(" -> ").append(letters(next))
                    .append('\n');
        }

        /** The same message's flags changed locally and in the cloud before the next cycle. */
        void bothSides() throws IOException {
            int c = rnd.nextInt(2);
            String id = pick(clouds.get(c).ids());
            if (id == null) {
                return;
            }
            String h = hashOfId.get(key(c, id));
            int tm = targetFor(c, h);
            List<LFile> files = readMaildir(fx.maildirPaths.get(tm)).stream()
                    .filter(f -> f.hash().equals(h)).toList();
            if (files.isEmpty()) {
                return;
            }
            int bit = rnd.nextBoolean() ? S : F;
            int cloudFlags = bits(clouds.get(c).flags(id)) ^ (rnd.nextInt(3) == 0 ? (bit == S ? F : S) : bit);
            setCloudFlags(c, id, cloudFlags);
            LFile f = files.get(0);
            int next = f.flags() ^ bit;
            Path dest = fx.maildirPaths.get(tm).resolve("cur").resolve(f.base() + ":2," + letters(next));
            Files.move(f.path(), dest);
            trace.append("both sides: cloud flags ").append(c).append(' ').append(id).append(' ')
                    .append(letters(cloudFlags)).append(", local ").append(shortName(f)).append(" -> ")
                    .append(letters(next)).append('\n');
        }

        void localDelete() throws IOException {
            int m = rnd.nextInt(maildirs());
            List<LFile> files = readMaildir(fx.maildirPaths.get(m));
            if (files.isEmpty()) {
                return;
            }
            LFile f = files.get(rnd.nextInt(files.size()));
            Files.delete(f.path());
            forgetIfGone(f.hash());
            trace.append("local delete ").append(m).append(' ').append(shortName(f)).append('\n');
        }

        /** A file the cloud never had, as a user saving a draft into the Maildir. */
        void userFile() throws IOException {
            int m = rnd.nextInt(maildirs());
            byte[] bytes = ("From: me@example.com\nSubject: my own " + seed + "-" + counter + "\n\nmine\n")
                    .getBytes(StandardCharsets.UTF_8);
            String name = "user" + (counter++) + ".local";
            Path p = rnd.nextBoolean()
                    ? fx.maildirPaths.get(m).resolve("new").resolve(name)
                    : fx.maildirPaths.get(m).resolve("cur").resolve(name + ":2,S");
            Files.write(p, bytes);
            userFiles.put(hash(bytes), bytes);
            userHashes.add(hash(bytes));
            trace.append("user file ").append(m).append(' ').append(p.getFileName()).append('\n');
        }

        /** {@code cp} of a message file under a new name, then a flag or T on one of the two. */
        void localCopy() throws IOException {
            int m = rnd.nextInt(maildirs());
            List<LFile> files = readMaildir(fx.maildirPaths.get(m));
            if (files.isEmpty()) {
                return;
            }
            LFile f = files.get(rnd.nextInt(files.size()));
            String name = "cp" + (counter++) + ".local";
            Path p = fx.maildirPaths.get(m).resolve("cur").resolve(name + ":2," + letters(f.flags()));
            Files.write(p, f.bytes());
            copied.add(f.hash());
            trace.append("local cp ").append(m).append(' ').append(shortName(f)).append(" -> ").append(name).append('\n');
            LFile copy = new LFile(p, name, f.flags(), f.hash(), f.bytes());
            toggle(m, rnd.nextBoolean() ? copy : f);
        }

        /** Every file of a Maildir deleted at once (sometimes confirmed with .cms-confirm-empty). */
        void wipe() throws IOException {
            int m = rnd.nextInt(maildirs());
            for (LFile f : readMaildir(fx.maildirPaths.get(m))) {
                Files.delete(f.path());
                forgetIfGone(f.hash());
            }
            boolean confirm = rnd.nextBoolean();
            if (confirm && !Files.exists(fx.maildirPaths.get(m).resolve(".cms-confirm-empty"))) {
                Files.createFile(fx.maildirPaths.get(m).resolve(".cms-confirm-empty"));
            }
            trace.append("wipe Maildir ").append(m).append(confirm ? " (confirmed)" : "").append('\n');
        }

        // ---- one cycle against the model

        void cycle(Fault fault) throws Exception {
            cycles++;
            for (Recording w : wrapped) {
                w.newCycle();
            }
            ownHook = p -> { };
            StringBuilder what = new StringBuilder("cycle");

            // The state before, read by the model's own means.
            List<List<LFile>> before = new ArrayList<>();
            for (int m = 0; m < maildirs(); m++) {
                before.add(readMaildir(fx.maildirPaths.get(m)));
            }
            List<Map<String, Integer>> cloudBefore = new ArrayList<>();
            List<Map<String, String>> deletionsBefore = new ArrayList<>();
            for (int c = 0; c < 2; c++) {
                cloudBefore.add(cloudFlagsOf(c));
                deletionsBefore.add(new HashMap<>(clouds.get(c).deletions()));
            }
            Set<Path> lostBefore = lostAndFound();

            // The wipe guard: a Maildir found empty while two or more messages were routed there.
            boolean mayDelete = offline || !startup[0] || !startup[1] || !journalLoaded.get(0).isEmpty()
                    || !journalLoaded.get(1).isEmpty();
            boolean tripped = false;
            Set<Integer> confirmUsed = new HashSet<>();
            for (int m = 0; m < maildirs() && mayDelete; m++) {
                if (!before.get(m).isEmpty() || expectedIn(m) < 2 || allArrivedElsewhere(m, before)) {
                    continue;
                }
                if (Files.exists(fx.maildirPaths.get(m).resolve(".cms-confirm-empty"))) {
                    confirmUsed.add(m);
                } else {
                    tripped = true;
                }
            }

            // Phase A: what each mailbox pushes.
            boolean[] active = {true, true};
            int failBox = -1;
            Op failOp = null;
            if (fault == Fault.CLOUD) {
                failBox = rnd.nextInt(2);
                failOp = Op.values()[rnd.nextInt(3)];
                int n = 1 + rnd.nextInt(3);
                clouds.get(failBox).failNext(failOp, n);
                what.append(" failing ").append(failOp).append('x').append(n).append(" on ").append(failBox);
            }
            if (failOp == Op.LIST) {
                active[failBox] = false;
            }
            List<Map<String, Xfer>> xfers = transfersOf(before, active);
            List<Map<String, int[]>> sent = List.of(new HashMap<>(), new HashMap<>());
            List<Map<String, Integer>> cloudAfter = new ArrayList<>();
            List<Set<String>> deleted = new ArrayList<>();
            boolean expectOk = true;
            for (int c = 0; c < 2; c++) {
                cloudAfter.add(new HashMap<>(cloudBefore.get(c)));
            }
            List<List<Map<String, Integer>>> stages = new ArrayList<>();
            List<Set<String>> flagsPushed = List.of(new HashSet<>(), new HashSet<>());
            for (int c = 0; c < 2; c++) {
                Map<String, Integer> after = cloudAfter.get(c);
                Set<String> del = new HashSet<>();
                if (active[c]) {
                    // Mailboxes push in order; a flag pushed to a message of a shared account
                    // is a change in the cloud for the other mailbox holding that message.
                    Map<String, Integer> changes = pushes(c, before, new HashMap<>(after), cloudBefore.get(c), del,
                            xfers.get(c), sent.get(c));
                    if (!changes.isEmpty() || !del.isEmpty() || !sent.get(c).isEmpty()) {
                        if (failOp == Op.APPLY && failBox == c) {
                            active[c] = false;
                            del.clear();
                            sent.get(c).clear();
                        } else {
                            after.putAll(changes);
                            flagsPushed.get(c).addAll(changes.keySet());
                            after.keySet().removeAll(del);
                            sent.get(c).forEach((id, v) -> {
                                if (v[1] == 1) {
                                    after.remove(id); // moved out (the other mailbox's side: once its id is known)
                                }
                            });
                            for (Map.Entry<String, Integer> ch : changes.entrySet()) {
                                String other = sharedCopy(c, ch.getKey());
                                // Only where the other label still holds it: an earlier
                                // mailbox of this cycle may have just removed that label.
                                if (other != null && cloudAfter.get(1 - c).containsKey(other)) {
                                    cloudAfter.get(1 - c).put(other, ch.getValue() & sup[1 - c]);
                                    count("flags pushed to a message in two mailboxes");
                                }
                            }
                        }
                    }
                }
                if (!active[c]) {
                    expectOk = false;
                }
                deleted.add(del);
                // The cloud between the two mailboxes' pushes: where a cycle stopped after the first.
                stages.add(List.of(new HashMap<>(cloudAfter.get(0)), new HashMap<>(cloudAfter.get(1))));
            }

            // The Maildir contents that stay protected, and what each Maildir held before.
            List<Set<String>> protect = new ArrayList<>();
            List<Map<String, List<Copy>>> expectedBefore = new ArrayList<>();
            for (int m = 0; m < maildirs(); m++) {
                protect.add(new HashSet<>());
                expectedBefore.add(new HashMap<>());
            }
            for (int c = 0; c < 2; c++) {
                for (Map.Entry<String, Base> e : base.get(c).entrySet()) {
                    Base b = e.getValue();
                    expectedBefore.get(b.target()).computeIfAbsent(b.hash(), k -> new ArrayList<>()).add(new Copy(c, e.getKey()));
                    if (!active[c]) {
                        protect.get(b.target()).add(b.hash());
                    }
                }
            }

            // README (local moves): a moved or copied file waits in its new Maildir while its move or
            // copy has not reached the cloud (its mailbox failed), or its destination was not listed.
            for (int c = 0; c < 2; c++) {
                for (Xfer x : xfers.get(c).values()) {
                    boolean pushed = active[c] && sent.get(c).containsKey(x.id());
                    Base b = base.get(c).get(x.id());
                    boolean startupRules = startup[c] && !journalLoaded.get(b.target()).contains(b.hash())
                            || unsettled.get(c).contains(x.id());
                    if (pushed ? !active[x.into()] : !active[c] && !startupRules) {
                        protect.get(x.maildir()).add(x.hash());
                        count("moved file waits");
                    }
                }
            }

            // Faults of the local side, armed for this cycle.
            Path[] blocked = new Path[1];
            int[] blockedIn = {-1};
            String[] blockedBase = new String[1];
            Path removalVictim = null;
            Path[] aside = new Path[1];
            int deliveryFaultIn = -1;
            boolean[] crashed = {false};
            if (fault == Fault.DELIVERY) {
                deliveryFaultIn = rnd.nextInt(maildirs());
                Path t = fx.maildirPaths.get(deliveryFaultIn).resolve("tmp");
                deleteTree(t);
                Files.writeString(t, "not a directory");
                what.append(" with deliveries failing in Maildir ").append(deliveryFaultIn);
            } else if (fault == Fault.REMOVAL) {
                List<LFile> candidates = new ArrayList<>();
                for (int m = 0; m < maildirs(); m++) {
                    Set<String> stays = new HashSet<>(protect.get(m));
                    for (int c = 0; c < 2; c++) {
                        if (active[c]) {
                            for (String id : cloudAfter.get(c).keySet()) {
                                if (targetFor(c, hashOfId.get(key(c, id))) == m) {
                                    stays.add(hashOfId.get(key(c, id)));
                                }
                            }
                        }
                    }
                    for (LFile f : before.get(m)) {
                        if (expectedBefore.get(m).containsKey(f.hash()) && !stays.contains(f.hash())) {
                            candidates.add(f);
                        }
                    }
                }
                if (!candidates.isEmpty() && !tripped) {
                    Path victim = candidates.get(rnd.nextInt(candidates.size())).path();
                    removalVictim = victim;
                    aside[0] = fx.root.resolve("aside-" + cycles);
                    ownHook = p -> {
                        if (p.equals(victim) && aside[0] != null && !Files.exists(aside[0])) {
                            try {
                                Files.move(victim, aside[0]);
                                Files.createDirectories(victim.resolve("busy"));
                            } catch (IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                        }
                    };
                    what.append(" with the removal of ").append(victim.getFileName()).append(" failing");
                }
            } else if (fault == Fault.RENAME) {
                // The first rename the engine makes of a file fails: its new name is taken by a
                // directory for this cycle (as a full or read-only file system would fail it).
                Set<String> known = new HashSet<>();
                for (int m = 0; m < maildirs(); m++) {
                    for (LFile f : before.get(m)) {
                        known.add(m + "/" + f.base());
                    }
                }
                ownHook = p -> {
                    if (blocked[0] != null || Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                        return;
                    }
                    int m = fx.maildirPaths.indexOf(p.getParent().getParent());
                    String name = p.getFileName().toString();
                    int i = name.indexOf(":2,");
                    if (m >= 0 && known.contains(m + "/" + (i < 0 ? name : name.substring(0, i)))) {
                        try {
                            Files.createDirectories(p.resolve("busy"));
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                        blocked[0] = p;
                        blockedIn[0] = m;
                        blockedBase[0] = i < 0 ? name : name.substring(0, i);
                    }
                };
                what.append(" with the first rename failing");
            } else if (fault == Fault.COMMIT) {
                failCommits(true);
                what.append(" with the commit of state.db failing");
            } else if (fault == Fault.CRASH_LOCAL) {
                int k = 1 + rnd.nextInt(4);
                boolean die = rnd.nextBoolean();
                int[] seen = {0};
                ownHook = p -> {
                    if (++seen[0] == k) {
                        crashed[0] = true;
                        stopOrDie(die);
                    }
                };
                what.append(die ? " dying" : " stopping").append(" at the engine's local change #").append(k);
            } else if (fault == Fault.CRASH_CLOUD) {
                int c = rnd.nextInt(2);
                Op at = Op.values()[rnd.nextInt(3)];
                boolean die = rnd.nextBoolean();
                wrapped.get(c).after = op -> {
                    if (op == at) {
                        crashed[0] = true;
                        stopOrDie(die);
                    }
                };
                what.append(die ? " dying" : " stopping").append(" after ").append(at).append(" of ").append(c);
            }
            trace.append(what).append('\n');

            CycleReport report;
            reportFileEvents();
            try {
                report = fx.cycle();
            } catch (SimulatedCrash e) {
                report = null; // the process died at that point: nothing after it ran
            }
            rememberFiles();
            for (InMemoryMailbox c : clouds) {
                c.clearFailures();
            }
            for (Recording w : wrapped) {
                for (Moved mv : w.transfers) {
                    hashOfId.put(key(1 - mv.box(), mv.to()), hashOfId.get(key(mv.box(), mv.from())));
                }
            }
            ownHook = p -> { };
            // Undo the local faults before anything else looks at the Maildirs.
            boolean removalFailed = false;
            if (removalVictim != null && aside[0] != null && Files.exists(aside[0])) {
                removalFailed = true;
                count("removal failed");
                deleteTree(removalVictim);
                Files.move(aside[0], removalVictim);
            }
            if (blocked[0] != null) {
                deleteTree(blocked[0]);
                count("rename failed");
            }
            boolean commitFailed = fault == Fault.COMMIT;
            if (commitFailed) {
                failCommits(false);
            }
            if (deliveryFaultIn >= 0) {
                Path t = fx.maildirPaths.get(deliveryFaultIn).resolve("tmp");
                Files.delete(t);
                Files.createDirectory(t);
            }
            if (report == null) {
                trace.append("  -> died\n");
            } else {
                trace.append("  -> ").append(report).append(report.ok() ? "" : " " + report.errors() + report.problems())
                        .append('\n');
            }

            List<Map<String, Integer>> cloudNow = new ArrayList<>();
            for (int c = 0; c < 2; c++) {
                cloudNow.add(cloudFlagsOf(c));
            }

            if (tripped) {
                assertTrue(report != null, "nothing ran that could die");
                String why = "the wipe guard fails the cycle and changes nothing";
                assertTrue(!report.ok(), why);
                for (int c = 0; c < 2; c++) {
                    assertEquals(cloudBefore.get(c), cloudNow.get(c), why + ": mailbox " + c);
                    assertEquals(deletionsBefore.get(c), clouds.get(c).deletions(), why);
                }
                for (int m = 0; m < maildirs(); m++) {
                    assertEquals(names(before.get(m)), names(readMaildir(fx.maildirPaths.get(m))), why + ": Maildir " + m);
                }
                assertEquals(lostBefore, lostAndFound(), why);
                for (int m : confirmUsed) {
                    assertTrue(!Files.exists(fx.maildirPaths.get(m).resolve(".cms-confirm-empty")),
                            "the confirmation is used up");
                }
                trace.append("  (wipe guard)\n");
                count("wipe guard tripped");
                return;
            }
            for (int m : confirmUsed) {
                assertTrue(!Files.exists(fx.maildirPaths.get(m).resolve(".cms-confirm-empty")),
                        "the confirmation is used up");
            }

            // Deletions in the cloud: only those predicted, each by its mailbox's delete action.
            for (int c = 0; c < 2; c++) {
                Map<String, String> newDeletions = new HashMap<>(clouds.get(c).deletions());
                newDeletions.keySet().removeAll(deletionsBefore.get(c).keySet());
                for (Map.Entry<String, String> e : newDeletions.entrySet()) {
                    assertEquals(ACTION[c], e.getValue(), "mailbox " + c + " deletes by its delete_action");
                    assertTrue(deleted.get(c).contains(e.getKey()),
                            "mailbox " + c + ": " + e.getKey() + " deleted in the cloud without a user's deletion");
                }
                if (!crashed[0]) {
                    assertEquals(deleted.get(c), newDeletions.keySet(), "deletions pushed to mailbox " + c);
                }
            }

            // Moves and copies: exactly those predicted; the message is in the other mailbox under
            // the id the cloud gave it there.
            for (int c = 0; c < 2; c++) {
                Set<String> made = new HashSet<>();
                for (Moved mv : wrapped.get(c).transfers) {
                    made.add(mv.from() + (mv.move() ? " moved" : " copied"));
                    int[] v = sent.get(c).get(mv.from());
                    assertTrue(v != null, "mailbox " + c + ": " + mv + " was not predicted");
                    cloudAfter.get(1 - c).put(mv.to(), v[0] & sup[1 - c]);
                    count(mv.move() ? "local move made a cloud move" : "local copy made a cloud copy");
                }
                if (!crashed[0]) {
                    Set<String> predicted = new HashSet<>();
                    sent.get(c).forEach((id, v) -> predicted.add(id + (v[1] == 1 ? " moved" : " copied")));
                    assertEquals(predicted, made, "moves and copies pushed by mailbox " + c);
                }
            }

            if (crashed[0]) {
                count("stopped mid-cycle (" + fault + ")");
                stages.add(cloudAfter);
                checkStopped(report, before, cloudBefore, stages, cloudNow, lostBefore);
                restart();
                return;
            }

            // Phase B: what every Maildir should hold now.
            for (int c = 0; c < 2; c++) {
                assertEquals(cloudAfter.get(c), cloudNow.get(c), "cloud state of mailbox " + c);
            }
            List<Map<String, Integer>> now = new ArrayList<>();
            for (int c = 0; c < 2; c++) {
                Map<String, Integer> n = new HashMap<>();
                if (active[c]) {
                    for (Map.Entry<String, Integer> e : cloudAfter.get(c).entrySet()) {
                        if (base.get(c).containsKey(e.getKey()) || wrapped.get(c).available(e.getKey())) {
                            n.put(e.getKey(), e.getValue());
                        }
                    }
                    if (wrapped.get(c).fetchFailed) {
                        expectOk = false;
                    }
                }
                now.add(n);
            }
            List<Map<String, Want>> want = new ArrayList<>();
            for (int m = 0; m < maildirs(); m++) {
                want.add(new TreeMap<>());
            }
            for (int c = 0; c < 2; c++) {
                for (Map.Entry<String, Integer> e : new TreeMap<>(now.get(c)).entrySet()) {
                    String h = hashOfId.get(key(c, e.getKey()));
                    Want w = want.get(targetFor(c, h)).computeIfAbsent(h, k -> new Want());
                    w.flags |= e.getValue() & sup[c];
                    w.sup |= sup[c];
                    w.sources.add(new Copy(c, e.getKey()));
                }
            }
            List<Set<String>> failedIds = List.of(new HashSet<>(), new HashSet<>());
            // A flag pushed for a file whose content the mailbox that is out this cycle also places
            // in that Maildir keeps its base: the next cycle still sees the user's change against
            // the copies' bases and brings it to the copy that missed it.
            for (int c = 0; c < 2; c++) {
                if (!active[c] || active[1 - c]) {
                    continue;
                }
                for (String id : flagsPushed.get(c)) {
                    Base mine = base.get(c).get(id);
                    if (mine != null && mine.target() >= 0 && base.get(1 - c).values().stream()
                            .anyMatch(o -> o.hash().equals(mine.hash()) && o.target() == mine.target())) {
                        failedIds.get(c).add(id);
                        count("a pushed flag kept back for a copy that missed it");
                    }
                }
            }
            List<String> lostExpected = new ArrayList<>();
            for (int m = 0; m < maildirs(); m++) {
                Map<String, Integer> survivors = new TreeMap<>();
                List<String> delivered = new ArrayList<>();
                Set<String> present = new HashSet<>();
                for (LFile f : before.get(m)) {
                    present.add(f.hash());
                    Want w = want.get(m).get(f.hash());
                    if (w != null && m == blockedIn[0] && f.base().equals(blockedBase[0])) {
                        survivors.put(f.base(), f.flags()); // its rename failed: tried again next cycle
                        for (Copy s : w.sources) {
                            failedIds.get(s.box()).add(s.id());
                        }
                        expectOk = false;
                    } else if (w != null) {
                        survivors.put(f.base(), (f.flags() & ~T & ~w.sup) | (w.flags & w.sup));
                    } else if (protect.get(m).contains(f.hash())) {
                        survivors.put(f.base(), f.flags());
                    } else if (expectedBefore.get(m).containsKey(f.hash())) {
                        if (removalFailed && f.path().equals(removalVictim)) {
                            survivors.put(f.base(), f.flags());
                            for (Copy s : expectedBefore.get(m).get(f.hash())) {
                                failedIds.get(s.box()).add(s.id());
                            }
                            expectOk = false;
                        }
                    } else {
                        count("to lost+found");
                        lostExpected.add(f.hash());
                    }
                }
                for (Map.Entry<String, Want> e : want.get(m).entrySet()) {
                    if (present.contains(e.getKey())) {
                        continue;
                    }
                    if (deliveryFaultIn == m) {
                        count(startup[0] || startup[1] ? "delivery failed at start-up" : "delivery failed");
                        for (Copy s : e.getValue().sources) {
                            failedIds.get(s.box()).add(s.id());
                        }
                        expectOk = false;
                    } else {
                        delivered.add(e.getKey().substring(0, 8) + ":" + letters(e.getValue().flags & e.getValue().sup));
                    }
                }
                checkMaildir(m, survivors, delivered);
            }
            checkLostAndFound(lostBefore, lostExpected, before);
            if (commitFailed) {
                expectOk = false;
            }
            assertEquals(expectOk, report.ok(), "cycle outcome: " + report.errors() + report.problems());

            count("exact cycles" + (expectOk ? "" : " (failed)"));
            for (int c = 0; c < 2; c++) {
                if (!deleted.get(c).isEmpty()) {
                    count("cycles deleting in the cloud");
                }
            }
            for (int m = 0; m < maildirs(); m++) {
                for (Want w : want.get(m).values()) {
                    if (w.sources.size() > 1) {
                        count("identical copies in one file");
                    }
                }
            }
            if (commitFailed) {
                // Nothing was saved: the engine goes on from the previous snapshot (and start-up
                // rules, and journal), although the cloud and the Maildirs already moved on.
                count("commit failed" + (startup[0] || startup[1] ? " at start-up" : ""));
                return;
            }
            // The journal is done with once every mailbox took every local change.
            boolean fetchFailed = wrapped.get(0).fetchFailed || wrapped.get(1).fetchFailed;
            if (active[0] && active[1] && !fetchFailed) {
                for (int m = 0; m < 2; m++) {
                    journalDb.get(m).clear();
                    journalLoaded.get(m).clear();
                }
            }
            // The names the engine's stat index holds now: every file it saw, of a content no other file has.
            Map<String, Integer> copies = new HashMap<>();
            List<List<LFile>> after = new ArrayList<>();
            for (int m = 0; m < maildirs(); m++) {
                after.add(readMaildir(fx.maildirPaths.get(m)));
                for (LFile f : after.get(m)) {
                    copies.merge(f.hash(), 1, Integer::sum);
                }
                for (LFile f : before.get(m)) {
                    copies.merge(f.hash(), 1, Integer::sum);
                }
            }
            for (int m = 0; m < maildirs(); m++) {
                committedNames.get(m).clear();
                Set<String> beforeBases = new HashSet<>();
                for (LFile f : before.get(m)) {
                    beforeBases.add(f.base());
                }
                for (LFile f : after.get(m)) {
                    // seen before and after (2), or delivered by the engine now (1)
                    int own = beforeBases.contains(f.base()) ? 2 : 1;
                    if (copies.get(f.hash()) == own) {
                        committedNames.get(m).put(f.base(), f.hash());
                    }
                }
            }
            // The new snapshot, and the end of start-up rules for each mailbox that committed.
            for (int c = 0; c < 2; c++) {
                if (!active[c]) {
                    continue;
                }
                Map<String, Base> next = new HashMap<>();
                for (Map.Entry<String, Integer> e : now.get(c).entrySet()) {
                    String h = hashOfId.get(key(c, e.getKey()));
                    next.put(e.getKey(), new Base(h, e.getValue(), targetFor(c, h)));
                }
                for (String id : failedIds.get(c)) {
                    Base prev = base.get(c).get(id);
                    if (prev != null) {
                        next.put(id, prev);
                    } else {
                        next.remove(id);
                    }
                }
                base.get(c).clear();
                base.get(c).putAll(next);
                if (startup[c]) {
                    startup[c] = false;
                    unsettled.get(c).clear();
                    unsettled.get(c).addAll(failedIds.get(c));
                } else {
                    unsettled.get(c).retainAll(failedIds.get(c));
                }
            }
        }

        /**
         * The changes mailbox {@code c} should push: id → new flags, deleted ids into {@code del},
         * and its moves and copies into {@code sent} (id → {flags, 1 for a move}). DESIGN §5 step 2
         * with the README's rules for start-up, identical copies and local moves ({@code xfers}).
         */
        Map<String, Integer> pushes(int c, List<List<LFile>> local, Map<String, Integer> cloud,
                Map<String, Integer> listed, Set<String> del, Map<String, Xfer> xfers, Map<String, int[]> sent) {
            Map<String, Integer> out = new HashMap<>();
            for (Map.Entry<String, Base> e : base.get(c).entrySet()) {
                String id = e.getKey();
                Base b = e.getValue();
                Integer cur = cloud.get(id);
                if (cur == null) {
                    continue; // gone in the cloud: nothing to push
                }
                // Start-up rules, except for a change the running daemon journaled before it died.
                boolean startupRules = startup[c] && !journalLoaded.get(b.target()).contains(b.hash())
                        || unsettled.get(c).contains(id);
                if (startupRules && !offline) {
                    continue; // the cloud is authoritative
                }
                Xfer x = startupRules ? null : xfers.get(id); // moved or copied: under a deletion's rules
                List<LFile> files = local.get(b.target()).stream().filter(f -> f.hash().equals(b.hash())).toList();
                if (files.isEmpty() && x != null) {
                    // Moved: the flags its file shows in the new Maildir, T there a deletion.
                    List<LFile> there = local.get(x.maildir()).stream().filter(f -> f.hash().equals(b.hash())).toList();
                    Integer merged = merge(c, b, cur, cur, there, false);
                    if (merged == null) {
                        del.add(id);
                    } else {
                        sent.put(id, new int[] {merged, 1});
                    }
                    continue;
                }
                if (files.isEmpty()) {
                    if (!startupRules) {
                        del.add(id); // deleted by the user
                    }
                    continue; // --offline: a missing file is ignored
                }
                Integer merged = merge(c, b, cur, listed.getOrDefault(id, cur), files, startupRules);
                if (merged == null) {
                    del.add(id);
                    continue;
                }
                if (merged != cur.intValue()) {
                    out.put(id, merged);
                }
                if (x != null) {
                    sent.put(id, new int[] {merged, 0}); // copied, with the message's flags
                }
            }
            return out;
        }

        /** The flags of message {@code b} of mailbox {@code c} after the user's changes on {@code files}; null for T. */
        Integer merge(int c, Base b, int cur, int listed, List<LFile> files, boolean startupRules) {
            // What the file showed after the last cycle: a flag when any copy routed there had it.
            int shown = 0;
            for (int d = 0; d < 2; d++) {
                for (Base o : base.get(d).values()) {
                    if (o.target() == b.target() && o.hash().equals(b.hash())) {
                        shown |= o.flags() & sup[d];
                    }
                }
            }
            // Flags the user changed on (any copy of) the file.
            int changed = 0;
            int value = 0;
            for (LFile f : files) {
                changed |= f.flags() ^ shown;
                value |= f.flags() & (f.flags() ^ shown);
            }
            if ((value & T) != 0) {
                return null;
            }
            int merged = 0;
            for (int bit : new int[] {S, F, R}) {
                if ((sup[c] & bit) == 0) {
                    continue;
                }
                boolean mine = (changed & bit) != 0 ? (value & bit) != 0 : (b.flags() & bit) != 0;
                boolean on;
                if (startupRules && (cur & bit) != (listed & bit)) {
                    on = (cur & bit) != 0; // pushed this cycle through the message's other mailbox
                } else if (startupRules) {
                    on = mine; // --offline trusts local flags (no user change: the copy's own)
                } else if ((cur & bit) != (b.flags() & bit)) {
                    on = (cur & bit) != 0; // the cloud changed it since the base: the cloud wins
                } else {
                    on = mine;
                }
                if (on) {
                    merged |= bit;
                }
            }
            return merged;
        }

        /**
         * README, local moves: in a shared account, a file in a Maildir where the snapshot placed no
         * message of its content, whose content the snapshot placed in the other Maildir, is that
         * message moved (its file left) or copied there, when the other mailbox routes it there;
         * a copy is not made when that mailbox (listed this cycle) holds the message already.
         */
        List<Map<String, Xfer>> transfersOf(List<List<LFile>> before, boolean[] listed) {
            List<Map<String, Xfer>> out = List.of(new TreeMap<>(), new TreeMap<>());
            if (!shared) {
                return out;
            }
            for (int u = 0; u < maildirs(); u++) {
                Set<String> here = new java.util.TreeSet<>();
                before.get(u).forEach(f -> here.add(f.hash()));
                for (String h : here) {
                    boolean placed = false;
                    for (int c = 0; c < 2; c++) {
                        for (Base b : base.get(c).values()) {
                            placed |= b.target() == u && b.hash().equals(h);
                        }
                    }
                    if (placed) {
                        continue;
                    }
                    for (int c = 0; c < 2; c++) {
                        int d = 1 - c;
                        for (Map.Entry<String, Base> e : base.get(c).entrySet()) {
                            Base b = e.getValue();
                            if (b.target() == u || !b.hash().equals(h) || targetFor(d, h) != u) {
                                continue;
                            }
                            int t = b.target();
                            boolean copy = before.get(t).stream().anyMatch(f -> f.hash().equals(h));
                            if (copy && listed[d] && sharedCopy(c, e.getKey()) != null) {
                                continue;
                            }
                            out.get(c).putIfAbsent(e.getKey(), new Xfer(e.getKey(), d, u, h));
                        }
                    }
                }
            }
            return out;
        }

        /**
         * A cycle stopped half-way: only predicted changes happened, and nothing was lost. Each
         * flag is as before the cycle or as predicted after one of the mailboxes' pushes
         * ({@code stages}: the first mailbox's push of a message both hold may be undone by the
         * second's in the same cycle).
         */
        void checkStopped(CycleReport report, List<List<LFile>> before, List<Map<String, Integer>> cloudBefore,
                List<List<Map<String, Integer>>> stages, List<Map<String, Integer>> cloudNow, Set<Path> lostBefore)
                throws IOException {
            assertTrue(report == null || report.aborted(), "a stop request aborts the cycle");
            for (int c = 0; c < 2; c++) {
                for (Map.Entry<String, Integer> e : cloudNow.get(c).entrySet()) {
                    Integer was = cloudBefore.get(c).get(e.getKey());
                    List<Integer> predicted = new ArrayList<>();
                    for (List<Map<String, Integer>> stage : stages) {
                        Integer v = stage.get(c).get(e.getKey());
                        if (v != null) {
                            predicted.add(v);
                        }
                    }
                    assertTrue(was != null || !predicted.isEmpty(), "nothing appears in the cloud but a predicted move or copy");
                    int after = e.getValue();
                    for (int bit : new int[] {S, F, R}) {
                        boolean ok = was != null && (after & bit) == (was & bit);
                        for (int p : predicted) {
                            ok |= (after & bit) == (p & bit);
                        }
                        assertTrue(ok, "mailbox " + c + " " + e.getKey() + ": flag " + letters(bit)
                                + " changed although the model predicts no such change");
                    }
                }
            }
            // Nothing a user made is lost: each own file is still in its Maildir or in lost+found.
            Map<String, List<byte[]>> lost = new HashMap<>();
            for (Path p : lostAndFound()) {
                if (!lostBefore.contains(p)) {
                    byte[] b = Files.readAllBytes(p);
                    lost.computeIfAbsent(hash(b), k -> new ArrayList<>()).add(b);
                }
            }
            for (int m = 0; m < maildirs(); m++) {
                List<LFile> after = readMaildir(fx.maildirPaths.get(m));
                Set<String> here = new HashSet<>();
                Map<String, Integer> count = new HashMap<>();
                for (LFile f : after) {
                    here.add(f.hash());
                    count.merge(f.hash(), 1, Integer::sum);
                }
                Map<String, Integer> countBefore = new HashMap<>();
                for (LFile f : before.get(m)) {
                    countBefore.merge(f.hash(), 1, Integer::sum);
                    if (userHashes.contains(f.hash()) && !here.contains(f.hash())) {
                        assertTrue(lost.containsKey(f.hash()), "a user's own file is in lost+found: " + f.base());
                    }
                }
                for (Map.Entry<String, Integer> e : count.entrySet()) {
                    assertTrue(e.getValue() <= Math.max(1, countBefore.getOrDefault(e.getKey(), 0)),
                            "no duplicate files in Maildir " + m);
                }
            }
            for (String h : lost.keySet()) {
                assertTrue(userHashes.contains(h) || hashOfId.containsValue(h), "lost+found holds what was in a Maildir");
            }
        }

        void checkMaildir(int m, Map<String, Integer> survivors, List<String> delivered) throws IOException {
            Map<String, Integer> actualSurvivors = new TreeMap<>();
            List<String> actualDelivered = new ArrayList<>();
            for (LFile f : readMaildir(fx.maildirPaths.get(m))) {
                if (survivors.containsKey(f.base()) && !actualSurvivors.containsKey(f.base())) {
                    actualSurvivors.put(f.base(), f.flags());
                } else {
                    actualDelivered.add(f.hash().substring(0, 8) + ":" + letters(f.flags()));
                }
            }
            Map<String, String> want = new TreeMap<>();
            survivors.forEach((k, v) -> want.put(k, letters(v)));
            Map<String, String> got = new TreeMap<>();
            actualSurvivors.forEach((k, v) -> got.put(k, letters(v)));
            assertEquals(want, got, "files kept in Maildir " + m + " (name -> flags)");
            delivered.sort(null);
            actualDelivered.sort(null);
            assertEquals(delivered, actualDelivered, "files delivered to Maildir " + m + " (content:flags)");
        }

        void checkLostAndFound(Set<Path> lostBefore, List<String> expected, List<List<LFile>> before) throws IOException {
            List<String> got = new ArrayList<>();
            for (Path p : lostAndFound()) {
                if (lostBefore.contains(p)) {
                    continue;
                }
                byte[] b = Files.readAllBytes(p);
                String h = hash(b);
                got.add(h);
                boolean identical = false;
                for (List<LFile> files : before) {
                    for (LFile f : files) {
                        identical |= Arrays.equals(f.bytes(), b);
                    }
                }
                assertTrue(identical, "lost+found holds a file byte-identical to one that was in a Maildir");
            }
            List<String> want = new ArrayList<>(expected);
            want.sort(null);
            got.sort(null);
            assertEquals(want, got, "files moved to lost+found (by content)");
        }

        /** Quiet cycles until everything agrees, then every cloud message is in its Maildir with its flags. */
        void converge() throws Exception {
            trace.append("-- quiet\n");
            for (int m = 0; m < maildirs(); m++) {
                boolean mayDelete = offline || !startup[0] || !startup[1] || !journalLoaded.get(0).isEmpty()
                    || !journalLoaded.get(1).isEmpty();
                if (mayDelete && readMaildir(fx.maildirPaths.get(m)).isEmpty() && expectedIn(m) >= 2
                        && !Files.exists(fx.maildirPaths.get(m).resolve(".cms-confirm-empty"))) {
                    start(false);
                    trace.append("restart (the wipe guard asks for it)\n");
                    break;
                }
            }
            cycle(Fault.NONE);
            cycle(Fault.NONE);
            cycle(Fault.NONE);
            for (int m = 0; m < maildirs(); m++) {
                Map<String, Want> want = new HashMap<>();
                for (int c = 0; c < 2; c++) {
                    for (String id : clouds.get(c).ids()) {
                        if (targetFor(c, hashOfId.get(key(c, id))) != m) {
                            continue;
                        }
                        Want w = want.computeIfAbsent(hashOfId.get(key(c, id)), k -> new Want());
                        w.flags |= bits(clouds.get(c).flags(id)) & sup[c];
                        w.sup |= sup[c];
                    }
                }
                Map<String, Integer> count = new HashMap<>();
                for (LFile f : readMaildir(fx.maildirPaths.get(m))) {
                    count.merge(f.hash(), 1, Integer::sum);
                    Want w = want.get(f.hash());
                    if (w == null) {
                        fail("Maildir " + m + " holds " + f.base() + ", which no cloud message routed there has");
                    }
                    assertEquals(letters(w.flags), letters(f.flags() & w.sup), "converged flags of " + f.base());
                    assertEquals(0, f.flags() & T, "no T left");
                }
                for (String h : want.keySet()) {
                    int n = count.getOrDefault(h, 0);
                    assertTrue(n >= 1, "every cloud message is in its Maildir: " + h.substring(0, 8) + " missing in " + m);
                    assertTrue(n == 1 || copied.contains(h), "no duplicate files of " + h.substring(0, 8));
                }
            }
            // Every user's own file (not deleted by the user) ends byte-identical in lost+found.
            List<byte[]> lost = new ArrayList<>();
            for (Path p : lostAndFound()) {
                lost.add(Files.readAllBytes(p));
            }
            for (Map.Entry<String, byte[]> e : userFiles.entrySet()) {
                assertTrue(lost.stream().anyMatch(b -> Arrays.equals(b, e.getValue())),
                        "a user's own file is byte-identical in lost+found");
            }
            for (byte[] b : lost) {
                String h = hash(b);
                assertTrue(userHashes.contains(h) || hashOfId.containsValue(h),
                        "lost+found holds only files that were in a Maildir");
            }
        }

        /** A user's own content deleted by the user is no longer expected in lost+found once no copy is left. */
        void forgetIfGone(String h) throws IOException {
            for (int m = 0; m < maildirs(); m++) {
                for (LFile f : readMaildir(fx.maildirPaths.get(m))) {
                    if (f.hash().equals(h)) {
                        return;
                    }
                }
            }
            userFiles.remove(h);
        }

        /** A stop request (the engine stops at its next safe point) or the process dying right here. */
        void stopOrDie(boolean die) {
            if (die) {
                throw new SimulatedCrash();
            }
            fx.engine.requestStop();
        }

        // ---- helpers

        /**
         * Makes every commit of state.db fail (or work again): a trigger on the mailbox table,
         * which each cycle's commit writes, aborts the transaction as a full disk would.
         */
        void failCommits(boolean fail) throws IOException {
            try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + fx.stateDir.resolve("state.db"));
                    java.sql.Statement st = c.createStatement()) {
                st.setQueryTimeout(30);
                for (String op : new String[] {"INSERT", "UPDATE"}) {
                    st.execute(fail
                            ? "CREATE TRIGGER model_full_" + op + " BEFORE " + op + " ON mailbox"
                                    + " BEGIN SELECT RAISE(ABORT, 'database or disk is full (simulated)'); END"
                            : "DROP TRIGGER IF EXISTS model_full_" + op);
                }
            } catch (java.sql.SQLException e) {
                throw new IOException(e);
            }
        }

        /** The internal id under which the other mailbox holds the same message as {@code id} of {@code c}, if shared. */
        String sharedCopy(int c, String id) {
            return shared ? wrapped.get(1 - c).holding(wrapped.get(c).ext(id)) : null;
        }

        /** Another client changes a message's flags: in a shared account, in every mailbox holding it. */
        void setCloudFlags(int c, String id, int f) {
            clouds.get(c).setFlags(id, flags(f & sup[c]));
            String other = sharedCopy(c, id);
            if (other != null) {
                clouds.get(1 - c).setFlags(other, flags(f & sup[1 - c]));
            }
        }

        /**
         * README: a Maildir emptied by moving every message into other Maildirs is no wipe: each
         * content the base placed in Maildir m has a file in another Maildir where the base placed
         * none of it.
         */
        boolean allArrivedElsewhere(int m, List<List<LFile>> files) {
            Set<String> contents = new HashSet<>();
            Map<String, Set<Integer>> placedIn = new HashMap<>();
            for (Map<String, Base> b : base) {
                for (Base e : b.values()) {
                    placedIn.computeIfAbsent(e.hash(), k -> new HashSet<>()).add(e.target());
                    if (e.target() == m) {
                        contents.add(e.hash());
                    }
                }
            }
            for (String h : contents) {
                boolean arrived = false;
                for (int o = 0; o < files.size(); o++) {
                    for (LFile f : files.get(o)) {
                        arrived |= o != m && f.hash().equals(h) && !placedIn.get(h).contains(o);
                    }
                }
                if (!arrived) {
                    return false;
                }
            }
            return !contents.isEmpty();
        }

        int expectedIn(int m) {
            int n = 0;
            for (Map<String, Base> b : base) {
                for (Base e : b.values()) {
                    if (e.target() == m) {
                        n++;
                    }
                }
            }
            return n;
        }

        Map<String, Integer> cloudFlagsOf(int c) {
            Map<String, Integer> out = new HashMap<>();
            for (String id : clouds.get(c).ids()) {
                out.put(id, bits(clouds.get(c).flags(id)));
            }
            return out;
        }

        Set<Path> lostAndFound() throws IOException {
            Path d = fx.stateDir.resolve("lost+found");
            if (!Files.isDirectory(d)) {
                return Set.of();
            }
            try (Stream<Path> s = Files.list(d)) {
                return new HashSet<>(s.toList());
            }
        }

        static List<String> names(List<LFile> files) {
            return files.stream().map(f -> f.path().getFileName().toString()).sorted().toList();
        }

        static String key(int c, String id) {
            return c + "/" + id;
        }

        String shortName(LFile f) {
            return f.base().length() > 24 ? f.base().substring(0, 24) + "…" : f.base();
        }

        int randomFlags() {
            int f = 0;
            for (int bit : new int[] {S, F, R}) {
                if (rnd.nextBoolean()) {
                    f |= bit;
                }
            }
            return f;
        }

        String pick(Set<String> ids) {
            if (ids.isEmpty()) {
                return null;
            }
            List<String> l = new ArrayList<>(ids);
            l.sort(Comparator.comparing((String s) -> s.length()).thenComparing(Comparator.naturalOrder()));
            return l.get(rnd.nextInt(l.size()));
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
