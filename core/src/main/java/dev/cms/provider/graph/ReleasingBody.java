package dev.cms.provider.graph;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import okhttp3.MediaType;
import okhttp3.ResponseBody;
import okio.BufferedSource;
import okio.ForwardingSource;
import okio.Okio;

/** A streamed answer's body that gives its concurrency slot back when it is closed. */
final class ReleasingBody extends ResponseBody {
    private final ResponseBody delegate;
    private final BufferedSource source;

    ReleasingBody(ResponseBody delegate, ConcurrencyWindow permits) {
        this.delegate = delegate;
        AtomicBoolean released = new AtomicBoolean();
        this.source = Okio.buffer(new ForwardingSource(delegate.source()) {
            @Override
            public void close() throws IOException {
                try {
                    super.close();
                } finally {
                    if (released.compareAndSet(false, true)) {
                        permits.release(true);
                    }
                }
            }
        });
    }

    @Override
    public MediaType contentType() {
        return delegate.contentType();
    }

    @Override
    public long contentLength() {
        return delegate.contentLength();
    }

    @Override
    public BufferedSource source() {
        return source;
    }
}
