package dev.cms.auth;

import static dev.cms.testing.TextAssert.assertThatText;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class EncryptedTokenStoreTest {
    private static final String ACCOUNT = "alice@example.com";
    private static final String SECRET = "1//0refresh-token-Alice-SECRET-4711";

    private final InMemorySecretBlobs blobs = new InMemorySecretBlobs();

    @Test
    void savedSecretLoadsBack() throws Exception {
        TokenStore store = TokenStores.withKey(blobs, key(1));
        store.save(ACCOUNT, SECRET);
        assertEquals(SECRET, store.load(ACCOUNT));
        assertTrue(store.persistent());
    }

    @Test
    void aSecondStoreWithTheSameKeyReadsTheBlob() throws Exception {
        TokenStores.withKey(blobs, key(1)).save(ACCOUNT, SECRET);
        assertEquals(SECRET, TokenStores.withKey(blobs, key(1)).load(ACCOUNT));
    }

    @Test
    void missingAccountLoadsNull() throws Exception {
        assertNull(TokenStores.withKey(blobs, key(1)).load("nobody@example.com"));
    }

    @Test
    void deleteRemovesTheBlob() throws Exception {
        TokenStore store = TokenStores.withKey(blobs, key(1));
        store.save(ACCOUNT, SECRET);
        store.delete(ACCOUNT);
        assertNull(store.load(ACCOUNT));
        assertTrue(blobs.blobs.isEmpty());
    }

    @Test
    void storedBlobHasTheDocumentedLayoutAndNoPlaintext() throws Exception {
        TokenStores.withKey(blobs, key(1)).save(ACCOUNT, SECRET);
        byte[] blob = blobs.blobs.get(ACCOUNT);
        assertNotNull(blob);
        assertEquals(1, blob[0]);
        byte[] secret = SECRET.getBytes(StandardCharsets.UTF_8);
        assertEquals(1 + 12 + secret.length + 16, blob.length);
        assertFalse(contains(blob, secret), "the blob must not hold the secret in clear");
        assertFalse(contains(blob, "SECRET".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void everySaveUsesAFreshNonce() throws Exception {
        TokenStore store = TokenStores.withKey(blobs, key(1));
        store.save(ACCOUNT, SECRET);
        byte[] first = blobs.blobs.get(ACCOUNT);
        store.save(ACCOUNT, SECRET);
        byte[] second = blobs.blobs.get(ACCOUNT);
        assertFalse(Arrays.equals(Arrays.copyOfRange(first, 1, 13), Arrays.copyOfRange(second, 1, 13)));
    }

    @Test
    void wrongKeyLoadsNullWithoutThrowing() throws Exception {
        TokenStores.withKey(blobs, key(1)).save(ACCOUNT, SECRET);
        assertNull(TokenStores.withKey(blobs, key(2)).load(ACCOUNT));
    }

    static Stream<Arguments> tamperings() {
        return Stream.of(
                Arguments.of("flipped nonce byte", flip(1)),
                Arguments.of("flipped last nonce byte", flip(12)),
                Arguments.of("flipped ciphertext byte", flip(13)),
                Arguments.of("flipped tag byte", (UnaryOperator<byte[]>) b -> flipAt(b, b.length - 1)),
                Arguments.of("truncated by one byte", (UnaryOperator<byte[]>) b -> Arrays.copyOf(b, b.length - 1)),
                Arguments.of("truncated to the header", (UnaryOperator<byte[]>) b -> Arrays.copyOf(b, 13)),
                Arguments.of("only the version byte", (UnaryOperator<byte[]>) b -> Arrays.copyOf(b, 1)),
                Arguments.of("empty", (UnaryOperator<byte[]>) b -> new byte[0]),
                Arguments.of("version byte 9", (UnaryOperator<byte[]>) b -> {
                    byte[] c = b.clone();
                    c[0] = 9;
                    return c;
                }),
                Arguments.of("extra byte appended", (UnaryOperator<byte[]>) b -> Arrays.copyOf(b, b.length + 1)),
                Arguments.of("plain text in the table", (UnaryOperator<byte[]>) b ->
                        SECRET.getBytes(StandardCharsets.UTF_8)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tamperings")
    void damagedBlobLoadsNull(String what, UnaryOperator<byte[]> damage) throws Exception {
        TokenStore store = TokenStores.withKey(blobs, key(1));
        store.save(ACCOUNT, SECRET);
        blobs.blobs.put(ACCOUNT, damage.apply(blobs.blobs.get(ACCOUNT)));
        assertNull(store.load(ACCOUNT), what);
    }

    @Test
    void blobCopiedToAnotherAccountDoesNotDecrypt() throws Exception {
        TokenStore store = TokenStores.withKey(blobs, key(1));
        store.save(ACCOUNT, SECRET);
        blobs.blobs.put("mallory@example.com", blobs.blobs.get(ACCOUNT));
        assertNull(store.load("mallory@example.com"));
        assertEquals(SECRET, store.load(ACCOUNT));
    }

    @Test
    void unreadableBlobIsReportedWithoutTheSecret() throws Exception {
        TokenStores.withKey(blobs, key(1)).save(ACCOUNT, SECRET);
        String log = captureStderr(() -> assertNull(TokenStores.withKey(blobs, key(2)).load(ACCOUNT)));
        assertThatText(log).contains("stored credentials for " + ACCOUNT + " could not be read");
        assertThatText(log).contains("a new login will be needed");
        assertThatText(log).doesNotContain(SECRET);
    }

    @Test
    void keyOfTheWrongLengthIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> TokenStores.withKey(blobs, new byte[16]));
    }

    @Test
    void memoryOnlyStoreKeepsValuesInMemory() throws Exception {
        TokenStore store = TokenStores.memoryOnly();
        assertFalse(store.persistent());
        store.save(ACCOUNT, SECRET);
        assertEquals(SECRET, store.load(ACCOUNT));
        assertNull(TokenStores.memoryOnly().load(ACCOUNT), "a new memory store starts empty");
        store.delete(ACCOUNT);
        assertNull(store.load(ACCOUNT));
    }

    static byte[] key(int seed) {
        byte[] key = new byte[32];
        Arrays.fill(key, (byte) seed);
        key[0] = (byte) (seed * 31);
        return key;
    }

    private static UnaryOperator<byte[]> flip(int index) {
        return b -> flipAt(b, index);
    }

    private static byte[] flipAt(byte[] b, int index) {
        byte[] c = b.clone();
        c[index] ^= 0x01;
        return c;
    }

    static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    /** What slf4j-simple (which writes to the current System.err) logged while {@code body} ran. */
    static String captureStderr(ThrowingRunnable body) throws Exception {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            body.run();
        } finally {
            System.setErr(original);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }
}
