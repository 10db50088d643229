package dev.cms.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Issue 15: a content hash held as four words instead of a hex string, named and ordered as before. */
class ContentHashTest {
    private static String randomHex(Random rnd) {
        byte[] b = new byte[32];
        rnd.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    @Test
    void hexRoundTripsAndEqualityFollowsTheDigits() {
        Random rnd = new Random(15);
        for (int i = 0; i < 1000; i++) {
            String hex = randomHex(rnd);
            ContentHash h = new ContentHash(hex);
            assertEquals(hex, h.hex());
            assertEquals(hex, h.toString());
            assertEquals(hex.substring(0, 12), h.shortHex());
            ContentHash again = new ContentHash(new String(hex.toCharArray()));
            assertEquals(h, again);
            assertEquals(h.hashCode(), again.hashCode());
            assertEquals(h, ContentHash.parseOrNull(hex));
            assertEquals(h, ContentHash.parseAscii(hex.getBytes(StandardCharsets.US_ASCII)));
            byte[] padded = ("xx" + hex + "yy").getBytes(StandardCharsets.US_ASCII);
            assertEquals(h, ContentHash.parseAscii(padded, 2, 64));
            assertEquals(h, ContentHash.ofDigest(HexFormat.of().parseHex(hex)));
        }
    }

    @Test
    void hashesDifferingInAnyOneDigitDiffer() {
        String base = "0123456789abcdef".repeat(4);
        ContentHash h = new ContentHash(base);
        for (int i = 0; i < 64; i++) {
            char c = base.charAt(i) == 'f' ? '0' : 'f';
            ContentHash other = new ContentHash(base.substring(0, i) + c + base.substring(i + 1));
            assertNotEquals(h, other, "digit " + i);
            assertNotEquals(0, h.compareTo(other), "digit " + i);
        }
        assertFalse(h.equals(base), "a hash is not its string");
    }

    @Test
    void orderIsTheOrderOfTheHexStrings() {
        Random rnd = new Random(7);
        List<String> hexes = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            hexes.add(randomHex(rnd));
        }
        hexes.add("f".repeat(64));
        hexes.add("0".repeat(64));
        hexes.add("8" + "0".repeat(63)); // the top bit set: compared unsigned
        hexes.add("7" + "f".repeat(63));
        List<ContentHash> hashes = new ArrayList<>(hexes.stream().map(ContentHash::new).toList());
        hexes.sort(null);
        hashes.sort(null);
        assertEquals(hexes, hashes.stream().map(ContentHash::hex).toList());
    }

    @Test
    void onlySixtyFourLowerCaseHexDigitsAreAHash() {
        String good = "a".repeat(64);
        for (String bad : new String[] {"", "a".repeat(63), "a".repeat(65), "A".repeat(64), "g" + "a".repeat(63),
                "a".repeat(63) + " ", "a".repeat(32) + "/" + "a".repeat(31),
                "\u00e1" + "a".repeat(63)}) { // a byte above 127 whose low bits are a digit
            assertFalse(ContentHash.isValid(bad), bad);
            assertNull(ContentHash.parseOrNull(bad), bad);
            assertNull(ContentHash.parseAscii(bad.getBytes(StandardCharsets.ISO_8859_1)), bad);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ContentHash(bad));
            assertTrue(e.getMessage().contains("not a SHA-256 hex digest"), e.getMessage());
        }
        assertNull(ContentHash.parseOrNull(null));
        assertNull(ContentHash.parseAscii(null));
        assertNull(ContentHash.parseAscii(good.getBytes(StandardCharsets.US_ASCII), 1, 64), "past the end");
        assertTrue(ContentHash.isValid(good));
        assertThrows(IllegalArgumentException.class, () -> ContentHash.ofDigest(new byte[31]));
    }

    @Test
    void theDigestOfABodyIsItsSha256() throws Exception {
        byte[] body = "Subject: x\n\nhello\n".getBytes(StandardCharsets.US_ASCII);
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(body);
        assertEquals(HexFormat.of().formatHex(digest), ContentHash.ofDigest(digest).hex());
    }
}
