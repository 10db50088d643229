package dev.cms.auth;

import java.security.SecureRandom;
import java.util.Base64;

/** Decoding and making of the 32-byte storage key in its base64 text form. */
final class StorageKeys {
    private StorageKeys() {}

    static byte[] newKey(SecureRandom random) {
        byte[] key = new byte[EncryptedTokenStore.KEY_BYTES];
        random.nextBytes(key);
        return key;
    }

    static String encode(byte[] key) {
        return Base64.getEncoder().encodeToString(key);
    }

    /**
     * The key in {@code text} (base64, surrounding whitespace ignored).
     *
     * @param source names where the text came from, for the message; the text itself is never
     *     put in a message
     */
    static byte[] decode(String text, String source) throws StorageKeyException {
        String trimmed = text.strip();
        if (trimmed.isEmpty()) {
            throw new StorageKeyException(source + " is empty; it must hold the base64 encoding of 32 random bytes"
                    + " (make one with: head -c 32 /dev/urandom | base64)");
        }
        byte[] key;
        try {
            key = Base64.getDecoder().decode(trimmed);
        } catch (IllegalArgumentException e) {
            throw new StorageKeyException(source + " is not valid base64; it must hold the base64 encoding of"
                    + " 32 random bytes (make one with: head -c 32 /dev/urandom | base64)");
        }
        if (key.length != EncryptedTokenStore.KEY_BYTES) {
            throw new StorageKeyException(source + " decodes to " + key.length + " bytes, but a storage key is 32"
                    + " bytes (make one with: head -c 32 /dev/urandom | base64)");
        }
        return key;
    }
}
