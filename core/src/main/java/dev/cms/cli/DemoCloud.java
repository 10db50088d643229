package dev.cms.cli;

import dev.cms.auth.LoginCoordinator;
import java.io.IOException;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;
import javax.net.ssl.X509TrustManager;

/**
 * The embedded fake cloud that {@code demo} runs the real daemon against. The product does not
 * contain it: the demo module provides it as a service ({@code META-INF/services}), and the
 * launcher puts that module on the class path only for {@code demo}.
 */
public interface DemoCloud {
    /**
     * Starts (or resumes, from {@code cloudDir}) the fake services and writes the demo's
     * configuration under {@code root}.
     */
    Running start(Path root, Path cloudDir, int messages, boolean cloudChanges) throws IOException;

    /** A started fake cloud; closing it stops its services. */
    interface Running extends AutoCloseable {
        /** The {@code cms.cfg} written for this run (its endpoints change at every run). */
        Path config();

        /** Trusts the fake services' certificate; used by this process only. */
        SSLContext sslContext();

        X509TrustManager trustManager();

        /** Stands in for a person at a browser on the fake services' login pages. */
        LoginCoordinator.Browser browser();

        @Override
        void close();
    }
}
