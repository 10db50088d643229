package dev.cms.provider.graph;

import com.microsoft.kiota.RequestOption;
import java.util.Objects;

/**
 * A request option that names a Graph call in logs and errors ({@code messages.delta},
 * {@code messages.$value}) and says whether its answer is streamed to the caller rather than
 * read whole. The Kiota adapter hands request options on as OkHttp tags, where {@link
 * GraphTransport} reads them; a request without one is named after its method and path.
 */
record GraphCall(String name, boolean streamed) implements RequestOption {
    GraphCall {
        Objects.requireNonNull(name, "name");
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
