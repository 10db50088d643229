package dev.cms.auth;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import javax.net.ssl.X509TrustManager;

/**
 * A {@code $BROWSER} for the Office365 logins: curl follows the login page into the fake
 * identity platform over TLS, trusting the fake's certificate (written out as PEM) and nothing
 * else, and back to the login page. When gated it waits for {@link #open()} first.
 */
final class Office365TestBrowser {
    private final Path runs;
    private final Path gate;
    private final Path script;

    private Office365TestBrowser(Path dir, X509TrustManager fakeTrust, boolean gated) throws IOException {
        Path curl = BrowserLauncher.onPath("curl", System.getenv("PATH")).orElse(null);
        assumeTrue(curl != null, "curl is not installed");
        this.runs = dir.resolve("browser-runs.log");
        this.gate = dir.resolve("browser-gate");
        this.script = dir.resolve("browser.sh");
        Path pem = dir.resolve("fake-ca.pem");
        Files.writeString(pem, pem(fakeTrust));
        String wait = gated ? "while [ ! -f '" + gate + "' ]; do sleep 0.05; done\n" : "";
        Files.writeString(script, "#!/bin/sh\necho run >> '" + runs + "'\n" + wait
                + "exec '" + curl + "' -s -L --max-redirs 20 --cacert '" + pem + "' -o /dev/null \"$1\"\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    }

    static Office365TestBrowser following(Path dir, X509TrustManager fakeTrust) throws IOException {
        return new Office365TestBrowser(dir, fakeTrust, false);
    }

    static Office365TestBrowser gated(Path dir, X509TrustManager fakeTrust) throws IOException {
        return new Office365TestBrowser(dir, fakeTrust, true);
    }

    Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("BROWSER", script.toString());
        env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        return env;
    }

    void open() throws IOException {
        Files.writeString(gate, "go");
    }

    int runs() throws IOException {
        return Files.exists(runs) ? Files.readAllLines(runs).size() : 0;
    }

    /** The fake's own certificate (CN=localhost) among the issuers its trust manager accepts. */
    private static String pem(X509TrustManager trust) {
        StringBuilder pem = new StringBuilder();
        for (X509Certificate cert : trust.getAcceptedIssuers()) {
            if (!cert.getSubjectX500Principal().getName().contains("CN=localhost")) {
                continue;
            }
            try {
                pem.append("-----BEGIN CERTIFICATE-----\n")
                        .append(Base64.getMimeEncoder(64, "\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                                .encodeToString(cert.getEncoded()))
                        .append("\n-----END CERTIFICATE-----\n");
            } catch (CertificateEncodingException e) {
                throw new IllegalStateException("the fake's certificate cannot be encoded", e);
            }
        }
        if (pem.length() == 0) {
            throw new IllegalStateException("the fake's trust manager holds no CN=localhost certificate");
        }
        return pem.toString();
    }
}
