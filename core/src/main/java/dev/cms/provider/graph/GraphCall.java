package dev.cms.provider.graph;

import com.microsoft.kiota.RequestOption;
import java.util.Objects;

/**
 * A request option that names a Graph call in logs and errors ({@code messages.delta},
 * {@code messages.$value}) and says whether its answer is streamed to the caller rather than
 * read whole, and whether it may be sent again after a lost connection. The Kiota adapter hands request options on as OkHttp tags, where {@link
 * GraphTransport} reads them; a request without one is named after its method and path.
 */
record GraphCall(String name, boolean streamed, boolean once) implements RequestOption {
    GraphCall {
        Objects.requireNonNull(name, "name");
    }

    GraphCall(String name, boolean streamed) {
        this(name, streamed, false);
    }

    /**
     * A call that must not be sent twice (it creates something): sent again only when the
     * service surely did not take it; a request that may have arrived fails as
     * {@link dev.cms.provider.UploadOutcomeUnknownException}.
     */
    static GraphCall once(String name) {
        return new GraphCall(name, false, true);
    }

    /** A call whose JSON answer is read whole, so a connection lost while reading it is retried. */
    static GraphCall json(String name) {
        return new GraphCall(name, false);
    }

    /** A call whose answer body is handed to the caller as a stream. */
    static GraphCall streamed(String name) {
        return new GraphCall(name, true);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T extends RequestOption> Class<T> getType() {
        return (Class<T>) GraphCall.class;
    }
}
