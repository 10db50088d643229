package dev.cms.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PkceTest {
    /** The verifier is the base64url of the 32 octets listed in RFC 7636 Appendix B. */
    @Test
    void challengeMatchesRfc7636AppendixB() {
        assertEquals("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
                Pkce.challengeS256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"));
    }

    @Test
    void verifiersAreValidAndFresh() {
        for (int i = 0; i < 100; i++) {
            String verifier = Pkce.newVerifier();
            assertTrue(verifier.length() >= 43 && verifier.length() <= 128, verifier);
            assertTrue(verifier.matches("[A-Za-z0-9._~-]+"), verifier);
            assertEquals(43, Pkce.challengeS256(verifier).length());
        }
        assertNotEquals(Pkce.newVerifier(), Pkce.newVerifier());
    }

    @Test
    void verifiersOutsideTheRfcAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Pkce.challengeS256("short"));
        assertThrows(IllegalArgumentException.class, () -> Pkce.challengeS256("a".repeat(129)));
        assertThrows(IllegalArgumentException.class, () -> Pkce.challengeS256("a".repeat(42) + "+"));
    }
}
