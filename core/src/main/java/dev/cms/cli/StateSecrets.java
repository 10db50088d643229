package dev.cms.cli;

import dev.cms.auth.SecretBlobs;
import dev.cms.store.StateDb;
import java.io.IOException;
import org.jspecify.annotations.Nullable;

/** The encrypted logins' blobs as {@code state.db} keeps them, for the token store. */
final class StateSecrets {
    private StateSecrets() {}

    /** Reads and writes the secrets of {@code db}. */
    static SecretBlobs of(StateDb db) {
        return new SecretBlobs() {
            @Override
            public byte @Nullable [] get(String key) throws IOException {
                return db.secret(key);
            }

            @Override
            public void put(String key, byte[] blob) throws IOException {
                db.putSecret(key, blob);
            }

            @Override
            public void remove(String key) throws IOException {
                db.removeSecret(key);
            }
        };
    }

    /** Reads the secrets of {@code db} and writes nothing back (a look that changes nothing). */
    static SecretBlobs readOnly(StateDb db) {
        SecretBlobs saved = of(db);
        return new SecretBlobs() {
            @Override
            public byte @Nullable [] get(String key) throws IOException {
                return saved.get(key);
            }

            @Override
            public void put(String key, byte[] blob) {}

            @Override
            public void remove(String key) {}
        };
    }
}
