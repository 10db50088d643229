package dev.cms.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/** PKCE helpers, S256 method only (RFC 7636). */
public final class Pkce {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Pkce() {}

    /** A new code verifier: 32 random bytes, base64url without padding (43 characters). */
    public static String newVerifier() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** {@code BASE64URL(SHA256(ASCII(verifier)))}, without padding. */
    public static String challengeS256(String verifier) {
        checkVerifier(verifier);
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is unavailable", e);
        }
    }

    private static void checkVerifier(String verifier) {
        if (verifier.length() < 43 || verifier.length() > 128) {
            throw new IllegalArgumentException("PKCE verifier has " + verifier.length()
                    + " characters; RFC 7636 needs 43 to 128");
        }
        for (int i = 0; i < verifier.length(); i++) {
            char c = verifier.charAt(i);
            boolean unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~';
            if (!unreserved) {
                throw new IllegalArgumentException("PKCE verifier has a character outside the unreserved set"
                        + " at position " + i);
            }
        }
    }
}
