package dev.cms.auth;

import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.jspecify.annotations.Nullable;

/** Opens the {@link TokenStore}, finding the storage key as DESIGN.md §6 describes. */
public final class TokenStores {
    private static final Logger log = LoggerFactory.getLogger(TokenStores.class);
    static final String ENV_KEY = "CMS_STORAGE_KEY";
    private static final AtomicBoolean warnedMemoryOnly = new AtomicBoolean();
    private static final SecureRandom RANDOM = new SecureRandom();

    private TokenStores() {}

    /**
     * Picks the key source in this order: (1) the system keyring (service "cloud_mdir_sync",
     * account "storage"; a missing entry is created with a fresh random key) when {@code
     * tryKeyring}; (2) the environment variable {@code CMS_STORAGE_KEY} (base64 of 32 bytes);
     * (3) {@code storageKeyFile} when not null (mode 0600, created with a new key when missing);
     * (4) otherwise an in-memory store, with a WARN once per process.
     *
     * <p>Keyring failures of any kind fall through to the next source (logged at DEBUG).
     *
     * @throws StorageKeyException when {@code CMS_STORAGE_KEY}, the key file or the keyring entry
     *     exists but is unusable; the message says which and why, never the key
     */
    public static TokenStore open(SecretBlobs blobs, Map<String, String> env, @Nullable Path storageKeyFile,
            boolean tryKeyring)
            throws StorageKeyException, IOException {
        return open(blobs, env, storageKeyFile, tryKeyring ? new JavaKeyring() : null);
    }

    /** As {@link #open(SecretBlobs, Map, Path, boolean)}, with the keyring given (null: skip it). */
    static TokenStore open(SecretBlobs blobs, Map<String, String> env, @Nullable Path storageKeyFile,
            @Nullable KeyringAccess keyring)
            throws StorageKeyException, IOException {
        Objects.requireNonNull(blobs, "blobs");
        Objects.requireNonNull(env, "env");
        if (keyring != null) {
            byte[] key = fromKeyring(keyring);
            if (key != null) {
                log.debug("storage key from the {}", keyring.describe());
                return withKey(blobs, key);
            }
        }
        String fromEnv = env.get(ENV_KEY);
        if (fromEnv != null) {
            log.debug("storage key from {}", ENV_KEY);
            return withKey(blobs, StorageKeys.decode(fromEnv, "environment variable " + ENV_KEY));
        }
        if (storageKeyFile != null) {
            log.debug("storage key from {}", storageKeyFile);
            return withKey(blobs, StorageKeyFile.readOrCreate(storageKeyFile, RANDOM));
        }
        if (warnedMemoryOnly.compareAndSet(false, true)) {
            log.warn("no keyring, " + ENV_KEY + " or cfg.storage_key_file: tokens are kept in memory only;"
                    + " a restart will need a new login");
        }
        return memoryOnly();
    }

    /** For tests: a store encrypting with the given raw 32-byte key. */
    public static TokenStore withKey(SecretBlobs blobs, byte[] key32) {
        return new EncryptedTokenStore(blobs, key32, RANDOM);
    }

    /** A store that forgets everything when the process ends. */
    public static TokenStore memoryOnly() {
        return new MemoryTokenStore();
    }

    /** The key from the keyring, created there when absent; null when the keyring is not usable. */
    private static byte @Nullable [] fromKeyring(KeyringAccess keyring) throws StorageKeyException {
        String stored;
        try {
            stored = keyring.read();
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable e) {
            log.debug("no usable keyring ({}); trying the next storage key source", describe(e));
            return null;
        }
        if (stored != null) {
            return StorageKeys.decode(stored, "the " + keyring.describe()
                    + " (remove the entry to have a new key made, which needs new logins)");
        }
        byte[] key = StorageKeys.newKey(RANDOM);
        try {
            keyring.write(StorageKeys.encode(key));
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable e) {
            log.debug("could not store a new key in the {} ({}); trying the next storage key source",
                    keyring.describe(), describe(e));
            return null;
        }
        log.info("created a new storage key in the {}", keyring.describe());
        return key;
    }

    private static String describe(Throwable e) {
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        return e.getClass().getName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }
}
