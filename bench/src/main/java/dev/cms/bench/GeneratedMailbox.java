package dev.cms.bench;

import dev.cms.model.Flag;
import dev.cms.provider.BodySink;
import dev.cms.provider.Change;
import dev.cms.provider.CloudMailbox;
import dev.cms.provider.Listing;
import dev.cms.provider.memory.InMemoryMailbox;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An {@link InMemoryMailbox} whose messages are held as {@link MailGenerator#stub stubs} and
 * served as the full generated bodies. {@code InMemoryMailbox} keeps two copies of every body,
 * so 100,000 messages of 4 KiB would take 800 MB of a 512 MiB heap; this way listing, flag
 * changes and call counting are the in-memory provider's own, and only the bytes of each body
 * are made when it is downloaded (that costs the benchmark's process about as much CPU as
 * reading it from a socket would).
 *
 * <p>{@code InMemoryMailbox} hands bodies to the sink one after another on the calling thread.
 * With {@code fetchThreads > 1} the ids are split among that many threads, each calling the
 * in-memory mailbox for its share, the way the real providers download in parallel.
 */
final class GeneratedMailbox implements CloudMailbox {
    private final InMemoryMailbox inner;
    private final MailGenerator generator;
    private final int fetchThreads;
    private final AtomicLong bytesServed = new AtomicLong();
    /** System.nanoTime when the first body was handed to a sink; 0 until then. */
    private final AtomicLong firstServedNanos = new AtomicLong();

    GeneratedMailbox(InMemoryMailbox inner, MailGenerator generator, int fetchThreads) {
        if (fetchThreads < 1) {
            throw new IllegalArgumentException("fetchThreads must be at least 1, not " + fetchThreads);
        }
        this.inner = inner;
        this.generator = generator;
        this.fetchThreads = fetchThreads;
    }

    /** Fills {@code inner} with messages 0 .. n-1 and returns the decorator. */
    static GeneratedMailbox filled(InMemoryMailbox inner, MailGenerator generator, int n, int fetchThreads) {
        for (int i = 0; i < n; i++) {
            inner.add(MailGenerator.stub(i), generator.flags(i), generator.received(i));
        }
        return new GeneratedMailbox(inner, generator, fetchThreads);
    }

    InMemoryMailbox inner() {
        return inner;
    }

    /** The raw (CRLF) bytes of every body served so far. */
    long bytesServed() {
        return bytesServed.get();
    }

    /** When ({@code System.nanoTime}) the first body was handed to a sink; 0 when none was. */
    long firstServedNanos() {
        return firstServedNanos.get();
    }

    /** Forgets the first body served, before the download to be timed. */
    void resetFirstServed() {
        firstServedNanos.set(0);
    }

    @Override
    public String key() {
        return inner.key();
    }

    @Override
    public Set<Flag> supportedFlags() {
        return inner.supportedFlags();
    }

    @Override
    public Duration pollInterval() {
        return inner.pollInterval();
    }

    @Override
    public Listing list(String syncToken) throws IOException {
        return inner.list(syncToken);
    }

    @Override
    public void fetchBodies(Collection<String> ids, BodySink sink) throws IOException, InterruptedException {
        BodySink expanding = (id, stub, received) -> {
            byte[] body = generator.body(MailGenerator.indexOfStub(stub));
            bytesServed.addAndGet(body.length);
            firstServedNanos.compareAndSet(0, System.nanoTime());
            sink.accept(id, new ByteArrayInputStream(body), received);
        };
        if (fetchThreads == 1 || ids.size() < 2) {
            inner.fetchBodies(ids, expanding);
            return;
        }
        List<List<String>> shares = new ArrayList<>();
        for (int t = 0; t < fetchThreads; t++) {
            shares.add(new ArrayList<>());
        }
        int k = 0;
        for (String id : ids) {
            shares.get(k++ % fetchThreads).add(id);
        }
        ExecutorService pool = Executors.newFixedThreadPool(fetchThreads);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (List<String> share : shares) {
                running.add(pool.submit(() -> {
                    inner.fetchBodies(share, expanding);
                    return null;
                }));
            }
            IOException first = null;
            for (Future<?> f : running) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    IOException io = e.getCause() instanceof IOException x ? x : new IOException(e.getCause());
                    if (first == null) {
                        first = io;
                    } else {
                        first.addSuppressed(io);
                    }
                }
            }
            if (first != null) {
                throw first;
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Override
    public java.util.Map<Change, String> apply(List<Change> changes) throws IOException {
        return inner.apply(changes);
    }
}
