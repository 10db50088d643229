package dev.cms.auth;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.jspecify.annotations.Nullable;

/**
 * Secrets encrypted with AES-256-GCM and kept in {@link SecretBlobs} under the account name.
 *
 * <p>Blob layout: version byte {@code 1}, 12-byte random nonce, ciphertext with its 128-bit
 * tag. The account name is the GCM associated data, so a blob copied to another account does
 * not decrypt.
 */
final class EncryptedTokenStore implements TokenStore {
    private static final Logger log = LoggerFactory.getLogger(EncryptedTokenStore.class);

    static final byte VERSION = 1;
    static final int NONCE_BYTES = 12;
    static final int TAG_BITS = 128;
    static final int KEY_BYTES = 32;
    private static final String TRANSFORMATION = "AES/GCM/NoPadding";

    private final SecretBlobs blobs;
    private final SecretKey key;
    private final SecureRandom random;

    EncryptedTokenStore(SecretBlobs blobs, byte[] key32, SecureRandom random) {
        this.blobs = Objects.requireNonNull(blobs, "blobs");
        Objects.requireNonNull(key32, "key32");
        if (key32.length != KEY_BYTES) {
            throw new IllegalArgumentException("storage key has " + key32.length + " bytes, need " + KEY_BYTES);
        }
        this.key = new SecretKeySpec(key32, "AES");
        this.random = Objects.requireNonNull(random, "random");
    }

    @Override
    public @Nullable String load(String account) throws IOException {
        Objects.requireNonNull(account, "account");
        byte[] blob = blobs.get(account);
        if (blob == null) {
            return null;
        }
        try {
            return decrypt(account, blob);
        } catch (UnreadableBlobException e) {
            log.warn("stored credentials for {} could not be read ({}); a new login will be needed",
                    account, e.getMessage());
            return null;
        }
    }

    @Override
    public void save(String account, String secret) throws IOException {
        Objects.requireNonNull(account, "account");
        Objects.requireNonNull(secret, "secret");
        blobs.put(account, encrypt(account, secret));
    }

    @Override
    public void delete(String account) throws IOException {
        blobs.remove(Objects.requireNonNull(account, "account"));
    }

    @Override
    public boolean persistent() {
        return true;
    }

    byte[] encrypt(String account, String secret) {
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        byte[] plain = secret.getBytes(StandardCharsets.UTF_8);
        try {
            Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(associatedData(account));
            byte[] sealed = cipher.doFinal(plain);
            return ByteBuffer.allocate(1 + NONCE_BYTES + sealed.length).put(VERSION).put(nonce).put(sealed).array();
        } catch (GeneralSecurityException e) {
            // AES-GCM is mandatory in every Java runtime; reaching this is a broken JDK.
            throw new IllegalStateException("AES-GCM encryption is unavailable: " + e, e);
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    String decrypt(String account, byte[] blob) throws UnreadableBlobException {
        if (blob.length == 0) {
            throw new UnreadableBlobException("empty blob");
        }
        if (blob[0] != VERSION) {
            throw new UnreadableBlobException("unknown format version " + (blob[0] & 0xff));
        }
        int minimum = 1 + NONCE_BYTES + TAG_BITS / 8;
        if (blob.length < minimum) {
            throw new UnreadableBlobException("truncated: " + blob.length + " bytes, at least " + minimum + " expected");
        }
        byte[] plain;
        try {
            Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, blob, 1, NONCE_BYTES));
            cipher.updateAAD(associatedData(account));
            plain = cipher.doFinal(blob, 1 + NONCE_BYTES, blob.length - 1 - NONCE_BYTES);
        } catch (AEADBadTagException e) {
            throw new UnreadableBlobException("authentication failed: another storage key, or the data was modified");
        } catch (GeneralSecurityException e) {
            throw new UnreadableBlobException("decryption failed: " + e.getClass().getSimpleName());
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(plain))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new UnreadableBlobException("decrypted data is not UTF-8 text");
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    private static byte[] associatedData(String account) {
        return ("cloud_mdir_sync token\0" + account).getBytes(StandardCharsets.UTF_8);
    }

    /** Why a stored blob was refused; the message holds no secret material. */
    static final class UnreadableBlobException extends Exception {
        private static final long serialVersionUID = 1L;

        UnreadableBlobException(String reason) {
            super(reason);
        }
    }
}
