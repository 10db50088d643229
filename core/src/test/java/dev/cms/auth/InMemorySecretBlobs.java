package dev.cms.auth;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The test stand-in for the state.db blob table. */
final class InMemorySecretBlobs implements SecretBlobs {
    final Map<String, byte[]> blobs = new ConcurrentHashMap<>();

    @Override
    public byte[] get(String key) {
        byte[] blob = blobs.get(key);
        return blob == null ? null : blob.clone();
    }

    @Override
    public void put(String key, byte[] blob) {
        blobs.put(key, blob.clone());
    }

    @Override
    public void remove(String key) {
        blobs.remove(key);
    }
}
