package dev.cms.fakecloud;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * A throw-away self-signed certificate for {@code localhost} and {@code 127.0.0.1}, made with the
 * JDK's {@code keytool} (the JDK has no public API to sign a certificate), held only in memory
 * once loaded: the temporary key store file is deleted before {@link #generate()} returns.
 */
final class FakeTlsCertificate {

    private static final String ALIAS = "fake";

    private final KeyStore keyStore;
    private final char[] password;
    private final X509Certificate certificate;

    private FakeTlsCertificate(KeyStore keyStore, char[] password, X509Certificate certificate) {
        this.keyStore = keyStore;
        this.password = password;
        this.certificate = certificate;
    }

    /** Runs keytool to make an EC P-256 key pair valid for three days, and loads it. */
    static FakeTlsCertificate generate() throws IOException {
        byte[] secret = new byte[18];
        new SecureRandom().nextBytes(secret);
        // A letter first: keytool's launcher takes an argument starting with "-J" as a JVM option.
        String pass = "p" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        Path dir = Files.createTempDirectory("fake-tls");
        Path store = dir.resolve("fake.p12");
        try {
            Path keytool = Paths.get(System.getProperty("java.home"), "bin", "keytool");
            List<String> command = new ArrayList<>(List.of(keytool.toString(), "-genkeypair",
                    "-keyalg", "EC", "-groupname", "secp256r1", "-alias", ALIAS, "-dname", "CN=localhost",
                    "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "3", "-storetype", "PKCS12",
                    "-keystore", store.toString(), "-storepass", pass, "-keypass", pass));
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getOutputStream().close();
            String output;
            try (InputStream in = process.getInputStream()) {
                output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException("keytool did not finish within 60 s making " + store);
            }
            if (process.exitValue() != 0) {
                throw new IOException("keytool failed with exit code " + process.exitValue() + " making "
                        + store + ": " + output.strip());
            }
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(store)) {
                ks.load(in, pass.toCharArray());
            }
            X509Certificate cert = (X509Certificate) ks.getCertificate(ALIAS);
            if (cert == null) {
                throw new IOException("keytool wrote no certificate under alias " + ALIAS + " in " + store);
            }
            return new FakeTlsCertificate(ks, pass.toCharArray(), cert);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for keytool making " + store, e);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot load the key store keytool made at " + store, e);
        } finally {
            Files.deleteIfExists(store);
            Files.deleteIfExists(dir);
        }
    }

    X509Certificate certificate() {
        return certificate;
    }

    /** The server side: presents this certificate. */
    SSLContext serverContext() {
        try {
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keyStore, password);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot build the fake's server TLS context", e);
        }
    }

    /** A trust manager for the JVM's default certificate authorities plus this certificate. */
    X509TrustManager trustManager() {
        try {
            TrustManagerFactory defaults = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            defaults.init((KeyStore) null);
            KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
            trusted.load(null, null);
            int n = 0;
            for (TrustManager tm : defaults.getTrustManagers()) {
                if (tm instanceof X509TrustManager) {
                    for (X509Certificate ca : ((X509TrustManager) tm).getAcceptedIssuers()) {
                        trusted.setCertificateEntry("ca-" + n++, ca);
                    }
                }
            }
            trusted.setCertificateEntry("fake-localhost", certificate);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trusted);
            for (TrustManager tm : tmf.getTrustManagers()) {
                if (tm instanceof X509TrustManager) {
                    return (X509TrustManager) tm;
                }
            }
            throw new IllegalStateException("no X509TrustManager from " + tmf.getAlgorithm());
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build the trust manager for the fake's certificate", e);
        }
    }

    /** A client context trusting the JVM's default certificate authorities plus this certificate. */
    SSLContext clientContext(X509TrustManager trustManager) {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {trustManager}, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot build the client TLS context for the fake", e);
        }
    }
}
