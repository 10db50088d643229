package dev.cms.send;

import dev.cms.sync.Backoff;
import dev.cms.time.Ticker;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.jspecify.annotations.Nullable;

/**
 * The daemon's sender: takes the {@link Outbox}'s messages in the order they were queued and
 * sends each through its account's {@link MailSender}. Per account, a message waits for the one
 * before it, so an account's mail arrives in order; one account's trouble never holds another's.
 *
 * <p>A refusal for good moves the message to {@code failed/} at once (logged once, never
 * retried). Throttling, unavailability and network errors back the account off (exponential
 * with jitter, or the service's {@code Retry-After}) and the message is tried again. When the
 * answer to a send never came, the message stays marked as perhaps sent, and the next attempt,
 * no sooner than {@link #UNKNOWN_MIN_WAIT} after that send started (also after a restart), first
 * searches the Sent folder for its {@code Message-ID}: found, it is done; not found, it is sent. Times come from the {@link Ticker}: tests drive {@link #pass()} on a fake one.
 */
public final class OutboxWorker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OutboxWorker.class);
    /** After an answer that never came, the Sent folder is searched no sooner than this. */
    static final Duration UNKNOWN_MIN_WAIT = Duration.ofSeconds(30);
    /**
     * A test and benchmark seam, not a setting for users: when this system property is set (an
     * ISO-8601 duration such as {@code PT1S}), a daemon waits that long instead of
     * {@link #UNKNOWN_MIN_WAIT}, so a test that kills a child daemon mid-send need not wait 30 s
     * of real time for the restarted one to search Sent. Unset, nothing changes.
     */
    public static final String UNKNOWN_MIN_WAIT_PROPERTY = "dev.cms.send.unknownMinWait";
    /** The longest a pass waits when nothing is due (new messages wake it anyway). */
    static final Duration IDLE = Duration.ofMinutes(5);

    private final Outbox outbox;
    private final Map<String, MailSender> senders;
    private final Ticker ticker;
    private final Duration unknownMinWait;
    private final Backoff backoffTemplate;
    private final Consumer<String> onSent;
    private final Map<String, Backoff> backoff = new HashMap<>();
    /** Per account: the ticker time before which nothing is sent. */
    private final Map<String, Long> notBefore = new java.util.concurrent.ConcurrentHashMap<>();
    /** Accounts whose current trouble was logged at warning level already. */
    private final Set<String> troubleLogged = new HashSet<>();
    /** Account keys the configuration does not send for, logged once. */
    private final Set<String> unknownLogged = new HashSet<>();
    private final LinkedBlockingQueue<Boolean> wakeups = new LinkedBlockingQueue<>();
    private volatile boolean closed;
    private volatile @Nullable Thread thread;

    /**
     * @param senders by account key
     * @param onSent told the account key after each message sent (the daemon polls its Sent folder)
     */
    public OutboxWorker(Outbox outbox, Map<String, MailSender> senders, Ticker ticker, Random random,
            Consumer<String> onSent) {
        this(outbox, senders, ticker, random, onSent, UNKNOWN_MIN_WAIT);
    }

    /** @param unknownMinWait how long a perhaps-sent message waits before Sent is searched (see {@link #unknownMinWait}) */
    public OutboxWorker(Outbox outbox, Map<String, MailSender> senders, Ticker ticker, Random random,
            Consumer<String> onSent, Duration unknownMinWait) {
        if (unknownMinWait.isNegative()) {
            throw new IllegalArgumentException("a negative wait: " + unknownMinWait);
        }
        this.outbox = outbox;
        this.senders = Map.copyOf(senders);
        this.ticker = ticker;
        this.unknownMinWait = unknownMinWait;
        this.backoffTemplate = new Backoff(Duration.ofSeconds(5), Duration.ofMinutes(5), random);
        this.onSent = onSent;
    }

    /**
     * The wait before a perhaps-sent message's search of Sent: {@link #UNKNOWN_MIN_WAIT}, unless
     * {@code property} (the value of {@link #UNKNOWN_MIN_WAIT_PROPERTY}, a test seam) is set.
     *
     * @throws IllegalArgumentException naming the property when its value is not a duration
     */
    public static Duration unknownMinWait(@Nullable String property) {
        if (property == null) {
            return UNKNOWN_MIN_WAIT;
        }
        try {
            Duration d = Duration.parse(property.strip());
            if (!d.isNegative()) {
                log.info("outbox: a perhaps-sent message waits {} before the search of Sent (-D{}, a test seam)",
                        d, UNKNOWN_MIN_WAIT_PROPERTY);
                return d;
            }
        } catch (java.time.format.DateTimeParseException e) {
            // said below
        }
        throw new IllegalArgumentException("-D" + UNKNOWN_MIN_WAIT_PROPERTY + "=" + property
                + " is not a duration such as PT1S");
    }

    /** Starts the sending thread. */
    public synchronized OutboxWorker start() {
        if (thread == null) {
            thread = new Thread(this::loop, "cms-outbox");
            thread.setDaemon(true);
            thread.start();
        }
        return this;
    }

    /** Sends what is waiting now, without waiting out a backoff ({@code outbox --flush}) or for a new message. */
    public void wake(boolean flush) {
        if (flush) {
            notBefore.clear();
        }
        wakeups.offer(Boolean.TRUE);
    }

    private void loop() {
        while (!closed) {
            Duration wait;
            try {
                wait = pass();
            } catch (InterruptedException e) {
                return;
            } catch (IOException | RuntimeException e) {
                if (closed) {
                    return; // interrupted by close(): what was under way is found in cur/ at the next start
                }
                log.error("outbox {}: {}", outbox.root(), e.toString());
                wait = Duration.ofSeconds(30);
            }
            try {
                wakeups.poll(Math.max(1, wait.toMillis()), TimeUnit.MILLISECONDS);
                wakeups.clear();
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * Sends every message that is due, in order; returns how long until the next one is due
     * ({@link #IDLE} when none waits).
     */
    public synchronized Duration pass() throws IOException, InterruptedException {
        List<Outbox.Entry> pending = outbox.pending();
        Set<String> held = new HashSet<>(); // accounts whose earlier message is still waiting
        long now = ticker.nanoTime();
        long next = Long.MAX_VALUE;
        for (Outbox.Entry e : pending) {
            if (closed) {
                break;
            }
            String account = readAccount(e);
            if (account == null || held.contains(account)) {
                continue;
            }
            MailSender sender = senderFor(e, account);
            if (sender == null) {
                held.add(account);
                continue;
            }
            if (e.attempted() && !holdWhilePerhapsSent(e, account, now)) {
                continue; // dropped meanwhile
            }
            Long at = notBefore.get(account);
            if (at != null && at - now > 0) {
                held.add(account);
                next = Math.min(next, at);
                continue;
            }
            if (!sendOne(e, account, sender)) {
                held.add(account);
                Long retry = notBefore.get(account);
                if (retry != null) {
                    next = Math.min(next, retry);
                }
            }
            now = ticker.nanoTime();
        }
        if (next == Long.MAX_VALUE) {
            return IDLE;
        }
        return Duration.ofNanos(Math.max(0, next - ticker.nanoTime()));
    }

    /**
     * The account {@code e} is for (the whole file is read only when it is sent), or null when it
     * was dropped meanwhile or cannot be read (then it is moved to {@code failed/}).
     */
    private @Nullable String readAccount(Outbox.Entry e) throws IOException {
        try {
            return Outbox.accountOf(e.file());
        } catch (NoSuchFileException gone) {
            return null;
        } catch (IOException bad) {
            outbox.fail(e, "cannot be read as an outbox message: " + bad.getMessage());
            log.error("outbox: {} moved to {}: {}", e.id(), outbox.root().resolve("failed"), bad.getMessage());
            return null;
        }
    }

    /** The sender for {@code account}, or null (logged once per account) when Outbox(...) has none. */
    private @Nullable MailSender senderFor(Outbox.Entry e, String account) {
        MailSender sender = senders.get(account);
        if (sender == null && unknownLogged.add(account)) {
            log.error("outbox: {} is for {}, an account Outbox(...) does not send for; it stays queued"
                    + " (add the account, or drop it: cloud-mdir-sync outbox --drop {})", e.id(), account, e.id());
        }
        return sender;
    }

    /**
     * A message perhaps sent, by an earlier run too: the service may take a while to list it in
     * Sent, so its account waits until {@link #UNKNOWN_MIN_WAIT} (or the wait given) after its send started. False
     * when the message was dropped meanwhile.
     */
    private boolean holdWhilePerhapsSent(Outbox.Entry e, String account, long now) throws IOException {
        long young;
        try {
            young = unknownMinWait.toMillis() - (ticker.now().toEpochMilli() - Outbox.sendStarted(e).toEpochMilli());
        } catch (NoSuchFileException gone) {
            return false;
        }
        if (young > 0) {
            notBefore.merge(account, now + young * 1_000_000L, Math::max);
        }
        return true;
    }

    /** One message; true when it left the outbox (sent or failed), false when its account must wait. */
    private boolean sendOne(Outbox.Entry e, String account, MailSender sender) throws IOException,
            InterruptedException {
        String[] subjectAndId = Outbox.subjectAndMessageId(e.file());
        String messageId = subjectAndId[1];
        try {
            if (e.attempted() && !messageId.isEmpty()) {
                if (sender.inSent(messageId)) {
                    outbox.sent(e);
                    log.info("outbox: {} {} was sent already (found in the Sent folder of {}); not sending it again",
                            e.id(), messageId, account);
                    succeeded(account);
                    return true;
                }
                log.info("outbox: {} {} is not in the Sent folder of {}: sending it", e.id(), messageId, account);
            }
            Outbox.Entry sending = outbox.startSending(e, ticker.now());
            if (sending == null) {
                return true; // dropped meanwhile
            }
            byte[] message;
            try {
                message = Outbox.read(sending.file()).message();
            } catch (NoSuchFileException gone) {
                return true;
            }
            try {
                sender.send(message);
            } catch (SendException failure) {
                if (failure.kind() != SendException.Kind.UNKNOWN) {
                    // Certain not to have been sent, or refused: no search needed before the next try.
                    sending = outbox.notSent(sending);
                }
                throw failure;
            }
            outbox.sent(sending);
            log.info("outbox: sent {} {} for {}", e.id(), messageId, account);
            succeeded(account);
            onSent.accept(account);
            return true;
        } catch (SendException failure) {
            return failed(e, account, messageId, subjectAndId[0], failure);
        }
    }

    private boolean failed(Outbox.Entry e, String account, String messageId, String subject, SendException failure)
            throws IOException {
        if (failure.kind() == SendException.Kind.REFUSED) {
            Outbox.Entry current = new Outbox.Entry(e.id(), outbox.root().resolve("new").resolve(e.id()), false);
            outbox.fail(current, String.valueOf(failure.getMessage()));
            log.error("outbox: {} {} (\"{}\") was refused and moved to {}: {}", e.id(), messageId, subject,
                    outbox.root().resolve("failed"), failure.getMessage());
            return true; // the account's next message may go
        }
        Backoff b = backoff.computeIfAbsent(account, k -> backoffTemplate.sibling());
        Duration wait = b.next();
        if (failure.retryAfter() != null) {
            wait = failure.retryAfter();
        }
        if (failure.kind() == SendException.Kind.UNKNOWN && wait.compareTo(unknownMinWait) < 0) {
            wait = unknownMinWait;
        }
        notBefore.put(account, ticker.nanoTime() + wait.toNanos());
        String what = failure.kind() == SendException.Kind.UNKNOWN
                ? "perhaps sent (no answer); the Sent folder is searched before it is sent again" : "not sent";
        if (troubleLogged.add(account)) {
            log.warn("outbox: {} {} {}: {}; trying again in {} s", e.id(), messageId, what, failure.getMessage(),
                    Math.max(1, wait.toSeconds()));
        } else {
            log.debug("outbox: {} {} {}: {}; trying again in {} s", e.id(), messageId, what, failure.getMessage(),
                    Math.max(1, wait.toSeconds()));
        }
        return false;
    }

    private void succeeded(String account) {
        Backoff b = backoff.remove(account);
        notBefore.remove(account);
        if (troubleLogged.remove(account) && b != null) {
            log.info("outbox: sending for {} works again", account);
        }
    }

    /** Stops the thread; a send under way is left to finish or to be found in Sent later. */
    @Override
    public void close() {
        closed = true;
        Thread t = thread;
        wakeups.offer(Boolean.TRUE);
        if (t != null) {
            t.interrupt();
            try {
                t.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
