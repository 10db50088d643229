package dev.cms.auth;

import com.github.javakeyring.Keyring;
import com.github.javakeyring.PasswordAccessException;
import org.jspecify.annotations.Nullable;

/**
 * The system keyring through java-keyring (Secret Service on Linux). Every call opens and
 * closes the backend; callers catch whatever it throws, linkage errors included, because a
 * headless machine without D-Bus is normal.
 */
final class JavaKeyring implements KeyringAccess {
    static final String SERVICE = "cloud_mdir_sync";
    static final String ACCOUNT = "storage";

    @Override
    public @Nullable String read() throws Exception {
        Keyring keyring = Keyring.create();
        try {
            return keyring.getPassword(SERVICE, ACCOUNT);
        } catch (PasswordAccessException e) {
            // java-keyring reports a missing entry this way; the caller then creates it.
            return null;
        } finally {
            close(keyring);
        }
    }

    @Override
    public void write(String value) throws Exception {
        Keyring keyring = Keyring.create();
        try {
            keyring.setPassword(SERVICE, ACCOUNT, value);
        } finally {
            close(keyring);
        }
    }

    @Override
    public String describe() {
        return "keyring entry service=" + SERVICE + " account=" + ACCOUNT;
    }

    private static void close(Keyring keyring) throws Exception {
        try {
            keyring.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw e;
        }
    }
}
