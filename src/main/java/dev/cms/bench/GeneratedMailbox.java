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
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An {@link InMemoryMailbox} whose messages are held as {@link MailGenerator#stub stubs} and
 * served as the full generated bodies. {@code InMemoryMailbox} keeps two copies of every body,
 * so 100,000 messages of 4 KiB would take 800 MB of a 512 MiB heap; this way listing, flag
 * changes and call counting are the in-memory provider's own, and only the bytes of each body
 * are made when it is downloaded (that costs the benchmark's process about as much CPU as
 * reading it from a socket would).
 */
final class GeneratedMailbox implements CloudMailbox {
    private final InMemoryMailbox inner;
    private final MailGenerator generator;
    private final AtomicLong bytesServed = new AtomicLong();

    GeneratedMailbox(InMemoryMailbox inner, MailGenerator generator) {
        this.inner = inner;
        this.generator = generator;
    }

    /** Fills {@code inner} with messages 0 .. n-1 and returns the decorator. */
    static GeneratedMailbox filled(InMemoryMailbox inner, MailGenerator generator, int n) {
        for (int i = 0; i < n; i++) {
            inner.add(MailGenerator.stub(i), generator.flags(i), generator.received(i));
        }
        return new GeneratedMailbox(inner, generator);
    }

    InMemoryMailbox inner() {
        return inner;
    }

    /** The raw (CRLF) bytes of every body served so far. */
    long bytesServed() {
        return bytesServed.get();
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
    public void fetchBodies(Collection<String> ids, BodySink sink) throws IOException {
        inner.fetchBodies(ids, (id, stub, received) -> {
            byte[] body = generator.body(MailGenerator.indexOfStub(stub));
            bytesServed.addAndGet(body.length);
            sink.accept(id, new ByteArrayInputStream(body), received);
        });
    }

    @Override
    public void apply(List<Change> changes) throws IOException {
        inner.apply(changes);
    }
}
