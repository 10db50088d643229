package dev.cms.sync;

import dev.cms.maildir.MaildirFile;
import dev.cms.model.ContentHash;
import dev.cms.model.Flags;
import dev.cms.provider.UploadOutcomeUnknownException;
import dev.cms.provider.UploadRefusedException;
import dev.cms.store.MessageStore;
import dev.cms.time.Ticker;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiPredicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A user's own new messages (issue 16): a file in a Maildir whose content neither the snapshot
 * nor the store has ever had (a mail reader's "save as new", a draft, a {@code cp} from outside),
 * and that is no local move or copy ({@link LocalMoves}), is created in the one mailbox that
 * routes it to that Maildir, when that mailbox takes new messages from files (Gmail: every label;
 * Office365: the Drafts folder); otherwise it goes to lost+found, as before, with a warning that
 * says why. Like a deletion, an upload is never made under start-up rules (a file the daemon did
 * not see arrive while it ran, and any at an {@code --offline} start): such a file goes to
 * lost+found. While the mailbox is failing, the file stays where it is.
 *
 * <p>Exactly once, as far as a crash allows: the body enters the store before the upload, so a
 * start after a crash between the upload and the commit never uploads it again (the store knows
 * it); the listing then brings the message back under its new id, and the file is that message.
 * A crash after the body was stored but before the service answered leaves the file not uploaded
 * (it goes to lost+found at that start): at most once, never twice. After the upload the message's
 * body is read back: when the service changed it (Office365 rewrites MIME), the cloud's version
 * replaces the file, with its flags. A failed upload fails its mailbox for the cycle (its file
 * stays, the next cycle tries again); a refusal (an invalid message) sends the file to lost+found;
 * an upload that may have reached the service without an answer is never sent again (the next
 * listing shows whether it did: the file is then that message, else it goes to lost+found).
 *
 * <p>A file written less than {@link #MIN_AGE} ago (its modification time by the engine's clock)
 * waits: a {@code cp} straight into {@code cur/} or {@code new/} is seen while its writer still
 * writes, and a cut copy must not reach the cloud. The cycle asks to run again soon, and the
 * file is looked at again then (also when no file event names it).
 */
final class LocalUploads {
    private static final Logger log = LoggerFactory.getLogger(LocalUploads.class);

    /** A file of content {@code hash} in Maildir {@code maildir}. */
    private record Arrival(int maildir, ContentHash hash) {}

    private final MessageStore store;
    private final Bodies bodies;
    private final Routing routing;
    private final MaildirUpdate update;
    private final boolean offline;
    private final Ticker ticker;
    /** Stored for an upload that failed: still the user's own, so tried again (the store's copy does not count). */
    private final Set<ContentHash> retry = new HashSet<>();
    /** More new files than this in one Maildir in one cycle wait for {@link #CONFIRM_UPLOAD}. */
    static final int MASS_UPLOAD = 20;
    /** A file in a Maildir's root that confirms, once, that its many new files are to be uploaded. */
    static final String CONFIRM_UPLOAD = ".cms-confirm-upload";
    /**
     * A file modified less than this long ago is not uploaded yet. A modification time more than
     * {@link #CLOCK_SKEW} after the clock's now is taken for a skewed clock (a network file
     * system), not for a file being written.
     */
    static final Duration MIN_AGE = Duration.ofSeconds(2);
    static final Duration CLOCK_SKEW = Duration.ofSeconds(1);
    /** The new files too young at the last cycle: looked at again at the next, as {@link #held}. */
    private final Set<Arrival> young = new HashSet<>();
    /**
     * The new files a mass upload's guard held back at the last cycle: looked at again at each
     * cycle (a confirmation is no file event) until uploaded or gone.
     */
    private final Set<Arrival> held = new HashSet<>();
    /** Per Maildir: how many new files the last warning about a mass upload named. */
    private final Map<Integer, Integer> warned = new HashMap<>();
    /** This cycle: the files kept where they are (their mailbox failed). */
    private final Set<Arrival> kept = new HashSet<>();
    /**
     * This cycle: the files uploaded, with their mailbox's refresh. When a later upload fails that
     * mailbox, the file stays too (its message is not committed; the next listing brings it).
     */
    private final Map<Arrival, Refresh> uploaded = new HashMap<>();
    /**
     * Contents found to be a mail reader's rewrite of a message of the account ({@link
     * ReaderCopies}) in this run: never uploaded, also in a later cycle that no longer finds the
     * message they came from (its move done, their replacement not).
     */
    private final Set<ContentHash> readerSaves = new HashSet<>();

    LocalUploads(MessageStore store, Bodies bodies, Routing routing, MaildirUpdate update, boolean offline,
            Ticker ticker) {
        this.ticker = ticker;
        this.store = store;
        this.bodies = bodies;
        this.routing = routing;
        this.update = update;
        this.offline = offline;
    }

    /** What one cycle's uploads work with. */
    record Round(List<CloudState> clouds, Map<CloudState, Refresh> refreshed, List<LocalView> locals, Scope scope,
            Expected expected, LocalMoves moves, BiPredicate<Integer, ContentHash> journaled) {}

    /** Uploads this cycle's new local messages (after the pushes: a mailbox whose push failed takes none). */
    void run(Round cy, CycleReport rep) throws InterruptedException {
        kept.clear();
        uploaded.clear();
        Map<Integer, List<Planned>> byMaildir = new HashMap<>();
        List<Arrival> arrivals = arrivals(cy);
        young.clear();
        for (Arrival a : arrivals) {
            Planned p = consider(cy, a, rep);
            if (p != null) {
                byMaildir.computeIfAbsent(a.maildir(), k -> new ArrayList<>()).add(p);
            }
        }
        Set<Arrival> refused = new HashSet<>();
        for (Map.Entry<Integer, List<Planned>> e : byMaildir.entrySet()) {
            if (!massUploadAllowed(e.getKey(), e.getValue())) {
                e.getValue().forEach(p -> refused.add(p.a()));
                continue;
            }
            for (Planned p : e.getValue()) {
                if (p.r().active()) {
                    upload(cy, p.a(), p.file(), p.d(), p.r(), rep);
                } else {
                    kept.add(p.a()); // an upload before it failed its mailbox: the file waits for it
                }
            }
        }
        held.clear();
        held.addAll(refused);
    }

    /**
     * Whether the new files of Maildir {@code m} may be uploaded: up to {@value #MASS_UPLOAD}
     * in one cycle, more only when {@value #CONFIRM_UPLOAD} in the Maildir confirms it (once:
     * it is removed). Otherwise they stay where they are, neither uploaded nor sent to
     * lost+found (a backup restored into the Maildir, a disk mounted in the wrong place).
     */
    private boolean massUploadAllowed(int m, List<Planned> planned) {
        if (planned.size() <= MASS_UPLOAD) {
            warned.remove(m);
            return true;
        }
        Path confirm = update.root(m).resolve(CONFIRM_UPLOAD);
        try {
            if (Files.deleteIfExists(confirm)) {
                log.warn("{}: {} new files, and {} confirms them: uploading them", update.root(m), planned.size(),
                        CONFIRM_UPLOAD);
                warned.remove(m);
                return true;
            }
        } catch (IOException e) {
            log.warn("{}: cannot remove {}: {}", update.root(m), CONFIRM_UPLOAD, e.getMessage());
        }
        for (Planned p : planned) {
            kept.add(p.a());
        }
        if (!Integer.valueOf(planned.size()).equals(warned.put(m, planned.size()))) {
            log.warn("{}: {} new files in one cycle (more than {}); not uploading them (run 'touch {}' to upload"
                    + " them, or move them out of the Maildir)", update.root(m), planned.size(), MASS_UPLOAD, confirm);
        }
        return false;
    }

    /**
     * Whether content {@code h} of Maildir {@code m} stays as it is this cycle: its upload waits
     * for its mailbox, or was made by a mailbox that failed later in the cycle.
     */
    boolean protects(int m, ContentHash h) {
        if (kept.isEmpty() && uploaded.isEmpty()) {
            return false;
        }
        Arrival a = new Arrival(m, h);
        Refresh r = uploaded.get(a);
        return kept.contains(a) || r != null && !r.active();
    }

    /**
     * The files in scope whose content no snapshot placed there, that no move takes, and that the
     * store never had (neither holds nor dropped: a deleted message's file restored is not new).
     */
    private List<Arrival> arrivals(Round cy) {
        Set<Arrival> out = new LinkedHashSet<>();
        for (int u = 0; u < cy.locals().size(); u++) {
            Set<ContentHash> in = cy.scope().in(u);
            LocalView v = cy.locals().get(u);
            for (ContentHash h : in == null ? v.hashes() : List.copyOf(in)) {
                if (v.has(h) && cy.moves().readerSave(u, h)) {
                    readerSaves.add(h); // a copy of a message the cloud has, now or in a later cycle
                }
                if (isNew(cy, u, h)) {
                    out.add(new Arrival(u, h));
                }
            }
        }
        for (Set<Arrival> waiting : List.of(held, young)) {
            for (Arrival a : waiting) {
                if (isNew(cy, a.maildir(), a.hash())) {
                    out.add(a); // not in scope: held back or too young, nothing changed it since
                }
            }
        }
        Set<ContentHash> unstored = new HashSet<>();
        for (Arrival a : out) {
            if (!retry.contains(a.hash())) {
                unstored.add(a.hash());
            }
        }
        if (!unstored.isEmpty()) {
            Set<ContentHash> dropped = bodies.dropped(unstored);
            out.removeIf(a -> dropped.contains(a.hash()));
        }
        return new ArrayList<>(out);
    }

    /**
     * Whether content {@code h} has a file in Maildir {@code u} that no snapshot placed there, no
     * move takes, is no mail reader's rewrite, and whose body the store does not hold (unless an
     * upload of it failed: stored for that, still the user's own).
     */
    private boolean isNew(Round cy, int u, ContentHash h) {
        return cy.locals().get(u).has(h) && !cy.expected().in(u).containsKey(h) && !moved(cy, u, h)
                && !readerSaves.contains(h) && (retry.contains(h) || !store.contains(h));
    }

    private static boolean moved(Round cy, int u, ContentHash h) {
        for (CloudState c : cy.clouds()) {
            for (LocalMoves.Transfer t : cy.moves().of(c).values()) {
                if (t.maildir() == u && t.arrived().equals(h)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** An upload decided on: file {@code file} of arrival {@code a} into mailbox {@code d}. */
    private record Planned(Arrival a, MaildirFile file, CloudState d, Refresh r) {}

    /** What to do with arrival {@code a}: an upload, or null (sent to lost+found, kept, or left). */
    private @Nullable Planned consider(Round cy, Arrival a, CycleReport rep) throws InterruptedException {
        MaildirFile file = Objects.requireNonNull(cy.locals().get(a.maildir()).files(a.hash()), "an arrival has a file")
                .get(0);
        if (tooYoung(file)) {
            kept.add(a);
            young.add(a);
            rep.rerunSoon = true;
            return null;
        }
        List<CloudState> into = new ArrayList<>();
        Map<String, @Nullable String> headers = new HashMap<>();
        for (CloudState c : cy.clouds()) {
            try {
                if (routing.ofFile(c, file.path(), headers) == a.maildir()) {
                    into.add(c);
                }
            } catch (IOException e) {
                log.debug("cannot read the headers of {}: {}", file.path(), e.toString());
                return null;
            }
        }
        if (into.size() != 1) {
            if (into.size() > 1) {
                update.explain(file.path(), "several cloud mailboxes fill its Maildir; no one of them is its place");
            }
            return null;
        }
        CloudState d = into.get(0);
        if (d.startup && (offline || !cy.journaled().test(a.maildir(), a.hash()))) {
            return null; // start-up rules: not seen arriving while the daemon ran
        }
        Refresh r = cy.refreshed().get(d);
        boolean active = r != null && r.active();
        String why;
        try {
            why = d.box.uploadsRefused();
        } catch (IOException e) {
            kept.add(a);
            if (active && r != null) {
                r.failure = e;
                rep.mailboxFailed(d.key(), Failure.Phase.PUSH, "cannot tell whether it takes new messages: "
                        + e.getMessage(), e);
            }
            return null;
        }
        if (why != null) {
            update.explain(file.path(), why); // to lost+found, as before uploads existed
            return null;
        }
        if (!active || r == null) {
            kept.add(a); // its mailbox failed: the file waits for it
            return null;
        }
        return new Planned(a, file, d, r);
    }

    /** Whether {@code file} was modified less than {@link #MIN_AGE} ago, perhaps still being written. */
    private boolean tooYoung(MaildirFile file) {
        Instant now = ticker.now();
        long nowNanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        long age = nowNanos - file.stat().mtimeNanos();
        return age < MIN_AGE.toNanos() && age > -CLOCK_SKEW.toNanos();
    }

    private void upload(Round cy, Arrival a, MaildirFile file, CloudState d, Refresh r, CycleReport rep)
            throws InterruptedException {
        String name = file.path().getFileName().toString();
        try {
            ContentHash stored;
            try (InputStream in = Files.newInputStream(file.path())) {
                stored = store.ingest(in);
            }
            if (!stored.equals(a.hash())) {
                kept.add(a); // changed since it was read: the next cycle looks again
                return;
            }
            bodies.stored(stored);
            store.sync(); // its name durable before the upload: a power cut must not make it new again
            retry.add(stored);
            String id = d.box.upload(store.path(stored), file.flags().retain(d.supported));
            retry.remove(stored);
            placed(cy, a, file, d, r, id);
            uploaded.put(a, r);
            rep.uploaded++;
            log.info("{}: uploaded as a new message: {}", d.key(), name);
        } catch (UploadRefusedException e) {
            retry.remove(a.hash());
            update.explain(file.path(), "the cloud refused it: " + e.getMessage());
        } catch (UploadOutcomeUnknownException e) {
            // Perhaps created: never sent again. The next listing shows it (the file is then that
            // message), or not (the file goes to lost+found).
            retry.remove(a.hash());
            kept.add(a);
            r.failure = e;
            rep.mailboxFailed(d.key(), Failure.Phase.PUSH, "uploading " + name + ": " + e.getMessage()
                    + "; not sent again", e);
        } catch (IOException e) {
            kept.add(a);
            r.failure = e;
            rep.mailboxFailed(d.key(), Failure.Phase.PUSH, "uploading " + name + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * The cloud created message {@code id} from the file: it is in this cycle's listing, placed in
     * the file's Maildir, so it is never downloaded as a second copy. Its body is read back; when
     * the service changed it, that version replaces the file.
     */
    private void placed(Round cy, Arrival a, MaildirFile file, CloudState d, Refresh r, String id)
            throws InterruptedException {
        ContentHash[] cloud = {a.hash()};
        @Nullable Instant[] received = {null};
        try {
            d.box.fetchBodies(List.of(id), (fid, body, when) -> {
                cloud[0] = store.ingest(body);
                received[0] = when;
            });
        } catch (IOException e) {
            log.debug("{}: cannot read back new message {}; taking it to be the file: {}", d.key(), id, e.toString());
        }
        ContentHash h = cloud[0];
        bodies.stored(h);
        d.rememberContent(id, h);
        try {
            store.recordIds(d.account, Map.of(id, h));
        } catch (IOException e) {
            log.debug("cannot record id {} of {} in the store: {}", id, d.key(), e.toString());
        }
        Flags flags = file.flags().retain(d.supported);
        r.now().put(id, new Entry(h, flags, received[0], a.maildir()));
        if (!h.equals(a.hash())) {
            cy.scope().add(a.maildir(), h);
            try {
                update.replace(a.maildir(), cy.locals().get(a.maildir()), file, h, received[0]);
            } catch (IOException e) {
                log.warn("{}: cannot replace {} by the cloud's version of it: {}", d.key(), file.path(), e.getMessage());
                kept.add(a);
            }
        }
    }
}
