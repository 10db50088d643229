package dev.cms.provider.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.microsoft.graph.serviceclient.GraphServiceClient;
import com.microsoft.kiota.authentication.AnonymousAuthenticationProvider;
import java.net.URI;
import okhttp3.OkHttpClient;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bodies are fetched without the SDK's request adapter ({@link GraphTransport#messageContent}),
 * so the message id must reach Graph written exactly as the SDK writes it: ids with base64's
 * {@code + / =}, a percent sign or non-ASCII letters would otherwise name another message or none.
 */
class GraphPathSegmentTest {
    private static final GraphServiceClient SDK = new GraphServiceClient(new AnonymousAuthenticationProvider(),
            new OkHttpClient());

    @ParameterizedTest
    @ValueSource(strings = {"AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0A", "AAMkAG+ab/cd==", "a%2Fb", "sp ace?#&;",
            "ünïcödé-~._", "*'()!$,:@"})
    void anIdIsWrittenAsTheSdkWritesIt(String id) throws Exception {
        URI sdk = SDK.me().messages().byMessageId(id).content().toGetRequestInformation().getUri();
        String[] segments = sdk.getRawPath().split("/");
        assertEquals("$value", segments[segments.length - 1], sdk.toString());
        assertEquals(segments[segments.length - 2], GraphTransport.pathSegment(id));
    }
}
